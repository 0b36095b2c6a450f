/**
 * AccountSshKey's provider logic: registers one public key on the Runpod account, safely.
 *
 * The API replaces the whole key set on every write, so a careless client drops other people's keys. Here:
 * - create: read -> merge -> write, then read back; if a concurrent writer dropped our key, merge and write
 *   again (bounded, with jitter). Other lines are never changed; lines we cannot parse are kept as they are.
 * - delete: remove only lines with our key's identity (type + base64), leave everything else byte for byte, and
 *   succeed when the key is already gone; read back and repeat if a concurrent writer restored it. A key that
 *   was already registered before this resource existed is left in place (we did not add it).
 * - a write that would push the set past Runpod's size limit is refused with a message saying so.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { createHash } from "node:crypto";
import { parsePublicKey, PublicKeyError, keyIdentity } from "../ssh/publicKey";
import { ACCOUNT_KEY_SET_LIMIT, addKey, hasKey, keySetSize, linesTheApiRefuses, removeKey } from "../ssh/accountKeySet";
import { runpodClient } from "./providerContext";
import { reportProgress } from "./progress";
import { sleep } from "../runpod/retryPolicy";
import { UNKNOWN as UNKNOWN_VALUE, type CheckFailure } from "../pod/podSpec";

/** Inputs as stored in state (after `check`). */
export interface AccountSshKeyInputs {
  publicKey: string;
  comment?: string;
  /** The resource's URN, set by the AccountSshKey class; a short hash of it marks the line as this stack's. */
  ownerTag?: string;
}

/** Outputs. */
export interface AccountSshKeyOutputs extends AccountSshKeyInputs {
  /** The line registered on the account: `type base64 [comment]`. */
  registeredKey: string;
  keyType: string;
  fingerprint: string;
  /** True when the key was on the account before this resource registered it (it is then left there on delete). */
  alreadyPresent: boolean;
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

/**
 * The ownership mark appended to the registered line: `pulumi:<8 hex of the resource URN>`. It tells a person
 * reading the account's keys which ones a stack manages, and tells a retried create (after an interrupted one)
 * that a line already there is its own, so destroy removes it, while a line somebody else registered by hand
 * (no mark, or another mark) is left alone.
 */
export function ownerMark(ownerTag: string): string {
  return `pulumi:${createHash("sha256").update(ownerTag).digest("hex").slice(0, 8)}`;
}

function line(inputs: AccountSshKeyInputs): { line: string; identity: string; type: string; fingerprint: string } {
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
async function writeKeySet(keys: string[]): Promise<void> {
  const refused = linesTheApiRefuses(keys);
  if (refused.length > 0) {
    throw new Error(
      `The account's SSH key list holds ${refused.length} line(s) Runpod no longer accepts (` +
        refused.map((r) => `line ${r.index + 1}, starting ${JSON.stringify(r.start)}`).join("; ") +
        "). Writing the list back would fail, and dropping them would lose them: fix or remove them in the Runpod console " +
        "(Settings > SSH Public Keys), then retry.",
    );
  }
  await runpodClient().putSshKeys(keys);
}

/** The settle wait, with jitter so that writers that collided do not collide again. */
async function settle(round: number): Promise<void> {
  const base = keySettleMs();
  await sleep(base + Math.random() * Math.max(50, base / 2) * Math.min(round, 4));
}

/**
 * Adds `keyLine` to the account and makes sure it stays there against concurrent writers.
 * Returns whether somebody else had already registered the key (same type + base64, another line) before us.
 * The exact line already there is our own, left by an interrupted earlier attempt: it is adopted.
 */
export async function registerAccountKey(keyLine: string): Promise<{ alreadyPresent: boolean }> {
  const client = runpodClient();
  const identity = keyIdentity(keyLine)!;
  let alreadyPresent: boolean | undefined;
  for (let round = 1; round <= MAX_KEY_WRITE_ROUNDS; round++) {
    const current = await client.getSshKeys();
    const merged = addKey(current, keyLine);
    if (alreadyPresent === undefined) {
      alreadyPresent = merged.alreadyPresent && !current.includes(keyLine);
      // Somebody else registered it and keeps it registered: nothing to write, nothing to verify.
      if (alreadyPresent) return { alreadyPresent };
    }
    if (!merged.alreadyPresent) {
      const size = keySetSize(merged.keys);
      if (size > ACCOUNT_KEY_SET_LIMIT) throw tooLarge(size);
      await writeKeySet(merged.keys);
    }
    // Read back after the settle: a writer that read before our write and wrote after it dropped our key.
    await settle(round);
    const after = await client.getSshKeys();
    if (hasKey(after, identity)) return { alreadyPresent };
    reportProgress(`SSH key ${identity.slice(0, 30)}... was dropped by a concurrent change to the account's keys; writing it again`);
  }
  throw new Error(
    `Could not keep the SSH key registered on the Runpod account: other writers replaced the key set ${MAX_KEY_WRITE_ROUNDS} times in a row. ` +
      "Retry the update; if it keeps happening, something is rewriting the account's keys continuously.",
  );
}

/** Removes every line with `identity` from the account, leaving every other line as it was. */
export async function unregisterAccountKey(identity: string): Promise<void> {
  const client = runpodClient();
  for (let round = 1; round <= MAX_KEY_WRITE_ROUNDS; round++) {
    const current = await client.getSshKeys();
    const { keys, removed } = removeKey(current, identity);
    if (removed === 0) return;
    await writeKeySet(keys);
    // A writer that read before our write (with our key in it) and writes after it puts our key back.
    await settle(round);
    const after = await client.getSshKeys();
    if (!hasKey(after, identity)) return;
  }
  throw new Error(
    `Could not remove the SSH key from the Runpod account: concurrent writers restored it ${MAX_KEY_WRITE_ROUNDS} times. Retry the destroy.`,
  );
}

/** The provider methods (called by the serialized shim). */
export const accountSshKeyProvider = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const failures: CheckFailure[] = [];
    const inputs = { ...news };
    const pk = news.publicKey;
    if (typeof pk === "string" && pk !== UNKNOWN_VALUE) {
      try {
        const parsed = parsePublicKey(pk, "publicKey");
        inputs.publicKey = parsed.line;
      } catch (e) {
        if (e instanceof PublicKeyError) failures.push({ property: e.input, reason: e.problem });
        else throw e;
      }
    } else if (pk === undefined || pk === null) {
      failures.push({ property: "publicKey", reason: "is required: one OpenSSH public key line, such as the contents of ~/.ssh/id_ed25519.pub." });
    } else if (typeof pk !== "string") {
      failures.push({ property: "publicKey", reason: `must be a string, got ${typeof pk}.` });
    }
    if (news.ownerTag !== undefined && news.ownerTag !== UNKNOWN_VALUE && typeof news.ownerTag !== "string") {
      failures.push({ property: "ownerTag", reason: "must be a string (set by the AccountSshKey class)." });
    }
    const comment = news.comment;
    if (comment !== undefined && comment !== UNKNOWN_VALUE) {
      if (typeof comment !== "string") failures.push({ property: "comment", reason: `must be a string, got ${typeof comment}.` });
      else if (/[\r\n\p{Cc}]/u.test(comment)) failures.push({ property: "comment", reason: "must be one line (no line breaks)." });
      else if (comment.length > 200) failures.push({ property: "comment", reason: "must be at most 200 characters." });
    }
    return { inputs, failures };
  },

