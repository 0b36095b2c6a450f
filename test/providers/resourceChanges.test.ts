/**
 * Every input of AccountSshKey (against the emulator), LocalKeyFile (on disk) and SshPassword, changed one
 * `pulumi up` at a time as the engine drives it (engineSlot.ts): what `diff` promises (no change, update,
 * replace, and whether the old one goes first) is what then happens, without error.
 */
process.env.RUNPOD_SSH_KEY_SETTLE_MS = "20";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { hostProvider } from "./dynamicHost";
import { EngineSlot, type StepResult } from "./engineSlot";

type Raw = Record<string, unknown>;
let emulator: RunpodEmulator;
let dir: string;
const pub: string[] = [];
const priv: string[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "reschanges-"));
  for (const name of ["a", "b"]) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${name}@own`, "-f", path.join(dir, name)]);
    pub.push(fs.readFileSync(path.join(dir, `${name}.pub`), "utf8").trim());
    priv.push(fs.readFileSync(path.join(dir, name), "utf8"));
  }
  emulator = await startEmulator({ sshd: false, rateLimit: false });
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectStep(
  label: string,
  step: StepResult,
  promise: StepResult["promise"],
  deleteBeforeReplace?: boolean,
): void {
  assert.equal(step.promise, promise, `${label}: diff promised ${step.promise} (${step.replaces.join(", ")})`);
  if (deleteBeforeReplace !== undefined)
    assert.equal(step.deleteBeforeReplace, deleteBeforeReplace, `${label}: deleteBeforeReplace`);
}

test("AccountSshKey: a comment updates the line in place; another key replaces (the new one registered first)", async () => {
  const provider = (
    await hostProvider("accountSshKey", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url })
  ).provider;
  const slot = new EngineSlot(provider);
  const ownerTag = "urn:pulumi:test::proj::runpod-ssh:AccountSshKey::k";
  const identity = (line: string): string => line.split(" ").slice(0, 2).join(" ");
  const registered = (): string[] => emulator.accountKeys();
  let raw: Raw = { publicKey: pub[0], ownerTag };
  try {
    await slot.create(raw);
    assert.equal(registered().length, 1);

    const before = emulator.requests.length;
    expectStep("same key, CRLF and spaces", await slot.up({ ...raw, publicKey: ` ${pub[0]}\r\n` }), "none");
    assert.equal(emulator.requests.length, before, "no request");

    raw = { ...raw, comment: "ci@stack" };
    expectStep("comment set", await slot.up(raw), "update");
    assert.match(registered()[0], /^ssh-ed25519 \S+ ci@stack pulumi:[0-9a-f]{8}$/);

    raw = { ...raw, comment: "ci@other" };
    expectStep("comment changed", await slot.up(raw), "update");
    assert.match(registered()[0], / ci@other pulumi:/);

    raw = { publicKey: pub[0], ownerTag };
    expectStep("comment removed (the key's own comment comes back)", await slot.up(raw), "update");
    assert.match(registered()[0], / a@own pulumi:/);

    raw = { ...raw, publicKey: pub[1] };
    expectStep("another key", await slot.up(raw), "replace", false);
    assert.deepEqual(registered().map(identity), [identity(pub[1])], "the new key registered, the old one removed");
  } finally {
    await slot.destroy().catch(() => undefined);
  }
  assert.deepEqual(registered(), []);
});

test("LocalKeyFile: new content rewrites the file; a new path moves it (the old file removed first)", async () => {
  const provider = (await hostProvider("localKeyFile")).provider;
  const slot = new EngineSlot(provider);
  const first = path.join(dir, "keys", "first");
  const second = path.join(dir, "keys", "second");
  let raw: Raw = { path: first, content: priv[0] };
  try {
    await slot.create(raw);
    assert.equal(fs.readFileSync(first, "utf8"), priv[0]);

    expectStep(
      "same key with CRLF line ends",
      await slot.up({ ...raw, content: priv[0].replace(/\n/g, "\r\n") }),
      "none",
    );

    raw = { ...raw, content: priv[1] };
    expectStep("another key", await slot.up(raw), "update");
    assert.equal(fs.readFileSync(first, "utf8"), priv[1]);
    assert.equal(fs.statSync(first).mode & 0o777, 0o600);

    raw = { ...raw, path: second };
    expectStep("another path", await slot.up(raw), "replace", true);
    assert.equal(fs.existsSync(first), false, "the old file is removed");
    assert.equal(fs.readFileSync(second, "utf8"), priv[1]);
  } finally {
    await slot.destroy().catch(() => undefined);
  }
  assert.equal(fs.existsSync(second), false);
});

test("SshPassword: the same length is no change; another length makes a new password", async () => {
  const provider = (await hostProvider("password")).provider;
  const slot = new EngineSlot(provider);
  await slot.create({ length: 24 });
  const firstPassword = slot.outs.password as string;
  assert.equal(firstPassword.length, 24);
  expectStep("same length", await slot.up({ length: 24 }), "none");
  expectStep("default length written out", await slot.up({}), "none");
  expectStep("another length", await slot.up({ length: 32 }), "replace");
  assert.equal((slot.outs.password as string).length, 32);
  assert.notEqual(slot.outs.password, firstPassword);
  await slot.destroy();
});
