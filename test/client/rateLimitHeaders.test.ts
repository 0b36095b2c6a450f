import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseRateLimit,
  parseRateLimitPolicy,
  parseRetryAfter,
  rateLimitWaitSeconds,
} from "../../sdk/runpod/rateLimitHeaders";

test("parses the spec's RateLimit example into one state per window", () => {
  assert.deepEqual(parseRateLimit('"minute";r=0;t=12, "hour";r=2800;t=1812, "day";r=49500;t=45012'), [
    { name: "minute", remaining: 0, resetSeconds: 12 },
    { name: "hour", remaining: 2800, resetSeconds: 1812 },
    { name: "day", remaining: 49500, resetSeconds: 45012 },
  ]);
});

test("parses the spec's RateLimit-Policy example", () => {
  assert.deepEqual(parseRateLimitPolicy('"minute";q=60;w=60, "hour";q=3000;w=3600, "day";q=50000;w=86400'), [
    { name: "minute", quota: 60, windowSeconds: 60 },
    { name: "hour", quota: 3000, windowSeconds: 3600 },
    { name: "day", quota: 50000, windowSeconds: 86400 },
  ]);
});

test("tolerates tokens, spacing and members it cannot read", () => {
  assert.deepEqual(parseRateLimit('minute ; r=3 ; t=4,  "broken", "hour";r=x;t=2, ,"day";r=1;t=9'), [
    { name: "minute", remaining: 3, resetSeconds: 4 },
    { name: "day", remaining: 1, resetSeconds: 9 },
  ]);
  assert.deepEqual(parseRateLimit(undefined), []);
  assert.deepEqual(parseRateLimitPolicy(""), []);
});

test("Retry-After accepts seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter("12"), 12);
  const now = Date.parse("2026-11-24T10:00:00Z");
  assert.equal(parseRetryAfter("Tue, 24 Nov 2026 10:00:30 GMT", now), 30);
  assert.equal(parseRetryAfter("soon"), undefined);
});

test("after a 429 the wait is the longest reset among exhausted windows when it beats Retry-After", () => {
  assert.equal(rateLimitWaitSeconds("2", '"minute";r=0;t=2, "hour";r=0;t=40, "day";r=9;t=900'), 40);
  assert.equal(rateLimitWaitSeconds("5", '"minute";r=0;t=2'), 5);
  assert.equal(rateLimitWaitSeconds(undefined, '"minute";r=0;t=7'), 7);
  assert.equal(rateLimitWaitSeconds(undefined, undefined), undefined);
});
