/**
 * The host-key fingerprints a pod's start script prints to its container log, read back through the authenticated
 * API (`GET /v2/pods/{id}/logs`): a channel that proves the host key without trusting the network path the key
 * exchange ran over.
 *
 * Runpod's official start script (and this package's bootstrap, startScript.ts) prints, once sshd runs:
 *
 * ```
 * SSH host keys:
 * Key: /etc/ssh/ssh_host_ed25519_key.pub
 * 256 SHA256:<base64> root@<host> (ED25519)
 * ```
 *
 * A container that restarts prints the block again, so only the last block counts.
 */
import { fingerprintOf } from "./publicKey";

/** The line that opens a block. */
export const HOST_KEYS_HEADER = "SSH host keys:";

/** An `ssh-keygen -lf` line: bits, fingerprint, comment, (type). */
const FINGERPRINT_LINE = /^\s*\d+\s+(SHA256:[A-Za-z0-9+/]{43})\s/;

/** The fingerprints of the last block in the log lines, or undefined when the log holds no block. */
export function loggedFingerprints(lines: readonly string[]): string[] | undefined {
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].trim() === HOST_KEYS_HEADER) {
      start = i;
      break;
    }
  }
  if (start === -1) return undefined;
  const found: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = FINGERPRINT_LINE.exec(line);
    if (match && !found.includes(match[1])) found.push(match[1]);
  }
  return found;
}

/** The `SHA256:` fingerprint of a `type base64` key. */
export function hostKeyFingerprint(key: string): string {
  return fingerprintOf(key.split(" ")[1] ?? "");
}

/** The keys (`type base64`) whose fingerprint is not among `fingerprints`. */
export function keysNotLogged(keys: readonly string[], fingerprints: readonly string[]): string[] {
  return keys.filter((key) => !fingerprints.includes(hostKeyFingerprint(key)));
}
