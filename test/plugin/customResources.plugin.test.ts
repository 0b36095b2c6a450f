/**
 * The plugin's custom resources over its gRPC protocol, as the engine calls them, against the emulator:
 * check/diff/create/read/update/delete of AccountSshKey, Pod, LocalKeyFile and SshPassword; configuration from
 * Configure (stack config `runpod-ssh:*`) or the environment; secrets that come in wrapped leave wrapped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { isSecret, PluginClient, secret, urnOf, type Bag } from "./pluginClient";
import { sshOptions } from "../helpers/emulator";

const TIMINGS = { provisioningMs: 100, startingMs: 100, sshdStartMs: 100 };

interface Fixture {
  plugin: PluginClient;
  emulator: RunpodEmulator;
  dir: string;
}

/** A configured plugin and an emulator; stopped and removed afterwards whatever happens. */
async function withPlugin(run: (f: Fixture) => Promise<void>, options: { foreignKeys?: string[] } = {}): Promise<void> {
  const emulator = await startEmulator({ timings: TIMINGS, accountKeys: options.foreignKeys });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plugin-crud-"));
  let plugin: PluginClient | undefined;
  try {
    plugin = await PluginClient.start({ RUNPOD_API_KEY: "", RUNPOD_API_URL: "", RUNPOD_SSH_KEY_SETTLE_MS: "50" });
    await plugin.configure({ token: emulator.apiKey, apiUrl: emulator.url }, { secretToken: true });
    await run({ plugin, emulator, dir });
  } finally {
    await plugin?.stop();
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function keyPair(dir: string, comment: string): { publicKey: string; privateKeyFile: string } {
  const file = path.join(dir, comment.replace(/\W/g, "_"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  return { publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim(), privateKeyFile: file };
}

function sshRun(outs: Bag, privateKeyFile: string, command: string): string {
  const target = `${String(outs.sshUser)}@${String(outs.publicIp)}`;
  const args = ["-p", String(outs.sshPort), ...sshOptions(privateKeyFile), target, command];
  return execFileSync("ssh", args, { encoding: "utf8", timeout: 30_000 }).trim();
}

test("AccountSshKey: check, create, read, diff, update, delete through the plugin; other keys untouched", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plugin-keys-"));
  const foreign = [keyPair(dir, "alice@laptop").publicKey];
  const own = keyPair(dir, "trainer");
  await withPlugin(
    async ({ plugin, emulator }) => {
      const urn = urnOf("runpod-ssh:index:AccountSshKey", "trainer-key");
      const bad = await plugin.check(urn, {}, { publicKey: "SHA256:abc" });
      assert.deepEqual(
        bad.failures.map((f) => f.property),
        ["publicKey"],
        "a fingerprint is refused, naming publicKey",
      );

      const checked = await plugin.check(urn, {}, { publicKey: `  ${own.publicKey}\r\n`, comment: "ci@plugin" });
      assert.deepEqual(checked.failures, []);
      assert.equal(checked.inputs.publicKey, own.publicKey, "the key line is normalized");
      assert.equal(checked.inputs.ownerTag, urn, "the owner tag is the resource's URN");

      const created = await plugin.create(urn, checked.inputs);
      assert.match(created.id, /^SHA256:/);
      assert.equal(emulator.accountKeys().length, 2);
      assert.deepEqual(emulator.accountKeys().slice(0, 1), foreign, "the other key is kept as it was");
      assert.ok(emulator.accountKeys()[1].startsWith(own.publicKey.split(" ").slice(0, 2).join(" ")));
      assert.match(emulator.accountKeys()[1], /ci@plugin/);

      const read = await plugin.read(created.id, urn, created.properties);
      assert.equal(read.id, created.id);
      assert.equal(read.properties.fingerprint, created.properties.fingerprint);

      const comment = await plugin.diff(created.id, urn, created.properties, {
        ...checked.inputs,
        comment: "ci@elsewhere",
      });
      assert.deepEqual([comment.changes, comment.replaces], ["some", []], "a new comment updates in place");
      const other = keyPair(dir, "other");
      const replace = await plugin.diff(created.id, urn, created.properties, {
        ...checked.inputs,
        publicKey: other.publicKey,
      });
      assert.deepEqual(replace.replaces, ["publicKey"], "another key replaces");

      const updated = await plugin.update(created.id, urn, created.properties, {
        ...checked.inputs,
        comment: "ci@elsewhere",
      });
      assert.match(String(updated.registeredKey), /ci@elsewhere/);
      assert.ok(emulator.accountKeys().some((k) => k.includes("ci@elsewhere")));

      await plugin.delete(created.id, urn, updated);
      assert.deepEqual(emulator.accountKeys(), foreign, "exactly the keys the account held before");
      const gone = await plugin.read(created.id, urn, updated);
      assert.equal(gone.id, "", "read reports the key gone");
    },
    { foreignKeys: foreign },
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("Pod: check fills name and owner, create waits for SSH, read, diff, update in place, delete", async () => {
  await withPlugin(async ({ plugin, emulator, dir }) => {
    const key = keyPair(dir, "pod-user");
    const urn = urnOf("runpod-ssh:index:Pod", "trainer");
    const bad = await plugin.check(urn, {}, { gpu: { id: "NVIDIA GeForce RTX 4090" }, ports: ["22/udp"] });
    assert.ok(
      bad.failures.some((f) => f.property === "image"),
      "a missing image is named",
    );
    assert.ok(
      bad.failures.some((f) => f.property.startsWith("ports")),
      "a UDP port is named",
    );
    assert.equal(emulator.requests.length, 0, "check makes no API call");

    const news = {
      image: "runpod/pytorch:2.4.0",
      gpu: { id: "NVIDIA GeForce RTX 4090" },
      sshPublicKeys: [key.publicKey],
      env: { TOKEN: secret("s3cret"), STAGE: "one" },
    };
    const checked = await plugin.check(urn, {}, news);
    assert.deepEqual(checked.failures, []);
    assert.equal(checked.inputs.name, "plugin-test-dev-trainer", "default name <project>-<stack>-<name>");
    assert.equal(checked.inputs.ownerTag, urn);
    assert.ok(isSecret(checked.inputs.env), "env holding a secret stays secret");

    const created = await plugin.create(urn, checked.inputs);
    const outs = created.properties;
    assert.equal(outs.status, "RUNNING");
    assert.ok(isSecret(outs.env), "the secret env leaves as a secret");
    assert.equal(
      sshRun(outs, key.privateKeyFile, "echo ok-$RUNPOD_POD_ID"),
      `ok-${created.id}`,
      "the pod is SSH-ready",
    );
    assert.equal(emulator.pods()[0].name, "plugin-test-dev-trainer");
    assert.deepEqual(
      [emulator.pods()[0].env.STAGE, emulator.pods()[0].env.TOKEN],
      ["one", "s3cret"],
      "the env reached the pod",
    );

    const read = await plugin.read(created.id, urn, outs);
    assert.equal(read.id, created.id);
    assert.equal(read.properties.sshPort, outs.sshPort);

    const envChange = { ...checked.inputs, env: { TOKEN: "s3cret", STAGE: "two" } };
    const inPlace = await plugin.diff(created.id, urn, outs, envChange);
    assert.deepEqual([inPlace.changes, inPlace.replaces], ["some", []], "an env change updates in place");
    const gpuChange = await plugin.diff(created.id, urn, outs, { ...checked.inputs, gpu: { id: "NVIDIA RTX A5000" } });
    assert.deepEqual(gpuChange.replaces, ["gpu"], "a GPU change replaces");
    assert.equal(gpuChange.deleteBeforeReplace, true, "the old pod goes first");
    const same = await plugin.diff(created.id, urn, outs, checked.inputs);
    assert.equal(same.changes, "none");

    const updated = await plugin.update(created.id, urn, outs, envChange);
    assert.equal(emulator.pods()[0].env.STAGE, "two");
    assert.notEqual(updated.sshPort, outs.sshPort, "the container reset's new port is reported");
    assert.equal(
      sshRun(updated, key.privateKeyFile, "echo ok-$RUNPOD_POD_ID"),
      `ok-${created.id}`,
      "SSH works again after the reset",
    );

    await plugin.delete(created.id, urn, updated);
    assert.deepEqual(emulator.pods(), [], "no pod left");
    const gone = await plugin.read(created.id, urn, updated);
    assert.equal(gone.id, "", "read reports the pod gone");
  });
});

test("LocalKeyFile: the secret content stays secret, the file is written 0600, moved, rewritten and removed", async () => {
  await withPlugin(async ({ plugin, dir }) => {
    const key = keyPair(dir, "file-key");
    const content = fs.readFileSync(key.privateKeyFile, "utf8");
    const urn = urnOf("runpod-ssh:index:LocalKeyFile", "trainer-private-key-file");
    const file = path.join(dir, "keys", "trainer");
    const checked = await plugin.check(urn, {}, { path: file, content: secret(content) });
    assert.deepEqual(checked.failures, []);
    assert.ok(isSecret(checked.inputs.content), "check hands the content back as a secret");

    const created = await plugin.create(urn, checked.inputs);
    assert.equal(fs.readFileSync(file, "utf8"), content);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(created.properties.content, undefined, "the key is never an output");
    assert.equal((await plugin.read(created.id, urn, created.properties)).id, created.id);

    const moved = path.join(dir, "keys", "moved");
    assert.deepEqual((await plugin.diff(created.id, urn, created.properties, { path: moved, content })).replaces, [
      "path",
    ]);
    const other = fs.readFileSync(keyPair(dir, "other-key").privateKeyFile, "utf8");
    const rewrite = await plugin.diff(created.id, urn, created.properties, { path: file, content: secret(other) });
    assert.deepEqual([rewrite.changes, rewrite.replaces], ["some", []]);
    const updated = await plugin.update(created.id, urn, created.properties, { path: file, content: secret(other) });
    assert.equal(fs.readFileSync(file, "utf8"), other);

    await plugin.delete(created.id, urn, updated);
    assert.equal(fs.existsSync(file), false);
    assert.equal((await plugin.read(created.id, urn, updated)).id, "");
  });
});

test("SshPassword: default length, the password leaves as a secret (also from read), a new length replaces", async () => {
  await withPlugin(async ({ plugin }) => {
    const urn = urnOf("runpod-ssh:index:SshPassword", "trainer-password");
    const checked = await plugin.check(urn, {}, {});
    assert.equal(checked.inputs.length, 24);
    assert.deepEqual((await plugin.check(urn, {}, { length: 3 })).failures.map((f) => f.property).length, 1);
    const created = await plugin.create(urn, checked.inputs);
    assert.ok(isSecret(created.properties.password), "password is a secret");
    assert.equal(String((created.properties.password as Bag).value).length, 24);
    assert.match(String(created.properties.hash), /^\$6\$/);
    const read = await plugin.read(created.id, urn, created.properties);
    assert.ok(isSecret(read.properties.password), "read keeps it secret");
    assert.deepEqual((await plugin.diff(created.id, urn, created.properties, { length: 32 })).replaces, ["length"]);
    await plugin.delete(created.id, urn, created.properties);
  });
});

test("configuration: the environment works without Configure; no key at all names runpod-ssh:token", async () => {
  const emulator = await startEmulator({ timings: TIMINGS });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plugin-config-"));
  const fromEnv = await PluginClient.start({
    RUNPOD_API_KEY: emulator.apiKey,
    RUNPOD_API_URL: emulator.url,
    RUNPOD_SSH_KEY_SETTLE_MS: "50",
  });
  const noKey = await PluginClient.start({ RUNPOD_API_KEY: "", RUNPOD_API_URL: emulator.url });
  try {
    const key = keyPair(dir, "env-key");
    const urn = urnOf("runpod-ssh:index:AccountSshKey", "env-key");
    const inputs = (await fromEnv.check(urn, {}, { publicKey: key.publicKey })).inputs;
    const created = await fromEnv.create(urn, inputs);
    assert.equal(emulator.accountKeys().length, 1, "RUNPOD_API_KEY / RUNPOD_API_URL reached the emulator");
    await fromEnv.delete(created.id, urn, created.properties);

    await noKey.configure({});
    await assert.rejects(noKey.create(urn, inputs), (e: Error) => {
      assert.match(e.message, /runpod-ssh:token/, "names the config key to set");
      assert.match(e.message, /RUNPOD_API_KEY/);
      return true;
    });
  } finally {
    await fromEnv.stop();
    await noKey.stop();
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an unknown resource type is refused with the types the plugin serves", async () => {
  const plugin = await PluginClient.start();
  try {
    await assert.rejects(
      plugin.check(urnOf("runpod-ssh:index:Volume", "v"), {}, {}),
      /no custom resource of type "runpod-ssh:index:Volume".*runpod-ssh:index:Pod/,
    );
  } finally {
    await plugin.stop();
  }
});
