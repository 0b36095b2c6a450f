/**
 * AccountSshKey against the emulator, driven through the serialized provider as Pulumi's host runs it.
 */
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import { setProviderSettings } from "../../sdk/providers/providerContext";
import { keyIdentity } from "../../sdk/ssh/publicKey";
import type { AccountSshKeyOutputs } from "../../sdk/providers/accountSshKeyProvider";

const run = promisify(execFile);
let emulator: RunpodEmulator;
let hosted: HostedProvider;
let dir: string;
let counter = 0;

function newKey(comment = `k${counter}`): string {
  const file = path.join(dir, `key${counter++}`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  return fs.readFileSync(`${file}.pub`, "utf8").trim();
}

before(async () => {
  process.env.RUNPOD_SSH_KEY_SETTLE_MS = "150";
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "acctkey-"));
  emulator = await startEmulator({ sshd: false, rateLimit: false });
  setProviderSettings({});
  hosted = await hostProvider("accountSshKey", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  emulator.setAccountKeys([]);
  emulator.faults.clear();
});

test("the serialized provider is small and holds no API key", () => {
  assert.ok(hosted.text.length < 16 * 1024, `${hosted.text.length} bytes`);
  assert.ok(!hosted.text.includes(emulator.apiKey));
  assert.ok(!hosted.text.includes("axios") && !hosted.text.includes("zod"), "heavy modules are loaded at call time, not frozen in");
});

test("each bad key is rejected by check with no HTTP call", async () => {
  const good = newKey();
  const [type, b64] = good.split(" ");
  const priv = fs.readFileSync(path.join(dir, `key${counter - 1}`), "utf8");
  const cases: Array<[string, RegExp]> = [
    ["SHA256:" + "x".repeat(43), /fingerprint/],
    [`${b64} me`, /type prefix/],
    [`${good}\n${newKey()}`, /holds 2 lines/],
    [`${good} ${newKey()}`, /several keys on one line/],
    [priv, /PRIVATE key/],
    ["PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\nAAAA\n", /PuTTY/],
    [`no-pty ${good}`, /options before the key type/],
    [`${type}`, /no key after it/],
  ];
  const before = emulator.requests.length;
  for (const [key, reason] of cases) {
    const r = await hosted.provider.check({}, { publicKey: key });
    assert.equal(r.failures?.length, 1, key.slice(0, 40));
    assert.equal(r.failures?.[0].property, "publicKey");
    assert.match(r.failures[0].reason, reason);
    assert.ok(!r.failures[0].reason.includes(priv.split("\n")[1]), "never echoes a private key");
  }
  const crlf = await hosted.provider.check({}, { publicKey: `  ${good}\r\n` });
  assert.deepEqual(crlf.failures, []);
  assert.equal((crlf.inputs as { publicKey: string }).publicKey, good, "CRLF and whitespace normalized");
  assert.equal(emulator.requests.length, before, "check made no HTTP call");
});

test("create registers the key without touching the other lines; outputs key, fingerprint, alreadyPresent", async () => {
  const others = [newKey("alice") + "  two  spaces", "ssh-rsa not*base64 an unparsable line we keep", newKey("bob")];
  emulator.setAccountKeys(others);
  const mine = newKey("mine");
  const r = await hosted.provider.create({ publicKey: mine });
  assert.deepEqual(emulator.accountKeys(), [...others, mine]);
  const fp = execFileSync("ssh-keygen", ["-lf", "-"], { input: mine }).toString().split(" ")[1];
  assert.equal(r.id, fp);
  assert.equal((r.outs as AccountSshKeyOutputs).fingerprint, fp);
  assert.equal((r.outs as AccountSshKeyOutputs).registeredKey, mine);
  assert.equal((r.outs as AccountSshKeyOutputs).alreadyPresent, false);
});

