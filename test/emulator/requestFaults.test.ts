/**
 * Request faults (`failNextRequests`, also over `POST /_emulator/faults`): a status answered before the request
 * takes effect (429 with Retry-After, 5xx), a "lost" answer (the request takes effect, the connection drops) or a
 * "late" one (it takes effect, the answer comes after lateMs),
 * matched by method and path template, consumed one request at a time.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api, type ApiPod, FAST_TIMINGS, gpuPodBody } from "../helpers/emulator";

void describe("request faults", () => {
  let emulator: RunpodEmulator;
  let api: Api;

  before(async () => {
    emulator = await startEmulator({ port: 0, sshd: false, rateLimit: false, timings: FAST_TIMINGS });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  const named = (name: string) => emulator.pods().filter((p) => p.name === name);

  void it("a 503 on POST /v2/pods is answered before the create takes effect; the next create succeeds", async () => {
    emulator.faults.failNextRequests({ answer: 503, method: "POST", path: "/v2/pods" });
    const failed = await api.post("/v2/pods", gpuPodBody({ name: "rf-503" }));
    assert.equal(failed.status, 503);
    assert.equal(named("rf-503").length, 0, "nothing was created");
    const ok = await api.post("/v2/pods", gpuPodBody({ name: "rf-503" }));
    assert.equal(ok.status, 201);
    assert.equal(named("rf-503").length, 1);
  });

  void it("a 429 storm answers Retry-After on any path until its count is used up, then the API answers", async () => {
    emulator.faults.failNextRequests({ answer: 429, count: 3, retryAfterSeconds: 2 });
    for (let i = 0; i < 3; i++) {
      const reply = await api.get(i % 2 ? "/v2/account/ssh-keys" : "/v2/pods");
      assert.equal(reply.status, 429);
      assert.equal(reply.headers.get("retry-after"), "2");
    }
    assert.equal((await api.get("/v2/pods")).status, 200);
  });

  void it("method and path template select the requests; others pass untouched", async () => {
    const pod = (await api.post<ApiPod>("/v2/pods", gpuPodBody({ name: "rf-match" }))).body;
    emulator.faults.failNextRequests({ answer: 500, method: "DELETE", path: "/v2/pods/{id}", count: 2 });
    assert.equal((await api.get(`/v2/pods/${pod.id}`)).status, 200, "GET is not matched");
    assert.equal((await api.get("/v2/pods")).status, 200, "another path is not matched");
    assert.equal((await api.delete(`/v2/pods/${pod.id}`)).status, 500);
    assert.equal((await api.delete(`/v2/pods/${pod.id}`)).status, 500);
    assert.equal(named("rf-match").length, 1, "the failed deletes did not take effect");
    assert.equal((await api.delete(`/v2/pods/${pod.id}`)).status, 204);
    assert.equal(named("rf-match").length, 0);
  });

  void it("a lost answer: the create takes effect, the connection drops without an answer", async () => {
    emulator.faults.failNextRequests({ answer: "lost", method: "POST", path: "/v2/pods" });
    await assert.rejects(api.post("/v2/pods", gpuPodBody({ name: "rf-lost" })), /fetch failed|socket|terminated/i);
    assert.equal(named("rf-lost").length, 1, "the pod exists although no answer came");
    assert.equal((await api.post("/v2/pods", gpuPodBody({ name: "rf-lost-2" }))).status, 201, "the fault was used up");
  });

  void it("a late answer: the create takes effect at once, its answer comes after lateMs", async () => {
    emulator.faults.failNextRequests({ answer: "late", lateMs: 600, method: "POST", path: "/v2/pods" });
    const t0 = Date.now();
    const reply = api.post("/v2/pods", gpuPodBody({ name: "rf-late" }));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(named("rf-late").length, 1, "the pod exists before the answer came");
    assert.equal((await reply).status, 201);
    assert.ok(Date.now() - t0 >= 550, `answered late (${Date.now() - t0} ms)`);
  });

  void it("admin route: queues a request fault, reports it pending, clear removes it; bad bodies are 400", async () => {
    const queued = await api.post<{ requestFaults: Array<{ answer: number; remaining: number }> }>("/_emulator/faults", {
      requestFault: { answer: 502, method: "GET", path: "/v2/pods/{id}" },
      count: 2,
    });
    assert.equal(queued.status, 200);
    assert.deepEqual(queued.body.requestFaults.map((f) => [f.answer, f.remaining]), [[502, 2]]);
    assert.equal((await api.get("/v2/pods/nope")).status, 502);
    const cleared = await api.post<{ requestFaults: unknown[] }>("/_emulator/faults", { clear: true });
    assert.deepEqual(cleared.body.requestFaults, []);
    assert.equal((await api.get("/v2/pods/nope")).status, 404);
    for (const body of [{ requestFault: { answer: 418 } }, { requestFault: { answer: 500, path: "v2" } }, { requestFault: { answer: 500, nope: 1 } }, { requestFault: 5 }]) {
      const reply = await api.post<{ detail: string }>("/_emulator/faults", body);
      assert.equal(reply.status, 400, JSON.stringify(body));
    }
    assert.throws(() => emulator.faults.failNextRequests({ answer: 503, count: 0 }), /count must be a positive integer/);
  });
});
