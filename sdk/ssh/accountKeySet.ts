/**
 * Pure operations on the account's SSH key set (the list behind `GET|PUT /v2/account/ssh-keys`).
 *
 * The API only replaces the whole set, so every change is read -> merge -> write. These functions are the
 * merge: they add or remove one key by identity (type + base64, the comment ignored, as SkyPilot does) and keep
 * every other line exactly as it was, byte for byte, including lines they cannot parse (as runpodctl does).
 *
 * Ownership: a line belongs to one AccountSshKey resource only when it carries that resource's owner mark
 * (`pulumi:<8 hex>` as the last word of the comment), which only that resource's create ever writes onto a line
 * it added. Any other line, even one with the same key and comment, is somebody else's and is never rewritten
 * or removed. A resource without an owner mark owns only the exact line it added.
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

/** Which lines of a key set belong to one AccountSshKey resource. */
export interface OwnLineRule {
  /** `type base64` of the resource's key. */
  identity: string;
  /** The resource's owner mark (`pulumi:<8 hex>`): a line of this key ending with it is the resource's. */
  mark?: string;
  /** Without a mark: the exact line the resource added. */
  line?: string;
}

/** The owner mark a line carries (the last word of its comment when it looks like `pulumi:<8 hex>`), if any. */
export function ownerMarkOfLine(line: string): string | undefined {
  const fields = line.trim().split(/[ \t]+/);
  const last = fields[fields.length - 1];
  return fields.length >= 3 && /^pulumi:[0-9a-f]{8}$/.test(last) ? last : undefined;
}

/** True when `line` belongs to the resource described by `rule`. */
export function isOwnLine(line: string, rule: OwnLineRule): boolean {
  if (keyIdentity(line) !== rule.identity) return false;
  if (rule.mark !== undefined) return ownerMarkOfLine(line) === rule.mark;
  return rule.line !== undefined && line === rule.line;
}

/** How many lines of `keys` belong to `rule`'s resource. */
export function countOwnLines(keys: readonly string[], rule: OwnLineRule): number {
  return keys.filter((k) => isOwnLine(k, rule)).length;
}

/**
 * Where the resource's own lines are. With an owner mark, every line of the key carrying it; without one, the
 * last copy of the exact line only (an identical copy somebody else added cannot be told apart, so one stays).
 */
function ownLineIndexes(keys: readonly string[], rule: OwnLineRule): number[] {
  if (rule.mark !== undefined) return keys.flatMap((k, i) => (isOwnLine(k, rule) ? [i] : []));
  const at = rule.line === undefined ? -1 : keys.lastIndexOf(rule.line);
  return at >= 0 && isOwnLine(keys[at], rule) ? [at] : [];
}

/**
 * Puts `line` in place of the resource's own line(s): the first own line (under any of `rules`) becomes `line`,
 * further own lines are dropped, and `line` is appended when there was none. Every other line is kept as it
 * was, in order.
 */
export function putOwnLine(keys: readonly string[], rules: readonly OwnLineRule[], line: string): string[] {
  const own = new Set(rules.flatMap((r) => ownLineIndexes(keys, r)));
  const out: string[] = [];
  let placed = false;
  keys.forEach((k, i) => {
    if (!own.has(i)) out.push(k);
    else if (!placed) {
      out.push(line);
      placed = true;
    }
  });
  if (!placed) out.push(line);
  return out;
}

/** Removes the resource's own lines (see `ownLineIndexes`); every other line is kept as it was, in order. */
export function removeOwnLines(keys: readonly string[], rule: OwnLineRule): { keys: string[]; removed: number } {
  const own = new Set(ownLineIndexes(keys, rule));
  return { keys: keys.filter((_, i) => !own.has(i)), removed: own.size };
}

/** True when two key sets hold the same lines in the same order. */
export function sameKeySet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
