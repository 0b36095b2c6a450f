/**
 * `gpu.minRamPerGpu` and `gpu.minVcpuCountPerGpu` (issue 10, item 5): validated at check, sent in every create
 * body, replace the pod when changed, and honoured by the emulator's placement.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { checkPodSpec } from "../../sdk/pod/podCheck";
import { createPodBody, placementCandidates, type PodSpec } from "../../sdk/pod/podSpec";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { hostProvider, type HostedProvider } from "../providers/dynamicHost";
import type { PodOutputs } from "../../sdk/providers/podProvider";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

const GPU = "NVIDIA GeForce RTX 4090";
const base = { name: "p", ownerTag: "urn:x", image: "runpod/base:1.0.0" };
let emulator: RunpodEmulator;
let hosted: HostedProvider;

before(async () => {
  emulator = await startEmulator({ sshd: false, rateLimit: false, timings: { provisioningMs: 50, startingMs: 50, sshdStartMs: 50 } });
  hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
});
after(async () => {
  await emulator.stop();
});

test("check accepts whole numbers of at least 1 and refuses anything else, naming the input", () => {
  const spec = { name: "p", image: "runpod/base:1.0.0" };
  assert.deepEqual(checkPodSpec({ ...spec, gpu: { id: GPU, minRamPerGpu: 64, minVcpuCountPerGpu: 8 } }), []);
  for (const field of ["minRamPerGpu", "minVcpuCountPerGpu"]) {
    for (const bad of [0, -4, 1.5, "64", true]) {
      const failures = checkPodSpec({ ...spec, gpu: { id: GPU, [field]: bad } });
      assert.equal(failures.length, 1, `${field}: ${JSON.stringify(bad)} -> ${JSON.stringify(failures)}`);
      assert.ok(`${failures[0].property} ${failures[0].reason}`.includes(field), JSON.stringify(failures));
    }
  }
});

test("both filters go into every candidate's create body, and only when set", () => {
  const spec: PodSpec = { ...base, gpu: { ids: [GPU, "NVIDIA RTX A5000"], count: 2, minRamPerGpu: 24, minVcpuCountPerGpu: 4 } };
  for (const candidate of placementCandidates(spec)) {
    const body = createPodBody(spec, "p", candidate);
    assert.deepEqual(body.gpu, { id: candidate.gpuId, count: 2, minRamPerGpu: 24, minVcpuCountPerGpu: 4 });
  }
  const plain = createPodBody({ ...base, gpu: { id: GPU } }, "p", { gpuId: GPU });
  assert.deepEqual(plain.gpu, { id: GPU, count: 1 });
});

test("changing a filter replaces the pod", async () => {
  const olds = { ...base, gpu: { id: GPU, minRamPerGpu: 32 } } as unknown as PodOutputs;
  const d = await hosted.provider.diff("pod", olds, { ...base, gpu: { id: GPU, minRamPerGpu: 40 } });
  assert.equal(d.changes, true);
  assert.ok(d.replaces?.includes("gpu"), JSON.stringify(d));
});

test("the emulator places a pod on a machine that meets the filters; one no machine meets is refused with a hint", async () => {
  const key = ed25519PublicKeyLine("filters");
  const raw = { ...base, name: "filtered", ownerTag: "urn:filtered", waitForSsh: false, sshPublicKeys: [key] };
  const ok = await hosted.provider.check({}, { ...raw, gpu: { id: GPU, count: 2, minRamPerGpu: 40, minVcpuCountPerGpu: 6 } });
  assert.deepEqual(ok.failures ?? [], []);
  let created: { id: string; outs: PodOutputs } | undefined;
  try {
    created = (await hosted.provider.create(ok.inputs)) as { id: string; outs: PodOutputs };
    const post = emulator.requests.find((r) => r.method === "POST" && r.path === "/v2/pods");
    assert.deepEqual((JSON.parse(post?.body ?? "{}") as { gpu: unknown }).gpu, { id: GPU, count: 2, minRamPerGpu: 40, minVcpuCountPerGpu: 6 });
    const pod = emulator.pods().find((p) => p.id === created!.id);
    assert.ok(pod, "the pod was placed");

    const tooMuchGpu = { ids: [GPU, "NVIDIA RTX A5000"], minRamPerGpu: 4096 };
    const tooMuch = await hosted.provider.check({}, { ...raw, name: "too-much", ownerTag: "urn:too-much", gpu: tooMuchGpu });
    await assert.rejects(hosted.provider.create(tooMuch.inputs), (e: Error) => {
      assert.match(e.message, /too-much/);
      assert.match(e.message, /gpu\.minRamPerGpu/);
      assert.match(e.message, /lower or remove them/);
      return true;
    });
    assert.equal(emulator.pods().filter((p) => p.name === "too-much").length, 0, "nothing was created");
  } finally {
    if (created) await hosted.provider.delete(created.id, created.outs);
  }
});
