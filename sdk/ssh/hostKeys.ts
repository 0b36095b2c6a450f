/**
 * A pod's SSH host keys: read once sshd answers, then pinned in every command this package writes.
 *
 * The keys are read by running the start of an SSH connection with the pod's sshd (hostKeyExchange.ts): the key
 * exchange completes up to the server's signature, which is verified, so each key is one the server holds. One
 * connection yields one key; the first asks for every type, most preferred first, and its answer also lists the
 * types the server has, so a further connection is made only for each other type it has. Every key is then
 * checked by this package's key parser (the one AccountSshKey uses).
 *
 * Which key is pinned: the first of ed25519, ECDSA (P-256, P-384, P-521), RSA the pod offers. The commands ask
 * for that key's algorithm (`HostKeyAlgorithms`), because OpenSSH does not reorder its algorithm proposal after
 * the keys a `KnownHostsCommand` prints: without it, a pod that also has an ed25519 key would answer with that
 * one and fail a pin on its RSA key.
 */
import { exchangeHostKey, keyTypeOfAlgorithm } from "./hostKeyExchange";
import { parsePublicKey, PublicKeyError } from "./publicKey";
import { assertSshPath } from "./sshAddress";

/** Host key types, most preferred first, with the `HostKeyAlgorithms` that verify a key of that type. */
const PINNABLE: Array<{ type: string; algorithms: string }> = [
  { type: "ssh-ed25519", algorithms: "ssh-ed25519" },
  { type: "ecdsa-sha2-nistp256", algorithms: "ecdsa-sha2-nistp256" },
  { type: "ecdsa-sha2-nistp384", algorithms: "ecdsa-sha2-nistp384" },
  { type: "ecdsa-sha2-nistp521", algorithms: "ecdsa-sha2-nistp521" },
  { type: "ssh-rsa", algorithms: "rsa-sha2-512,rsa-sha2-256" },
];

export interface HostKeyScan {
  /** Host keys as `type base64` lines, the pinnable ones first in order of preference; empty on failure. */
  keys: string[];
  /** Why no key was read (empty when keys were read). */
  detail: string;
  /** The server presented a key it does not hold (see HostKeyExchange.forged). */
  forged?: boolean;
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
  assertSshPath("(known_hosts line)", { host, port });
  return `${knownHostsPattern(host, port)} ${key}`;
}

/** Host key algorithms by key type, in order of preference (the same order as PINNABLE). */
const FAMILIES: string[][] = [
  ["ssh-ed25519"],
  ["ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"],
  ["rsa-sha2-512", "rsa-sha2-256"],
];

/**
 * Reads the host keys of the sshd at host:port (see the file comment). Never throws: a failure comes back as no
 * keys and the reason.
 */
export async function readHostKeys(host: string, port: number, timeoutMs = 5000): Promise<HostKeyScan> {
  const first = await exchangeHostKey(host, port, FAMILIES.flat(), timeoutMs);
  if (!first.key) return { keys: [], detail: first.detail, forged: first.forged };
  const firstType = first.key.split(" ")[0];
  const others = FAMILIES.filter((family) => keyTypeOfAlgorithm(family[0]) !== firstType)
    .map((family) => family.filter((a) => first.serverAlgorithms.includes(a)))
    .filter((family) => family.length > 0);
  const more = await Promise.all(others.map((family) => exchangeHostKey(host, port, family, timeoutMs)));
  return { keys: normalizeHostKeys([first.key, ...more.flatMap((m) => (m.key ? [m.key] : []))]), detail: "" };
}
