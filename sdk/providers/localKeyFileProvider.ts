/**
 * LocalKeyFile's provider logic: writes a private key to a file at `pulumi up` (mode 0600, in a directory
 * created with mode 0700) and removes it on destroy. The key content is an input (kept secret in state by
 * Pulumi) and never an output: outputs carry the path and a hash of the content only.
 *
 * The file is written on the machine that runs `pulumi up`; in CI that is the runner.
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
    const absolutePath = expandPath(inputs.path);
    writePrivateKeyFile(absolutePath, inputs.content);
    const outs: LocalKeyFileOutputs = { path: inputs.path, absolutePath, contentSha256: sha256(normalizeKey(inputs.content)) };
    return { id: absolutePath, outs };
  },

  async read(id: string, props: LocalKeyFileOutputs): Promise<dynamic.ReadResult> {
    if (!fs.existsSync(props.absolutePath ?? id)) return { id: "", props: {} };
    return { id, props };
  },

  async update(_id: string, _olds: LocalKeyFileOutputs, news: LocalKeyFileInputs): Promise<dynamic.UpdateResult> {
    const created = await localKeyFileProvider.create(news);
    return { outs: created.outs as LocalKeyFileOutputs };
  },

  async delete(id: string, props: LocalKeyFileOutputs): Promise<void> {
    const file = props.absolutePath ?? id;
    if (!fs.existsSync(file)) return;
    // Only remove the file if it still holds the key we wrote (never somebody's replacement).
    const current = fs.readFileSync(file, "utf8");
    if (sha256(current) === props.contentSha256) fs.rmSync(file);
  },
};
