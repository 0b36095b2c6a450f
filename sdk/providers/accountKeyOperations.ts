/**
 * AccountSshKey's create, read, update and delete against the account's key set (`GET|PUT
 * /v2/account/ssh-keys`), which the API only replaces as a whole.
 *
 * The one rule: a line this resource did not write is never modified or removed.
 * - A line is this resource's only when it carries the resource's owner mark (see `isOwnLine`); the mark is
 *   written only by this resource's own create, onto a line it adds, never onto a line that was there.
 * - create: when the key is already on the account in somebody else's line, nothing is written and the
 *   resource reports `alreadyPresent`; it then never writes that key again (update records the new inputs
 *   only, delete leaves the line). A line with this resource's own mark is adopted: it was left by an
 *   interrupted earlier create of the same resource.
 * - read: reports the resource's own line; a key present only in somebody else's line is not copied into state
 *   (for `alreadyPresent` the recorded line stays as it was, otherwise the resource is reported gone).
 * - every write is read -> merge -> write, then a read-back after a settle wait; a concurrent writer that
 *   dropped (or restored) our line is answered by another round. Other lines keep their bytes and order;
 *   lines we cannot parse are kept; a write past Runpod's size limit is refused with a message.
 */
import { createHash } from "node:crypto";
import {
  ACCOUNT_KEY_SET_LIMIT,
  countOwnLines,
  hasKey,
  isOwnLine,
  keySetSize,
  linesTheApiRefuses,
  putOwnLine,
  removeOwnLines,
  sameKeySet,
  type OwnLineRule,
} from "../ssh/accountKeySet";
import { keyIdentity, parsePublicKey } from "../ssh/publicKey";
import { sleep } from "../runpod/retryPolicy";
import { reportProgress } from "./progress";

/** Inputs as stored in state (after `check`). */
export interface AccountSshKeyInputs {
  publicKey: string;
  comment?: string;
  /** The resource's URN, set by the AccountSshKey class; a short hash of it marks the line as this resource's. */
  ownerTag?: string;
}

/** Outputs. */
export interface AccountSshKeyOutputs extends AccountSshKeyInputs {
  /**
   * The line that carries the key on the account: ours (`type base64 [comment] pulumi:<mark>`), or, when the key
   * was already there, somebody else's line as it was when this resource was created (never rewritten).
   */
  registeredKey: string;
  keyType: string;
  fingerprint: string;
  /** True when the key was on the account in somebody else's line before this resource (left there on delete). */
  alreadyPresent: boolean;
}

/** The two calls on the account's key set (the Runpod client has them; tests pass an in-memory fake). */
export interface KeySetApi {
  getSshKeys(): Promise<string[]>;
  putSshKeys(keys: string[]): Promise<unknown>;
}

/** What the operations need: the key-set API (resolved at call time) and the wait before each read-back. */
export interface KeySetDeps {
  api(): KeySetApi;
  /** Waits after a write, before reading back (`round` counts from 1). */
  settle(round: number): Promise<void>;
}

/** How many read-merge-write rounds we try before giving up on a busy account. */
export const MAX_KEY_WRITE_ROUNDS = 20;

/**
 * How long to wait after a write before reading back, in ms (`RUNPOD_SSH_KEY_SETTLE_MS` overrides; default
 * 1500). There is no compare-and-swap on the key set: a writer that read the set before our write and writes
 * after it drops our key. Such a writer's read-to-write gap is one request long, so reading back after a
 * settle longer than that catches every such loss; we then write again.
 */
export function keySettleMs(): number {
  const fromEnv = Number(process.env.RUNPOD_SSH_KEY_SETTLE_MS);
  return Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : 1500;
}

/** The settle wait, with jitter so that writers that collided do not collide again. */
export async function settleWithJitter(round: number): Promise<void> {
  const base = keySettleMs();
  await sleep(base + Math.random() * Math.max(50, base / 2) * Math.min(round, 4));
}

/**
 * The ownership mark appended to the registered line: `pulumi:<8 hex of the resource URN>`. It tells a person
 * reading the account's keys which ones a stack manages, and tells a retried create (after an interrupted one)
 * that a line already there is its own, so destroy removes it, while a line somebody else registered by hand
 * (no mark, or another mark) is left alone.
 */
