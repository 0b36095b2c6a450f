/**
 * AccountSshKey's provider logic: registers one public key on the Runpod account, safely.
 *
 * The API replaces the whole key set on every write, so a careless client drops other people's keys, and a
 * careless owner check takes them over. The writes and the ownership rule live in accountKeyOperations.ts:
 * a line this resource did not write is never modified or removed, through any sequence of create, refresh,
 * update, delete and create again; a key already registered in somebody else's line is reported as
 * `alreadyPresent` and left byte for byte. This file adds input checks and the diff.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { parsePublicKey, PublicKeyError, keyIdentity } from "../ssh/publicKey";
import { apiKeyCheckFailures, runpodClient } from "./providerContext";
import { UNKNOWN as UNKNOWN_VALUE, type CheckFailure } from "../pod/podSpec";
import {
  createAccountKey,
  deleteAccountKey,
  keyLineFor,
  readAccountKey,
  settleWithJitter,
  updateAccountKey,
  type AccountSshKeyInputs,
  type AccountSshKeyOutputs,
  type KeySetDeps,
} from "./accountKeyOperations";

export type { AccountSshKeyInputs, AccountSshKeyOutputs } from "./accountKeyOperations";

/** The live account (the client for the configured key, resolved at call time) and the real settle wait. */
const accountKeySet: KeySetDeps = { api: runpodClient, settle: settleWithJitter };

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
      failures.push({ property: "publicKey", reason: "publicKey is required: one OpenSSH public key line, such as the contents of ~/.ssh/id_ed25519.pub." });
    } else if (typeof pk !== "string") {
      failures.push({ property: "publicKey", reason: `publicKey must be a string, got ${typeof pk}.` });
    }
    if (news.ownerTag !== undefined && news.ownerTag !== UNKNOWN_VALUE && typeof news.ownerTag !== "string") {
      failures.push({ property: "ownerTag", reason: "ownerTag must be a string (the AccountSshKey class sets it)." });
    }
    const comment = news.comment;
    if (comment !== undefined && comment !== UNKNOWN_VALUE) {
      if (typeof comment !== "string") failures.push({ property: "comment", reason: `comment must be a string, got ${typeof comment}.` });
      else if (/[\r\n\p{Cc}]/u.test(comment)) failures.push({ property: "comment", reason: "comment must be one line: remove the line break or control character." });
      else if (comment.length > 200) failures.push({ property: "comment", reason: "comment must be at most 200 characters; shorten it." });
    }
    // A missing key fails the preview, not only `up` (no API call is made here).
    failures.push(...apiKeyCheckFailures());
    return { inputs, failures };
  },

  async diff(_id: string, olds: AccountSshKeyOutputs, news: AccountSshKeyInputs): Promise<dynamic.DiffResult> {
    return accountSshKeyDiff(olds, news);
  },

  async create(inputs: AccountSshKeyInputs): Promise<dynamic.CreateResult> {
    const outs = await createAccountKey(accountKeySet, inputs);
    return { id: outs.fingerprint, outs };
  },

  async read(id: string, props: AccountSshKeyOutputs): Promise<dynamic.ReadResult> {
    const now = await readAccountKey(accountKeySet, props);
    // Gone from the account: report it deleted so the next `pulumi up` registers it again.
    return now ? { id, props: now } : { id: "", props: {} };
  },

  async update(_id: string, olds: AccountSshKeyOutputs, news: AccountSshKeyInputs): Promise<dynamic.UpdateResult> {
    return { outs: await updateAccountKey(accountKeySet, olds, news) };
  },

  async delete(_id: string, props: AccountSshKeyOutputs): Promise<void> {
    await deleteAccountKey(accountKeySet, props);
  },
};

/**
 * What changes: another key replaces; a new comment or owner updates. For a key of ours, a difference between
 * the line on the account (as `read` saw it) and the line the inputs make is a change too (update rewrites our
 * line). For a key that was already present, somebody else's line is never compared: it is not ours to fix.
 */
export function accountSshKeyDiff(olds: AccountSshKeyOutputs, news: AccountSshKeyInputs): dynamic.DiffResult {
  const oldIdentity = keyIdentity(olds.publicKey ?? "");
  const newIdentity = typeof news.publicKey === "string" ? keyIdentity(news.publicKey) : undefined;
  if (news.publicKey === UNKNOWN_VALUE || oldIdentity !== newIdentity) {
    return { changes: true, replaces: ["publicKey"], deleteBeforeReplace: false, stables: ["fingerprint", "keyType"] };
  }
  const changed: string[] = [];
  if (news.comment === UNKNOWN_VALUE || (olds.comment ?? undefined) !== (news.comment ?? undefined)) changed.push("comment");
  if (news.ownerTag === UNKNOWN_VALUE || (olds.ownerTag ?? undefined) !== (news.ownerTag ?? undefined)) changed.push("ownerTag");
  if (changed.length === 0 && !olds.alreadyPresent && newIdentity && olds.registeredKey !== keyLineFor(news).line) changed.push("comment");
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false, stables: ["fingerprint", "keyType"] };
}
