/**
 * examples/yaml under the real engine: a Pulumi YAML program using `runpod-ssh:index:SshPod` through the
 * provider plugin (bin/pulumi-resource-runpod-ssh), run by Pulumi's YAML language host. preview, up, the
 * `sshCommand` output runs a remote command, the children are the plugin's own resources (no dynamic provider),
 * secrets stay secret, a second up changes nothing, destroy leaves no pod and the account's keys as they were.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  assertNothingLeft,
  assertPreviewCreatesWithoutCalls,
  assertSshCommandRuns,
  getYamlHost,
  openExampleStack,
  ROOT,
  shell,
  teammateKey,
  TOOLCHAIN_TIMEOUT_MS,
} from "./harness";

let work: string;

before(
  async () => {
    await getYamlHost();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-yaml-"));
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];

interface StateResource {
  type: string;
  urn: string;
}

test("examples/yaml under the real engine: preview, up, ssh, plugin children, secrets, no-change up, destroy", async (t) => {
  const foreignKeys = [teammateKey(work, "alice@laptop")];
  const keyFile = path.join(work, "keys", "yaml key");
  const stack = await openExampleStack({
    example: "yaml",
    language: "yaml",
    foreignKeys,
    config: { privateKeyFile: keyFile },
    timings: { provisioningMs: 2500, startingMs: 2500, sshdStartMs: 3000 },
  });
  try {
    await assertPreviewCreatesWithoutCalls(stack);

    const started = Date.now();
    const up = await stack.ok(UP, { env: { RUNPOD_SSH_PROGRESS_EVERY_MS: "500" } });
    t.diagnostic(`pulumi up of examples/yaml (pod boot 8 s in the emulator): ${Date.now() - started} ms`);
    assert.match(
      up.output,
      /PodReadiness trainer-ready creating \(\d+s\) pod \S+ \(\w+\): (STARTING|RUNNING|CREATED|PROVISIONING)/,
      "the plugin's progress lines reach the engine",
    );
    const out = await assertSshCommandRuns(stack);
    assert.ok(fs.existsSync(keyFile), "the private key file was written");

    const exported = (await stack.ok(["stack", "export"])).stdout;
    const resources = (JSON.parse(exported) as { deployment: { resources: StateResource[] } }).deployment.resources;
    const types = resources.map((r) => r.type).sort();
    for (const type of [
      "runpod-ssh:index:SshPod",
      "runpod-ssh:index:SshKey",
      "runpod-ssh:index:Pod",
      "runpod-ssh:index:AccountSshKey",
      "runpod-ssh:index:LocalKeyFile",
    ]) {
      assert.ok(types.includes(type), `${type} is in the state: ${types.join(", ")}`);
    }
    assert.ok(!types.some((type) => type.includes("dynamic")), "no dynamic provider resource");
    assert.ok(!exported.includes(stack.emulator.apiKey), "no API key in the state");
    const keyBody = String(out.privateKeyOpenssh)
      .split("\n")
      .filter((l) => l.length > 40)[1];
    assert.ok(keyBody && !exported.includes(keyBody), "no private key material in the state");
    const hidden = await stack.ok(["stack", "output", "privateKeyOpenssh"]);
    assert.doesNotMatch(hidden.stdout, /PRIVATE KEY/, "the private key output is a secret");

    await stack.ok([...UP, "--expect-no-changes"]);

    await stack.ok(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
    assertNothingLeft(stack, foreignKeys, keyFile);
  } finally {
    await stack.close();
  }
});

test("a YAML fleet: one SshKey shared by two SshPods (a resource reference), registered before any pod exists", async () => {
  const foreignKeys = [teammateKey(work, "bob@desk")];
  const keyFile = path.join(work, "keys", "fleet");
  const stack = await openExampleStack({
    example: "yaml-fleet",
    language: "yaml",
    programDir: { source: path.join(ROOT, "test", "engine", "programs", "yaml-fleet"), built: "" },
    foreignKeys,
    config: { privateKeyFile: keyFile },
  });
  try {
    await stack.ok(UP);
    const out = await stack.outputs();
    assert.equal(out.worker0Identity, keyFile, "the shared key's file is the pods' identity file");
    for (const worker of ["worker0", "worker1"]) {
      assert.match(String(out[worker]), new RegExp(`-i '?${keyFile}`), `${worker} uses the shared key file`);
      const said = await shell(String(out[worker]), "'echo ok-$RUNPOD_POD_ID'");
      assert.match(said.trim(), /^ok-\w+$/, `${worker} answers over SSH with the shared key`);
    }
    assert.equal(stack.emulator.pods().length, 2);
    assert.equal(stack.emulator.accountKeys().length, foreignKeys.length + 1, "the shared key is registered once");
    const writes = stack.emulator.requests.filter((r) => r.method !== "GET");
    const keyWrite = writes.findIndex((r) => r.path.includes("ssh-keys"));
    const firstPod = writes.findIndex((r) => r.method === "POST" && r.path.endsWith("/pods"));
    assert.ok(
      keyWrite >= 0 && keyWrite < firstPod,
      "the key was registered on the account before the first pod was created",
    );

    await stack.ok(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
    assert.deepEqual(stack.emulator.pods(), []);
    assert.deepEqual(stack.emulator.accountKeys(), foreignKeys);
    assert.equal(fs.existsSync(keyFile), false);
  } finally {
    await stack.close();
  }
});

test("YAML: invalid inputs reach the user as readable messages naming each input, before any API call", async () => {
  const stack = await openExampleStack({
    example: "yaml-bad-input",
    language: "yaml",
    programDir: { source: path.join(ROOT, "test", "engine", "programs", "yaml-bad-input"), built: "" },
  });
  try {
    const result = await stack.run(["preview", "--non-interactive"]);
    assert.notEqual(result.code, 0, "preview fails");
    assert.equal(stack.emulator.requests.length, 0, "no HTTP call");
    const diagnostics = result.output.slice(result.output.indexOf("Diagnostics:"));
    for (const [input, says] of [
      ["hostAlias", /hostAlias must not contain spaces/],
      ["ports[1]", /ports\[1\] is "99999\/tcp"; the port must be between 1 and 65535\./],
      ["env.1BAD", /1BAD/],
    ] as const) {
      assert.match(diagnostics, says, `${input} is named with what is wrong:\n${diagnostics}`);
    }
    assert.doesNotMatch(result.output, /\.js:\d+:\d+|at new SshPod/, "no stack trace");
  } finally {
    await stack.close();
  }
});

test("YAML: an output of another resource given where a plain value is needed is refused, naming the input", async () => {
  const stack = await openExampleStack({
    example: "yaml-plain-input",
    language: "yaml",
    programDir: { source: path.join(ROOT, "test", "engine", "programs", "yaml-plain-input"), built: "" },
  });
  try {
    const result = await stack.run(["preview", "--non-interactive"]);
    assert.notEqual(result.code, 0, "preview fails");
    assert.match(result.output, /SshPod "trainer": hostAlias must be a plain value written in the program/);
  } finally {
    await stack.close();
  }
});