export function ownerMark(ownerTag: string): string {
  return `pulumi:${createHash("sha256").update(ownerTag).digest("hex").slice(0, 8)}`;
}

/** The line this resource registers for `inputs`: `type base64 [label] [pulumi:<mark>]`. */
export function keyLineFor(inputs: AccountSshKeyInputs): { line: string; identity: string; type: string; fingerprint: string } {
  const parsed = parsePublicKey(inputs.publicKey, "publicKey");
  const label = inputs.comment !== undefined ? inputs.comment.trim() : parsed.comment;
  const comment = [label, inputs.ownerTag ? ownerMark(inputs.ownerTag) : ""].filter((x) => x !== "").join(" ");
  return {
    line: comment ? `${parsed.identity} ${comment}` : parsed.identity,
    identity: parsed.identity,
    type: parsed.type,
    fingerprint: parsed.fingerprint,
  };
}

/** Which lines are this resource's, for given inputs (the line it would write). */
function ruleFor(inputs: Pick<AccountSshKeyInputs, "ownerTag">, identity: string, line: string): OwnLineRule {
  return inputs.ownerTag ? { identity, mark: ownerMark(inputs.ownerTag) } : { identity, line };
}

/** Which lines are this resource's, from its recorded state. */
function ruleFromState(props: AccountSshKeyOutputs): OwnLineRule | undefined {
  const identity = keyIdentity(props.registeredKey ?? "") ?? keyIdentity(props.publicKey ?? "");
  return identity ? ruleFor(props, identity, props.registeredKey) : undefined;
}

function tooLarge(size: number): Error {
  return new Error(
    `Registering this key would make the account's SSH key set ${size} characters long, above Runpod's limit of about ` +
      `${ACCOUNT_KEY_SET_LIMIT}. Remove keys you no longer use (Runpod console > Settings > SSH Public Keys), or share ` +
      "one SshKey across stacks instead of registering a fresh key on every run.",
  );
}

/**
 * Writes the whole set, after checking that the API will accept every line: lines it would refuse (kept from
 * older rules) are reported, never dropped.
 */
async function writeKeySet(api: KeySetApi, keys: string[]): Promise<void> {
  const refused = linesTheApiRefuses(keys);
  if (refused.length > 0) {
    throw new Error(
      `The account's SSH key list holds ${refused.length} line(s) Runpod no longer accepts (` +
        refused.map((r) => `line ${r.index + 1}, starting ${JSON.stringify(r.start)}`).join("; ") +
        "). Writing the list back would fail, and dropping them would lose them: fix or remove them in the Runpod console " +
        "(Settings > SSH Public Keys), then retry.",
    );
  }
  await api.putSshKeys(keys);
}

/**
 * Makes `keyLine` the resource's one line on the account (in place of its own line(s) under `rules`, else
 * appended) and keeps it there against concurrent writers. With `stopIfForeign`, a key present only in somebody
 * else's line at the first read ends the call without a write: that line is returned.
 */
async function putOwnKeyLine(
  deps: KeySetDeps,
  keyLine: string,
  rules: OwnLineRule[],
  stopIfForeign: (current: string[]) => string | undefined,
): Promise<{ foreignLine?: string }> {
  const api = deps.api();
  for (let round = 1; round <= MAX_KEY_WRITE_ROUNDS; round++) {
    const current = await api.getSshKeys();
    if (round === 1) {
      const foreignLine = stopIfForeign(current);
      if (foreignLine !== undefined) return { foreignLine };
    }
    const next = putOwnLine(current, rules, keyLine);
    // Our line is there as it should be: nothing to write, nothing to verify.
    if (sameKeySet(next, current)) return {};
    const size = keySetSize(next);
    if (size > ACCOUNT_KEY_SET_LIMIT) throw tooLarge(size);
    await writeKeySet(api, next);
    // Read back after the settle: a writer that read before our write and wrote after it dropped our line.
    await deps.settle(round);
    if ((await api.getSshKeys()).includes(keyLine)) return {};
    reportProgress(`SSH key ${keyLine.slice(0, 30)}... was dropped by a concurrent change to the account's keys; writing it again`);
  }
  throw new Error(
    `Could not keep the SSH key registered on the Runpod account: other writers replaced the key set ${MAX_KEY_WRITE_ROUNDS} times in a row. ` +
      "Retry the update; if it keeps happening, something is rewriting the account's keys continuously.",
  );
}

