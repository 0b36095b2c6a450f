/**
 * Check failures read right where the engine prints them:
 *
 *   property '<property>' value <inputs[property]> has a problem: <reason>
 *
 * For every resource and a wide table of bad inputs: `property` is a top-level input (so the engine finds its
 * value; a nested problem is reported on its top-level input, the path inside the sentence), and `reason` is a
 * full sentence that starts with a capital or an input name, names the input, and ends with a period.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { providers } from "../../sdk/providers/runtime";
import { podSpecSchema } from "../../sdk/pod/podSpec";
import type { CheckFailure } from "../../sdk/pod/checkFailure";
import { setProviderSettings } from "../../sdk/providers/providerContext";

// A key is configured, so only the input problems are reported (a missing key: missingApiKey.test.ts).
before(() => setProviderSettings({ token: "rpa_check_only" }));

function freshKey(): { pub: string; priv: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msg-key-"));
  try {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "msg", "-f", path.join(dir, "k")]);
    return {
      pub: fs.readFileSync(path.join(dir, "k.pub"), "utf8").trim(),
      priv: fs.readFileSync(path.join(dir, "k"), "utf8"),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const KEY = freshKey();
const B64 = KEY.pub.split(" ")[1];

const POD_INPUTS = [...Object.keys(podSpecSchema.shape), "ownerTag"];
const pod = { name: "n", ownerTag: "urn:x", image: "runpod/base:1.0.0", gpu: { id: "NVIDIA GeForce RTX 4090" } };
const many = (n: number, value: string): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`V${i}`, value]));

/** Bad Pod inputs covering every rule in podCheck.ts and the schema. */
const BAD_PODS: Array<Record<string, unknown>> = [
  { ...pod, imagee: "x" },
  { ...pod, gpu: { id: "a", cnt: 1 } },
  { ...pod, image: undefined },
  { ...pod, image: "Runpod/base" },
  { ...pod, image: 42 },
  { ...pod, cpu: { id: "cpu3c", vcpuCount: 2 } },
  { ...pod, gpu: undefined },
  { ...pod, gpu: "NVIDIA" },
  { ...pod, gpu: { count: 1 } },
  { ...pod, gpu: { id: "a", ids: ["b"] } },
  { ...pod, gpu: { ids: [] } },
  { ...pod, gpu: { ids: ["a", "a", ""] } },
  { ...pod, gpu: { id: "a", count: 1.5 } },
  { ...pod, gpu: { id: "a", count: "2" } },
  { ...pod, gpu: { id: "a", allowedCudaVersions: ["12"], minCudaVersion: "12.1" } },
  { ...pod, gpu: undefined, cpu: { id: "cpu3c", vcpuCount: 6 } },
  { ...pod, gpu: undefined, cpu: { vcpuCount: 2 } },
  { ...pod, gpu: undefined, cpu: { id: "cpu3c", vcpuCount: 2 }, mounts: { persistent: { size: 20, path: "/w" } } },
  { ...pod, mounts: { persistent: { size: 5, path: "w" }, network: [{ volumeId: "v", path: "n" }] } },
  {
    ...pod,
    mounts: {
      network: [
        { volumeId: "v", path: "/a" },
        { volumeId: "w", path: "/b" },
      ],
    },
  },
  { ...pod, cloud: "secure" },
  { ...pod, dataCenterIds: ["X", "X"] },
  { ...pod, dataCenterIdsInOrder: true },
  { ...pod, dataCenterIdsInOrder: "yes" },
  { ...pod, disk: 0 },
  { ...pod, args: "" },
  { ...pod, args: "a\u0000b" },
  { ...pod, ports: ["8080", "53/udp", "22/sctp", "70000/tcp", "80/tcp", "80/http", 5] },
  { ...pod, ports: Array.from({ length: 11 }, (_, i) => `${9000 + i}/http`) },
  { ...pod, ports: ["22/http"] },
  { ...pod, env: { "MY-VAR": "x", "1ST": "y", N: 1, Q: null } },
  { ...pod, env: many(50, "x") },
  { ...pod, env: { BIG: "x".repeat(140_000) } },
  { ...pod, env: many(11, "x".repeat(100_000)) },
  { ...pod, args: "x".repeat(1_100_000) },
  { ...pod, registry: "" },
  { ...pod, name: "a\nb" },
  { ...pod, name: "x".repeat(200) },
  { ...pod, readinessTimeoutSeconds: 5 },
  { ...pod, readinessTimeoutSeconds: 100_000 },
  { ...pod, waitForSsh: "no" },
  { ...pod, sshPublicKeys: [`SHA256:${"a".repeat(43)}`, B64, `${KEY.pub} x\u0007`, 7] },
  { ...pod, ownerTag: undefined },
];

