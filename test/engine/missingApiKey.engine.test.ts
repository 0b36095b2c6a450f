/**
 * A missing or empty Runpod API key under the real engine: `pulumi preview` (not only `up`) fails before any API
 * call, with a message that names both ways to set the key, on both routes: the TypeScript library (dynamic
 * providers, `runpod:token`) and the provider plugin (a YAML program, `runpod-ssh:token`). The key comes from
 * nowhere else: the workspace runs every command with `RUNPOD_API_KEY` set to "".
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { getToolchain, openExampleStack, ROOT, TOOLCHAIN_TIMEOUT_MS, type ExampleStack } from "./harness";

before(() => getToolchain(), { timeout: TOOLCHAIN_TIMEOUT_MS });

const FROM_CONFIG = {
  source: path.join(ROOT, "test", "engine", "programs", "from-config"),
  built: path.join(ROOT, "dist", "test", "engine", "programs", "from-config"),
};
const SSH_POD = { image: "runpod/pytorch:2.4.0", gpu: { ids: ["NVIDIA GeForce RTX 4090"] } };

/** Preview fails, made no HTTP call, and says how to set the key (the stack's config key, and the env variable). */
async function assertPreviewNamesBothWays(stack: ExampleStack, configKey: string): Promise<void> {
  const result = await stack.run(["preview", "--non-interactive"]);
  assert.notEqual(result.code, 0, `preview fails without a key:\n${result.output}`);
  assert.equal(stack.emulator.requests.length, 0, "no HTTP call");
  assert.match(result.output, /No Runpod API key found/, result.output);
  assert.ok(result.output.includes(`pulumi config set --secret ${configKey} <your key>`), `names ${configKey}:\n${result.output}`);
  assert.match(result.output, /RUNPOD_API_KEY environment variable/, result.output);
  assert.doesNotMatch(result.output, /\bat .*\.[jt]s:\d+:\d+|RunpodConfigurationError/, `no stack trace:\n${result.output}`);
}

test("TypeScript: preview with no runpod:token and no RUNPOD_API_KEY fails, naming both ways to set the key", async () => {
  const stack = await openExampleStack({
    example: "from-config",
    programDir: FROM_CONFIG,
    config: { sshPod: JSON.stringify(SSH_POD) },
  });
  try {
    await stack.ok(["config", "rm", "runpod:token"]);
    await assertPreviewNamesBothWays(stack, "runpod:token");
    // An empty key is no key.
    await stack.ok(["config", "set", "--secret", "runpod:token", ""]);
    await assertPreviewNamesBothWays(stack, "runpod:token");
    // A plain Pod (no SshPod, no account key) is checked too.
    await stack.ok(["config", "rm", "sshPod"]);
    await stack.ok(["config", "set", "pod", JSON.stringify(SSH_POD)]);
    await assertPreviewNamesBothWays(stack, "runpod:token");
    // The environment variable alone is enough.
    const withEnv = await stack.run(["preview", "--non-interactive"], { env: { RUNPOD_API_KEY: stack.emulator.apiKey } });
    assert.equal(withEnv.code, 0, `RUNPOD_API_KEY alone makes the preview pass:\n${withEnv.output}`);
  } finally {
    await stack.ok(["config", "set", "--secret", "runpod:token", stack.emulator.apiKey]);
    await stack.close();
  }
});

test("plugin (YAML): preview with no runpod-ssh:token and no RUNPOD_API_KEY fails, naming both ways to set the key", async () => {
  const stack = await openExampleStack({ example: "yaml", language: "yaml" });
  try {
    await stack.ok(["config", "rm", "runpod-ssh:token"]);
    await assertPreviewNamesBothWays(stack, "runpod-ssh:token");
    const withEnv = await stack.run(["preview", "--non-interactive"], { env: { RUNPOD_API_KEY: stack.emulator.apiKey } });
    assert.equal(withEnv.code, 0, `RUNPOD_API_KEY alone makes the preview pass:\n${withEnv.output}`);
  } finally {
    await stack.ok(["config", "set", "--secret", "runpod-ssh:token", stack.emulator.apiKey]);
    await stack.close();
  }
});
