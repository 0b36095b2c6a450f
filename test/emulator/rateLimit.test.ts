/**
 * Rate limiting: the limiter's arithmetic on a fake clock, and the HTTP behaviour
 * (headers on every authenticated response, 429 with Retry-After, recovery).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startEmulator } from "../../emulator";
import { RateLimiter } from "../../emulator/rateLimit";
import { Api, gpuPodBody, sleep, waitFor } from "../helpers/emulator";

/** Parse `"minute";r=59;t=60, ...` into {minute: {r, t}}. */
function parseRateLimit(header: string | null): Record<string, Record<string, number>> {
  assert.ok(header, "RateLimit header missing");
  const result: Record<string, Record<string, number>> = {};
  for (const member of header.split(", ")) {
    const [name, ...params] = member.split(";");
    const match = /^"(.*)"$/.exec(name ?? "");
    assert.ok(match, `bad member ${member}`);
    result[match[1]] = Object.fromEntries(params.map((param) => param.split("=")).map(([k, v]) => [k, Number(v)]));
  }
  return result;
}

void describe("RateLimiter (fake clock)", () => {
  void it("counts down, rejects past the quota without consuming, and resets with the window", () => {
    let now = 1_000_000;
    const limiter = new RateLimiter([{ name: "minute", quota: 2, windowSeconds: 60 }], () => now);
    const first = limiter.take();
    assert.equal(first.headers.RateLimit, '"minute";r=1;t=60');
    assert.equal(first.headers["RateLimit-Policy"], '"minute";q=2;w=60');
    now += 10_500;
    assert.equal(limiter.take().headers.RateLimit, '"minute";r=0;t=50');
    for (let i = 0; i < 3; i++) {
      const rejected = limiter.take();
      assert.equal(rejected.allowed, false);
      if (!rejected.allowed) assert.equal(rejected.retryAfterSeconds, 50);
    }
    now = 1_000_000 + 60_000;
    const renewed = limiter.take();
    assert.equal(renewed.allowed, true, "rejected requests did not consume the next window");
    assert.equal(renewed.headers.RateLimit, '"minute";r=1;t=60');
  });

  void it("Retry-After is the longest reset among exhausted windows", () => {
    let now = 0;
    const limiter = new RateLimiter(
      [
        { name: "minute", quota: 2, windowSeconds: 60 },
        { name: "hour", quota: 2, windowSeconds: 3600 },
        { name: "day", quota: 100, windowSeconds: 86400 },
      ],
      () => now,
    );
    limiter.take();
    limiter.take();
    now = 30_000;
    const decision = limiter.take();
    assert.equal(decision.allowed, false);
    if (decision.allowed) return;
    assert.deepEqual(decision.exceeded, ["minute", "hour"]);
    assert.equal(decision.retryAfterSeconds, 3570);
    assert.equal(decision.headers.RateLimit, '"minute";r=0;t=30, "hour";r=0;t=3570, "day";r=98;t=86370');
  });

  void it("rejects invalid windows", () => {
    assert.throws(() => new RateLimiter([{ name: "m", quota: 0, windowSeconds: 1 }]), /quota/);
    assert.throws(() => new RateLimiter([{ name: "m", quota: 1, windowSeconds: 0.5 }]), /windowSeconds/);
    assert.throws(() => new RateLimiter([]), /at least one/);
  });
});

void describe("rate limiting over HTTP", () => {
  void it("sends the default policy and a decreasing remaining count on every authenticated response", async () => {
    const emulator = await startEmulator({ port: 0, sshd: false });
    try {
      const api = Api.for(emulator);
      const remaining: number[] = [];
      for (const reply of [
        await api.get("/v2/pods"),
        await api.get("/v2/account/ssh-keys"),
        await api.post("/v2/pods", { bogus: true }),
        await api.get("/v2/pods/nosuchpod1"),
      ]) {
        assert.equal(reply.headers.get("ratelimit-policy"), '"minute";q=60;w=60, "hour";q=3000;w=3600, "day";q=50000;w=86400');
        const state = parseRateLimit(reply.headers.get("ratelimit"));
        assert.deepEqual(Object.keys(state), ["minute", "hour", "day"]);
        assert.ok((state.minute?.t ?? 0) >= 1 && (state.minute?.t ?? 99) <= 60);
        remaining.push(state.minute?.r ?? -1);
      }
      assert.deepEqual(remaining, [59, 58, 57, 56]);
      const unauthorized = await new Api(emulator.url, "wrong").get("/v2/pods");
      assert.equal(unauthorized.status, 401);
      assert.equal(unauthorized.headers.get("ratelimit"), null, "401 carries no rate-limit headers");
      const next = parseRateLimit((await api.get("/v2/pods")).headers.get("ratelimit"));
      assert.equal(next.minute?.r, 55, "a 401 does not consume quota");
    } finally {
      await emulator.stop();
    }
  });

  void it("answers 429 with Retry-After past a tiny quota and recovers after the window", async () => {
    const emulator = await startEmulator({ port: 0, sshd: false, rateLimit: [{ name: "burst", quota: 3, windowSeconds: 1 }] });
    try {
      const api = Api.for(emulator);
      const started = Date.now();
      for (let i = 0; i < 3; i++) assert.equal((await api.get("/v2/pods")).status, 200);
      const limited = await api.post<{ title: string; status: number; detail: string }>("/v2/pods", gpuPodBody());
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("content-type"), "application/problem+json");
      assert.deepEqual(limited.body, { title: "Too Many Requests", status: 429, detail: "rate limit exceeded for the burst window" });
      assert.equal(limited.headers.get("retry-after"), "1");
      assert.equal(parseRateLimit(limited.headers.get("ratelimit")).burst?.r, 0);
      assert.equal(emulator.pods().length, 0, "a rate-limited create creates nothing");
      assert.equal((await api.get("/v2/pods")).status, 429);
      // Admin routes are never limited.
      assert.equal((await api.get("/_emulator/state")).status, 200);

      await sleep(Math.max(0, started + 900 - Date.now()));
      // Poll: rejected requests do not consume, so the first 200 opens a fresh window.
      await waitFor("the window to reset", async () => (await api.get("/v2/pods")).status === 200, 3000, 25);
      assert.ok(Date.now() - started >= 950, "the quota must not recover before the window ends");
      for (let i = 0; i < 2; i++) assert.equal((await api.get("/v2/pods")).status, 200, `request ${i + 2} after the window`);
      assert.equal((await api.get("/v2/pods")).status, 429);
    } finally {
      await emulator.stop();
    }
  });

  void it("rateLimit: false never limits and sends no headers", async () => {
    const emulator = await startEmulator({ port: 0, sshd: false, rateLimit: false });
    try {
      const api = Api.for(emulator);
      for (let i = 0; i < 70; i++) {
        const reply = await api.get("/v2/account/ssh-keys");
        assert.equal(reply.status, 200);
        assert.equal(reply.headers.get("ratelimit"), null);
      }
    } finally {
      await emulator.stop();
    }
  });
});