/** Registers the key; reports it `alreadyPresent` (and writes nothing) when somebody else's line carries it. */
export async function createAccountKey(deps: KeySetDeps, inputs: AccountSshKeyInputs): Promise<AccountSshKeyOutputs> {
  const l = keyLineFor(inputs);
  const rule = ruleFor(inputs, l.identity, l.line);
  const { foreignLine } = await putOwnKeyLine(deps, l.line, [rule], (current) => {
    // Only a marked line can be ours before we write: it is an interrupted create's, adopted. Without a mark,
    // a line of this key that is already there, even the exact one, is somebody else's.
    const adoptable = rule.mark !== undefined && countOwnLines(current, rule) > 0;
    return adoptable ? undefined : current.find((k) => keyIdentity(k) === l.identity);
  });
  return { ...inputs, registeredKey: foreignLine ?? l.line, keyType: l.type, fingerprint: l.fingerprint, alreadyPresent: foreignLine !== undefined };
}

/**
 * The resource as it is on the account now, or `undefined` when it is gone. A key of ours: its own line (an
 * edited comment shows up as a change); a key that was already present: whether a line still carries it.
 */
export async function readAccountKey(deps: KeySetDeps, props: AccountSshKeyOutputs): Promise<AccountSshKeyOutputs | undefined> {
  const rule = ruleFromState(props);
  if (!rule) return undefined;
  const keys = await deps.api().getSshKeys();
  if (props.alreadyPresent) return hasKey(keys, rule.identity) ? props : undefined;
  const own = keys.find((k) => isOwnLine(k, rule));
  return own === undefined ? undefined : { ...props, registeredKey: own };
}

/**
 * Applies new inputs (same key): our own line is rewritten with the new comment; a key that was already
 * present (somebody else's line) is never written, only the new inputs are recorded.
 */
export async function updateAccountKey(deps: KeySetDeps, olds: AccountSshKeyOutputs, news: AccountSshKeyInputs): Promise<AccountSshKeyOutputs> {
  const l = keyLineFor(news);
  const kept = { keyType: l.type, fingerprint: l.fingerprint };
  if (olds.alreadyPresent) {
    reportProgress(`SSH key ${l.fingerprint} is registered by somebody else's line on the account; leaving that line as it is`);
    return { ...news, ...kept, registeredKey: olds.registeredKey, alreadyPresent: true };
  }
  const oldRule = ruleFromState(olds);
  const rules = [...(oldRule ? [oldRule] : []), ...(news.ownerTag ? [ruleFor(news, l.identity, l.line)] : [])];
  const { foreignLine } = await putOwnKeyLine(deps, l.line, rules, (current) =>
    // Our line is gone and somebody else's carries the key now: theirs, left alone.
    current.some((k) => rules.some((r) => isOwnLine(k, r))) ? undefined : current.find((k) => keyIdentity(k) === l.identity),
  );
  return { ...news, ...kept, registeredKey: foreignLine ?? l.line, alreadyPresent: foreignLine !== undefined };
}

/** Removes the resource's own line(s), and nothing else; a key that was already present is left in place. */
export async function deleteAccountKey(deps: KeySetDeps, props: AccountSshKeyOutputs): Promise<void> {
  const rule = ruleFromState(props);
  if (!rule) return;
  if (props.alreadyPresent) {
    reportProgress(`SSH key ${props.fingerprint} was on the account before this stack registered it; leaving it there`);
    return;
  }
  const api = deps.api();
  for (let round = 1; round <= MAX_KEY_WRITE_ROUNDS; round++) {
    const current = await api.getSshKeys();
    const { keys, removed } = removeOwnLines(current, rule);
    if (removed === 0) return;
    await writeKeySet(api, keys);
    // A writer that read before our write (with our line in it) and writes after it puts our line back.
    await deps.settle(round);
    if (countOwnLines(await api.getSshKeys(), rule) <= countOwnLines(current, rule) - removed) return;
  }
  throw new Error(
    `Could not remove the SSH key from the Runpod account: concurrent writers restored it ${MAX_KEY_WRITE_ROUNDS} times. Retry the destroy.`,
  );
}
