/**
 * Run by peerFloor.test.ts from a folder where `@pulumi/pulumi` is the oldest version package.json allows and
 * `pulumi-runpod-ssh` is a copy of the files the package ships: the components and the dynamic providers under
 * `pulumi.runtime.setMocks`, loaded by package name exactly as a user's program loads them. Self-contained (only
 * package and node: imports), since it runs outside this repository. Not a *.test.ts: it means nothing here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import type * as runtimeTypes from "../../sdk/providers/runtime";

const FLOOR = process.env.PULUMI_FLOOR_VERSION;
const PRIVATE = "-----BEGIN OPENSSH PRIVATE KEY-----\nfloor\n-----END OPENSSH PRIVATE KEY-----\n";
const PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBrx8C8JaWMJtWb0N/0pIVpY4VjesWtkXR89Ou+hEW";
const registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];

void pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      const inputs = args.inputs as Record<string, unknown>;
      registered.push({ type: args.type, name: args.name, inputs });
      let state: Record<string, unknown> = { ...inputs };
      if (args.type === "tls:index/privateKey:PrivateKey") state = { ...inputs, publicKeyOpenssh: PUBLIC, privateKeyOpenssh: PRIVATE };
      if (args.type.endsWith(":Pod") || args.type.endsWith(":PodReadiness")) {
        state = { ...inputs, podId: "pod1", publicIp: "203.0.113.7", sshPort: 40022, sshUser: "root", status: "RUNNING", hostKeys: [] };
      }
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs as Record<string, unknown>,
  },
  "floor",
  "dev",
  false,
);

// Loaded after setMocks, by package name, as a program would.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require("pulumi-runpod-ssh") as typeof import("../../sdk");

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

test("the package runs on the floor version of @pulumi/pulumi (no other copy)", () => {
  const fromPackage = createRequire(require.resolve("pulumi-runpod-ssh"))("@pulumi/pulumi/package.json") as { version: string };
  assert.ok(FLOOR, "PULUMI_FLOOR_VERSION is set");
  assert.equal(fromPackage.version, FLOOR, "pulumi-runpod-ssh loads the floor version");
  const fromProgram = createRequire(__filename)("@pulumi/pulumi/package.json") as { version: string };
  assert.equal(fromProgram.version, FLOOR, "and so does the program");
});

test("SshPod: key, account registration, pod, key file and ready-made commands", async () => {
  const pod = new sdk.SshPod("trainer", { image: "runpod/base:1.0.0", gpu: { id: "NVIDIA GeForce RTX 4090" } });
  assert.match(await value(pod.sshCommand), /^ssh -p 40022 -i ~\/\.ssh\/runpod-floor-dev-trainer .*root@203\.0\.113\.7$/);
  assert.equal(await value(pod.privateKeyOpenssh), PRIVATE);
  assert.equal(await (pod.privateKeyOpenssh as unknown as { isSecret: Promise<boolean> }).isSecret, true);
  const types = registered.map((r) => r.type);
  for (const t of ["tls:index/privateKey:PrivateKey", "pulumi-nodejs:dynamic/runpod-ssh:AccountSshKey", "pulumi-nodejs:dynamic/runpod-ssh:Pod", "pulumi-nodejs:dynamic/runpod-ssh:LocalKeyFile"]) {
    assert.ok(types.includes(t), `${t} registered: ${types.join(", ")}`);
  }
  // The dynamic provider is serialized by the floor's closure serializer: a shim that loads the runtime by name.
  const podInputs = registered.find((r) => r.type.endsWith(":Pod"))!.inputs;
  assert.match(String(podInputs.__provider), /pulumi-runpod-ssh\/provider-runtime/);
});

test("a fleet: one SshKey, two SshPods, one registration and one key file", async () => {
  const before = registered.length;
  const key = new sdk.SshKey("fleet-key");
  const pods = [0, 1].map((i) => new sdk.SshPod(`w${i}`, { image: "runpod/base:1.0.0", gpu: { id: "g" }, sshKey: key }));
  await Promise.all(pods.map((p) => value(p.sshCommand)));
  const identities = await Promise.all(pods.map((p) => value(p.identityFile)));
  assert.deepEqual(identities, ["~/.ssh/runpod-floor-dev-fleet-key", "~/.ssh/runpod-floor-dev-fleet-key"]);
  const mine = registered.slice(before);
  assert.equal(mine.filter((r) => r.type.endsWith(":AccountSshKey")).length, 1);
  assert.equal(mine.filter((r) => r.type.endsWith(":LocalKeyFile")).length, 1);
});

test("invalid inputs fail at construction with the floor's InputPropertiesError, every input at once", () => {
  assert.throws(
    () => new sdk.SshPod("bad", { image: "runpod/base:1.0.0", gpu: { id: "g" }, sshdMode: "weird" as "image", hostAlias: "has space" }),
    (e: Error) => {
      assert.ok(e instanceof pulumi.InputPropertiesError, `an InputPropertiesError of the floor version, got ${e.constructor.name}`);
      assert.match(e.message, /sshdMode/);
      assert.match(e.message, /hostAlias/);
      return true;
    },
  );
});

test("the dynamic providers' runtime loads by its export name and checks inputs offline", async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtime = require("pulumi-runpod-ssh/provider-runtime") as typeof runtimeTypes;
  runtime.configure({ get: (k) => (k === "runpod:token" ? "rpa_floor" : undefined) });
  const pod = { name: "n", ownerTag: "urn:x", image: "runpod/base:1.0.0", gpu: { id: "NVIDIA GeForce RTX 4090" } };
  assert.deepEqual((await runtime.providers.pod.check({}, pod)).failures, []);
  assert.equal((await runtime.providers.pod.check({}, { ...pod, ports: ["99999/tcp"] })).failures?.[0]?.property, "ports");
});
