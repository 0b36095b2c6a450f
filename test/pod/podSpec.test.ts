import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UNKNOWN, createPodBody, placementCandidates, podEnv, type PodSpec } from "../../sdk/pod/podSpec";
import { checkPodSpec } from "../../sdk/pod/podCheck";

function freshKey(comment: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec-key-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path.join(dir, "k")]);
  const pub = fs.readFileSync(path.join(dir, "k.pub"), "utf8").trim();
  fs.rmSync(dir, { recursive: true, force: true });
  return pub;
}
const KEY_A = freshKey("a@x");
const KEY_B = freshKey("b@x");

const base: PodSpec = { image: "runpod/base:1.0", gpu: { id: "NVIDIA GeForce RTX 4090" } };

test("a minimal GPU pod passes", () => {
  assert.deepEqual(checkPodSpec(base), []);
  assert.deepEqual(checkPodSpec({ templateId: "tpl", cpu: { id: "cpu3c", vcpuCount: 4 } }), []);
});

const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ["no image nor template", { gpu: { id: "x" } }, "image", /required unless templateId/],
  ["gpu and cpu", { ...base, cpu: { id: "cpu3c", vcpuCount: 2 } }, "gpu", /both set/],
  ["neither gpu nor cpu", { image: "i" }, "gpu", /is required/],
  ["gpu without id", { image: "i", gpu: { count: 1 } }, "gpu.id", /is required/],
  ["gpu id and ids", { image: "i", gpu: { id: "a", ids: ["b"] } }, "gpu.ids", /both set/],
  ["empty gpu ids", { image: "i", gpu: { ids: [] } }, "gpu.ids", /is empty/],
  ["duplicate gpu ids", { image: "i", gpu: { ids: ["a", "a"] } }, "gpu.ids", /twice/],
  ["gpu count zero", { image: "i", gpu: { id: "a", count: 0 } }, "gpu.count", /at least 1/],
  ["gpu count text", { image: "i", gpu: { id: "a", count: "2" } }, "gpu.count", /must be a number/],
  ["cuda both", { image: "i", gpu: { id: "a", allowedCudaVersions: ["12.8"], minCudaVersion: "12.1" } }, "gpu.minCudaVersion", /one or the other/],
  ["cuda format", { image: "i", gpu: { id: "a", minCudaVersion: "12" } }, "gpu.minCudaVersion", /12\.1/],
  ["vcpu not power of two", { image: "i", cpu: { id: "cpu3c", vcpuCount: 6 } }, "cpu.vcpuCount", /power of two/],
  ["cpu with persistent", { image: "i", cpu: { id: "cpu3c", vcpuCount: 2 }, mounts: { persistent: { size: 20, path: "/workspace" } } }, "mounts.persistent", /CPU pods/],
  ["both mounts", { ...base, mounts: { persistent: { size: 20, path: "/w" }, network: [{ volumeId: "v", path: "/n" }] } }, "mounts", /one kind/],
  ["small persistent", { ...base, mounts: { persistent: { size: 5, path: "/w" } } }, "mounts.persistent.size", /at least 10/],
  ["relative mount path", { ...base, mounts: { persistent: { size: 20, path: "w" } } }, "mounts.persistent.path", /absolute/],
  ["bad cloud", { ...base, cloud: "secure" }, "cloud", /SECURE/],
  ["empty args", { ...base, args: "" }, "args", /sshd never starts/],
  ["blank args", { ...base, args: "   " }, "args", /sshd never starts/],
  ["udp port", { ...base, ports: ["53/udp"] }, "ports[0]", /UDP/],
  ["bare port", { ...base, ports: ["8080"] }, "ports[0]", /PORT\/tcp/],
  ["port out of range", { ...base, ports: ["70000/tcp"] }, "ports[0]", /between 1 and 65535/],
  ["duplicate port", { ...base, ports: ["8888/http", "8888/tcp"] }, "ports[1]", /repeats port 8888/],
  ["too many http", { ...base, ports: Array.from({ length: 11 }, (_, i) => `${8000 + i}/http`) }, "ports", /at most 10/],
  ["ssh as http", { ...base, ports: ["22/http"] }, "ports", /22\/tcp/],
  ["env number", { ...base, env: { PORT: 8080 } }, "env.PORT", /must be a string/],
  ["env bad name", { ...base, env: { "MY-VAR": "x" } }, 'env["MY-VAR"]', /not a valid variable name/],
  ["too many env", { ...base, env: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`V${i}`, "x"])) }, "env", /this package adds 1 .*at most 50/],
  ["env full once keys added", { ...base, sshPublicKeys: [KEY_A], env: Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`V${i}`, "x"])) }, "env", /adds 3 \(PUBLIC_KEY, SSH_PUBLIC_KEY and PULUMI_RUNPOD_SSH_OWNER\)/],
  ["fingerprint as key", { ...base, sshPublicKeys: [KEY_A, "SHA256:" + "b".repeat(43)] }, "sshPublicKeys[1]", /fingerprint/],
  ["typo in input", { ...base, imagee: "x" }, "imagee", /not a Pod input/],
  ["typo in gpu", { ...base, gpu: { id: "a", cnt: 1 } }, "gpu.cnt", /not a Pod input/],
  ["name with newline", { ...base, name: "a\nb" }, "name", /line breaks/],
  ["timeout too small", { ...base, readinessTimeoutSeconds: 1 }, "readinessTimeoutSeconds", /at least 10/],
  ["dc order without dcs", { ...base, dataCenterIdsInOrder: true }, "dataCenterIdsInOrder", /needs dataCenterIds/],
  ["global networking on a CPU pod", { image: "i", cpu: { id: "cpu3c", vcpuCount: 2 }, globalNetworking: true }, "globalNetworking", /needs an NVIDIA GPU pod/],
];

