/**
 * Pod lifecycle through the HTTP API: status progression, ssh/proxy/runtime blocks,
 * startSsh injection, PATCH resets, actions, deletion and lock rules. sshd is off here
 * (see sshd.test.ts for the real server).
 */
import assert from "node:assert/strict";
import * as os from "node:os";
import { after, before, describe, it } from "node:test";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api, type ApiPod, gpuPodBody, sleep } from "../helpers/emulator";

const TIMINGS = { provisioningMs: 150, startingMs: 150, sshdStartMs: 0 };
const USER = process.getuid?.() === 0 ? "root" : os.userInfo().username;

void describe("pod lifecycle", () => {
  let emulator: RunpodEmulator;
  let api: Api;

  before(async () => {
    emulator = await startEmulator({ port: 0, sshd: false, rateLimit: false, timings: TIMINGS });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  /** GET the pod every 15 ms until RUNNING; returns the first snapshot seen in each status. */
  async function observeUntilRunning(id: string): Promise<Map<string, ApiPod>> {
    const seen = new Map<string, ApiPod>();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const pod = await api.getPod(id);
      if (!seen.has(pod.status)) seen.set(pod.status, pod);
      if (pod.status === "RUNNING") return seen;
      await sleep(15);
    }
    throw new Error(`pod ${id} never reached RUNNING; saw ${[...seen.keys()].join(", ")}`);
  }

  void it("goes PROVISIONING -> STARTING -> RUNNING with proxy at machine assignment and direct when running", async () => {
    const created = await api.createPod(gpuPodBody({ ports: ["8888/http", "22/tcp"], env: { A: "1" } }));
    assert.match(created.id, /^[a-z0-9]{10}$/);
    assert.equal(created.status, "PROVISIONING");
    assert.deepEqual(created.actions, ["stop", "terminate"]);
    assert.equal(created.dataCenterId, null);
    assert.equal(created.cudaVersion, null);
    assert.deepEqual(created.ssh, { proxy: null, direct: null });
    assert.equal(created.runtime, null);
    assert.equal(created.startedAt, null);
    assert.equal(created.template, null);
    assert.equal(created.cost, 0.69);
    assert.deepEqual(created.globalNetworking, { enabled: false });
    // memory and vcpuCount: the host RAM (GB) and vCPUs the pod was given (the machine's share per GPU).
    assert.deepEqual(created.gpu, { id: "NVIDIA GeForce RTX 4090", count: 1, memory: 41, vcpuCount: 6 });
    assert.equal("cpu" in created, false);
    assert.equal("startSsh" in created, false);

    const seen = await observeUntilRunning(created.id);
    assert.deepEqual([...seen.keys()], ["PROVISIONING", "STARTING", "RUNNING"]);

    const starting = seen.get("STARTING") as ApiPod;
    assert.deepEqual(starting.actions, ["stop", "terminate"]);
    assert.ok(starting.dataCenterId, "a machine is assigned when STARTING");
    assert.ok(starting.cudaVersion);
    const hostId = starting.ssh.proxy?.username ?? "";
    assert.match(hostId, new RegExp(`^${created.id}-[0-9a-f]{8}$`));
    assert.deepEqual(starting.ssh.proxy, { host: "ssh.runpod.io", port: 22, username: hostId, command: `ssh ${hostId}@ssh.runpod.io` });
    assert.equal(starting.ssh.direct, null);
    assert.equal(starting.runtime, null);

    const running = seen.get("RUNNING") as ApiPod;
    assert.deepEqual(running.actions, ["stop", "restart", "terminate"]);
    assert.ok(running.startedAt);
    const runtime = running.runtime as { uptime: number; ports: { private: number; public: number | null; type: string; ip: string | null }[] };
    assert.equal(typeof runtime.uptime, "number");
    const ssh = runtime.ports.find((port) => port.private === 22);
    assert.ok(ssh && typeof ssh.public === "number" && ssh.type === "tcp" && ssh.ip === "127.0.0.1", JSON.stringify(runtime.ports));
    assert.deepEqual(running.ssh.direct, { host: "127.0.0.1", port: ssh.public, username: USER, command: `ssh ${USER}@127.0.0.1 -p ${ssh.public}` });
    assert.deepEqual(running.ssh.proxy, starting.ssh.proxy);
    assert.deepEqual(
      runtime.ports.find((port) => port.private === 8888),
      { private: 8888, public: null, type: "http", ip: null },
    );

    const view = emulator.pods().find((pod) => pod.id === created.id);
    assert.equal(view?.sshPort, ssh.public);
    assert.equal(view?.sshdReadyAt, null, "sshd is disabled in this emulator");
  });

  void it("reports no ssh.direct without 22/tcp, only the proxy", async () => {
    const pod = await api.createPod(gpuPodBody({ ports: ["8888/http"] }));
    const running = await api.waitForPod(pod.id, "RUNNING");
    assert.equal(running.ssh.direct, null);
    assert.ok(running.ssh.proxy);
  });

  void it("renders CPU pods with memory and without CUDA", async () => {
    const pod = await api.createPod({ name: "cpu", image: "ubuntu:24.04", cpu: { id: "cpu3g", vcpuCount: 4 }, ports: ["22/tcp"] });
    assert.deepEqual(pod.cpu, { id: "cpu3g", vcpuCount: 4, memory: 16 });
    assert.equal("gpu" in pod, false);
    const running = await api.waitForPod(pod.id, "RUNNING");
    assert.equal(running.cudaVersion, null);
    assert.ok(running.dataCenterId);
    assert.ok(running.ssh.direct);
  });

  void describe("startSsh", () => {
    void it("injects PUBLIC_KEY from the account keys, one per line", async () => {
      emulator.setAccountKeys(["ssh-ed25519 AAAA one", "ssh-rsa BBBB two"]);
      const pod = await api.createPod(gpuPodBody({ startSsh: true, env: { OTHER: "x" } }));
      assert.deepEqual(pod.env, { OTHER: "x", PUBLIC_KEY: "ssh-ed25519 AAAA one\nssh-rsa BBBB two" });
      assert.equal("startSsh" in (await api.getPod(pod.id)), false);
    });

    void it("keeps a PUBLIC_KEY set by the request", async () => {
      emulator.setAccountKeys(["ssh-ed25519 AAAA one"]);
      const pod = await api.createPod(gpuPodBody({ startSsh: true, env: { PUBLIC_KEY: "ssh-ed25519 MINE me" } }));
      assert.equal(pod.env.PUBLIC_KEY, "ssh-ed25519 MINE me");
    });

    void it("does nothing without registered keys or without the flag", async () => {
      emulator.setAccountKeys([]);
      const noKeys = await api.createPod(gpuPodBody({ startSsh: true }));
      assert.deepEqual(noKeys.env, {});
      emulator.setAccountKeys(["ssh-ed25519 AAAA one"]);
      const noFlag = await api.createPod(gpuPodBody());
      assert.deepEqual(noFlag.env, {});
    });
  });

  void describe("PATCH", () => {
    void it("env replaces the whole env and resets the container onto a new port", async () => {
      const pod = await api.createPod(gpuPodBody({ env: { PUBLIC_KEY: "ssh-ed25519 AAAA k", KEEP: "1" } }));
      const before = await api.waitForPod(pod.id, "RUNNING");
      const patched = await api.patch<ApiPod>(`/v2/pods/${pod.id}`, { env: { ONLY: "this" } });
      assert.equal(patched.status, 200);
      assert.deepEqual(patched.body.env, { ONLY: "this" });
      assert.equal(patched.body.status, "STARTING");
      assert.equal(patched.body.ssh.direct, null);
      assert.equal(patched.body.runtime, null);
      const after = await api.waitForPod(pod.id, "RUNNING");
      assert.notEqual(after.ssh.direct?.port, before.ssh.direct?.port, "a reset maps a new port");
      assert.deepEqual(after.ssh.proxy, before.ssh.proxy, "the machine is the same");
      assert.equal(emulator.pods().find((view) => view.id === pod.id)?.containerStarts, 2);
    });

    void it("name and locked changes do not reset", async () => {
      const pod = await api.createPod(gpuPodBody());
      const before = await api.waitForPod(pod.id, "RUNNING");
      const patched = await api.patch<ApiPod>(`/v2/pods/${pod.id}`, { name: "renamed", locked: true });
      assert.equal(patched.body.status, "RUNNING");
      assert.equal(patched.body.name, "renamed");
      assert.equal(patched.body.locked, true);
      assert.equal(patched.body.ssh.direct?.port, before.ssh.direct?.port);
      assert.equal(emulator.pods().find((view) => view.id === pod.id)?.containerStarts, 1);
    });

    void it("a locked pod refuses reset-causing changes, stop and restart with 400", async () => {
      const pod = await api.createPod(gpuPodBody());
      await api.waitForPod(pod.id, "RUNNING");
      await api.patch(`/v2/pods/${pod.id}`, { locked: true });
      for (const [method, path, body] of [
        ["PATCH", `/v2/pods/${pod.id}`, { image: "other:latest" }],
        ["PATCH", `/v2/pods/${pod.id}`, { ports: ["22/tcp", "80/http"] }],
        ["POST", `/v2/pods/${pod.id}/action`, { action: "stop" }],
        ["POST", `/v2/pods/${pod.id}/action`, { action: "restart" }],
      ] as const) {
        const reply = await api.request<{ detail: string }>(method, path, body);
        assert.equal(reply.status, 400, `${method} ${JSON.stringify(body)}`);
        assert.match(reply.body.detail, /locked/);
      }
      const still = await api.getPod(pod.id);
      assert.equal(still.status, "RUNNING");
      assert.equal(still.image, gpuPodBody().image);
      // Unlocking in the same PATCH allows the change.
      const unlocked = await api.patch<ApiPod>(`/v2/pods/${pod.id}`, { locked: false, image: "other:latest" });
      assert.equal(unlocked.status, 200);
      assert.equal(unlocked.body.status, "STARTING");
    });

    void it("changes on a stopped pod apply at the next start", async () => {
      const pod = await api.createPod(gpuPodBody());
      await api.waitForPod(pod.id, "RUNNING");
      await api.post(`/v2/pods/${pod.id}/action`, { action: "stop" });
      const patched = await api.patch<ApiPod>(`/v2/pods/${pod.id}`, { ports: ["2222/tcp"] });
      assert.equal(patched.body.status, "EXITED");
      await api.post(`/v2/pods/${pod.id}/action`, { action: "start" });
      const running = await api.waitForPod(pod.id, "RUNNING");
      assert.equal(running.ssh.direct, null, "22/tcp is no longer published");
      assert.deepEqual((running.runtime as { ports: { private: number }[] }).ports.map((p) => p.private), [2222]);
    });
  });

  void describe("actions", () => {
    void it("stop keeps the machine and zeroes cost; start maps a new port; restart keeps it", async () => {
      const pod = await api.createPod(gpuPodBody());
      const running = await api.waitForPod(pod.id, "RUNNING");

      const stopped = await api.post<ApiPod>(`/v2/pods/${pod.id}/action`, { action: "stop" });
      assert.equal(stopped.status, 200);
      assert.equal(stopped.body.status, "EXITED");
      assert.deepEqual(stopped.body.actions, ["start", "terminate"]);
      assert.equal(stopped.body.cost, 0);
      assert.equal(stopped.body.runtime, null);
      assert.equal(stopped.body.ssh.direct, null);
      assert.deepEqual(stopped.body.ssh.proxy, running.ssh.proxy);
      assert.equal(stopped.body.dataCenterId, running.dataCenterId);

      const started = await api.post<ApiPod>(`/v2/pods/${pod.id}/action`, { action: "start" });
      assert.equal(started.status, 200);
      assert.equal(started.body.status, "STARTING");
      const again = await api.waitForPod(pod.id, "RUNNING");
      assert.ok(again.ssh.direct);
      assert.ok(again.cost > 0);

      const restarted = await api.post<ApiPod>(`/v2/pods/${pod.id}/action`, { action: "restart" });
      assert.equal(restarted.status, 200);
      assert.equal(restarted.body.status, "STARTING");
      const afterRestart = await api.waitForPod(pod.id, "RUNNING");
      assert.equal(afterRestart.ssh.direct?.port, again.ssh.direct?.port, "restart is in place");
      assert.equal(emulator.pods().find((view) => view.id === pod.id)?.containerStarts, 3);
    });

    void it("terminate answers 204 and the pod is gone", async () => {
      const pod = await api.createPod(gpuPodBody());
      const reply = await api.post(`/v2/pods/${pod.id}/action`, { action: "terminate" });
      assert.equal(reply.status, 204);
      assert.equal(reply.text, "");
      assert.equal((await api.get(`/v2/pods/${pod.id}`)).status, 404);
      const list = await api.get<{ pods: ApiPod[] }>("/v2/pods");
      assert.ok(!list.body.pods.some((p) => p.id === pod.id));
    });

    void it("stop works while provisioning; start then provisions again", async () => {
      const pod = await api.createPod(gpuPodBody());
      const stopped = await api.post<ApiPod>(`/v2/pods/${pod.id}/action`, { action: "stop" });
      assert.equal(stopped.body.status, "EXITED");
      assert.equal(stopped.body.ssh.proxy, null);
      await sleep(TIMINGS.provisioningMs + TIMINGS.startingMs + 50);
      assert.equal((await api.getPod(pod.id)).status, "EXITED", "stale timers must not revive a stopped pod");
      const started = await api.post<ApiPod>(`/v2/pods/${pod.id}/action`, { action: "start" });
      assert.equal(started.body.status, "PROVISIONING");
      await api.waitForPod(pod.id, "RUNNING");
    });
  });

  void it("DELETE answers 204 then 404", async () => {
    const pod = await api.createPod(gpuPodBody());
    const first = await api.delete(`/v2/pods/${pod.id}`);
    assert.equal(first.status, 204);
    assert.equal(first.text, "");
    assert.equal((await api.delete(`/v2/pods/${pod.id}`)).status, 404);
    assert.equal((await api.get(`/v2/pods/${pod.id}`)).status, 404);
  });

  void it("GET /v2/pods lists every live pod", async () => {
    const a = await api.createPod(gpuPodBody({ name: "list-a" }));
    const b = await api.createPod(gpuPodBody({ name: "list-b" }));
    const list = await api.get<{ pods: ApiPod[] }>("/v2/pods");
    assert.equal(list.status, 200);
    const ids = list.body.pods.map((pod) => pod.id);
    assert.ok(ids.includes(a.id) && ids.includes(b.id));
    assert.equal(ids.length, emulator.pods().length);
  });

  void it("resetPod maps a new port and rejects pods that are not running", async () => {
    const pod = await api.createPod(gpuPodBody());
    const before = await api.waitForPod(pod.id, "RUNNING");
    await emulator.resetPod(pod.id);
    assert.equal((await api.getPod(pod.id)).status, "STARTING");
    const after = await api.waitForPod(pod.id, "RUNNING");
    assert.notEqual(after.ssh.direct?.port, before.ssh.direct?.port);
    await api.post(`/v2/pods/${pod.id}/action`, { action: "stop" });
    await assert.rejects(emulator.resetPod(pod.id), /EXITED/);
    await assert.rejects(emulator.resetPod("nosuchpod1"), /no pod/);
  });

  void it("args '' marks the start script as overridden", async () => {
    const pod = await api.createPod(gpuPodBody({ args: "", env: { PUBLIC_KEY: "ssh-ed25519 AAAA k" } }));
    assert.equal(pod.args, "");
    const view = emulator.pods().find((p) => p.id === pod.id);
    assert.equal(view?.startScriptOverridden, true);
    const normal = await api.createPod(gpuPodBody());
    assert.equal(normal.args, "");
    assert.equal(emulator.pods().find((p) => p.id === normal.id)?.startScriptOverridden, false);
  });

  void it("global networking applies at create and PATCH changes it at the next start", async () => {
    const pod = await api.createPod(gpuPodBody({ globalNetworking: true }));
    assert.equal(pod.globalNetworking.enabled, true);
    assert.equal(pod.globalNetworking.internalDns, `${pod.id}.runpod.internal`);
    await api.waitForPod(pod.id, "RUNNING");
    const patched = await api.patch<ApiPod>(`/v2/pods/${pod.id}`, { globalNetworking: false });
    assert.equal(patched.body.globalNetworking.enabled, true, "takes effect on the next start");
    await api.post(`/v2/pods/${pod.id}/action`, { action: "restart" });
    const restarted = await api.waitForPod(pod.id, "RUNNING");
    assert.deepEqual(restarted.globalNetworking, { enabled: false });
  });
});
