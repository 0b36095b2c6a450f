/**
 * Placement and network-volume rules as plain functions (sdk/pod/placement.ts, volumeCheck.ts, zeroGpus.ts,
 * sdk/volume/networkVolumeSpec.ts), without Pulumi or the API.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { catalogNote, noCapacityHint, orderByAvailability, plannedCandidates } from "../../sdk/pod/placement";
import { checkPodSpec } from "../../sdk/pod/podCheck";
import { podChange } from "../../sdk/pod/podDiff";
import { UNKNOWN, createPodBody, type PlacementCandidate, type PodSpec } from "../../sdk/pod/podSpec";
import { hasZeroGpus, resumeRecreates, zeroGpuMessage } from "../../sdk/pod/zeroGpus";
import { checkNetworkVolume, networkVolumeChange, protectedMessage } from "../../sdk/volume/networkVolumeSpec";
import type { GpuAvailability } from "../../sdk/runpod/catalog";

const A = "NVIDIA GeForce RTX 4090";
const B = "NVIDIA RTX A5000";
const base: PodSpec = { image: "runpod/base:1.0.2", gpu: { ids: [A, B] } };
const reasons = (raw: Record<string, unknown>): string[] => checkPodSpec(raw).map((f) => `${f.property}: ${f.reason}`);

test("plannedCandidates: GPU × data center in order; the unpinned fallback only when allowed, after every pinned one", () => {
  const pinned = { ...base, dataCenterIds: ["US-KS-2", "EU-RO-1"], dataCenterIdsInOrder: true };
  assert.deepEqual(plannedCandidates(pinned), [
    { gpuId: A, dataCenterIds: ["US-KS-2"] },
    { gpuId: A, dataCenterIds: ["EU-RO-1"] },
    { gpuId: B, dataCenterIds: ["US-KS-2"] },
    { gpuId: B, dataCenterIds: ["EU-RO-1"] },
  ]);
  const withFallback = plannedCandidates({ ...pinned, allowUnpinnedFallback: true });
  assert.deepEqual(withFallback.slice(4), [
    { gpuId: A, unpinned: true },
    { gpuId: B, unpinned: true },
  ]);
  assert.deepEqual(plannedCandidates({ ...base, allowUnpinnedFallback: true }), plannedCandidates(base), "nothing pinned: nothing to unpin");
});

test("plannedCandidates: a network volume pins every candidate to its data center, and no fallback leaves it", () => {
  fc.assert(
    fc.property(fc.constantFrom("US-KS-2", "EU-RO-1", "CA-MTL-1"), fc.boolean(), (dc, fallback) => {
      const spec: PodSpec = { ...base, networkVolume: { id: "v1" }, dataCenterIds: [dc, "US-TX-3"], allowUnpinnedFallback: fallback };
      const candidates = plannedCandidates(spec, dc);
      assert.deepEqual(candidates.map((c) => c.gpuId), [A, B]);
      for (const c of candidates) assert.deepEqual(c.dataCenterIds, [dc]);
      assert.ok(candidates.every((c) => !c.unpinned));
    }),
  );
});

const candidateArb = fc.record({
  gpuId: fc.constantFrom(A, B, "NVIDIA L4"),
  dataCenterIds: fc.option(fc.subarray(["US-KS-2", "EU-RO-1", "US-TX-3"], { minLength: 1 }), { nil: undefined }),
  unpinned: fc.option(fc.constant(true), { nil: undefined }),
});
const level = fc.constantFrom("NONE", "LOW", "MEDIUM", "HIGH");
const catalogArb = fc.array(
  fc.record({ id: fc.constantFrom(A, B), availability: level, dataCenters: fc.array(fc.record({ id: fc.constantFrom("US-KS-2", "EU-RO-1", "US-TX-3"), availability: level })) }),
);

test("orderByAvailability: a permutation (nothing dropped), unpinned fallback last, in-stock first, stable among equals", () => {
  fc.assert(
    fc.property(fc.array(candidateArb, { maxLength: 8 }), catalogArb, (raw, catalog) => {
      const candidates = raw.map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as PlacementCandidate);
      const ordered = orderByAvailability(candidates, catalog);
      assert.equal(ordered.length, candidates.length);
      assert.deepEqual([...ordered].sort(cmp), [...candidates].sort(cmp));
      const firstUnpinned = ordered.findIndex((c) => c.unpinned);
      if (firstUnpinned >= 0) assert.ok(ordered.slice(firstUnpinned).every((c) => c.unpinned));
    }),
  );
  const catalog: GpuAvailability[] = [
    { id: A, availability: "HIGH", dataCenters: [{ id: "US-KS-2", availability: "NONE" }, { id: "EU-RO-1", availability: "LOW" }] },
    { id: B, availability: "HIGH", dataCenters: [{ id: "US-KS-2", availability: "HIGH" }] },
  ];
  const ordered = orderByAvailability(
    [{ gpuId: A, dataCenterIds: ["US-KS-2"] }, { gpuId: A, dataCenterIds: ["EU-RO-1"] }, { gpuId: B, unpinned: true }, { gpuId: B, dataCenterIds: ["US-KS-2"] }],
    catalog,
  );
  assert.deepEqual(ordered, [{ gpuId: B, dataCenterIds: ["US-KS-2"] }, { gpuId: A, dataCenterIds: ["EU-RO-1"] }, { gpuId: A, dataCenterIds: ["US-KS-2"] }, { gpuId: B, unpinned: true }]);
});

function cmp(a: PlacementCandidate, b: PlacementCandidate): number {
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

test("catalogNote and noCapacityHint say what the catalog said and what could make room", () => {
  const catalog: GpuAvailability[] = [{ id: A, availability: "LOW", dataCenters: [{ id: "EU-RO-1", availability: "LOW" }] }];
  assert.equal(catalogNote({ gpuId: A, dataCenterIds: ["US-KS-2", "EU-RO-1"] }, catalog), " (catalog: US-KS-2 NONE, EU-RO-1 LOW)");
  assert.equal(catalogNote({ gpuId: A, unpinned: true }, catalog), " (catalog: LOW overall)");
  assert.equal(catalogNote({ gpuId: B }, catalog), " (catalog: this GPU type is not listed)");
  assert.equal(catalogNote({ gpuId: A }, undefined), "");
  assert.match(noCapacityHint({ ...base, dataCenterIds: ["US-KS-2"] }), /allowUnpinnedFallback: true/);
  assert.match(noCapacityHint(base, "EU-RO-1"), /pins the pod to EU-RO-1/);
  assert.equal(noCapacityHint(base), "");
});

test("networkVolume: sent as mounts.network at /workspace (or its path), on Secure Cloud", () => {
  const body = createPodBody({ ...base, networkVolume: { id: "vol1" } }, "p", { gpuId: A, dataCenterIds: ["EU-RO-1"] });
  assert.deepEqual(body.mounts, { network: [{ volumeId: "vol1", path: "/workspace" }] });
  assert.equal(body.cloud, "SECURE");
  assert.deepEqual(body.dataCenterIds, ["EU-RO-1"]);
  const custom = createPodBody({ ...base, networkVolume: { id: "vol1", path: "/data" } }, "p", { gpuId: A });
  assert.deepEqual(custom.mounts, { network: [{ volumeId: "vol1", path: "/data" }] });
  assert.equal(createPodBody(base, "p", { gpuId: A }).mounts, undefined);
});

test("check: conflicting volume and placement inputs are all reported at once, each naming the input", () => {
  const all = reasons({
    ...base,
    cloud: "COMMUNITY",
    mounts: { persistent: { size: 20, path: "/workspace" } },
    dataCenterIds: ["US-KS-2"],
    networkVolume: { id: "v", dataCenter: "EU-RO-1", path: "data" },
    allowUnpinnedFallback: true,
    gpu: { ids: [A], minCudaVersion: "12.1", allowedCudaVersions: ["12.8"] },
  });
  for (const pattern of [
    /^networkVolume: networkVolume and mounts are both set/,
    /^networkVolume: networkVolume needs Secure Cloud/,
    /^networkVolume: networkVolume.dataCenter is EU-RO-1, which dataCenterIds \(US-KS-2\) does not include/,
    /^networkVolume: networkVolume.path must be an absolute path/,
    /^allowUnpinnedFallback: allowUnpinnedFallback cannot apply with networkVolume/,
    /^gpu: gpu.minCudaVersion cannot be combined with a non-empty gpu.allowedCudaVersions/,
  ]) {
    assert.ok(all.some((r) => pattern.test(r)), `${pattern}\n${all.join("\n")}`);
  }
  assert.ok(reasons({ ...base, allowUnpinnedFallback: true }).some((r) => /allowUnpinnedFallback needs dataCenterIds/.test(r)));
  assert.ok(reasons({ ...base, recreateOnResume: true }).some((r) => /recreateOnResume needs networkVolume/.test(r)));
  assert.ok(reasons({ ...base, networkVolume: { id: "" } }).some((r) => /networkVolume.id must not be empty/.test(r)));
  assert.ok(reasons({ ...base, networkVolume: { id: "v", size: 3 } }).some((r) => /networkVolume.size is not a Pod input/.test(r)));
  assert.deepEqual(reasons({ ...base, networkVolume: { id: "v", dataCenter: "EU-RO-1" }, recreateOnResume: true, dataCenterIds: ["EU-RO-1"] }), []);
  assert.deepEqual(reasons({ ...base, networkVolume: { id: UNKNOWN, dataCenter: UNKNOWN }, recreateOnResume: true }), [], "unknown at preview");
  assert.deepEqual(reasons({ ...base, dataCenterIds: ["US-KS-2"], allowUnpinnedFallback: true, checkAvailability: true }), []);
});

test("diff: the volume replaces (attached at create only); the placement choices update without an API call", () => {
  const olds = { ...base, name: "p", networkVolume: { id: "v1", dataCenter: "EU-RO-1" }, status: "RUNNING" };
  assert.deepEqual(podChange(olds, { ...olds, networkVolume: { id: "v2", dataCenter: "EU-RO-1" } }).replaces, ["networkVolume"]);
  assert.deepEqual(podChange(olds, { ...olds, networkVolume: { id: "v1", path: "/workspace" } }), { replaces: [], updates: [] }, "default path written out");
  assert.deepEqual(podChange(olds, { ...olds, networkVolume: { id: "v1", path: "/data" } }).replaces, ["networkVolume"]);
  assert.deepEqual(podChange(olds, { ...olds, allowUnpinnedFallback: true, checkAvailability: true, recreateOnResume: true }), {
    replaces: [],
    updates: ["allowUnpinnedFallback", "checkAvailability", "recreateOnResume"],
  });
});

test("zero GPUs: detected from gpu.count 0 or an empty runtime.gpus; recreateOnResume turns a resume into a replacement", () => {
  assert.equal(hasZeroGpus(base, { gpu: { id: A, count: 0 }, runtime: null }), true);
  assert.equal(hasZeroGpus(base, { gpu: { id: A, count: 1 }, runtime: { gpus: [] } }), true);
  assert.equal(hasZeroGpus(base, { gpu: { id: A, count: 1 }, runtime: { gpus: [{}] } }), false);
  assert.equal(hasZeroGpus({}, { gpu: null, runtime: { gpus: [] } }), false, "a CPU pod has no GPUs to lose");
  const paused = { ...base, name: "p", status: "EXITED", networkVolume: { id: "v1" }, recreateOnResume: true };
  const resume = { ...paused, running: true };
  assert.equal(resumeRecreates(paused, resume), true);
  assert.ok(podChange(paused, resume).replaces.includes("running"));
  assert.equal(resumeRecreates({ ...paused, status: "RUNNING" }, resume), false, "not a resume");
  assert.equal(resumeRecreates(paused, { ...resume, recreateOnResume: false }), false);
  assert.deepEqual(podChange(paused, { ...resume, recreateOnResume: false }).replaces, []);
  assert.match(zeroGpuMessage({ ...base, networkVolume: { id: "v" } }, "p", "id1", { gpu: { id: A, count: 0 }, dataCenterId: "EU-RO-1" }), /zero GPUs.*EU-RO-1.*recreateOnResume: true/s);
  assert.match(zeroGpuMessage(base, "p", "id1", { gpu: { id: A, count: 0 }, dataCenterId: null }), /--replace.*attach a network volume/s);
});

test("NetworkVolume check: size bounds, required inputs, type, typos; a smaller size than before is refused (grow only)", () => {
  const ok = { name: "v", size: 50, dataCenter: "EU-RO-1" };
  assert.deepEqual(checkNetworkVolume(undefined, ok), []);
  const props = (news: Record<string, unknown>, olds?: Record<string, unknown>) => checkNetworkVolume(olds, news).map((f) => f.property);
  assert.deepEqual(props({ name: "v" }), ["size", "dataCenter"]);
  assert.deepEqual(props({ ...ok, size: 9 }), ["size"]);
  assert.deepEqual(props({ ...ok, size: 4097 }), ["size"]);
  assert.deepEqual(props({ ...ok, type: "FAST" }), ["type"]);
  assert.deepEqual(props({ ...ok, sise: 3 }), ["sise"]);
  assert.deepEqual(props({ ...ok, size: UNKNOWN }), []);
  fc.assert(
    fc.property(fc.integer({ min: 10, max: 4096 }), fc.integer({ min: 10, max: 4096 }), (before, after) => {
      const failures = checkNetworkVolume({ ...ok, size: before }, { ...ok, size: after });
      assert.equal(failures.length > 0, after < before);
      if (after < before) assert.match(failures[0].reason, new RegExp(`size can only grow: the volume has ${before} GB`));
    }),
  );
});

test("NetworkVolume diff: data center and type replace, name and size update, a left-out type keeps the volume's", () => {
  const olds = { name: "v", size: 50, dataCenter: "EU-RO-1", type: "STANDARD", volumeId: "x", deletionProtection: true };
  assert.deepEqual(networkVolumeChange(olds, { name: "v", size: 50, dataCenter: "EU-RO-1" }), { replaces: [], updates: [] });
  assert.deepEqual(networkVolumeChange(olds, { name: "w", size: 60, dataCenter: "EU-RO-1" }), { replaces: [], updates: ["name", "size"] });
  assert.deepEqual(networkVolumeChange(olds, { name: "v", size: 50, dataCenter: "US-KS-2", type: "HIGH_PERFORMANCE" }).replaces, ["dataCenter", "type"]);
  assert.deepEqual(networkVolumeChange(olds, { name: "v", size: 50, dataCenter: "EU-RO-1", deletionProtection: false }).updates, ["deletionProtection"]);
  const message = protectedMessage("v", "x", "delete");
  assert.match(message, /deletionProtection: false, run `pulumi up`.*then `pulumi destroy`/s);
  assert.match(message, /protect: true/);
});