for (const [label, spec, path, reason] of bad) {
  test(`refused: ${label} (${path})`, () => {
    const property = /^[^.[]+/.exec(path)![0];
    const failures = checkPodSpec(spec);
    const hit = failures.find((f) => f.property === property && f.reason.includes(path) && reason.test(f.reason));
    assert.ok(hit, `expected a failure on ${property} naming ${path} and matching ${String(reason)}, got ${JSON.stringify(failures)}`);
  });
}

test("49 env variables plus the owner tag is exactly the limit", () => {
  assert.deepEqual(checkPodSpec({ ...base, env: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`V${i}`, "x"])) }), []);
});

test("values unknown at preview are not validated", () => {
  assert.deepEqual(checkPodSpec({ image: UNKNOWN, gpu: { id: UNKNOWN }, env: { A: UNKNOWN }, sshPublicKeys: [UNKNOWN] }), []);
  assert.deepEqual(checkPodSpec({ templateId: UNKNOWN, gpu: UNKNOWN }), []);
});

test("the create body always sends gpu.count, adds 22/tcp, never sends empty args, and sets both key variables", () => {
  const body = createPodBody({ ...base, ports: ["8888/http"], sshPublicKeys: [KEY_A] }, "pod-a", { gpuId: "NVIDIA GeForce RTX 4090" });
  assert.deepEqual(body.gpu, { id: "NVIDIA GeForce RTX 4090", count: 1 });
  assert.deepEqual(body.ports, ["8888/http", "22/tcp"]);
  assert.ok(!("args" in body));
  assert.equal(body.env?.PUBLIC_KEY, KEY_A);
  assert.equal(body.env?.SSH_PUBLIC_KEY, KEY_A);
  assert.equal(body.cloud, "SECURE");
  assert.equal(body.startSsh, true);
  assert.deepEqual(createPodBody({ ...base, ports: ["22/tcp"] }, "n", { gpuId: "g" }).ports, ["22/tcp"]);
});

test("a PUBLIC_KEY the user set is kept and our keys are appended as extra lines, without duplicates", () => {
  const env = podEnv({ ...base, env: { PUBLIC_KEY: KEY_B, OTHER: "1" }, sshPublicKeys: [KEY_A, `${KEY_B.split(" ").slice(0, 2).join(" ")} other-comment`] });
  assert.equal(env.PUBLIC_KEY, `${KEY_B}\n${KEY_A}`);
  assert.equal(env.SSH_PUBLIC_KEY.split("\n").length, 2);
  assert.equal(env.OTHER, "1");
});

test("placement candidates follow the GPU order, and data centers one by one when asked", () => {
  assert.deepEqual(placementCandidates({ ...base, gpu: { ids: ["a", "b"] } }), [{ gpuId: "a", dataCenterIds: undefined }, { gpuId: "b", dataCenterIds: undefined }]);
  assert.deepEqual(placementCandidates({ ...base, gpu: { id: "a" }, dataCenterIds: ["X", "Y"] }), [{ gpuId: "a", dataCenterIds: ["X", "Y"] }]);
  assert.deepEqual(placementCandidates({ ...base, gpu: { id: "a" }, dataCenterIds: ["X", "Y"], dataCenterIdsInOrder: true }), [
    { gpuId: "a", dataCenterIds: ["X"] },
    { gpuId: "a", dataCenterIds: ["Y"] },
  ]);
  assert.deepEqual(placementCandidates({ image: "i", cpu: { id: "cpu3c", vcpuCount: 2 } }), [{ gpuId: undefined, dataCenterIds: undefined }]);
});
