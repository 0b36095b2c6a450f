/**
 * The Pulumi resource classes under `pulumi.runtime.setMocks`: what they register, and the `__provider` text
 * they put in state, which is then loaded the way Pulumi's dynamic-provider host loads it and driven against
 * the emulator (create -> read -> update -> delete).
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
process.env.RUNPOD_SSH_KEY_SETTLE_MS = "50";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import type { PodOutputs } from "../../sdk/providers/podProvider";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler(): Required<dynamic.ResourceProvider> };

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

void pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
      return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
    },
    call: (args) => args.inputs as Record<string, unknown>,
  },
  "proj",
  "dev",
  false,
);

// Import after setMocks so the resources register against the mocks.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require("../../sdk") as typeof import("../../sdk");

let emulator: RunpodEmulator;
let dir: string;
let publicKey: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mock-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mock", "-f", path.join(dir, "id")]);
  publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
  emulator = await startEmulator({ rateLimit: false, timings: { provisioningMs: 50, startingMs: 50, sshdStartMs: 50 } });
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function resolved<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

async function waitRegistered(name: string): Promise<Registered> {
  for (let i = 0; i < 200; i++) {
    const r = registered.find((x) => x.name === name);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`${name} never registered`);
}

test("AccountSshKey and Pod register their type tokens, the default pod name and owner tag, and a small, secret-free provider", async () => {
  const key = new sdk.AccountSshKey("team-key", { publicKey });
  const pod = new sdk.Pod("trainer", { image: "runpod/base:1.0.0", gpu: { id: "NVIDIA GeForce RTX 4090" }, sshPublicKeys: [publicKey] }, { dependsOn: [key] });
  await resolved(pod.urn);
  const k = await waitRegistered("team-key");
  const p = await waitRegistered("trainer");
  assert.equal(k.type, "pulumi-nodejs:dynamic/runpod-ssh:AccountSshKey");
  assert.equal(p.type, "pulumi-nodejs:dynamic/runpod-ssh:Pod");
  assert.equal(p.inputs.name, "proj-dev-trainer");
  assert.equal(p.inputs.ownerTag, "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/runpod-ssh:Pod::trainer");
  for (const r of [k, p]) {
    const text = r.inputs.__provider as string;
    assert.equal(typeof text, "string");
    assert.ok(text.length < 16 * 1024, `${r.name}: ${text.length} bytes`);
    assert.match(text, /pulumi-runpod-ssh\/provider-runtime/);
    assert.ok(!/RUNPOD_API_KEY=|Bearer /.test(text));
  }
  assert.equal(k.inputs.__provider === p.inputs.__provider, false, "each kind has its own shim");
});

test("each resource's __provider, loaded as the host loads it, drives create -> read -> update -> delete", async () => {
  const keyRes = registered.find((r) => r.name === "team-key")!;
  const podRes = registered.find((r) => r.name === "trainer")!;
  const config = { get: (k: string) => ({ "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url })[k] };

  const keyProvider = requireFromString(keyRes.inputs.__provider as string).handler();
  await keyProvider.configure({ config } as unknown as dynamic.ConfigureRequest);
  const kc = await keyProvider.check({}, { publicKey: keyRes.inputs.publicKey });
  const kCreated = await keyProvider.create(kc.inputs);
  assert.deepEqual(emulator.accountKeys(), [publicKey]);
  assert.equal((await keyProvider.read(kCreated.id, kCreated.outs)).id, kCreated.id);
  const kUpdated = await keyProvider.update(kCreated.id, kCreated.outs, { ...kc.inputs, comment: "renamed" });
  assert.match(emulator.accountKeys()[0], / renamed$/);

  const podProvider = requireFromString(podRes.inputs.__provider as string).handler();
  await podProvider.configure({ config } as unknown as dynamic.ConfigureRequest);
  const { __provider: _p, ...podInputs } = podRes.inputs;
  const pc = await podProvider.check({}, podInputs);
  assert.deepEqual(pc.failures, []);
  const pCreated = await podProvider.create(pc.inputs);
  assert.equal((pCreated.outs as PodOutputs).status, "RUNNING");
  assert.equal((await podProvider.read(pCreated.id, pCreated.outs)).id, pCreated.id);
  const pUpdated = await podProvider.update(pCreated.id, pCreated.outs, { ...pc.inputs, env: { X: "1" } });
  assert.notEqual((pUpdated.outs as PodOutputs).sshPort, (pCreated.outs as PodOutputs).sshPort);
  await podProvider.delete(pCreated.id, pUpdated.outs);
  assert.equal(emulator.pods().length, 0);

  await keyProvider.delete(kCreated.id, kUpdated.outs);
  assert.deepEqual(emulator.accountKeys(), []);
  assert.ok(!emulator.requests.some((r) => r.url.includes(emulator.apiKey)), "the key never went in a URL");
});

test("the shim finds the runtime by package name when the package is installed (upgrades change behaviour)", () => {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), "app-"));
  const repoRoot = path.resolve(__dirname, "..", "..", "..");
  fs.mkdirSync(path.join(app, "node_modules"));
  fs.symlinkSync(repoRoot, path.join(app, "node_modules", "pulumi-runpod-ssh"), "dir");
  const text = registered.find((r) => r.name === "trainer")!.inputs.__provider as string;
  // Point the fallback somewhere that does not exist: only the package-name lookup can succeed.
  const byNameOnly = text.replace(/fallbackPath: "[^"]*"/, 'fallbackPath: "/nonexistent/runtime.js"');
  const cwd = process.cwd();
  try {
    process.chdir(app);
    const provider = requireFromString(byNameOnly).handler();
    return provider.check({}, { image: "i", gpu: { id: "g" }, name: "n", ownerTag: "o" }).then((r) => assert.deepEqual(r.failures, []));
  } finally {
    process.chdir(cwd);
  }
});
