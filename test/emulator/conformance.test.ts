/**
 * Contract conformance: 422 for spec violations (with readable `errors`), 400 for the
 * handler rules, 401/404/405/409, templates, and the key-set limit.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { NO_INSTANCES_DETAIL, Api, type ApiPod, FAST_TIMINGS, gpuPodBody, type ProblemDetails } from "../helpers/emulator";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILXGDN/SclOozk1xsDztpmhGiKkkrfQB9SKoO8dSIQQZ me@example.com";

void describe("emulator contract conformance", () => {
  let emulator: RunpodEmulator;
  let api: Api;

  before(async () => {
    emulator = await startEmulator({ port: 0, sshd: false, rateLimit: false, timings: FAST_TIMINGS, keySetLimit: 300 });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  async function expectProblem(reply: Promise<{ status: number; headers: Headers; body: unknown }>, status: number, title: string): Promise<ProblemDetails> {
    const { status: actual, headers, body } = await reply;
    assert.equal(actual, status, `expected ${status}, got ${actual}: ${JSON.stringify(body)}`);
    assert.equal(headers.get("content-type"), "application/problem+json");
    const problem = body as ProblemDetails;
    assert.equal(problem.title, title);
    assert.equal(problem.status, status);
    assert.equal(typeof problem.detail, "string");
    return problem;
  }

  async function expect422(reply: Promise<{ status: number; headers: Headers; body: unknown }>, ...expected: (string | RegExp)[]): Promise<string[]> {
    const problem = await expectProblem(reply, 422, "Unprocessable Entity");
    assert.equal(problem.detail, "Request validation failed.");
    assert.ok(Array.isArray(problem.errors) && problem.errors.length > 0, "422 must list errors");
    const errors = problem.errors;
    for (const want of expected) {
      assert.ok(
        errors.some((line) => (typeof want === "string" ? line === want : want.test(line))),
        `expected an error ${String(want)} in ${JSON.stringify(errors)}`,
      );
    }
    return errors;
  }

  void describe("authentication", () => {
    void it("answers 401 missing bearer token without a key, without rate-limit headers", async () => {
      const reply = await new Api(emulator.url, undefined).get("/v2/pods");
      assert.equal(reply.status, 401);
      assert.deepEqual(reply.body, { title: "Unauthorized", status: 401, detail: "missing bearer token" });
      assert.equal(reply.headers.get("ratelimit"), null);
    });

    void it("answers 401 invalid bearer token for a wrong key and never echoes keys", async () => {
      const reply = await new Api(emulator.url, "rpa_WRONGKEY").get("/v2/account/ssh-keys");
      assert.deepEqual(reply.body, { title: "Unauthorized", status: 401, detail: "invalid bearer token" });
      assert.ok(!reply.text.includes("rpa_WRONGKEY"));
      assert.ok(!reply.text.includes(emulator.apiKey));
    });

    void it("rejects a non-bearer scheme", async () => {
      const reply = await api.request("GET", "/v2/pods", undefined, { Authorization: `Basic ${emulator.apiKey}` });
      assert.equal(reply.status, 401);
      assert.equal((reply.body as ProblemDetails).detail, "missing bearer token");
    });

    void it("redacts the key in recorded requests", () => {
      assert.ok(emulator.requests.length > 0);
      for (const request of emulator.requests) {
        assert.ok(!JSON.stringify(request).includes(emulator.apiKey), "recorded request leaks the API key");
      }
    });
  });

  void describe("422 for requests that break the spec", () => {
    void it("unknown top-level field on create", async () => {
      await expect422(api.post("/v2/pods", gpuPodBody({ bogus: 1 })), "$: unknown property 'bogus'");
    });

    void it("gpu without id", async () => {
      await expect422(api.post("/v2/pods", gpuPodBody({ gpu: { count: 1 } })), "$.gpu: missing required property 'id'");
    });

    void it("unknown field inside gpu", async () => {
      await expect422(api.post("/v2/pods", gpuPodBody({ gpu: { id: "NVIDIA A40", count: 1, vram: 48 } })), "$.gpu: unknown property 'vram'");
    });

    void it("placement filters below 1 or not whole numbers", async () => {
      await expect422(
        api.post("/v2/pods", gpuPodBody({ gpu: { id: "NVIDIA A40", count: 1, minRamPerGpu: 0, minVcpuCountPerGpu: 2.5 } })),
        "$.gpu.minRamPerGpu: must be >= 1",
        "$.gpu.minVcpuCountPerGpu: must be integer",
      );
    });

    void it("wrong types", async () => {
      const errors = await expect422(
        api.post("/v2/pods", gpuPodBody({ disk: "50", env: { A: 1 }, ports: "22/tcp" })),
        "$.disk: must be integer",
        "$.env.A: must be string",
        "$.ports: must be array",
      );
      assert.equal(errors.length, 3, JSON.stringify(errors));
    });

    void it("missing image without templateId, missing name", async () => {
      const body = gpuPodBody();
      delete body.image;
      delete body.name;
      await expect422(api.post("/v2/pods", body), /^\$: missing required property 'image'/, "$: missing required property 'name'");
    });

    void it("enum and minimum violations", async () => {
      await expect422(
        api.post("/v2/pods", gpuPodBody({ cloud: "PRIVATE", gpu: { id: "NVIDIA A40", count: 0 } })),
        '$.cloud: must be one of "SECURE", "COMMUNITY"',
        "$.gpu.count: must be >= 1",
      );
    });

    void it("bad key line in PUT ssh-keys", async () => {
      await expect422(api.put("/v2/account/ssh-keys", { keys: [ED25519, "SHA256:abcdef fingerprint"] }), /^\$\.keys\[1\]: must match pattern /);
      await expect422(api.put("/v2/account/ssh-keys", { keys: [ED25519], extra: true }), "$: unknown property 'extra'");
      await expect422(api.put("/v2/account/ssh-keys", {}), "$: missing required property 'keys'");
    });

    void it("unknown field in PATCH and in the action body", async () => {
      const pod = await api.createPod(gpuPodBody());
      await expect422(api.patch(`/v2/pods/${pod.id}`, { nmae: "typo" }), "$: unknown property 'nmae'");
      await expect422(api.patch(`/v2/pods/${pod.id}`, { startSsh: true }), "$: unknown property 'startSsh'");
      await expect422(api.post(`/v2/pods/${pod.id}/action`, { action: "stop", force: true }), "$: unknown property 'force'");
      await expect422(api.post(`/v2/pods/${pod.id}/action`, { action: "pause" }), /^\$\.action: must be one of "start", "stop", "restart", "terminate"$/);
      await expect422(api.patch(`/v2/pods/${pod.id}`, { mounts: { persistent: { size: 20 } } }), "$.mounts.persistent: missing required property 'path'");
    });

    void it("bad log query parameters", async () => {
      const pod = await api.createPod(gpuPodBody());
      await expect422(api.get(`/v2/pods/${pod.id}/logs?source=stdout`), /^query\.source: must be one of/);
      await expect422(api.get(`/v2/pods/${pod.id}/logs?tail=9000`), "query.tail: must be an integer between 0 and 5000");
    });
  });

  void describe("400 for handler-layer rules", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["both gpu and cpu", { cpu: { id: "cpu3c", vcpuCount: 2 } }, /exactly one of 'gpu' or 'cpu'/],
      ["neither gpu nor cpu", { gpu: undefined }, /exactly one of 'gpu' or 'cpu'/],
      ["persistent and network mounts", { mounts: { persistent: { size: 20, path: "/workspace" }, network: [{ volumeId: "v1", path: "/data" }] } }, /mutually exclusive/],
      ["persistent mount on a CPU pod", { gpu: undefined, cpu: { id: "cpu3c", vcpuCount: 2 }, mounts: { persistent: { size: 20, path: "/workspace" } } }, /not supported on CPU pods/],
      ["allowedCudaVersions with minCudaVersion", { gpu: { id: "NVIDIA A40", count: 1, allowedCudaVersions: ["12.8"], minCudaVersion: "12.4" } }, /mutually exclusive/],
      ["port without protocol", { ports: ["22"] }, /invalid port '22'/],
      ["udp port", { ports: ["53/udp"] }, /UDP ports are not supported/],
      ["port 0", { ports: ["0/tcp"] }, /between 1 and 65535/],
      ["port above 65535", { ports: ["70000/tcp"] }, /between 1 and 65535/],
      ["duplicate port", { ports: ["22/tcp", "22/tcp"] }, /listed more than once/],
      ["eleven http ports", { ports: Array.from({ length: 11 }, (_, i) => `${8000 + i}/http`) }, /at most 10/],
      ["51 env vars", { env: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`V${i}`, "x"])) }, /at most 50/],
      ["vcpuCount not a power of two", { gpu: undefined, cpu: { id: "cpu3c", vcpuCount: 6 } }, /power of two/],
      ["globalNetworking on a CPU pod", { gpu: undefined, cpu: { id: "cpu3c", vcpuCount: 2 }, globalNetworking: true }, /requires a GPU/],
    ];
    for (const [name, overrides, detail] of cases) {
      void it(name, async () => {
        const problem = await expectProblem(api.post("/v2/pods", gpuPodBody(overrides)), 400, "Bad Request");
        assert.match(problem.detail, detail);
      });
    }

    void it("accepts exactly 10 http ports and 50 env vars", async () => {
      const pod = await api.createPod(
        gpuPodBody({
          ports: [...Array.from({ length: 10 }, (_, i) => `${8000 + i}/http`), "22/tcp"],
          env: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`V${i}`, "x"])),
        }),
      );
      assert.equal(pod.ports.length, 11);
    });

    void it("PATCH mount rules", async () => {
      const plain = await api.createPod(gpuPodBody());
      const persistent = await api.createPod(gpuPodBody({ mounts: { persistent: { size: 20, path: "/workspace" } } }));
      const vol123 = (await api.post<{ id: string }>("/v2/network-volumes", { name: "v", size: 10, dataCenter: "EU-RO-1" })).body.id;
      const network = await api.createPod(gpuPodBody({ mounts: { network: [{ volumeId: vol123, path: "/data" }] } }));
      const rules: [string, unknown, RegExp][] = [
        [plain.id, { mounts: { network: [{ volumeId: vol123, path: "/data" }] } }, /cannot be added.*no mount/],
        [plain.id, { mounts: { persistent: { size: 20, path: "/workspace" } } }, /cannot be added/],
        [persistent.id, { mounts: { network: [{ volumeId: vol123, path: "/data" }] } }, /persistent mount/],
        [network.id, { mounts: { network: [] } }, /not allowed/],
        [network.id, { mounts: { network: [{ volumeId: "other", path: "/data" }] } }, /immutable/],
      ];
      for (const [id, body, detail] of rules) {
        const problem = await expectProblem(api.patch(`/v2/pods/${id}`, body), 400, "Bad Request");
        assert.match(problem.detail, detail);
      }
      // Allowed: same kind with a new path, and `{}` (no change).
      const moved = await api.patch<ApiPod>(`/v2/pods/${network.id}`, { mounts: { network: [{ volumeId: vol123, path: "/mnt" }] } });
      assert.equal(moved.status, 200);
      assert.deepEqual(moved.body.mounts, { network: [{ volumeId: vol123, path: "/mnt" }] });
      const unchanged = await api.patch<ApiPod>(`/v2/pods/${persistent.id}`, { mounts: {} });
      assert.deepEqual(unchanged.body.mounts, { persistent: { size: 20, path: "/workspace" } });
    });

    void it("PATCH port rules", async () => {
      const pod = await api.createPod(gpuPodBody());
      const problem = await expectProblem(api.patch(`/v2/pods/${pod.id}`, { ports: ["22/udp"] }), 400, "Bad Request");
      assert.match(problem.detail, /UDP/);
    });

    void it("malformed JSON and an empty body", async () => {
      const malformed = await expectProblem(api.request("POST", "/v2/pods", '{"name": '), 400, "Bad Request");
      assert.match(malformed.detail, /malformed JSON/);
      const empty = await expectProblem(api.request("PUT", "/v2/account/ssh-keys", ""), 400, "Bad Request");
      assert.match(empty.detail, /body is required/);
    });
  });

  void describe("capacity answers", () => {
    const cases: [string, Record<string, unknown>][] = [
      ["gpu without count", { gpu: { id: "NVIDIA GeForce RTX 4090" } }],
      ["unknown GPU id", { gpu: { id: "NVIDIA RTX 9999", count: 1 } }],
      ["unknown data center", { dataCenterIds: ["MARS-1"] }],
      ["unknown CPU flavor", { gpu: undefined, cpu: { id: "cpu9z", vcpuCount: 2 } }],
      ["a CUDA version no machine reports", { gpu: { id: "NVIDIA GeForce RTX 4090", count: 1, allowedCudaVersions: ["10.0"] } }],
      ["more GPUs than a machine has", { gpu: { id: "NVIDIA L4", count: 8 } }],
      ["community cloud for a secure-only GPU", { gpu: { id: "NVIDIA A40", count: 1 }, cloud: "COMMUNITY" }],
      ["more host RAM per GPU than the machines have", { gpu: { id: "NVIDIA GeForce RTX 4090", count: 1, minRamPerGpu: 42 } }],
      ["more vCPUs per GPU than the machines have", { gpu: { id: "NVIDIA GeForce RTX 4090", count: 2, minVcpuCountPerGpu: 7 } }],
    ];
    for (const [name, overrides] of cases) {
      void it(`${name} -> 400 no instances available`, async () => {
        const problem = await expectProblem(api.post("/v2/pods", gpuPodBody(overrides)), 400, "Bad Request");
        assert.equal(problem.detail, NO_INSTANCES_DETAIL);
      });
    }

    void it("places a pod whose placement filters a machine meets, and reports what it was given", async () => {
      const filters = { minRamPerGpu: 41, minVcpuCountPerGpu: 6 };
      const pod = await api.createPod(gpuPodBody({ gpu: { id: "NVIDIA GeForce RTX 4090", count: 2, ...filters } }));
      assert.deepEqual(pod.gpu, { id: "NVIDIA GeForce RTX 4090", count: 2, memory: 82, vcpuCount: 12 });
      const plain = await api.createPod(gpuPodBody({ name: "plain", gpu: { id: "NVIDIA GeForce RTX 4090", count: 1 } }));
      assert.ok(plain.gpu!.memory! >= 1 && plain.gpu!.vcpuCount! >= 1, "every GPU pod reports its host RAM and vCPUs");
    });

    void it("places a pod in a requested known data center", async () => {
      const pod = await api.createPod(gpuPodBody({ dataCenterIds: ["MARS-1", "EU-RO-1"] }));
      const running = await api.waitForPod(pod.id, "RUNNING");
      assert.equal(running.dataCenterId, "EU-RO-1");
    });
  });

  void describe("not found, method not allowed, conflict", () => {
    void it("404 for unknown pods on every pod route", async () => {
      for (const [method, path, body] of [
        ["GET", "/v2/pods/nosuchpod1", undefined],
        ["PATCH", "/v2/pods/nosuchpod1", { name: "x" }],
        ["DELETE", "/v2/pods/nosuchpod1", undefined],
        ["POST", "/v2/pods/nosuchpod1/action", { action: "stop" }],
        ["GET", "/v2/pods/nosuchpod1/logs", undefined],
      ] as const) {
        const problem = await expectProblem(api.request(method, path, body), 404, "Not Found");
        assert.match(problem.detail, /nosuchpod1/);
      }
    });

    void it("404 for unknown paths", async () => {
      await expectProblem(api.get("/v2/clusters"), 404, "Not Found");
      await expectProblem(api.get("/v1/pods"), 404, "Not Found");
    });

    void it("405 with Allow for a wrong method", async () => {
      const reply = api.request("DELETE", "/v2/pods");
      await expectProblem(reply, 405, "Method Not Allowed");
      assert.equal((await reply).headers.get("allow"), "GET, POST");
      const keys = await api.request("POST", "/v2/account/ssh-keys", { keys: [] });
      assert.equal(keys.status, 405);
      assert.equal(keys.headers.get("allow"), "GET, PUT");
    });

    void it("409 for an action not valid in the current status", async () => {
      emulator.faults.nextPods("stuck-provisioning");
      const pod = await api.createPod(gpuPodBody());
      for (const action of ["start", "restart"]) {
        const problem = await expectProblem(api.post(`/v2/pods/${pod.id}/action`, { action }), 409, "Conflict");
        assert.match(problem.detail, /PROVISIONING/);
      }
      const stopped = await api.post<ApiPod>(`/v2/pods/${pod.id}/action`, { action: "stop" });
      assert.equal(stopped.body.status, "EXITED");
      await expectProblem(api.post(`/v2/pods/${pod.id}/action`, { action: "stop" }), 409, "Conflict");
      await expectProblem(api.post(`/v2/pods/${pod.id}/action`, { action: "restart" }), 409, "Conflict");
    });
  });

  void describe("templates", () => {
    void it("404 for an unknown templateId and 422 for a serverless template", async () => {
      const unknown = await expectProblem(api.post("/v2/pods", { name: "t", templateId: "nope", gpu: { id: "NVIDIA A40", count: 1 } }), 404, "Not Found");
      assert.match(unknown.detail, /template 'nope'/);
      await expect422(api.post("/v2/pods", { name: "t", templateId: "serverless-worker", gpu: { id: "NVIDIA A40", count: 1 } }), /serverless/);
    });

    void it("applies a template: body fields override, env merged per key with body winning", async () => {
      const pod = await api.createPod({
        name: "templated",
        templateId: "runpod-ubuntu",
        gpu: { id: "NVIDIA A40", count: 1 },
        disk: 30,
        env: { TZ: "Europe/Paris", EXTRA: "1" },
      });
      assert.equal(pod.image, "runpod/base:1.0.2-ubuntu2404");
      assert.deepEqual(pod.ports, ["22/tcp"]);
      assert.equal(pod.disk, 30);
      assert.deepEqual(pod.env, { TZ: "Europe/Paris", EXTRA: "1" });
      assert.equal(pod.template, null);
    });

    void it("CPU pods do not inherit a template's persistent mount", async () => {
      const gpuPod = await api.createPod({ name: "g", templateId: "runpod-torch-v240", gpu: { id: "NVIDIA A40", count: 1 } });
      assert.deepEqual(gpuPod.mounts, { persistent: { size: 20, path: "/workspace" } });
      assert.ok(gpuPod.env.JUPYTER_PASSWORD, "startJupyter from the template injects JUPYTER_PASSWORD");
      const cpuPod = await api.createPod({ name: "c", templateId: "runpod-torch-v240", cpu: { id: "cpu3c", vcpuCount: 4 } });
      assert.deepEqual(cpuPod.mounts, {});
      assert.deepEqual(cpuPod.cpu, { id: "cpu3c", vcpuCount: 4, memory: 8 });
    });
  });

  void describe("account ssh keys", () => {
    void it("PUT replaces the whole set and GET returns it", async () => {
      const second = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB second@example.com";
      const put = await api.put<{ keys: string[] }>("/v2/account/ssh-keys", { keys: [ED25519, second] });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body, { keys: [ED25519, second] });
      await api.put("/v2/account/ssh-keys", { keys: [second] });
      assert.deepEqual((await api.get<{ keys: string[] }>("/v2/account/ssh-keys")).body, { keys: [second] });
      assert.deepEqual(emulator.accountKeys(), [second]);
      await api.put("/v2/account/ssh-keys", { keys: [] });
      assert.deepEqual((await api.get<{ keys: string[] }>("/v2/account/ssh-keys")).body, { keys: [] });
    });

    void it("400 naming the limit when the set is too large; at the limit it is accepted", async () => {
      // keySetLimit is 300 in this emulator.
      const filler = (length: number): string => `ssh-ed25519 ${"A".repeat(length - 12)}`;
      const atLimit = [filler(150), filler(150)];
      assert.equal((await api.put("/v2/account/ssh-keys", { keys: atLimit })).status, 200);
      const problem = await expectProblem(api.put("/v2/account/ssh-keys", { keys: [...atLimit, filler(20)] }), 400, "Bad Request");
      assert.match(problem.detail, /limit of 300 characters/);
      assert.deepEqual(emulator.accountKeys(), atLimit, "a rejected PUT must not change the set");
    });
  });
});
