/**
 * NetworkVolume and the Pod's volume and placement inputs through the serialized dynamic providers against the
 * emulator: the volume's create/read/grow/refusals and its deletion protection; a pod attached by volume id
 * alone lands in the volume's data center on Secure Cloud; the unpinned fallback when the pinned data center is
 * full, and the error listing GPU × data center with the catalog's word when nothing fits; the availability
 * check's request counts (the figures in docs/placement.md); a resume that comes back with zero GPUs.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
process.env.RUNPOD_SSH_PROGRESS_EVERY_MS = "60000";
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api } from "../helpers/emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import type { PodOutputs } from "../../sdk/providers/podProvider";

const A = "NVIDIA GeForce RTX 4090";
const B = "NVIDIA RTX A5000";
let emulator: RunpodEmulator;
let pods: HostedProvider;
let volumes: HostedProvider;
let api: Api;
let n = 0;
type Raw = Record<string, unknown>;

before(async () => {
  emulator = await startEmulator({ rateLimit: false, timings: { provisioningMs: 40, startingMs: 40, sshdStartMs: 40 } });
  const config = { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url };
  pods = await hostProvider("pod", config);
  volumes = await hostProvider("networkVolume", config);
  api = Api.for(emulator);
});
after(() => emulator.stop());
afterEach(async () => {
  for (const pod of emulator.pods()) await api.delete(`/v2/pods/${pod.id}`);
  emulator.capacity.clear();
});

async function checked(provider: HostedProvider, raw: Raw, olds: Raw = {}): Promise<Raw> {
  const result = await provider.provider.check(olds, raw);
  assert.deepEqual(result.failures ?? [], []);
  return result.inputs as Raw;
}

function podInputs(extra: Raw = {}): Raw {
  n++;
  return { name: `vol-${n}`, ownerTag: `urn:pulumi:test::proj::pod::vol${n}`, image: "runpod/base:1.0.0", gpu: { id: A }, waitForSsh: false, ...extra };
}

/** Requests made while `run` runs, by "METHOD path". */
async function requestsDuring(run: () => Promise<unknown>): Promise<{ all: number; of: (method: string, prefix: string) => number }> {
  const start = emulator.requests.length;
  await run();
  const seen = emulator.requests.slice(start);
  return { all: seen.length, of: (method, prefix) => seen.filter((r) => r.method === method && r.path.startsWith(prefix)).length };
}

test("NetworkVolume: create, read, grow in place; shrink refused at check; a data-center change and delete refused while protected", async () => {
  const ins = await checked(volumes, { name: "data", size: 20, dataCenter: "EU-RO-1" });
  const created = await volumes.provider.create(ins);
  const outs = created.outs as Raw;
  assert.equal(outs.volumeId, created.id);
  assert.equal(outs.type, "STANDARD");
  assert.equal(outs.deletionProtection, true);
  assert.deepEqual((await volumes.provider.read(created.id, outs)).props, outs);

  const grow = await checked(volumes, { ...ins, size: 40 }, ins);
  const diff = await volumes.provider.diff(created.id, outs, grow);
  assert.equal(diff.changes, true);
  assert.deepEqual(diff.replaces, []);
  const grown = (await volumes.provider.update(created.id, outs, grow)).outs as Raw;
  assert.equal(grown.size, 40);
  assert.equal(emulator.volumes()[0].size, 40);

  const shrink = await volumes.provider.check(grow, { ...grow, size: 30 });
  assert.equal(shrink.failures?.[0]?.property, "size");
  assert.match(shrink.failures[0].reason, /size can only grow: the volume has 40 GB and 30 GB was asked/);

  await assert.rejects(volumes.provider.diff(created.id, grown, { ...grow, dataCenter: "US-KS-2" }), /dataCenter cannot change on a volume.*deletionProtection is on/s);
  await assert.rejects(volumes.provider.delete(created.id, grown), /was not deleted.*deletionProtection: false, run `pulumi up`.*`pulumi destroy`/s);
  assert.equal(emulator.volumes().length, 1, "still there");

  const unprotect = { ...grow, deletionProtection: false };
  assert.deepEqual((await volumes.provider.diff(created.id, grown, unprotect)).replaces, []);
  const open = (await volumes.provider.update(created.id, grown, unprotect)).outs as Raw;
  assert.equal(open.deletionProtection, false);
  const replace = await volumes.provider.diff(created.id, open, { ...unprotect, dataCenter: "US-KS-2" });
  assert.deepEqual(replace.replaces, ["dataCenter"]);
  await volumes.provider.delete(created.id, open);
  assert.deepEqual(emulator.volumes(), []);
  assert.deepEqual((await volumes.provider.read(created.id, open)).id, "", "gone");
  await volumes.provider.delete(created.id, open);
});

