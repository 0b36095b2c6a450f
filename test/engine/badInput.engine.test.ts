/**
 * Bad input under the real engine: `pulumi preview` fails before anything is created, and every message, as
 * the engine renders it, reads as a sentence that names the input (nested paths included), all of them at once.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { getToolchain, openExampleStack, ROOT, TOOLCHAIN_TIMEOUT_MS, type ExampleStack } from "./harness";

before(() => getToolchain(), { timeout: TOOLCHAIN_TIMEOUT_MS });

const PROGRAM = {
  source: path.join(ROOT, "test", "engine", "programs", "from-config"),
  built: path.join(ROOT, "dist", "test", "engine", "programs", "from-config"),
};

async function previewWith(config: Record<string, unknown>): Promise<{ stack: ExampleStack; output: string; code: number | null }> {
  const stack = await openExampleStack({
    example: "from-config",
    programDir: PROGRAM,
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, JSON.stringify(v)])),
  });
  const result = await stack.run(["preview", "--non-interactive"]);
  return { stack, output: result.output, code: result.code };
}

/** The `has a problem:` reasons of the Diagnostics section, with the property the engine printed. */
function checkFailures(output: string): Array<{ property: string; reason: string }> {
  const diagnostics = output.slice(output.indexOf("Diagnostics:"));
  return [...diagnostics.matchAll(/property (\S+) value .*? has a problem: (.*)$/gm)].map((m) => ({ property: m[1], reason: m[2] }));
}

function assertSentence(reason: string, mentions: string): void {
  assert.match(reason, /^["A-Z\w]/, `starts like a sentence: ${reason}`);
  assert.doesNotMatch(reason, /^(and|or|is|are|must|should|has)\b/, `not a fragment that leans on the property name: ${reason}`);
  assert.match(reason, /[.!]$/, `ends like a sentence: ${reason}`);
  assert.ok(reason.includes(mentions), `names ${mentions}: ${reason}`);
}

test("Pod: check failures render as sentences naming each input, nested paths on their top-level property", async () => {
  const { stack, output, code } = await previewWith({
    pod: {
      image: "runpod/pytorch:2.4.0",
      gpu: { ids: ["NVIDIA GeForce RTX 4090"] },
      cpu: { id: "cpu3c", vcpuCount: 2 },
      ports: ["8888/http", "22/tcp", "99999/tcp"],
      env: { "1BAD": "x" },
    },
  });
  try {
    assert.notEqual(code, 0, "preview fails");
    assert.equal(stack.emulator.requests.length, 0, "no HTTP call");
    assert.doesNotMatch(output, /<nil>/, "no property is printed with a nil value");
    const failures = checkFailures(output);
    const byProperty = new Map(failures.map((f) => [f.property, f.reason]));
    assert.deepEqual([...byProperty.keys()].sort(), ["env", "gpu", "ports"], output);
    assertSentence(byProperty.get("gpu")!, "cpu");
    assertSentence(byProperty.get("ports")!, "ports[2]");
    assertSentence(byProperty.get("env")!, "1BAD");
  } finally {
    await stack.close();
  }
});

test("a check failure on env never prints a secret value", async () => {
  const secret = "private-value-not-for-print";
  const { stack, output, code } = await previewWith({
    pod: { image: "runpod/pytorch:2.4.0", gpu: { ids: ["NVIDIA GeForce RTX 4090"] } },
    secretEnv: { "1BAD": secret, GOOD: secret },
  });
  try {
    assert.notEqual(code, 0, "preview fails");
    assert.match(output, /1BAD/, "the bad variable is named");
    assert.ok(!output.includes(secret), `the secret value is not printed:\n${output}`);
  } finally {
    await stack.close();
  }
});

test("SshPod: every invalid input is reported at once, each naming its input, without a stack trace", async () => {
  const { stack, output, code } = await previewWith({
    sshPod: {
      image: "runpod/pytorch:2.4.0",
      gpu: { ids: ["NVIDIA GeForce RTX 4090"] },
      sshdMode: "weird",
      hostKeyChecking: "maybe",
      hostAlias: "has space",
    },
  });
  try {
    assert.notEqual(code, 0, "preview fails");
    assert.equal(stack.emulator.requests.length, 0, "no HTTP call");
    assert.doesNotMatch(output, /Unhandled exception|at new SshPod|\.js:\d+:\d+/, "no stack trace");
    for (const input of ["sshdMode", "hostKeyChecking", "hostAlias"]) {
      assert.match(output, new RegExp(`${input}\\b`), `${input} is reported:\n${output}`);
    }
  } finally {
    await stack.close();
  }
});
