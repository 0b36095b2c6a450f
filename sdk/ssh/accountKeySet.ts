/**
 * Pure operations on the account's SSH key set (the list behind `GET|PUT /v2/account/ssh-keys`).
 *
 * The API only replaces the whole set, so every change is read -> merge -> write. These functions are the
 * merge: they add or remove one key by identity (type + base64, the comment ignored, as SkyPilot does) and keep
 * every other line exactly as it was, byte for byte, including lines they cannot parse (as runpodctl does).
 */
import { keyIdentity } from "./publicKey";

/** Runpod refuses key sets above about 65,000 characters in total (seen by CI jobs adding a key per run). */
export const ACCOUNT_KEY_SET_LIMIT = 65_000;

/** The API's own pattern for one key line (`UpdateSshKeysRequest.keys[]`); a PUT with any other line is a 422. */
export const API_KEY_LINE_PATTERN = /^(ssh|ecdsa|sk)-[^\s]+ [^\s]+([ \t][^\n\r]*)?$/;

/**
 * Lines of the set that the API would refuse in a PUT (the account may hold them from older validation rules).
 * We never drop them silently; the caller reports them so the user can fix them in the console.
 */
export function linesTheApiRefuses(keys: readonly string[]): Array<{ index: number; start: string }> {
  return keys
    .map((k, index) => ({ index, k }))
    .filter(({ k }) => !API_KEY_LINE_PATTERN.test(k))
    .map(({ index, k }) => ({ index, start: k.slice(0, 24) }));
}

/** Total size of a key set as the limit counts it: the lines joined by newlines. */
export function keySetSize(keys: readonly string[]): number {
  return keys.reduce((n, k) => n + k.length, 0) + Math.max(0, keys.length - 1);
}

/** True when `keys` holds a line with the same identity as `identity` (`type base64`). */
export function hasKey(keys: readonly string[], identity: string): boolean {
  return keys.some((k) => keyIdentity(k) === identity);
}

/**
 * Adds `line` unless a key with the same identity is already there (whatever its comment).
 * Returns the new set and whether the key was already present. Other lines are untouched.
 */
export function addKey(keys: readonly string[], line: string): { keys: string[]; alreadyPresent: boolean } {
  const identity = keyIdentity(line);
  if (!identity) throw new Error(`not a key line: ${line.slice(0, 40)}`);
  if (hasKey(keys, identity)) return { keys: [...keys], alreadyPresent: true };
  return { keys: [...keys, line], alreadyPresent: false };
}

/**
 * Removes every line whose identity is `identity`; every other line is kept as it was, in order.
 * Returns the new set and how many lines were removed (0 when the key was already gone).
 */
export function removeKey(keys: readonly string[], identity: string): { keys: string[]; removed: number } {
  const kept = keys.filter((k) => keyIdentity(k) !== identity);
  return { keys: kept, removed: keys.length - kept.length };
}