  async diff(_id: string, olds: AccountSshKeyOutputs, news: AccountSshKeyInputs): Promise<dynamic.DiffResult> {
    const replaces: string[] = [];
    const changed: string[] = [];
    const oldIdentity = keyIdentity(olds.publicKey ?? "");
    const newIdentity = typeof news.publicKey === "string" ? keyIdentity(news.publicKey) : undefined;
    if (news.publicKey === UNKNOWN_VALUE || oldIdentity !== newIdentity) replaces.push("publicKey");
    const oldLine = olds.registeredKey;
    const newLine = newIdentity && news.publicKey !== UNKNOWN_VALUE ? line(news).line : undefined;
    if (replaces.length === 0 && (news.comment === UNKNOWN_VALUE || (olds.comment ?? undefined) !== (news.comment ?? undefined) || oldLine !== newLine)) {
      changed.push("comment");
    }
    return { changes: replaces.length + changed.length > 0, replaces, deleteBeforeReplace: false, stables: ["fingerprint", "keyType"] };
  },

  async create(inputs: AccountSshKeyInputs): Promise<dynamic.CreateResult> {
    const l = line(inputs);
    const { alreadyPresent } = await registerAccountKey(l.line);
    const outs: AccountSshKeyOutputs = {
      ...inputs,
      registeredKey: l.line,
      keyType: l.type,
      fingerprint: l.fingerprint,
      alreadyPresent,
    };
    return { id: l.fingerprint, outs };
  },

  async read(id: string, props: AccountSshKeyOutputs): Promise<dynamic.ReadResult> {
    const identity = keyIdentity(props.registeredKey ?? props.publicKey ?? "");
    const keys = await runpodClient().getSshKeys();
    if (!identity || !hasKey(keys, identity)) {
      // Gone from the account: report it deleted so the next `pulumi up` registers it again.
      return { id: "", props: {} };
    }
    const registered = keys.find((k) => keyIdentity(k) === identity)!;
    return { id, props: { ...props, registeredKey: registered } };
  },

  async update(_id: string, olds: AccountSshKeyOutputs, news: AccountSshKeyInputs): Promise<dynamic.UpdateResult> {
    const l = line(news);
    const client = runpodClient();
    // Replace our line in place (same identity, new comment), keeping every other line and the order.
    for (let round = 1; round <= MAX_KEY_WRITE_ROUNDS; round++) {
      const current = await client.getSshKeys();
      const next = hasKey(current, l.identity) ? current.map((k) => (keyIdentity(k) === l.identity ? l.line : k)) : [...current, l.line];
      const size = keySetSize(next);
      if (size > ACCOUNT_KEY_SET_LIMIT) throw tooLarge(size);
      await writeKeySet(next);
      await settle(round);
      const after = await client.getSshKeys();
      if (after.includes(l.line)) break;
      if (round === MAX_KEY_WRITE_ROUNDS) throw new Error("Could not update the SSH key's comment: the account's keys kept changing concurrently. Retry the update.");
    }
    const outs: AccountSshKeyOutputs = { ...news, registeredKey: l.line, keyType: l.type, fingerprint: l.fingerprint, alreadyPresent: olds.alreadyPresent };
    return { outs };
  },

  async delete(_id: string, props: AccountSshKeyOutputs): Promise<void> {
    const identity = keyIdentity(props.registeredKey ?? props.publicKey ?? "");
    if (!identity) return;
    if (props.alreadyPresent) {
      reportProgress(`SSH key ${props.fingerprint} was on the account before this stack registered it; leaving it there`);
      return;
    }
    await unregisterAccountKey(identity);
  },
};



