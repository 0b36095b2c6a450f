/**
 * Network volumes and GPU capacity in the emulator (emulator/volumes.ts, emulator/capacity.ts), through the HTTP
 * API: the contract's bounds (size 10 to 4096, grow only, data center and type fixed), Secure Cloud only, one
 * volume per pod in its data center, capacity per GPU × data center with the catalog's availability, zero GPUs
 * after a start without room, and data that outlives the pod (a real sshd writes, another pod's sshd reads).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api, type ApiPod, FAST_TIMINGS, gpuPodBody, makeKeyPair, runSsh, tempDir, NO_INSTANCES_DETAIL } from "../helpers/emulator";

const GPU = "NVIDIA GeForce RTX 4090";
interface Volume {
  id: string;
  name: string;
  size: number;
  dataCenter: string;
  type: string;
}

void describe("emulator network volumes (API rules)", () => {
  let emulator: RunpodEmulator;
  let api: Api;
  before(async () => {
    emulator = await startEmulator({ sshd: false, rateLimit: false, timings: FAST_TIMINGS, validateResponses: true });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  void it("creates, lists, gets, grows, renames, refuses to shrink, and deletes a volume", async () => {
    const created = await api.post<Volume>("/v2/network-volumes", { name: "data", size: 20, dataCenter: "EU-RO-1" });
    assert.equal(created.status, 201);
    assert.deepEqual({ ...created.body, id: "x" }, { id: "x", name: "data", size: 20, dataCenter: "EU-RO-1", type: "STANDARD" });
    const id = created.body.id;
    assert.equal((await api.get<{ networkVolumes: Volume[] }>("/v2/network-volumes")).body.networkVolumes.length, 1);
    assert.equal((await api.get<Volume>(`/v2/network-volumes/${id}`)).body.size, 20);
    const grown = await api.patch<Volume>(`/v2/network-volumes/${id}`, { size: 40, name: "bigger" });
    assert.equal(grown.status, 200);
    assert.equal(grown.body.size, 40);
    assert.equal(grown.body.name, "bigger");
    const shrunk = await api.patch<{ detail: string }>(`/v2/network-volumes/${id}`, { size: 30 });
    assert.equal(shrunk.status, 400);
    assert.match(shrunk.body.detail, /size can only grow/);
    const moved = await api.patch(`/v2/network-volumes/${id}`, { dataCenter: "US-KS-2" });
    assert.equal(moved.status, 422, "dataCenter is not a PATCH field");
    assert.equal((await api.delete(`/v2/network-volumes/${id}`)).status, 204);
    assert.equal((await api.get(`/v2/network-volumes/${id}`)).status, 404);
    assert.deepEqual(emulator.responseViolations, []);
  });

  void it("checks size bounds (422), the data center and the type (400), and defaults the type to the data center's", async () => {
    for (const size of [9, 4097, 10.5]) {
      assert.equal((await api.post("/v2/network-volumes", { name: "v", size, dataCenter: "EU-RO-1" })).status, 422, `size ${size}`);
    }
    assert.equal((await api.post("/v2/network-volumes", { name: "v", size: 4096, dataCenter: "EU-RO-1" })).status, 201);
    assert.equal((await api.post("/v2/network-volumes", { name: "v", size: 10, dataCenter: "MOON-1" })).status, 400);
    assert.equal((await api.post("/v2/network-volumes", { name: "v", size: 10, dataCenter: "US-TX-3", type: "HIGH_PERFORMANCE" })).status, 400);
    const hp = await api.post<Volume>("/v2/network-volumes", { name: "v", size: 10, dataCenter: "US-KS-2" });
    assert.equal(hp.body.type, "HIGH_PERFORMANCE", "US-KS-2's primary tier");
  });

  void it("attaches at create only, Secure Cloud only, one volume, in the volume's data center; refuses deleting a mounted volume", async () => {
    const vol = (await api.post<Volume>("/v2/network-volumes", { name: "m", size: 10, dataCenter: "EU-SE-1" })).body;
    const mount = { network: [{ volumeId: vol.id, path: "/workspace" }] };
    const community = await api.post<{ detail: string }>("/v2/pods", gpuPodBody({ cloud: "COMMUNITY", mounts: mount }));
    assert.equal(community.status, 400);
    assert.match(community.body.detail, /Secure Cloud/);
    const elsewhere = await api.post<{ detail: string }>("/v2/pods", gpuPodBody({ dataCenterIds: ["US-KS-2"], mounts: mount }));
    assert.equal(elsewhere.status, 400);
    assert.match(elsewhere.body.detail, /EU-SE-1/);
    const two = await api.post("/v2/pods", gpuPodBody({ mounts: { network: [mount.network[0], { volumeId: vol.id, path: "/b" }] } }));
    assert.equal(two.status, 422, "one volume per pod");
    const unknown = await api.post("/v2/pods", gpuPodBody({ mounts: { network: [{ volumeId: "nope", path: "/w" }] } }));
    assert.equal(unknown.status, 400);
    const pod = await api.createPod(gpuPodBody({ mounts: mount }));
    const running = await api.waitForPod(pod.id, "RUNNING");
    assert.equal(running.dataCenterId, "EU-SE-1", "placed in the volume's data center");
    const busy = await api.delete<{ detail: string }>(`/v2/network-volumes/${vol.id}`);
    assert.equal(busy.status, 400);
    assert.match(busy.body.detail, new RegExp(pod.id));
    const other = (await api.post<Volume>("/v2/network-volumes", { name: "o", size: 10, dataCenter: "EU-SE-1" })).body;
    const swap = await api.patch(`/v2/pods/${pod.id}`, { mounts: { network: [{ volumeId: other.id, path: "/workspace" }] } });
    assert.equal(swap.status, 400, "a pod keeps the volume it was created with");
    await api.delete(`/v2/pods/${pod.id}`);
    assert.equal((await api.delete(`/v2/network-volumes/${vol.id}`)).status, 204);
  });
});

void describe("emulator GPU capacity and catalog availability", () => {
  let emulator: RunpodEmulator;
  let api: Api;
  before(async () => {
    emulator = await startEmulator({ sshd: false, rateLimit: false, timings: FAST_TIMINGS, validateResponses: true });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  void it("places only where the GPU has room; none anywhere allowed is the no-instances 400", async () => {
    emulator.capacity.set(GPU, "US-KS-2", 0);
    const full = await api.post<{ detail: string }>("/v2/pods", gpuPodBody({ dataCenterIds: ["US-KS-2"] }));
    assert.equal(full.status, 400);
    assert.equal(full.body.detail, NO_INSTANCES_DETAIL);
    for (let i = 0; i < 5; i++) {
      const pod = await api.createPod(gpuPodBody({ dataCenterIds: ["US-KS-2", "EU-RO-1"] }));
      assert.equal((await api.waitForPod(pod.id, "RUNNING")).dataCenterId, "EU-RO-1");
      await api.delete(`/v2/pods/${pod.id}`);
    }
    const admin = await api.post<{ capacity: unknown[] }>("/_emulator/capacity", { gpuId: GPU, dataCenterId: "US-KS-2", free: 2 });
    assert.equal(admin.status, 200);
    assert.equal((await api.post("/v2/pods", gpuPodBody({ dataCenterIds: ["US-KS-2"], gpu: { id: GPU, count: 3 } }))).status, 400);
    const fits = await api.createPod(gpuPodBody({ dataCenterIds: ["US-KS-2"], gpu: { id: GPU, count: 2 } }));
    await api.delete(`/v2/pods/${fits.id}`);
    await api.post("/_emulator/capacity", { clear: true });
  });

  void it("the catalog shows availability per data center from the same numbers, only with include=AVAILABILITY&product=POD", async () => {
    emulator.capacity.set(GPU, "US-KS-2", 0);
    emulator.capacity.set(GPU, "EU-RO-1", 2);
    const plain = await api.get<{ gpus: Array<Record<string, unknown>> }>("/v2/catalog/gpus");
    assert.equal(plain.status, 200);
    assert.equal(plain.body.gpus.find((g) => g.id === GPU)?.availability, undefined);
    assert.equal((await api.get("/v2/catalog/gpus?include=AVAILABILITY")).status, 400, "product is required");
    assert.equal((await api.get("/v2/catalog/gpus?product=POD")).status, 400, "product needs include");
    const withAvailability = await api.get<{ gpus: Array<{ id: string; availability: string; dataCenters: Array<{ id: string; availability: string }> }> }>(
      "/v2/catalog/gpus?include=AVAILABILITY&product=POD&count=1&cloud=SECURE",
    );
    const gpu = withAvailability.body.gpus.find((g) => g.id === GPU)!;
    const level = (dc: string) => gpu.dataCenters.find((d) => d.id === dc)?.availability;
    assert.equal(level("US-KS-2"), "NONE");
    assert.equal(level("EU-RO-1"), "LOW");
    assert.equal(level("US-TX-3"), "HIGH");
    assert.equal(gpu.availability, "HIGH");
    assert.deepEqual(emulator.responseViolations, []);
    emulator.capacity.clear();
  });

  void it("a stopped pod started again without room on its host comes back with zero GPUs", async () => {
    const pod = await api.createPod(gpuPodBody({ dataCenterIds: ["CA-MTL-1"] }));
    await api.waitForPod(pod.id, "RUNNING");
    await api.post(`/v2/pods/${pod.id}/action`, { action: "stop" });
    emulator.capacity.set(GPU, "CA-MTL-1", 0);
    await api.post(`/v2/pods/${pod.id}/action`, { action: "start" });
    const back = await api.waitForPod(pod.id, "RUNNING");
    assert.equal(back.gpu?.count, 0);
    assert.deepEqual((back.runtime as { gpus?: unknown[] } | null)?.gpus, []);
    emulator.capacity.clear();
    await api.delete(`/v2/pods/${pod.id}`);
  });
});

void describe("emulator network volume data outlives the pod (real sshd)", () => {
  let emulator: RunpodEmulator;
  let api: Api;
  before(async () => {
    emulator = await startEmulator({ rateLimit: false, timings: FAST_TIMINGS });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  void it("a file written under the mount path by one pod is read by the next pod mounting the volume", async () => {
    const key = await makeKeyPair(await tempDir(), "vol");
    const vol = (await api.post<Volume>("/v2/network-volumes", { name: "d", size: 10, dataCenter: "EU-RO-1" })).body;
    const body = (gpu: string) =>
      gpuPodBody({ gpu: { id: gpu, count: 1 }, env: { PUBLIC_KEY: key.publicKey }, mounts: { network: [{ volumeId: vol.id, path: "/workspace" }] } });
    const ready = async (id: string): Promise<ApiPod> =>
      api.waitForPod(id, "RUNNING", (p) => !!p.ssh?.direct && emulator.pods().some((v) => v.id === id && v.sshdReadyAt !== null), 10_000);
    const first = await ready((await api.createPod(body(GPU))).id);
    const write = await runSsh(key.privateKeyPath, first.ssh.direct!.username, first.ssh.direct!.port, 'echo kept > "$RUNPOD_EMULATOR_ROOT/workspace/note.txt"');
    assert.equal(write.code, 0, write.stderr);
    await api.delete(`/v2/pods/${first.id}`);
    const second = await ready((await api.createPod(body("NVIDIA RTX A5000"))).id);
    const read = await runSsh(key.privateKeyPath, second.ssh.direct!.username, second.ssh.direct!.port, 'cat "$RUNPOD_EMULATOR_ROOT/workspace/note.txt"');
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim(), "kept");
    await api.delete(`/v2/pods/${second.id}`);
  });
});
