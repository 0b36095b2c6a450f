/**
 * Property: through any sequence of `pulumi up` (create, update, replace), refresh, destroy, interrupted creates
 * and other people adding or removing their own lines, AccountSshKey never modifies or removes a line it did not
 * write: after every step, every foreign line is on the account byte for byte (and, for a resource with an owner
 * mark, in its order, with nothing else but the resource's own line). The provider logic runs against an
 * in-memory key set that behaves like `GET|PUT /v2/account/ssh-keys` (whole-set replace, the API's line pattern).
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createAccountKey,
  deleteAccountKey,
  keyLineFor,
  ownerMark,
  readAccountKey,
  updateAccountKey,
  type AccountSshKeyInputs,
  type AccountSshKeyOutputs,
  type KeySetApi,
  type KeySetDeps,
} from "../../sdk/providers/accountKeyOperations";
import { accountSshKeyDiff, accountSshKeyProvider } from "../../sdk/providers/accountSshKeyProvider";
import { API_KEY_LINE_PATTERN, isOwnLine } from "../../sdk/ssh/accountKeySet";
import { keyIdentity } from "../../sdk/ssh/publicKey";
import { addProgressSink } from "../../sdk/providers/progress";
import { setProviderSettings } from "../../sdk/providers/providerContext";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

const quiet = addProgressSink(() => undefined);
after(quiet);
// Check needs a configured key; every call goes to the in-memory account, never to the API.
before(() => setProviderSettings({ token: "rpa_check_only" }));

/** The account's key set, as the API keeps it. */
class InMemoryKeySet implements KeySetApi {
  keys: string[] = [];
  writes = 0;
  async getSshKeys(): Promise<string[]> {
    return [...this.keys];
  }
  async putSshKeys(keys: string[]): Promise<string[]> {
    const bad = keys.find((k) => !API_KEY_LINE_PATTERN.test(k));
    if (bad !== undefined) throw new Error(`422: ${bad}`);
    this.writes++;
    this.keys = [...keys];
    return [...keys];
  }
}

const KEYS = Array.from({ length: 3 }, (_, i) => ed25519PublicKeyLine(`own-${i}`));
const UNRELATED = ed25519PublicKeyLine("bob@desk");
const OWNER = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/runpod-ssh:AccountSshKey::k";
const COMMENTS = [undefined, "ci@stack", "alice@laptop", "own-0"];
/**
 * The lines a resource without an owner mark can write. Such a resource owns only the exact line it added, and a
 * byte-identical copy added by somebody else cannot be told apart from it (the AccountSshKey class always sets
 * the owner, so real resources are marked): in that variant, others never add one of these lines.
 */
const UNMARKED_LINES = new Set(KEYS.flatMap((publicKey) => COMMENTS.map((comment) => keyLineFor({ publicKey, comment }).line)));

/** Foreign lines: the resource's own keys in other people's lines, every comment shape, and lines we cannot parse. */
const foreignLine = fc
  .tuple(
    fc.integer({ min: 0, max: KEYS.length }),
    fc.constantFrom("", " alice@laptop", " ci@stack", " own-0", " x pulumi:0badc0de", "  odd \t spacing", " ci@stack pulumi:0badc0de"),
  )
  .map(([k, tail]) => (k === KEYS.length ? `${keyIdentity(UNRELATED)!}${tail}` : `${keyIdentity(KEYS[k])!}${tail}`));
const unparsable = fc.constantFrom("ssh-rsa legacy!!notbase64 kept as is", "ecdsa-foreign %%% valid for the API");

type Op =
  | { op: "up"; key: number; comment: string | undefined }
  | { op: "interruptedCreate"; key: number; comment: string | undefined }
  | { op: "refresh" }
  | { op: "destroy" }
  | { op: "othersAdd"; line: string; at: number }
  | { op: "othersRemove"; at: number }
  | { op: "ourLineRemovedByHand" };

const keyArb = fc.integer({ min: 0, max: KEYS.length - 1 });
const commentArb = fc.constantFrom(...COMMENTS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("up" as const), key: keyArb, comment: commentArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("interruptedCreate" as const), key: keyArb, comment: commentArb }) },
  { weight: 2, arbitrary: fc.constant({ op: "refresh" as const }) },
  { weight: 2, arbitrary: fc.constant({ op: "destroy" as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("othersAdd" as const), line: fc.oneof(foreignLine, unparsable), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("othersRemove" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: "ourLineRemovedByHand" as const }) },
);

