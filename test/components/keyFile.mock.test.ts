/**
 * Where the private key lands, under `pulumi.runtime.setMocks`: by default the generated key is written (a
 * LocalKeyFile) exactly where the commands point (`identityFile`), so `pulumi up` then the `sshCommand` output works
 * on that machine with no extra step; one file for a shared key; nothing written when the user says they provide
 * the file (`identityFile`, `writePrivateKeyFile: false`) or holds the private key (a public key they brought).
 * The file itself (0600, removed at destroy) is the LocalKeyFile provider's: localKeyFileOverwrite.test.ts and
 * test/engine/keyFileDefault.engine.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

const PRIVATE = "-----BEGIN OPENSSH PRIVATE KEY-----\nstand-in\n-----END OPENSSH PRIVATE KEY-----\n";
const PUBLIC = ed25519PublicKeyLine();
const files: Array<{ name: string; path: string }> = [];

void pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      const inputs = args.inputs as Record<string, unknown>;
      let state: Record<string, unknown> = { ...inputs };
      if (args.type === "tls:index/privateKey:PrivateKey") {
        state = { ...inputs, publicKeyOpenssh: PUBLIC, privateKeyOpenssh: PRIVATE };
      } else if (args.type.endsWith(":LocalKeyFile")) {
        files.push({ name: args.name, path: inputs.path as string });
      } else if (args.type.endsWith(":Pod") || args.type.endsWith(":PodReadiness")) {
        state = { ...inputs, podId: "pod1", publicIp: "203.0.113.7", sshPort: 40022, sshUser: "root", status: "RUNNING", hostKeys: [] };
      }
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs as Record<string, unknown>,
  },
  "proj",
  "dev",
  false,
);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require("../../sdk") as typeof import("../../sdk");

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** The LocalKeyFiles registered while `build` ran and its pods' outputs resolved. */
async function filesWritten(build: () => InstanceType<typeof sdk.SshPod>[]): Promise<{ files: string[]; identities: string[]; commands: string[] }> {
  const before = files.length;
  const pods = build();
  const identities = await Promise.all(pods.map((p) => value(p.identityFile)));
  const commands = await Promise.all(pods.map((p) => value(p.sshCommand)));
  await new Promise((r) => setTimeout(r, 50));
  return { files: files.slice(before).map((f) => f.path), identities, commands };
}

const POD = { image: "runpod/base:1.0.0", gpu: { id: "g" } };

test("SshPod's own key: written by default to ~/.ssh/runpod-<project>-<stack>-<name>, where every command points", async () => {
  const got = await filesWritten(() => [new sdk.SshPod("trainer", POD)]);
  assert.deepEqual(got.files, ["~/.ssh/runpod-proj-dev-trainer"]);
  assert.deepEqual(got.identities, ["~/.ssh/runpod-proj-dev-trainer"]);
  assert.match(got.commands[0], / -i ~\/\.ssh\/runpod-proj-dev-trainer /);
});

test("SshPod's own key with privateKeyFile: written there, and the commands point there", async () => {
  const got = await filesWritten(() => [new sdk.SshPod("own-file", { ...POD, privateKeyFile: "/keys/mine" })]);
  assert.deepEqual(got.files, ["/keys/mine"]);
  assert.deepEqual(got.identities, ["/keys/mine"]);
});

test("SshPod with identityFile only (CI on another machine): nothing written, the commands use the given file", async () => {
  const got = await filesWritten(() => [new sdk.SshPod("ci-job", { ...POD, identityFile: "key" })]);
  assert.deepEqual(got.files, []);
  assert.deepEqual(got.identities, ["key"]);
  assert.match(got.commands[0], / -i key /);
});

test("a shared SshKey: one file, named after the key, and every pod's commands point at it", async () => {
  const got = await filesWritten(() => {
    const key = new sdk.SshKey("fleet-key");
    return [0, 1, 2].map((i) => new sdk.SshPod(`worker${i}`, { ...POD, sshKey: key }));
  });
  assert.deepEqual(got.files, ["~/.ssh/runpod-proj-dev-fleet-key"]);
  assert.deepEqual(got.identities, Array(3).fill("~/.ssh/runpod-proj-dev-fleet-key"));
});

test("a shared SshKey with writePrivateKeyFile: false: nothing written; the pods point where the key is to be saved", async () => {
  const got = await filesWritten(() => {
    const key = new sdk.SshKey("unwritten", { writePrivateKeyFile: false, privateKeyFile: "/ci/key" });
    return [new sdk.SshPod("w", { ...POD, sshKey: key })];
  });
  assert.deepEqual(got.files, []);
  assert.deepEqual(got.identities, ["/ci/key"]);
});

test("a public key you brought: nothing written (we hold no private key); the commands use your ~/.ssh/id_ed25519", async () => {
  const got = await filesWritten(() => [
    new sdk.SshPod("byo", { ...POD, sshKey: new sdk.SshKey("byo-key", { publicKey: PUBLIC, registerOnAccount: false }) }),
  ]);
  assert.deepEqual(got.files, []);
  assert.deepEqual(got.identities, ["~/.ssh/id_ed25519"]);
});

test("a resource name with characters a path should not hold: the default file name keeps only safe ones", async () => {
  const got = await filesWritten(() => [new sdk.SshPod("gpu box/1", POD)]);
  assert.deepEqual(got.files, ["~/.ssh/runpod-proj-dev-gpu_box_1"]);
  assert.deepEqual(got.identities, got.files);
});

test("writePrivateKeyFile is checked at preview: a boolean, and only for a generated key", () => {
  assert.throws(() => new sdk.SshKey("bad1", { writePrivateKeyFile: "yes" as unknown as boolean }), /writePrivateKeyFile must be true or false/);
  assert.throws(() => new sdk.SshKey("bad2", { publicKey: PUBLIC, writePrivateKeyFile: true }), /writePrivateKeyFile needs a generated key/);
});
