/**
 * Fault injection (programmatic and over the admin HTTP routes): create faults,
 * pod faults, unavailable GPUs and slow responses.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type EmulatorPodView, type RunpodEmulator } from "../../emulator";
import { NO_INSTANCES_DETAIL, Api, type ApiPod, canConnect, FAST_TIMINGS, gpuPodBody, makeKeyPair, type ProblemDetails, sleep, tempDir, waitFor } from "../helpers/emulator";

void describe("fault injection", () => {
  let emulator: RunpodEmulator;
  let api: Api;

  before(async () => {
    emulator = await startEmulator({ port: 0, sshd: true, rateLimit: false, timings: FAST_TIMINGS });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  const podsNamed = async (name: string): Promise<ApiPod[]> =>
    (await api.get<{ pods: ApiPod[] }>("/v2/pods")).body.pods.filter((pod) => pod.name === name);

  void describe("create faults", () => {
    void it("no-capacity answers the exact 400 and creates nothing", async () => {
      emulator.faults.failNextCreates("no-capacity");
      const reply = await api.post<ProblemDetails>("/v2/pods", gpuPodBody({ name: "nocap" }));
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, { title: "Bad Request", status: 400, detail: NO_INSTANCES_DETAIL });
      assert.equal((await podsNamed("nocap")).length, 0);
    });

    void it("insufficient-balance 402, forbidden 403, server-error 500 create nothing", async () => {
      for (const [fault, status] of [
        ["insufficient-balance", 402],
        ["forbidden", 403],
        ["server-error", 500],
      ] as const) {
        emulator.faults.failNextCreates(fault);
        const reply = await api.post<ProblemDetails>("/v2/pods", gpuPodBody({ name: fault }));
        assert.equal(reply.status, status, fault);
        assert.equal(reply.headers.get("content-type"), "application/problem+json");
        assert.equal(reply.body.status, status);
        assert.equal((await podsNamed(fault)).length, 0, `${fault} must not create a pod`);
      }
    });

    void it("created-then-500 creates the pod and still answers 500", async () => {
      emulator.faults.failNextCreates("created-then-500");
      const reply = await api.post("/v2/pods", gpuPodBody({ name: "ghost" }));
      assert.equal(reply.status, 500);
      const ghosts = await podsNamed("ghost");
      assert.equal(ghosts.length, 1, "the pod exists although the create answered 500");
      await api.waitForPod(ghosts[0]?.id ?? "", "RUNNING");
    });

    void it("count applies to the next N valid creates, then creates succeed", async () => {
      emulator.faults.failNextCreates("forbidden", 2);
      // An invalid request does not consume a fault.
      assert.equal((await api.post("/v2/pods", { name: "bad" })).status, 422);
      assert.equal((await api.post("/v2/pods", gpuPodBody())).status, 403);
      assert.equal((await api.post("/v2/pods", gpuPodBody())).status, 403);
      assert.equal((await api.post("/v2/pods", gpuPodBody())).status, 201);
    });

    void it("markGpuUnavailable refuses that GPU until unmarked", async () => {
      emulator.faults.markGpuUnavailable("NVIDIA H100 PCIe");
      const body = gpuPodBody({ gpu: { id: "NVIDIA H100 PCIe", count: 1 } });
      for (let i = 0; i < 2; i++) {
        const reply = await api.post<ProblemDetails>("/v2/pods", body);
        assert.equal(reply.status, 400);
        assert.equal(reply.body.detail, NO_INSTANCES_DETAIL);
      }
      assert.equal((await api.post("/v2/pods", gpuPodBody({ gpu: { id: "NVIDIA A40", count: 1 } }))).status, 201, "other GPUs still place");
      emulator.faults.markGpuUnavailable("NVIDIA H100 PCIe", false);
      assert.equal((await api.post("/v2/pods", body)).status, 201);
    });

    void it("rejects unknown fault kinds", () => {
      assert.throws(() => emulator.faults.failNextCreates("boom" as never), /unknown create fault/);
      assert.throws(() => emulator.faults.nextPods("boom" as never), /unknown pod fault/);
      assert.throws(() => emulator.faults.failNextCreates("forbidden", 0), /positive integer/);
    });
  });

  void describe("pod faults", () => {
    void it("error: the pod goes to ERROR with explaining log lines", async () => {
      emulator.faults.nextPods("error");
      const pod = await api.createPod(gpuPodBody());
      const failed = await api.waitForPod(pod.id, "ERROR");
      assert.equal(failed.runtime, null);
      assert.equal(failed.ssh.direct, null);
      assert.deepEqual(failed.actions, ["start", "terminate"]);
      assert.ok(failed.ssh.proxy, "the machine was assigned");
      // Only the next pod is affected.
      const healthy = await api.createPod(gpuPodBody());
      await api.waitForPod(healthy.id, "RUNNING");
    });

    void it("no-public-port: RUNNING but 22/tcp has no public port and no ssh.direct", async () => {
      emulator.faults.nextPods("no-public-port");
      const pod = await api.createPod(gpuPodBody({ env: { PUBLIC_KEY: "ssh-ed25519 AAAA k" } }));
      const running = await api.waitForPod(pod.id, "RUNNING");
      assert.equal(running.ssh.direct, null);
      const ports = (running.runtime as { ports: { private: number; public: number | null }[] }).ports;
      assert.deepEqual(ports.find((port) => port.private === 22), { private: 22, public: null, type: "tcp", ip: null });
      await sleep(FAST_TIMINGS.sshdStartMs + 150);
      assert.equal(emulator.pods().find((view) => view.id === pod.id)?.sshdPid, null);
    });

    void it("stuck-provisioning never leaves PROVISIONING", async () => {
      emulator.faults.nextPods("stuck-provisioning");
      const pod = await api.createPod(gpuPodBody());
      await sleep((FAST_TIMINGS.provisioningMs + FAST_TIMINGS.startingMs) * 3);
      const still = await api.getPod(pod.id);
      assert.equal(still.status, "PROVISIONING");
      assert.equal(still.ssh.proxy, null);
      assert.equal(still.dataCenterId, null);
    });

    void it("sshd-never: RUNNING with ssh.direct reported, but nothing listens", async () => {
      const dir = await tempDir();
      const key = await makeKeyPair(dir, "k");
      emulator.faults.nextPods("sshd-never");
      const pod = await api.createPod(gpuPodBody({ env: { PUBLIC_KEY: key.publicKey } }));
      const running = await api.waitForPod(pod.id, "RUNNING");
      const port = running.ssh.direct?.port;
      assert.ok(port);
      await sleep(FAST_TIMINGS.sshdStartMs + 300);
      const view = emulator.pods().find((p) => p.id === pod.id) as EmulatorPodView;
      assert.equal(view.sshdReadyAt, null);
      assert.equal(view.sshdPid, null);
      assert.equal(await canConnect(port), false);
      // Control: the same request without the fault gets a listening sshd.
      const control = await api.createPod(gpuPodBody({ env: { PUBLIC_KEY: key.publicKey } }));
      await waitFor("control sshd", () => emulator.pods().find((p) => p.id === control.id)?.sshdReadyAt);
    });
  });

  void describe("slow responses", () => {
    void it("delays the next N responses, then answers promptly", async () => {
      emulator.faults.slowResponses(300, 1);
      let started = Date.now();
      await api.get("/v2/pods");
      assert.ok(Date.now() - started >= 280, "first response is delayed");
      started = Date.now();
      await api.get("/v2/pods");
      assert.ok(Date.now() - started < 250, "second response is not");
    });

    void it("without a count delays until cleared with 0", async () => {
      emulator.faults.slowResponses(200);
      for (let i = 0; i < 2; i++) {
        const started = Date.now();
        await api.get("/v2/account/ssh-keys");
        assert.ok(Date.now() - started >= 180);
      }
      emulator.faults.slowResponses(0);
      const started = Date.now();
      await api.get("/v2/account/ssh-keys");
      assert.ok(Date.now() - started < 150);
    });
  });

  void describe("admin HTTP routes", () => {
    void it("need the bearer key", async () => {
      const reply = await new Api(emulator.url, undefined).get("/_emulator/state");
      assert.equal(reply.status, 401);
    });

    void it("POST /_emulator/faults queues create and pod faults", async () => {
      const queued = await api.post<{ createFaults: string[]; podFaults: string[] }>("/_emulator/faults", { createFault: "insufficient-balance", count: 1 });
      assert.equal(queued.status, 200);
      assert.deepEqual(queued.body.createFaults, ["insufficient-balance"]);
      assert.equal((await api.post("/v2/pods", gpuPodBody())).status, 402);

      await api.post("/_emulator/faults", { podFault: "error" });
      const pod = await api.createPod(gpuPodBody());
      await api.waitForPod(pod.id, "ERROR");

      await api.post("/_emulator/faults", { gpuUnavailable: "NVIDIA A40" });
      assert.equal((await api.post("/v2/pods", gpuPodBody({ gpu: { id: "NVIDIA A40", count: 1 } }))).status, 400);
      await api.post("/_emulator/faults", { clear: true });
      assert.equal((await api.post("/v2/pods", gpuPodBody({ gpu: { id: "NVIDIA A40", count: 1 } }))).status, 201);
    });

    void it("POST /_emulator/faults rejects malformed requests", async () => {
      for (const body of [{ createFault: "nope" }, { podFault: "error", count: 0 }, { bogus: true }, [1]]) {
        const reply = await api.post<ProblemDetails>("/_emulator/faults", body);
        assert.equal(reply.status, 400, JSON.stringify(body));
      }
    });

    void it("GET /_emulator/state and POST /_emulator/pods/{id}/reset", async () => {
      const pod = await api.createPod(gpuPodBody({ name: "admin-reset" }));
      const before = await api.waitForPod(pod.id, "RUNNING");
      const state = await api.get<{ pods: EmulatorPodView[]; tempDir: string; sshMode: string }>("/_emulator/state");
      assert.equal(state.status, 200);
      assert.equal(state.body.sshMode, "image");
      assert.equal(state.body.tempDir, emulator.tempDir);
      assert.ok(state.body.pods.some((view) => view.id === pod.id && view.name === "admin-reset"));

      const reset = await api.post<EmulatorPodView>(`/_emulator/pods/${pod.id}/reset`);
      assert.equal(reset.status, 200);
      assert.equal(reset.body.status, "STARTING");
      const after = await api.waitForPod(pod.id, "RUNNING");
      assert.notEqual(after.ssh.direct?.port, before.ssh.direct?.port);
      assert.equal((await api.post("/_emulator/pods/nosuchpod1/reset")).status, 404);
    });
  });
});