test("a key already registered (other comment) is not added twice and is left in place on delete", async () => {
  const mine = newKey("mine");
  const identity = keyIdentity(mine)!;
  emulator.setAccountKeys([`${identity} set-by-hand`]);
  const r = await hosted.provider.create({ publicKey: mine });
  assert.equal((r.outs as AccountSshKeyOutputs).alreadyPresent, true);
  assert.deepEqual(emulator.accountKeys(), [`${identity} set-by-hand`]);
  await hosted.provider.delete(r.id, r.outs);
  assert.deepEqual(emulator.accountKeys(), [`${identity} set-by-hand`]);
});

test("a retried create adopts the line its interrupted attempt wrote (marked with the owner), so destroy removes it", async () => {
  const mine = newKey("mine");
  const ownerTag = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/runpod-ssh:AccountSshKey::k";
  const first = await hosted.provider.create({ publicKey: mine, ownerTag });
  const line = (first.outs as AccountSshKeyOutputs).registeredKey;
  assert.match(line, / mine pulumi:[0-9a-f]{8}$/, "the line carries the owner mark");
  // The first attempt's answer was lost (process killed); Pulumi retries the create with the same inputs.
  const retry = await hosted.provider.create({ publicKey: mine, ownerTag });
  assert.equal((retry.outs as AccountSshKeyOutputs).alreadyPresent, false, "its own line is not somebody else's key");
  await hosted.provider.delete(retry.id, retry.outs);
  assert.deepEqual(emulator.accountKeys(), []);
  // The same key registered by hand (no mark) is somebody else's: left in place.
  emulator.setAccountKeys([`${keyIdentity(mine)} mine`]);
  const other = await hosted.provider.create({ publicKey: mine, ownerTag });
  assert.equal((other.outs as AccountSshKeyOutputs).alreadyPresent, true);
  await hosted.provider.delete(other.id, other.outs);
  assert.deepEqual(emulator.accountKeys(), [`${keyIdentity(mine)} mine`]);
});

test("delete removes only this key, leaves every other line byte for byte, and succeeds when already gone", async () => {
  const others = [newKey("a"), "sk-unknown-type@x %%% kept as is\t", newKey("b") + " with  spaces"];
  const mine = newKey("mine");
  emulator.setAccountKeys([others[0]]);
  const r = await hosted.provider.create({ publicKey: mine });
  emulator.setAccountKeys([others[0], emulator.accountKeys()[1], others[1], others[2]]);
  await hosted.provider.delete(r.id, r.outs);
  assert.deepEqual(emulator.accountKeys(), others);
  const puts = emulator.requests.filter((q) => q.method === "PUT").length;
  await hosted.provider.delete(r.id, r.outs);
  assert.equal(emulator.requests.filter((q) => q.method === "PUT").length, puts, "nothing written when the key is already gone");
});

test("lines the API would refuse are reported, never dropped", async () => {
  const legacy = ["ssh-ed25519 AAAAlegacy comment", "not a key at all", newKey("b")];
  emulator.setAccountKeys(legacy);
  await assert.rejects(hosted.provider.create({ publicKey: newKey() }), /1 line\(s\) Runpod no longer accepts \(line 2, starting "not a key at all"\)/);
  assert.deepEqual(emulator.accountKeys(), legacy);
});

test("read reports whether the key is still registered", async () => {
  const mine = newKey("mine");
  const r = await hosted.provider.create({ publicKey: mine });
  assert.equal((await hosted.provider.read(r.id, r.outs)).id, r.id);
  emulator.setAccountKeys([]);
  assert.equal((await hosted.provider.read(r.id, r.outs)).id, "", "gone from the account: reported deleted");
});

