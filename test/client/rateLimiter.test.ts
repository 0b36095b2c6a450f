/**
 * The shared client-side limiter keeps concurrent callers under the account's quota instead of running into
 * 429s. The quota is enforced here by a small fixed-window server (the emulator's own quota is exercised in
 * the emulator-backed client tests).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AccountRateLimiter, RunpodClient, keyFingerprint, rateLimiterFor } from "../../sdk/runpod";
import { problem, startStubServer, type StubReply, type StubServer } from "./stubServer";

const KEY = "rpa_limiter_test_key_000";

/** A server with one fixed window of `quota` requests per `windowSeconds`. */
async function quotaServer(quota: number, windowSeconds: number): Promise<StubServer & { rejected: () => number }> {
  let windowStart = 0;
  let used = 0;
  let rejected = 0;
  const stub = await startStubServer((): StubReply => {
    const now = Date.now();
    if (windowStart === 0 || now - windowStart >= windowSeconds * 1000) {
      windowStart = now;
      used = 0;
    }
    const t = Math.max(0, Math.ceil((windowStart + windowSeconds * 1000 - now) / 1000));
    const policy = `"minute";q=${quota};w=${windowSeconds}`;
    if (used >= quota) {
      rejected++;
      return {
        ...problem(429, "Too Many Requests", "rate limit exceeded for the minute window"),
        headers: { "Retry-After": String(t), RateLimit: `"minute";r=0;t=${t}`, "RateLimit-Policy": policy },
      };
    }
    used++;
    return {
      status: 200,
      body: { pods: [] },
      headers: { RateLimit: `"minute";r=${quota - used};t=${t}`, "RateLimit-Policy": policy },
    };
  });
  return Object.assign(stub, { rejected: () => rejected });
}

test("N concurrent callers sharing the limiter stay under a small quota: no 429 at all", async () => {
  const server = await quotaServer(5, 2);
  try {
    const limiter = new AccountRateLimiter();
    const clients = Array.from({ length: 3 }, () => new RunpodClient({ apiUrl: server.url, apiKey: KEY, rateLimiter: limiter }));
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => clients[i % 3].listPods()));
    const elapsed = Date.now() - t0;
    assert.equal(results.length, 14);
    assert.equal(server.rejected(), 0, "the limiter must hold requests back instead of collecting 429s");
    assert.equal(server.requests.length, 14, "no retries were needed");
    assert.ok(elapsed >= 3500, `14 requests at 5 per 2 s need at least two window resets, took ${elapsed} ms`);
  } finally {
    await server.close();
  }
});

test("the same burst without the limiter runs into 429s (the test above can fail)", async () => {
  const server = await quotaServer(5, 2);
  try {
    const client = new RunpodClient({ apiUrl: server.url, apiKey: KEY, rateLimiter: false });
    await Promise.all(Array.from({ length: 14 }, () => client.listPods()));
    assert.ok(server.rejected() > 0);
  } finally {
    await server.close();
  }
});

test("clients of one account share one limiter per process; other accounts get their own", () => {
  const a = new RunpodClient({ apiUrl: "http://127.0.0.1:5", apiKey: KEY });
  const b = new RunpodClient({ apiUrl: "http://127.0.0.1:5", apiKey: KEY });
  const c = new RunpodClient({ apiUrl: "http://127.0.0.1:5", apiKey: KEY + "-other" });
  assert.ok(a.rateLimiter);
  assert.equal(a.rateLimiter, b.rateLimiter);
  assert.notEqual(a.rateLimiter, c.rateLimiter);
  assert.equal(rateLimiterFor("http://127.0.0.1:5", KEY), a.rateLimiter);
  assert.ok(!keyFingerprint(KEY).includes(KEY.slice(4, 12)));
});

test("before the policy is known only one request is in flight; after it, the quota is used", async () => {
  const limiter = new AccountRateLimiter();
  const first = await limiter.acquire();
  let secondGranted = false;
  const second = limiter.acquire().then((release) => {
    secondGranted = true;
    return release;
  });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(secondGranted, false, "second waits for the first answer");
  limiter.observe([{ name: "minute", quota: 10, windowSeconds: 60 }], [{ name: "minute", remaining: 9, resetSeconds: 60 }]);
  first();
  (await second)();
  assert.equal(secondGranted, true);
  assert.equal(limiter.snapshot().windows[0].remaining, 8);
});

test("background requests leave a reserve of the window for foreground ones", async () => {
  const limiter = new AccountRateLimiter({ backgroundReserve: 0.2 });
  limiter.observe([{ name: "minute", quota: 10, windowSeconds: 60 }], [{ name: "minute", remaining: 10, resetSeconds: 60 }]);
  const granted: string[] = [];
  for (let i = 0; i < 8; i++) (await limiter.acquire("background"))();
  const bg = limiter.acquire("background").then((r) => {
    granted.push("background");
    r();
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(granted, [], "background stops with 2 of 10 left");
  (await limiter.acquire("foreground"))();
  (await limiter.acquire("foreground"))();
  assert.equal(limiter.snapshot().windows[0].remaining, 0);
  assert.equal(limiter.snapshot().waiting, 1);
  void bg;
});

test("after a 429 every caller is paused until the announced time", async () => {
  const limiter = new AccountRateLimiter();
  limiter.observe([{ name: "minute", quota: 100, windowSeconds: 60 }], [{ name: "minute", remaining: 50, resetSeconds: 60 }]);
  limiter.pauseUntil(Date.now() + 300);
  const t0 = Date.now();
  (await limiter.acquire())();
  assert.ok(Date.now() - t0 >= 280, "waited out the pause");
  assert.ok(Date.now() - t0 < 5000, `and only the pause, not the minute window the server reported half full (${Date.now() - t0} ms)`);
});

test("an older answer arriving late does not undo a newer count", () => {
  const limiter = new AccountRateLimiter();
  limiter.observe([{ name: "minute", quota: 10, windowSeconds: 60 }], [{ name: "minute", remaining: 3, resetSeconds: 50 }]);
  limiter.observe([], [{ name: "minute", remaining: 7, resetSeconds: 51 }]);
  assert.equal(limiter.snapshot().windows[0].remaining, 3);
});