function assertReadsRight(failure: CheckFailure, inputs: Record<string, unknown>, inputNames: readonly string[]): void {
  const where = `${failure.property}: ${failure.reason}`;
  assert.ok(!/[.[]/.test(failure.property), `the property is a top-level input, not a path (${where})`);
  assert.ok(inputNames.includes(failure.property) || failure.property in inputs, `a known or given input (${where})`);
  const startsRight = /^[A-Z]/.test(failure.reason) || inputNames.some((n) => failure.reason.startsWith(n));
  assert.ok(startsRight, `starts with a capital or an input name (${where})`);
  assert.ok(!/^(and|must|is|has|are|needs|cannot) /.test(failure.reason), `not a fragment (${where})`);
  assert.match(failure.reason, /\.$/, `ends with a period (${where})`);
  assert.ok(failure.reason.includes(failure.property), `names the input (${where})`);
  if (failure.path && failure.path !== failure.property) {
    assert.ok(failure.reason.includes(failure.path), `the nested path is in the sentence (${where})`);
    assert.notEqual(
      inputs[failure.property],
      undefined,
      `the engine finds a value for ${failure.property}, not <nil> (${where})`,
    );
  }
}

test("Pod: every check reason is a sentence on a top-level input, with nested paths inside it", async () => {
  let count = 0;
  const nested = new Set<string>();
  for (const inputs of BAD_PODS) {
    const { failures = [] } = await providers.pod.check({}, inputs);
    assert.ok(failures.length > 0, `refused: ${JSON.stringify(inputs).slice(0, 120)}`);
    for (const f of failures) {
      assertReadsRight(f, inputs, POD_INPUTS);
      if ((f as CheckFailure).path !== f.property) nested.add((f as CheckFailure).path ?? "");
      count++;
    }
  }
  assert.ok(count >= 60, `${count} failures checked`);
  for (const p of [
    "ports[1]",
    "gpu.ids",
    "gpu.count",
    "env.N",
    'env["MY-VAR"]',
    "sshPublicKeys[1]",
    "mounts.persistent.path",
    "cpu.id",
  ]) {
    assert.ok(nested.has(p), `nested path ${p} reported (got ${[...nested].join(", ")})`);
  }
});

test("the sentence for two mistakes in one list names each element", async () => {
  const { failures = [] } = await providers.pod.check({}, { ...pod, ports: ["22/tcp", "8888/http", "53/udp"] });
  assert.deepEqual(
    failures.map((f) => [f.property, f.reason]),
    [["ports", 'ports[2] is "53/udp", but Runpod does not expose UDP ports. Use tcp or http.']],
  );
  const both = await providers.pod.check({}, { ...pod, cpu: { id: "cpu3c", vcpuCount: 2 } });
  assert.deepEqual(
    both.failures?.map((f) => f.reason),
    ["gpu and cpu are both set; set only one of them: gpu for a GPU pod, cpu for a CPU pod."],
  );
});

test("AccountSshKey: every publicKey reason is a sentence naming publicKey", async () => {
  const bad = [
    "",
    `SHA256:${"a".repeat(43)}`,
    B64,
    `${KEY.pub}\n${KEY.pub}`,
    KEY.priv,
    "PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\nAAAA\n",
    `command="x" ${KEY.pub}`,
    "ssh-ed25519",
    `ssh-rsa ${B64}`,
    `ssh-ed25519 ${B64.slice(0, 30)}`,
    `${KEY.pub} bell\u0007`,
    "ssh-dss AAAAB3NzaC1kc3MAAACBAP x",
    "ssh-foo AAAA",
  ];
  for (const publicKey of bad) {
    const { failures = [] } = await providers.accountSshKey.check({}, { publicKey });
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assertReadsRight(failures[0], { publicKey }, ["publicKey", "comment"]);
    assert.ok(!failures[0].reason.includes(KEY.priv.split("\n")[1]), "never repeats a private key");
  }
});

test(
  "AccountSshKey: its own reasons (missing key, comment) are sentences",
  {},
  async () => {
    for (const inputs of [
      {},
      { publicKey: KEY.pub, comment: "a\nb" },
      { publicKey: KEY.pub, comment: "x".repeat(201) },
      { publicKey: 5 },
    ]) {
      const { failures = [] } = await providers.accountSshKey.check({}, inputs);
      for (const f of failures) assertReadsRight(f, inputs, ["publicKey", "comment", "ownerTag"]);
    }
  },
);

test("LocalKeyFile and SshPassword: sentences on their real inputs (never on the secret content)", async () => {
  const files: Array<Record<string, unknown>> = [
    { path: "", content: KEY.priv },
    { path: "/tmp/keys/", content: KEY.priv },
    { path: "/tmp/key", content: KEY.pub },
  ];
  for (const inputs of files) {
    const { failures = [] } = await providers.localKeyFile.check({}, inputs);
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.equal(failures[0].property, "path", "content is a secret: the engine would print it");
    assertReadsRight(failures[0], inputs, ["path", "content"]);
  }
  for (const length of [8, 16.5, "24", 500]) {
    const { failures = [] } = await providers.password.check({}, { length });
    assert.equal(failures.length, 1);
    assertReadsRight(failures[0], { length }, ["length"]);
  }
});