/** Runs one sequence; throws (an assertion) at the first step that disturbs a foreign line. */
async function runSequence(withOwnerTag: boolean, initial: string[], ops: Op[]): Promise<void> {
  const account = new InMemoryKeySet();
  const foreign = withOwnerTag ? [...initial] : initial.filter((l) => !UNMARKED_LINES.has(l));
  account.keys = [...foreign];
  const deps: KeySetDeps = { api: () => account, settle: async () => undefined };
  const mark = ownerMark(OWNER);
  let state: AccountSshKeyOutputs | undefined;
  // Somebody removed our line in the console and no refresh has told the state yet.
  let stale = false;

  const inputsFor = async (key: number, comment: string | undefined): Promise<AccountSshKeyInputs> => {
    const raw = { publicKey: KEYS[key], ...(comment !== undefined ? { comment } : {}), ...(withOwnerTag ? { ownerTag: OWNER } : {}) };
    const checked = await accountSshKeyProvider.check({}, raw);
    assert.deepEqual(checked.failures, []);
    return checked.inputs as AccountSshKeyInputs;
  };
  const create = async (inputs: AccountSshKeyInputs): Promise<AccountSshKeyOutputs> => {
    const identity = keyIdentity(inputs.publicKey)!;
    const before = [...account.keys];
    const ownBefore = withOwnerTag && before.some((k) => isOwnLine(k, { identity, mark }));
    const outs = await createAccountKey(deps, inputs);
    if (!ownBefore && before.some((k) => keyIdentity(k) === identity)) {
      assert.equal(outs.alreadyPresent, true, "a key already in somebody else's line is reported as already present");
      assert.deepEqual(account.keys, before, "and left byte for byte");
    }
    return outs;
  };
  const foreignIntact = (step: string): void => {
    if (withOwnerTag) {
      // Everything on the account is either a foreign line, in its place, or a line with our own mark.
      const notOurs = account.keys.filter((k) => !(keyIdentity(k) && k.trim().endsWith(` ${mark}`)));
      assert.deepEqual(notOurs, foreign, `after ${step}: the foreign lines are exactly as they were`);
    } else {
      // Without a mark an identical copy cannot be told apart: every foreign line is still there, as often.
      const left = [...account.keys];
      for (const f of foreign) {
        const at = left.indexOf(f);
        assert.ok(at >= 0, `after ${step}: foreign line ${JSON.stringify(f.slice(0, 50))} is gone or changed`);
        left.splice(at, 1);
      }
      assert.ok(left.length <= KEYS.length, `after ${step}: only our own lines were added`);
    }
  };

  for (const step of ops) {
    const name = JSON.stringify(step);
    switch (step.op) {
      case "up": {
        const inputs = await inputsFor(step.key, step.comment);
        const previous = state;
        if (!state) state = await create(inputs);
        else {
          const d = accountSshKeyDiff(state, inputs);
          if (d.replaces && d.replaces.length > 0) {
            const next = await create(inputs); // create-before-delete, as Pulumi replaces by default
            await deleteAccountKey(deps, state);
            state = next;
          } else if (d.changes) state = await updateAccountKey(deps, state, inputs);
        }
        if (state !== previous) stale = false;
        // Our key is on the account (a key in somebody else's line may have gone since, without a refresh).
        const refreshed = await readAccountKey(deps, state);
        if (!state.alreadyPresent && !stale) assert.ok(refreshed, `after ${name}: refresh finds our line`);
        // A refresh right after `up` finds nothing to change: no phantom diff.
        if (refreshed) assert.equal(accountSshKeyDiff(refreshed, inputs).changes, false, `after ${name}: refresh then diff reports no change`);
        break;
      }
      case "interruptedCreate":
        // The create wrote (or not) and its answer was lost: Pulumi keeps no state and retries on the next `up`.
        if (!state) await create(await inputsFor(step.key, step.comment));
        break;
      case "refresh":
        if (state) state = await readAccountKey(deps, state);
        stale = false;
        break;
      case "destroy":
        if (state) {
          const gone = state;
          await deleteAccountKey(deps, gone);
          if (!gone.alreadyPresent && withOwnerTag) {
            const rule = { identity: keyIdentity(gone.publicKey)!, mark };
            assert.ok(!account.keys.some((k) => isOwnLine(k, rule)), `after ${name}: our line is removed`);
          }
          state = undefined;
        }
        break;
      case "othersAdd": {
        if (!withOwnerTag && UNMARKED_LINES.has(step.line)) break;
        const at = step.at % (account.keys.length + 1);
        account.keys.splice(at, 0, step.line);
        // The foreign list follows the account's order of foreign lines.
        const before = account.keys.slice(0, at).filter((k) => foreign.includes(k)).length;
        foreign.splice(before, 0, step.line);
        break;
      }
      case "ourLineRemovedByHand": {
        const own = state && !state.alreadyPresent ? account.keys.indexOf(state.registeredKey) : -1;
        if (own >= 0 && !foreign.includes(state!.registeredKey)) {
          account.keys.splice(own, 1);
          stale = true;
        }
        break;
      }
      case "othersRemove": {
        if (foreign.length === 0) break;
        const line = foreign[step.at % foreign.length];
        foreign.splice(foreign.indexOf(line), 1);
        account.keys.splice(account.keys.indexOf(line), 1);
        break;
      }
    }
    foreignIntact(name);
  }
}

test("property: every foreign line stays byte for byte through random create/refresh/update/delete sequences", async () => {
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.array(fc.oneof(foreignLine, unparsable), { maxLength: 4 }),
      fc.array(opArb, { minLength: 1, maxLength: 30 }),
      runSequence,
    ),
    { numRuns: 1000 },
  );
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});

test("the alice sequence from the issue, as a fixed case of the property", async () => {
  const alice = `${keyIdentity(KEYS[0])!} alice@laptop`;
  await runSequence(true, [alice], [
    { op: "up", key: 0, comment: "ci@stack" },
    { op: "refresh" },
    { op: "up", key: 0, comment: "ci@other" },
    { op: "destroy" },
    { op: "up", key: 0, comment: "ci@stack" },
    { op: "destroy" },
  ]);
});
