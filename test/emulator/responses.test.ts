/**
 * Response conformance: with `validateResponses` on, a scenario touching every
 * implemented operation, every pod status and every HTTP status the emulator sends
 * ends with no violation; and the validator itself does catch broken responses.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadSpecValidator, startEmulator } from "../../emulator";
import { Api, type ApiPod, FAST_TIMINGS, gpuPodBody, openSse } from "../helpers/emulator";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILXGDN/SclOozk1xsDztpmhGiKkkrfQB9SKoO8dSIQQZ me@example.com";

void describe("response validation", () => {
  void it("the validator catches broken responses", async () => {
    const validator = await loadSpecValidator();
    const emulator = await startEmulator({ port: 0, sshd: false, rateLimit: false, timings: FAST_TIMINGS });
    try {
      const pod = await Api.for(emulator).createPod(gpuPodBody());
      const ok = { method: "GET", pathTemplate: "/v2/pods/{id}", status: 200, contentType: "application/json", headers: {} };
      assert.deepEqual(validator.validateResponse({ ...ok, body: pod }), [], "a real pod is valid");

      const broken: Record<string, unknown> = { ...pod, status: "SLEEPING", cost: "cheap" };
      delete broken.ssh;
      const violations = validator.validateResponse({ ...ok, body: broken });
      assert.ok(violations.some((line) => line.includes("$: missing required property 'ssh'")), violations.join("\n"));
      assert.ok(violations.some((line) => line.includes("$.status: must be one of")), violations.join("\n"));
      assert.ok(violations.some((line) => line.includes("$.cost: must be number")), violations.join("\n"));
      assert.ok(validator.validateSchema("Pod", { ...pod, runtime: { uptime: "long" } }).includes("$.runtime.uptime: must be integer"));

      assert.equal(validator.validateResponse({ ...ok, contentType: "text/plain", body: pod }).length, 1, "undeclared content type");
      assert.equal(validator.validateResponse({ ...ok, status: 204, method: "DELETE", contentType: undefined, body: {} }).length, 1, "204 with a body");
      assert.equal(
        validator.validateResponse({ ...ok, status: 429, contentType: "application/problem+json", body: { title: "Too Many Requests", status: 429, detail: "x" } }).length,
        1,
        "429 without Retry-After",
      );
      assert.equal(validator.validateResponse({ ...ok, status: 404, contentType: "application/problem+json", body: { title: "Not Found" } }).length, 2);
    } finally {
      await emulator.stop();
    }
  });

  void it("a scenario over every operation and status produces no violation", async () => {
    const emulator = await startEmulator({
      port: 0,
      sshd: false,
      validateResponses: true,
      timings: { provisioningMs: 150, startingMs: 200, sshdStartMs: 0 },
      rateLimit: [{ name: "minute", quota: 1000, windowSeconds: 60 }],
      keySetLimit: 1000,
    });
    const api = Api.for(emulator);
    const podStatuses = new Set<string>();
    const see = async (id: string): Promise<ApiPod> => {
      const pod = await api.getPod(id);
      podStatuses.add(pod.status);
      return pod;
    };
    try {
      // Account keys: 200, 422, 400, 401.
      assert.equal((await api.get("/v2/account/ssh-keys")).status, 200);
      assert.equal((await api.put("/v2/account/ssh-keys", { keys: [KEY] })).status, 200);
      assert.equal((await api.put("/v2/account/ssh-keys", { keys: ["nope"] })).status, 422);
      assert.equal((await api.put("/v2/account/ssh-keys", { keys: Array.from({ length: 20 }, () => KEY) })).status, 400);
      assert.equal((await new Api(emulator.url, undefined).get("/v2/account/ssh-keys")).status, 401);
      assert.equal((await new Api(emulator.url, "wrong").get("/v2/nowhere")).status, 401);

      // Create: 201 (GPU and CPU), 400, 404, 422, and the create faults 400/402/403/500.
      const v1 = (await api.post<{ id: string }>("/v2/network-volumes", { name: "v", size: 10, dataCenter: "EU-RO-1" })).body.id;
      const gpuPod = await api.createPod(gpuPodBody({ startSsh: true, mounts: { network: [{ volumeId: v1, path: "/data" }] }, globalNetworking: true }));
      emulator.faults.nextPods("stuck-provisioning");
      const stuck = await api.createPod(gpuPodBody({ name: "stuck" }));
      await see(stuck.id);
      const cpuPod = await api.createPod({ name: "cpu", image: "ubuntu", cpu: { id: "cpu5g", vcpuCount: 8 }, ports: ["8888/http", "22/tcp"] });
      assert.equal((await api.post("/v2/pods", gpuPodBody({ gpu: { id: "NVIDIA A40" } }))).status, 400);
      assert.equal((await api.post("/v2/pods", { ...gpuPodBody(), templateId: "missing" })).status, 404);
      assert.equal((await api.post("/v2/pods", { name: "x" })).status, 422);
      for (const [fault, status] of [
        ["no-capacity", 400],
        ["insufficient-balance", 402],
        ["forbidden", 403],
        ["server-error", 500],
        ["created-then-500", 500],
      ] as const) {
        emulator.faults.failNextCreates(fault);
        assert.equal((await api.post("/v2/pods", gpuPodBody({ name: fault }))).status, status);
      }

      // Every pod status through GET and LIST.
      await api.waitForPod(gpuPod.id, "STARTING");
      await see(gpuPod.id);
      await api.waitForPod(gpuPod.id, "RUNNING");
      await see(gpuPod.id);
      await api.waitForPod(cpuPod.id, "RUNNING");
      await see(cpuPod.id);
      emulator.faults.nextPods("error");
      const broken = await api.createPod(gpuPodBody({ name: "broken" }));
      await api.waitForPod(broken.id, "ERROR");
      await see(broken.id);
      assert.equal((await api.get("/v2/pods")).status, 200);

      // PATCH: 200 (no reset and reset), 400, 404, 422.
      assert.equal((await api.patch(`/v2/pods/${gpuPod.id}`, { name: "renamed", locked: false })).status, 200);
      assert.equal((await api.patch(`/v2/pods/${gpuPod.id}`, { env: { PUBLIC_KEY: KEY } })).status, 200);
      assert.equal((await api.patch(`/v2/pods/${gpuPod.id}`, { ports: ["1/udp"] })).status, 400);
      assert.equal((await api.patch("/v2/pods/missing", { name: "x" })).status, 404);
      assert.equal((await api.patch(`/v2/pods/${gpuPod.id}`, { cpu: {} })).status, 422);
      await api.waitForPod(gpuPod.id, "RUNNING");

      // Actions: 200 for stop/start/restart, 204 terminate, 409, 422, 404.
      assert.equal((await api.post(`/v2/pods/${gpuPod.id}/action`, { action: "restart" })).status, 200);
      await api.waitForPod(gpuPod.id, "RUNNING");
      assert.equal((await api.post(`/v2/pods/${gpuPod.id}/action`, { action: "stop" })).status, 200);
      await see(gpuPod.id);
      assert.equal((await api.post(`/v2/pods/${gpuPod.id}/action`, { action: "stop" })).status, 409);
      assert.equal((await api.post(`/v2/pods/${gpuPod.id}/action`, { action: "start" })).status, 200);
      assert.equal((await api.post(`/v2/pods/${gpuPod.id}/action`, {})).status, 422);
      assert.equal((await api.post("/v2/pods/missing/action", { action: "start" })).status, 404);
      assert.equal((await api.post(`/v2/pods/${broken.id}/action`, { action: "terminate" })).status, 204);

      // Logs: 200 stream, 404, 422.
      const stream = await openSse(emulator, `/v2/pods/${gpuPod.id}/logs?tail=5`);
      assert.equal(stream.status, 200);
      await stream.waitFor((events) => events.length >= 5);
      stream.close();
      assert.equal((await api.get("/v2/pods/missing/logs")).status, 404);
      assert.equal((await api.get(`/v2/pods/${gpuPod.id}/logs?source=all`)).status, 422);

      // DELETE: 204 then 404; unknown path 404; wrong method 405; malformed JSON 400.
      assert.equal((await api.delete(`/v2/pods/${cpuPod.id}`)).status, 204);
      assert.equal((await api.delete(`/v2/pods/${cpuPod.id}`)).status, 404);
      assert.equal((await api.get("/v2/templates")).status, 404);
      assert.equal((await api.request("PUT", "/v2/pods")).status, 405);
      assert.equal((await api.request("POST", "/v2/pods", "{")).status, 400);

      const statuses = new Set(emulator.requests.map((request) => request.status));
      for (const status of [200, 201, 204, 400, 401, 402, 403, 404, 405, 409, 422, 500]) {
        assert.ok(statuses.has(status), `scenario never produced ${status}`);
      }
      assert.deepEqual([...podStatuses].sort(), ["ERROR", "EXITED", "PROVISIONING", "RUNNING", "STARTING"]);
      assert.deepEqual(emulator.responseViolations, []);
    } finally {
      await emulator.stop();
    }
  });

  void it("429 responses conform too", async () => {
    const emulator = await startEmulator({ port: 0, sshd: false, validateResponses: true, rateLimit: [{ name: "minute", quota: 1, windowSeconds: 60 }] });
    try {
      const api = Api.for(emulator);
      assert.equal((await api.get("/v2/pods")).status, 200);
      assert.equal((await api.get("/v2/pods")).status, 429);
      assert.equal((await api.post("/v2/pods", gpuPodBody())).status, 429);
      assert.equal((await api.get("/v2/unknown")).status, 429);
      assert.deepEqual(emulator.responseViolations, []);
    } finally {
      await emulator.stop();
    }
  });
});
