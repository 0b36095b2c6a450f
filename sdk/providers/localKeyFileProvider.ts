/**
 * LocalKeyFile's provider logic: writes a private key to a file at `pulumi up` (mode 0600, in a directory
 * created with mode 0700) and removes it on destroy. The key content is an input (kept secret in state by
 * Pulumi) and never an output: outputs carry the path and a hash of the content only.
 *
 * The file is written on the machine that runs `pulumi up`; in CI that is the runner. A file already at the path
 * is replaced only when it holds the same key or the key this resource wrote there: never somebody else's key
 * (the default path is derived from names, so another stack or project could have put one there).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UNKNOWN, type CheckFailure } from "../pod/podSpec";

export interface LocalKeyFileInputs {
  path: string;
  content: string;
}

export interface LocalKeyFileOutputs {
  path: string;
  /** Absolute path after `~` expansion. */
  absolutePath: string;
  contentSha256: string;
}

/** Expands a leading `~/` to the home directory and makes the path absolute. */
export function expandPath(p: string): string {
  const expanded = p === "~" ? os.homedir() : p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;
  return path.resolve(expanded);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function normalizeKey(content: string): string {
  const text = content.replace(/\r\n?/g, "\n");
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** Writes `content` to `file` with mode 0600, creating missing directories with mode 0700. */
export function writePrivateKeyFile(file: string, content: string): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, normalizeKey(content), { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** The SHA-256 of the (normalized) file at `file`, or undefined when there is none. */
function existingSha256(file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`The private key file ${file} cannot be read (${(e as Error).message}); it was left as it is.`);
  }
  return sha256(normalizeKey(text));
}

/** Refuses to replace a file that holds neither `content` nor the key this resource wrote before (`ours`). */
function assertReplaceable(file: string, given: string, content: string, ours?: string): void {
  const found = existingSha256(file);
  if (found === undefined || found === sha256(normalizeKey(content)) || found === ours) return;
  throw new Error(
    `The private key file ${given} already exists and holds another key, so it was not overwritten. If it is left ` +
      `over from an earlier stack, delete it and run \`pulumi up\` again; to keep it, set privateKeyFile to another path.`,
  );
}

/** Writes the key (see assertReplaceable); `ours` is the hash of what this resource wrote before, on update. */
function writeKeyFile(inputs: LocalKeyFileInputs, ours?: string): LocalKeyFileOutputs {
  const absolutePath = expandPath(inputs.path);
  assertReplaceable(absolutePath, inputs.path, inputs.content, ours);
  writePrivateKeyFile(absolutePath, inputs.content);
  return { path: inputs.path, absolutePath, contentSha256: sha256(normalizeKey(inputs.content)) };
}

export const localKeyFileProvider = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const failures: CheckFailure[] = [];
    // Every problem is reported on `path`: `content` is a secret, and the engine prints the reported input's value.
    if (news.path !== UNKNOWN) {
      if (typeof news.path !== "string" || news.path.trim() === "") {
        failures.push({ property: "path", reason: "path must be a file path such as ~/.ssh/runpod-trainer (set as privateKeyFile)." });
      } else if (news.path.endsWith("/")) {
        failures.push({
          property: "path",
          reason: `path ${JSON.stringify(news.path)} ends with "/", so it names a directory; give the file name too, e.g. ${JSON.stringify(`${news.path}id_runpod`)}.`,
        });
      }
    }
    if (news.content !== UNKNOWN && (typeof news.content !== "string" || !news.content.includes("PRIVATE KEY"))) {
      failures.push({
        property: "path",
        reason:
          "content holds no private key, so there is nothing to write to path: an SshKey made from a publicKey you brought " +
          "has none. Set privateKeyFile only on an SshKey that generates its key.",
      });
    }
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: LocalKeyFileOutputs, news: LocalKeyFileInputs): Promise<dynamic.DiffResult> {
    const pathChanged = news.path === UNKNOWN || olds.path !== news.path;
    const contentChanged = news.content === UNKNOWN || olds.contentSha256 !== sha256(normalizeKey(news.content));
    return { changes: pathChanged || contentChanged, replaces: pathChanged ? ["path"] : [], deleteBeforeReplace: pathChanged };
  },

  async create(inputs: LocalKeyFileInputs): Promise<dynamic.CreateResult> {
    const outs = writeKeyFile(inputs);
    return { id: outs.absolutePath, outs };
  },

  async read(id: string, props: LocalKeyFileOutputs): Promise<dynamic.ReadResult> {
    if (!fs.existsSync(props.absolutePath ?? id)) return { id: "", props: {} };
    return { id, props };
  },

  async update(_id: string, olds: LocalKeyFileOutputs, news: LocalKeyFileInputs): Promise<dynamic.UpdateResult> {
    // The path is unchanged (a new path replaces): the file may hold the key written before, to be rewritten.
    return { outs: writeKeyFile(news, olds.contentSha256) };
  },

  async delete(id: string, props: LocalKeyFileOutputs): Promise<void> {
    const file = props.absolutePath ?? id;
    if (!fs.existsSync(file)) return;
    // Only remove the file if it still holds the key we wrote (never somebody's replacement).
    const current = fs.readFileSync(file, "utf8");
    if (sha256(current) === props.contentSha256) fs.rmSync(file);
  },
};