test("a comment change updates the line in place; a different key replaces", async () => {
  const mine = newKey("mine");
  const other = newKey("other");
  emulator.setAccountKeys([other]);
  const r = await hosted.provider.create({ publicKey: mine });
  const d1 = await hosted.provider.diff(r.id, r.outs, { publicKey: mine, comment: "ci@stack" });
  assert.equal(d1.changes, true);
  assert.deepEqual(d1.replaces, []);
  const u = await hosted.provider.update(r.id, r.outs, { publicKey: mine, comment: "ci@stack" });
  assert.deepEqual(emulator.accountKeys(), [other, `${keyIdentity(mine)} ci@stack`]);
  assert.equal((u.outs as AccountSshKeyOutputs).registeredKey, `${keyIdentity(mine)} ci@stack`);
  const same = await hosted.provider.diff(r.id, u.outs, { publicKey: mine, comment: "ci@stack" });
  assert.equal(same.changes, false, "no spurious diff");
  const d2 = await hosted.provider.diff(r.id, r.outs, { publicKey: newKey() });
  assert.deepEqual(d2.replaces, ["publicKey"]);
});

test("a write above the account's size limit is refused with a message, and nothing is written", async () => {
  const filler = Array.from({ length: 800 }, (_, i) => `ssh-ed25519 ${"A".repeat(68)}${String(i).padStart(4, "0")} filler-${i}`);
  emulator.setAccountKeys(filler);
  const puts = emulator.requests.filter((q) => q.method === "PUT").length;
  await assert.rejects(hosted.provider.create({ publicKey: newKey() }), /above Runpod's limit of about 65000/);
  assert.equal(emulator.requests.filter((q) => q.method === "PUT").length, puts);
});

test("without a key configured, the first call fails naming both ways to set it", async () => {
  setProviderSettings({});
  const saved = process.env.RUNPOD_API_KEY;
  delete process.env.RUNPOD_API_KEY;
  try {
    const bare = await hostProvider("accountSshKey", {});
    await assert.rejects(bare.provider.create({ publicKey: newKey() }), /RUNPOD_API_KEY.*runpod:token/s);
  } finally {
    if (saved !== undefined) process.env.RUNPOD_API_KEY = saved;
    hosted = await hostProvider("accountSshKey", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  }
});

async function workers(count: number, env: Record<string, string>, keys: string[]): Promise<Array<{ ok: boolean; error?: string }>> {
  const script = path.join(__dirname, "keyWorker.js");
  return Promise.all(
    keys.slice(0, count).map(async (key) => {
      const { stdout } = await run(process.execPath, [script], {
        env: { ...process.env, RUNPOD_API_URL: emulator.url, RUNPOD_API_KEY: emulator.apiKey, KEY_LINE: key, ...env },
      }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "{}" }));
      return JSON.parse(stdout.trim().split("\n").pop() || "{}") as { ok: boolean; error?: string };
    }),
  );
}

test("the race is real: naive read-merge-write from concurrent processes loses keys", async () => {
  const keys = Array.from({ length: 4 }, () => newKey());
  emulator.faults.slowResponses(300);
  const results = await workers(4, { NAIVE: "1" }, keys);
  emulator.faults.clear();
  assert.ok(results.every((r) => r.ok));
  const present = keys.filter((k) => emulator.accountKeys().includes(k)).length;
  assert.ok(present < 4, `expected lost keys, all ${present} survived`);
});

test("concurrent registrations from separate processes all survive; concurrent removals disturb nobody", async () => {
  const foreign = [newKey("foreign-1"), "ecdsa-foreign !!! unparsable but valid for the API", newKey("foreign-2")];
  emulator.setAccountKeys(foreign);
  const keys = Array.from({ length: 4 }, () => newKey());
  emulator.faults.slowResponses(100);
  const created = await workers(4, { RUNPOD_SSH_KEY_SETTLE_MS: "400" }, keys);
  assert.ok(created.every((r) => r.ok), JSON.stringify(created));
  for (const k of keys) assert.ok(emulator.accountKeys().includes(k), "every concurrently registered key survived");
  for (const f of foreign) assert.ok(emulator.accountKeys().includes(f));

  const removed = await workers(4, { RUNPOD_SSH_KEY_SETTLE_MS: "400", ACTION: "delete" }, keys);
  emulator.faults.clear();
  assert.ok(removed.every((r) => r.ok), JSON.stringify(removed));
  assert.deepEqual(emulator.accountKeys(), foreign, "only the foreign lines remain, byte for byte");
});