test("Pod with networkVolume by id alone: one volume lookup, mounted at /workspace, placed in the volume's data center on Secure Cloud", async () => {
  const vol = (await api.post<{ id: string }>("/v2/network-volumes", { name: "d", size: 10, dataCenter: "CA-MTL-1" })).body;
  const ins = await checked(pods, podInputs({ networkVolume: { id: vol.id } }));
  let outs: PodOutputs | undefined;
  const counted = await requestsDuring(async () => {
    outs = (await pods.provider.create(ins)).outs as PodOutputs;
  });
  assert.equal(counted.of("GET", `/v2/network-volumes/${vol.id}`), 1);
  assert.equal(outs!.dataCenterId, "CA-MTL-1");
  const pod = await api.getPod(outs!.podId);
  assert.deepEqual(pod.mounts, { network: [{ volumeId: vol.id, path: "/workspace" }] });
  assert.equal(pod.cloud, "SECURE");

  const missing = await checked(pods, podInputs({ networkVolume: { id: "nope" } }));
  await assert.rejects(pods.provider.create(missing), /networkVolume.id: network volume nope does not exist/);
});

test("placement: a full pinned data center falls back unpinned when allowed (dataCenterId says where); otherwise the error lists GPU × data center and the catalog", async () => {
  emulator.capacity.set(A, "US-KS-2", 0);
  emulator.capacity.set(B, "US-KS-2", 0);
  const landed = (await pods.provider.create(await checked(pods, podInputs({ gpu: { ids: [A, B] }, dataCenterIds: ["US-KS-2"], allowUnpinnedFallback: true })))).outs as PodOutputs;
  assert.notEqual(landed.dataCenterId, "US-KS-2");
  assert.equal(landed.gpuId, A);

  const pinned = await checked(pods, podInputs({ gpu: { ids: [A, B] }, dataCenterIds: ["US-KS-2"] }));
  await assert.rejects(pods.provider.create(pinned), (e: Error) => {
    assert.match(e.message, /No capacity for pod/);
    assert.match(e.message, new RegExp(`- ${A} in US-KS-2: 400 There are no longer any instances.* \\(catalog: US-KS-2 NONE\\)`));
    assert.match(e.message, new RegExp(`- ${B} in US-KS-2: 400 .* \\(catalog: US-KS-2 NONE\\)`));
    assert.match(e.message, /allowUnpinnedFallback: true retries without a data center/);
    return true;
  });

  const vol = (await api.post<{ id: string; dataCenter: string }>("/v2/network-volumes", { name: "k", size: 10, dataCenter: "US-KS-2" })).body;
  const onVolume = await checked(pods, podInputs({ gpu: { ids: [A, B] }, networkVolume: { id: vol.id, dataCenter: "US-KS-2" } }));
  await assert.rejects(pods.provider.create(onVolume), (e: Error) => {
    assert.match(e.message, /The network volume pins the pod to US-KS-2/);
    assert.doesNotMatch(e.message, /COMMUNITY/, "no advice the volume rules out");
    return true;
  });
});

test("checkAvailability: one catalog request up front; the request counts behind its default (off) in docs/placement.md", async () => {
  const dcs = ["US-KS-2", "US-TX-3", "EU-RO-1", "EU-SE-1"];
  const figures: string[] = [];
  for (const full of [0, 1, 2, 3]) {
    for (const check of [false, true]) {
      emulator.capacity.clear();
      for (const dc of dcs.slice(0, full)) emulator.capacity.set(A, dc, 0);
      const ins = await checked(pods, podInputs({ dataCenterIds: dcs, dataCenterIdsInOrder: true, checkAvailability: check }));
      let outs: PodOutputs | undefined;
      const counted = await requestsDuring(async () => {
        outs = (await pods.provider.create(ins)).outs as PodOutputs;
      });
      assert.equal(outs!.dataCenterId, dcs[full]);
      const creates = counted.of("POST", "/v2/pods");
      const catalog = counted.of("GET", "/v2/catalog/gpus");
      assert.equal(catalog, check ? 1 : 0);
      assert.equal(creates, check ? 1 : full + 1, `${full} full data centers, checkAvailability ${check}`);
      figures.push(`full=${full} check=${check}: creates ${creates}, catalog ${catalog}, all requests ${counted.all}`);
      await api.delete(`/v2/pods/${outs!.podId}`);
    }
  }
  process.stderr.write(`[placement figures]\n${figures.join("\n")}\n`);
});

test("zero GPUs: a resume that comes back without a GPU is stopped again and reported with what to do", async () => {
  const vol = (await api.post<{ id: string }>("/v2/network-volumes", { name: "z", size: 10, dataCenter: "EU-SE-1" })).body;
  const paused = await checked(pods, podInputs({ networkVolume: { id: vol.id, dataCenter: "EU-SE-1" }, running: false }));
  const created = await pods.provider.create(paused);
  const outs = created.outs as PodOutputs;
  assert.equal(outs.status, "EXITED");
  emulator.capacity.set(A, "EU-SE-1", 0);
  const resume = { ...paused, running: true };
  assert.deepEqual((await pods.provider.diff(created.id, outs, resume)).replaces, [], "without recreateOnResume: a start");
  await assert.rejects(pods.provider.update(created.id, outs, resume), /resumed with zero GPUs: its host in EU-SE-1 has no free .*recreateOnResume: true/s);
  assert.equal((await api.getPod(created.id)).status, "EXITED", "stopped again");
  const recreate = await checked(pods, { ...resume, recreateOnResume: true });
  const diff = await pods.provider.diff(created.id, outs, recreate);
  assert.deepEqual(diff.replaces, ["running"]);
  assert.equal(diff.deleteBeforeReplace, true);
});
