/**
 * AccountSshKey never modifies or removes a key line it did not write, through any sequence of create, refresh,
 * update, delete and create again (issue 10, item 1). Against the emulator, through the serialized provider.
 */
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import { setProviderSettings } from "../../sdk/providers/providerContext";
import { keyIdentity } from "../../sdk/ssh/publicKey";
import type { AccountSshKeyOutputs } from "../../sdk/providers/accountSshKeyProvider";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

let emulator: RunpodEmulator;
let hosted: HostedProvider;
const OWNER = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/runpod-ssh:AccountSshKey::team-key";

before(async () => {
  process.env.RUNPOD_SSH_KEY_SETTLE_MS = "100";
  emulator = await startEmulator({ sshd: false, rateLimit: false });
  setProviderSettings({});
  hosted = await hostProvider("accountSshKey", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
});
after(async () => {
  await emulator.stop();
});
beforeEach(() => {
  emulator.setAccountKeys([]);
  emulator.faults.clear();
});

function puts(): number {
  return emulator.requests.filter((r) => r.method === "PUT").length;
}

/** What `pulumi up` does with a resource that exists: diff, then update when diff says so. */
async function up(outs: AccountSshKeyOutputs, inputs: Record<string, unknown>): Promise<{ outs: AccountSshKeyOutputs; changed: boolean }> {
  const checked = (await hosted.provider.check(outs, inputs)).inputs as Record<string, unknown>;
  const d = await hosted.provider.diff("id", outs, checked);
  assert.deepEqual(d.replaces ?? [], [], "the same key never replaces");
  if (!d.changes) return { outs, changed: false };
  return { outs: (await hosted.provider.update("id", outs, checked)).outs as AccountSshKeyOutputs, changed: true };
}

test("alice's hand-registered key survives create, refresh, comment change, delete and create again, byte for byte", async () => {
  const alice = ed25519PublicKeyLine("alice@laptop");
  const identity = keyIdentity(alice)!;
  const account = [ed25519PublicKeyLine("bob@desk"), alice, "ssh-rsa legacy!!notbase64 kept as is"];
  emulator.setAccountKeys(account);
  const putsBefore = puts();
  // The stack registers the same key (same type and base64) with its own comment.
  const inputs = { publicKey: `${identity} from-the-stack`, comment: "ci@stack", ownerTag: OWNER };

  const created = await hosted.provider.create((await hosted.provider.check({}, inputs)).inputs);
  let outs = created.outs as AccountSshKeyOutputs;
  assert.equal(outs.alreadyPresent, true, "the key is reported as already present");
  assert.equal(outs.registeredKey, alice, "the line that carries the key is alice's, as it is");
  assert.deepEqual(emulator.accountKeys(), account);

  // refresh: nothing foreign is copied into state in a way that makes the next diff report a change
  const read = await hosted.provider.read(created.id, outs);
  assert.equal(read.id, created.id);
  outs = read.props as AccountSshKeyOutputs;
  const same = await up(outs, inputs);
  assert.equal(same.changed, false, "no phantom change after a refresh");

  // a plain comment change: recorded, alice's line not rewritten
  const changed = await up(outs, { ...inputs, comment: "ci@other" });
  assert.equal(changed.changed, true);
  outs = changed.outs;
  assert.equal(outs.comment, "ci@other");
  assert.equal(outs.alreadyPresent, true);
  assert.deepEqual(emulator.accountKeys(), account);
  assert.equal((await up(outs, { ...inputs, comment: "ci@other" })).changed, false, "and no change after it");

  // destroy, then create the same resource again, then destroy again
  await hosted.provider.delete(created.id, outs);
  assert.deepEqual(emulator.accountKeys(), account, "delete leaves alice's line");
  const again = await hosted.provider.create((await hosted.provider.check({}, inputs)).inputs);
  assert.equal((again.outs as AccountSshKeyOutputs).alreadyPresent, true, "no take-over on a later create");
  await hosted.provider.delete(again.id, again.outs);
  assert.deepEqual(emulator.accountKeys(), account, "alice is not locked out");
  assert.equal(puts(), putsBefore, "nothing was ever written");
});

test("another stack's marked line for the same key is somebody else's: never rewritten, never removed", async () => {
  const theirs = `${keyIdentity(ed25519PublicKeyLine())!} their-ci pulumi:0badc0de`;
  const identity = keyIdentity(theirs)!;
  emulator.setAccountKeys([theirs]);
  const inputs = { publicKey: identity, comment: "ours", ownerTag: OWNER };
  const created = await hosted.provider.create(inputs);
  const outs = created.outs as AccountSshKeyOutputs;
  assert.equal(outs.alreadyPresent, true);
  await up(outs, { ...inputs, comment: "renamed" });
  await hosted.provider.delete(created.id, outs);
  assert.deepEqual(emulator.accountKeys(), [theirs]);
});

test("a key of ours next to somebody else's line for the same key: only our line is updated and removed", async () => {
  const key = ed25519PublicKeyLine("k");
  const identity = keyIdentity(key)!;
  const inputs = { publicKey: key, comment: "ours", ownerTag: OWNER };
  const created = await hosted.provider.create(inputs);
  let outs = created.outs as AccountSshKeyOutputs;
  assert.equal(outs.alreadyPresent, false);
  const ours = outs.registeredKey;
  assert.match(ours, / ours pulumi:[0-9a-f]{8}$/);
  // alice registers the same key by hand afterwards, with the very same comment
  const alice = `${identity} ours`;
  emulator.setAccountKeys([alice, ...emulator.accountKeys()]);

  const read = await hosted.provider.read(created.id, outs);
  assert.equal((read.props as AccountSshKeyOutputs).registeredKey, ours, "refresh reports our line, not alice's");
  outs = (await up(read.props as AccountSshKeyOutputs, { ...inputs, comment: "renamed" })).outs;
  assert.deepEqual(emulator.accountKeys(), [alice, ours.replace(" ours ", " renamed ")]);
  await hosted.provider.delete(created.id, outs);
  assert.deepEqual(emulator.accountKeys(), [alice], "alice's line stays");
});

test("our line gone and only somebody else's left: refresh reports it gone; update does not write over theirs", async () => {
  const key = ed25519PublicKeyLine("k");
  const identity = keyIdentity(key)!;
  const inputs = { publicKey: key, ownerTag: OWNER };
  const created = await hosted.provider.create(inputs);
  const outs = created.outs as AccountSshKeyOutputs;
  const alice = `${identity} alice@laptop`;
  emulator.setAccountKeys([alice]);
  assert.equal((await hosted.provider.read(created.id, outs)).id, "", "not copied into state: reported gone");

  const updated = (await hosted.provider.update(created.id, outs, { ...inputs, comment: "x" })).outs as AccountSshKeyOutputs;
  assert.equal(updated.alreadyPresent, true, "the key now lives in somebody else's line");
  assert.deepEqual(emulator.accountKeys(), [alice]);
  await hosted.provider.delete(created.id, updated);
  assert.deepEqual(emulator.accountKeys(), [alice]);
});

test("without an owner mark, the exact line already there is somebody else's (never adopted)", async () => {
  const alice = ed25519PublicKeyLine("alice@laptop");
  emulator.setAccountKeys([alice]);
  const created = await hosted.provider.create({ publicKey: alice });
  assert.equal((created.outs as AccountSshKeyOutputs).alreadyPresent, true);
  await hosted.provider.delete(created.id, created.outs);
  assert.deepEqual(emulator.accountKeys(), [alice]);
});
