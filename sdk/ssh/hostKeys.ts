/**
 * A pod's SSH host keys: read once sshd answers, then pinned in every command this package writes.
 *
 * The keys are read with the system `ssh-keyscan` (OpenSSH), which runs the key exchange with the pod's sshd up
 * to the server's signed reply and prints the host key it carries, one connection per key type. The keys it
 * prints are exactly what the `ssh` client will later compare, in the same format; no new dependency and no
 * native code. Every key is then checked by this package's parser (the one AccountSshKey uses).
 *
 * Which key is pinned: the first of ed25519, ECDSA (P-256, P-384, P-521), RSA the pod offers. The commands ask
 * for that key's algorithm (`HostKeyAlgorithms`), because OpenSSH does not reorder its algorithm proposal after
 * the keys a `KnownHostsCommand` prints: without it, a pod that also has an ed25519 key would answer with that
 * one and fail a pin on its RSA key.
 */
import { execFile } from "node:child_process";
import { parsePublicKey, PublicKeyError } from "./publicKey";

/** Host key types, most preferred first, with the `HostKeyAlgorithms` that verify a key of that type. */
const PINNABLE: Array<{ type: string; algorithms: string }> = [
  { type: "ssh-ed25519", algorithms: "ssh-ed25519" },
  { type: "ecdsa-sha2-nistp256", algorithms: "ecdsa-sha2-nistp256" },
  { type: "ecdsa-sha2-nistp384", algorithms: "ecdsa-sha2-nistp384" },
  { type: "ecdsa-sha2-nistp521", algorithms: "ecdsa-sha2-nistp521" },
  { type: "ssh-rsa", algorithms: "rsa-sha2-512,rsa-sha2-256" },
];

/** The environment variable naming the `ssh-keyscan` program (default: `ssh-keyscan` on PATH). */
export const KEYSCAN_ENV = "RUNPOD_SSH_KEYSCAN";

export interface HostKeyScan {
  /** Host keys as `type base64` lines, the pinnable ones first in order of preference; empty on failure. */
  keys: string[];
  /** Why no key was read (empty when keys were read). */
  detail: string;
  /** True when `ssh-keyscan` itself could not be run (not installed). */
  toolMissing: boolean;
}

function rank(line: string): number {
  const i = PINNABLE.findIndex((p) => line.startsWith(`${p.type} `));
  return i === -1 ? PINNABLE.length : i;
}

/** Keys as `type base64`, deduplicated, each loadable by OpenSSH, in order of preference. */
export function normalizeHostKeys(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    try {
      const parsed = parsePublicKey(line, "hostKey");
      if (!out.includes(parsed.identity)) out.push(parsed.identity);
    } catch (e) {
      if (!(e instanceof PublicKeyError)) throw e;
    }
  }
  return out.sort((a, b) => rank(a) - rank(b));
}

/** The key the commands pin (`type base64`), or undefined when the pod offered none of a pinnable type. */
export function pinnedHostKey(keys: readonly string[] | null | undefined): string | undefined {
  const best = normalizeHostKeys(keys ?? [])[0];
  return best !== undefined && rank(best) < PINNABLE.length ? best : undefined;
}

/** The `HostKeyAlgorithms` value that makes ssh ask for the pinned key's type. */
export function hostKeyAlgorithmsFor(key: string): string {
  const entry = PINNABLE.find((p) => key.startsWith(`${p.type} `));
  if (!entry) throw new Error(`no host key algorithm for a key of type ${key.split(" ")[0]}`);
  return entry.algorithms;
}

/** The host pattern OpenSSH looks a host up under: `[host]:port`, or the bare host on port 22. */
export function knownHostsPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** One `known_hosts` line: `[host]:port type base64`. */
export function knownHostsLine(host: string, port: number, key: string): string {
  return `${knownHostsPattern(host, port)} ${key}`;
}

/** One `ssh-keyscan` run for one key type. */
function scanOneType(
  program: string,
  host: string,
  port: number,
  type: string,
  timeoutMs: number,
): Promise<HostKeyScan> {
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const args = ["-T", seconds, "-p", String(port), "-t", type, host];
  return new Promise((resolve) => {
    execFile(program, args, { timeout: timeoutMs + 2000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const lines = String(stdout)
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((l) => l.split(/\s+/).slice(1, 3).join(" "));
      const keys = normalizeHostKeys(lines);
      if (keys.length > 0) return resolve({ keys, detail: "", toolMissing: false });
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === "ENOENT" || code === "EACCES") {
        return resolve({
          keys: [],
          detail: `${program} could not be run (${code}); install the OpenSSH client (it includes ssh-keyscan)`,
          toolMissing: true,
        });
      }
      const said = String(stderr)
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("#"))
        .slice(-2)
        .join("; ");
      resolve({ keys: [], detail: `ssh-keyscan read no host key${said ? ` (${said})` : ""}`, toolMissing: false });
    });
  });
}

/**
 * Reads the host keys of the sshd at host:port with `ssh-keyscan`: ed25519, ECDSA and RSA, one run per type at
 * the same time (ssh-keyscan itself would read them one after the other, each a full key exchange). Never
 * throws: a failure comes back as no keys and the reason.
 */
export async function scanHostKeys(host: string, port: number, timeoutMs = 5000): Promise<HostKeyScan> {
  const program = process.env[KEYSCAN_ENV] || "ssh-keyscan";
  const runs = await Promise.all(
    ["ed25519", "ecdsa", "rsa"].map((t) => scanOneType(program, host, port, t, timeoutMs)),
  );
  const keys = normalizeHostKeys(runs.flatMap((r) => r.keys));
  if (keys.length > 0) return { keys, detail: "", toolMissing: false };
  return runs.find((r) => r.toolMissing) ?? runs[0];
}
