/**
 * A missing, empty or unusable Runpod API key fails `check` (so `pulumi preview`) of every resource that calls the
 * API, through both front doors (the TypeScript library's dynamic providers and the plugin's custom resources),
 * with the message naming both ways to set the key; resources that never call the API do not ask for one.
 * Under the real engine: test/engine/missingApiKey.engine.test.ts.
 */
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { providers, configure } from "../../sdk/providers/runtime";
import { setMissingKeyMessage, setProviderSettings } from "../../sdk/providers/providerContext";
import { customResources } from "../../sdk/plugin/customResources";
import { PLUGIN_MISSING_API_KEY_MESSAGE } from "../../sdk/plugin/main";
import { MISSING_API_KEY_MESSAGE } from "../../sdk/runpod/settings";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";
import { withEnv } from "../helpers/env";

const POD = { name: "n", ownerTag: "urn:x", image: "runpod/base:1.0.0", gpu: { id: "NVIDIA GeForce RTX 4090" } };
const KEY = { publicKey: ed25519PublicKeyLine() };
const NO_KEY = { property: "", reason: MISSING_API_KEY_MESSAGE };

afterEach(() => {
  setProviderSettings({});
  setMissingKeyMessage(MISSING_API_KEY_MESSAGE);
});

async function failures(): Promise<Record<string, unknown[]>> {
  return {
    pod: (await providers.pod.check({}, POD)).failures ?? [],
    accountSshKey: (await providers.accountSshKey.check({}, KEY)).failures ?? [],
    localKeyFile: (await providers.localKeyFile.check({}, { path: "/tmp/k", content: "-----BEGIN OPENSSH PRIVATE KEY-----" }))
      .failures ?? [],
    password: (await providers.password.check({}, {})).failures ?? [],
  };
}

test("no runpod:token and no RUNPOD_API_KEY: Pod and AccountSshKey checks fail naming both ways; the others pass", async () => {
  setProviderSettings({});
  await withEnv({ RUNPOD_API_KEY: undefined }, async () => {
    assert.deepEqual(await failures(), { pod: [NO_KEY], accountSshKey: [NO_KEY], localKeyFile: [], password: [] });
  });
  assert.match(MISSING_API_KEY_MESSAGE, /pulumi config set --secret runpod:token <your key>/);
  assert.match(MISSING_API_KEY_MESSAGE, /RUNPOD_API_KEY environment variable/);
});

test("an empty or blank key counts as none: stack config set to '' and RUNPOD_API_KEY of spaces", async () => {
  configure({ get: (key) => (key === "runpod:token" ? "" : undefined) });
  await withEnv({ RUNPOD_API_KEY: "   " }, async () => {
    assert.deepEqual((await failures()).pod, [NO_KEY]);
  });
});

test("a key from either place is enough: the stack config, or RUNPOD_API_KEY", async () => {
  configure({ get: (key) => (key === "runpod:token" ? "rpa_from_config" : undefined) });
  await withEnv({ RUNPOD_API_KEY: undefined }, async () => {
    assert.deepEqual(await failures(), { pod: [], accountSshKey: [], localKeyFile: [], password: [] });
  });
  setProviderSettings({});
  await withEnv({ RUNPOD_API_KEY: "rpa_from_env" }, async () => {
    assert.deepEqual(await failures(), { pod: [], accountSshKey: [], localKeyFile: [], password: [] });
  });
});

test("a key pasted with a line break fails the check, without printing the key", async () => {
  const key = "rpa_first_half\nsecond_half";
  setProviderSettings({ token: key });
  const [failure] = (await providers.pod.check({}, POD)).failures ?? [];
  assert.match(failure.reason, /contains whitespace or control characters/);
  assert.ok(!failure.reason.includes("first_half"), failure.reason);
});

test("plugin: the custom resources' check fails the same way, naming runpod-ssh:token", async () => {
  setProviderSettings({});
  setMissingKeyMessage(PLUGIN_MISSING_API_KEY_MESSAGE);
  await withEnv({ RUNPOD_API_KEY: undefined }, async () => {
    const urn = "urn:pulumi:dev::proj::runpod-ssh:index:SshPod$runpod-ssh:index:Pod::trainer-pod";
    const { name: _name, ownerTag: _tag, ...inputs } = POD;
    const checked = await customResources.check(urn, {}, inputs);
    assert.deepEqual(checked.failures, [{ property: "", reason: PLUGIN_MISSING_API_KEY_MESSAGE }]);
    assert.match(PLUGIN_MISSING_API_KEY_MESSAGE, /pulumi config set --secret runpod-ssh:token <your key>/);
    assert.match(PLUGIN_MISSING_API_KEY_MESSAGE, /RUNPOD_API_KEY environment variable/);
  });
});
