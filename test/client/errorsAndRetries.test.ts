/**
 * Error classes and retry rules, against a scripted server so every status and header is exact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_RETRY_POLICY,
  RunpodApiError,
  RunpodClient,
  RunpodConflictError,
  RunpodForbiddenError,
  RunpodInsufficientBalanceError,
  RunpodNotFoundError,
  RunpodRateLimitedError,
  RunpodRejectedError,
  RunpodResponseError,
  RunpodTransientError,
  RunpodUnauthorizedError,
  RunpodValidationError,
  type ClientEvent,
} from "../../sdk/runpod";
import { problem, startStubServer, type StubReply } from "./stubServer";

const KEY = "rpa_TESTKEY_abcdef0123456789";

async function withStub(
  reply: (i: number) => StubReply,
  fn: (client: RunpodClient, requests: () => number, events: ClientEvent[]) => Promise<void>,
): Promise<void> {
  const stub = await startStubServer((i) => reply(i));
  const events: ClientEvent[] = [];
  try {
    const client = new RunpodClient({
      apiUrl: stub.url,
      apiKey: KEY,
      rateLimiter: false,
      retry: { baseDelayMs: 20, maxDelayMs: 80 },
      onEvent: (e) => events.push(e),
    });
    await fn(client, () => stub.requests.length, events);
  } finally {
    await stub.close();
  }
}

const cases: Array<[number, string, new (...args: never[]) => RunpodApiError, string]> = [
  [400, "Bad Request", RunpodRejectedError, "rejected"],
  [401, "Unauthorized", RunpodUnauthorizedError, "unauthorized"],
  [402, "Payment Required", RunpodInsufficientBalanceError, "insufficient-balance"],
  [403, "Forbidden", RunpodForbiddenError, "forbidden"],
  [404, "Not Found", RunpodNotFoundError, "not-found"],
  [409, "Conflict", RunpodConflictError, "conflict"],
  [422, "Unprocessable Entity", RunpodValidationError, "validation"],
];

for (const [status, title, cls, kind] of cases) {
  test(`${status} becomes ${cls.name}, names the call and the API's detail, never retried`, async () => {
    await withStub(
      () => problem(status, title, `detail for ${status}`, status === 422 ? ["$: unknown property 'bogus'"] : undefined),
      async (client, requests) => {
        await assert.rejects(client.getPod("abc123"), (e: unknown) => {
          assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
          assert.equal((e).kind, kind);
          assert.equal((e).status, status);
          assert.match((e as Error).message, /GET \/v2\/pods\/abc123/);
          assert.match((e as Error).message, new RegExp(`detail for ${status}`));
          assert.ok(!(e as Error).message.includes(KEY));
          if (status === 422) assert.deepEqual((e).errors, ["$: unknown property 'bogus'"]);
          return true;
        });
        assert.equal(requests(), 1, "must not retry");
      },
    );
  });
}

test("a 422 on create is not retried and lists each violation in the message", async () => {
  await withStub(
    () => problem(422, "Unprocessable Entity", "Request validation failed.", ["$.gpu: missing required property 'id'", "$: unknown property 'x'"]),
    async (client, requests) => {
      await assert.rejects(client.createPod({ name: "p", image: "i" }), (e: unknown) => {
        assert.ok(e instanceof RunpodValidationError);
        assert.match(e.message, /POST \/v2\/pods/);
        assert.match(e.message, /\$\.gpu: missing required property 'id'/);
        assert.match(e.message, /unknown property 'x'/);
        return true;
      });
      assert.equal(requests(), 1);
    },
  );
});

test("the no-capacity 400 is recognisable as such", async () => {
  await withStub(
    () => problem(400, "Bad Request", "There are no longer any instances available with the requested specifications. Please refresh and try again."),
    async (client) => {
      await assert.rejects(client.createPod({ name: "p", image: "i" }), (e: unknown) => {
        assert.ok(e instanceof RunpodRejectedError);
        assert.equal(e.looksLikeNoCapacity, true);
        return true;
      });
    },
  );
});

test("5xx on a repeatable call is retried with backoff until it succeeds", async () => {
  await withStub(
    (i) => (i < 2 ? problem(503, "Service Unavailable", "upstream busy") : { status: 200, body: { keys: ["ssh-ed25519 AAAA x"] } }),
    async (client, requests, events) => {
      assert.deepEqual(await client.getSshKeys(), ["ssh-ed25519 AAAA x"]);
      assert.equal(requests(), 3);
      assert.deepEqual(events.map((e) => [e.reason, e.attempt]), [["transient", 1], ["transient", 2]]);
      assert.ok(events.every((e) => e.delayMs >= 10), "backoff waits");
    },
  );
});

test("5xx retries are bounded and end in a transient error that says how many attempts were made", async () => {
  await withStub(
    () => problem(500, "Internal Server Error", "boom"),
    async (client, requests) => {
      await assert.rejects(client.listPods(), (e: unknown) => {
        assert.ok(e instanceof RunpodTransientError);
        assert.match(e.message, /after 5 attempts/);
        return true;
      });
      assert.equal(requests(), 5);
    },
  );
});

test("a create that answers 5xx is not retried and is flagged as possibly committed", async () => {
  await withStub(
    () => problem(500, "Internal Server Error", "boom"),
    async (client, requests) => {
      await assert.rejects(client.createPod({ name: "p", image: "i" }), (e: unknown) => {
        assert.ok(e instanceof RunpodTransientError);
        assert.equal(e.maybeCommitted, true);
        return true;
      });
      assert.equal(requests(), 1);
    },
  );
});

test("network failures are transient: retried for repeatable calls, and name the call", async () => {
  await withStub(
    (i) => (i === 0 ? { status: 0, destroy: true } : { status: 200, body: { pods: [] } }),
    async (client, requests) => {
      assert.deepEqual(await client.listPods(), []);
      assert.equal(requests(), 2);
    },
  );
  const client = new RunpodClient({ apiUrl: "http://127.0.0.1:1", apiKey: KEY, rateLimiter: false, retry: { maxTransientRetries: 1, baseDelayMs: 5 } });
  await assert.rejects(client.getPod("p1"), (e: unknown) => {
    assert.ok(e instanceof RunpodTransientError);
    assert.match(e.message, /GET \/v2\/pods\/p1 failed \(no response\)/);
    assert.match(e.message, /ECONNREFUSED/);
    assert.equal(e.maybeCommitted, false);
    return true;
  });
});

test("a request timeout is a transient error and, for a create, possibly committed", async () => {
  await withStub(
    () => ({ status: 201, body: { id: "late", name: "p", status: "PROVISIONING" }, delayMs: 400 }),
    async (stubClient, requests) => {
      const client = new RunpodClient({ apiUrl: stubClient.apiUrl, apiKey: KEY, rateLimiter: false, timeoutMs: 100 });
      await assert.rejects(client.createPod({ name: "p", image: "i" }), (e: unknown) => {
        assert.ok(e instanceof RunpodTransientError);
        assert.match(e.message, /no answer within the request timeout/);
        assert.equal(e.maybeCommitted, true);
        return true;
      });
      assert.equal(requests(), 1);
    },
  );
});

test("429 waits Retry-After before retrying", async () => {
  await withStub(
    (i) =>
      i === 0
        ? { ...problem(429, "Too Many Requests", "rate limit exceeded for the minute window"), headers: { "Retry-After": "1" } }
        : { status: 200, body: { pods: [] } },
    async (client, requests, events) => {
      const t0 = Date.now();
      await client.listPods();
      const waited = Date.now() - t0;
      assert.equal(requests(), 2);
      assert.ok(waited >= 950, `waited only ${waited} ms`);
      assert.equal(events[0].reason, "rate-limited");
      assert.equal(events[0].delayMs, 1000);
    },
  );
});

test("429 with several exhausted windows waits for the longest one", async () => {
  await withStub(
    (i) =>
      i === 0
        ? {
            ...problem(429, "Too Many Requests", "rate limit exceeded for the hour window"),
            headers: { "Retry-After": "1", RateLimit: '"minute";r=0;t=1, "hour";r=0;t=2, "day";r=100;t=50' },
          }
        : { status: 200, body: { keys: [] } },
    async (client, requests, events) => {
      const t0 = Date.now();
      await client.getSshKeys();
      assert.ok(Date.now() - t0 >= 1950, "must wait the 2 s of the hour window");
      assert.equal(events[0].delayMs, 2000);
      assert.equal(requests(), 2);
    },
  );
});

test("a create refused with 429 is retried (it was never processed)", async () => {
  await withStub(
    (i) =>
      i === 0
        ? { ...problem(429, "Too Many Requests", "slow down"), headers: { "Retry-After": "0" } }
        : { status: 201, body: { id: "abc", name: "p", status: "PROVISIONING", ssh: { proxy: null, direct: null }, runtime: null } },
    async (client, requests) => {
      const pod = await client.createPod({ name: "p", image: "i" });
      assert.equal(pod.id, "abc");
      assert.equal(pod.ssh?.direct, null);
      assert.equal(requests(), 2);
    },
  );
});

test("429 retries are bounded and end in RunpodRateLimitedError", async () => {
  await withStub(
    () => ({ ...problem(429, "Too Many Requests", "rate limit exceeded"), headers: { "Retry-After": "0" } }),
    async (client, requests) => {
      await assert.rejects(client.listPods(), RunpodRateLimitedError);
      assert.equal(requests(), DEFAULT_RETRY_POLICY.maxRateLimitRetries + 1);
    },
  );
});

test("a 2xx body that breaks the schema is a clear bad-response error", async () => {
  await withStub(
    () => ({ status: 200, body: { pods: [{ id: "x", name: "n" }] } }),
    async (client) => {
      await assert.rejects(client.listPods(), (e: unknown) => {
        assert.ok(e instanceof RunpodResponseError);
        assert.match(e.message, /pods\.0\.status/);
        return true;
      });
    },
  );
});

test("unknown response fields are tolerated and nulls modelled", async () => {
  await withStub(
    () => ({
      status: 200,
      body: {
        id: "p1", name: "n", status: "RUNNING", brandNewField: { x: 1 }, runtime: null,
        ssh: { proxy: null, direct: null }, dataCenterId: null, env: { A: "1" },
      },
    }),
    async (client) => {
      const pod = await client.getPod("p1");
      assert.equal(pod.runtime, null);
      assert.equal(pod.ssh?.proxy, null);
      assert.equal(pod.dataCenterId, null);
      assert.ok(!("brandNewField" in pod));
    },
  );
});

test("the API key never appears in an error message, even when the server echoes it", async () => {
  await withStub(
    () => problem(401, "Unauthorized", `invalid bearer token ${KEY}`),
    async (client) => {
      await assert.rejects(client.getSshKeys(), (e: unknown) => {
        assert.ok(e instanceof RunpodUnauthorizedError);
        assert.ok(!e.message.includes(KEY));
        assert.ok(!(e.detail ?? "").includes(KEY));
        assert.match(e.message, /\[REDACTED\]/);
        assert.ok(!JSON.stringify(e).includes(KEY));
        return true;
      });
    },
  );
});

test("logs: a 429 is waited out and retried, then the SSE backfill is read", async () => {
  const sse =
    'id: 2026-06-01T12:02:03Z/000000000001\ndata: {"ts":"2026-06-01T12:02:03Z","source":"container","line":"Model loaded."}\n\n' +
    'id: 2026-06-01T12:02:04Z/000000000002\ndata: {"ts":"2026-06-01T12:02:04Z","source":"system","line":"ready"}\n\n';
  await withStub(
    (i): StubReply =>
      i === 0
        ? { ...problem(429, "Too Many Requests", "slow down"), headers: { "Retry-After": "0" } }
        : { status: 200, headers: { "Content-Type": "text/event-stream" }, body: sse },
    async (client, requests) => {
      const lines = await client.getPodLogs("p1", { tail: 10, idleMs: 100, maxMs: 1000 });
      assert.deepEqual(lines.map((l) => [l.source, l.line]), [["container", "Model loaded."], ["system", "ready"]]);
      assert.equal(requests(), 2);
    },
  );
});
