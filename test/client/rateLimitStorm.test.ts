/**
 * A storm of 429s with a short Retry-After: the client rides it out up to its time budget
 * (`maxRateLimitWaitMs`), not only a handful of attempts (a `pulumi up` failed during a 10 s storm with 8).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startEmulator } from "../../emulator";
import { RunpodClient } from "../../sdk/runpod";

test("20 answers of 429 in a row (Retry-After: 0), then the API answers: the call succeeds", async () => {
  const emulator = await startEmulator({ port: 0, sshd: false, rateLimit: false });
  try {
    const client = new RunpodClient({ apiUrl: emulator.url, apiKey: emulator.apiKey, rateLimiter: false });
    emulator.faults.failNextRequests({ answer: 429, count: 20, retryAfterSeconds: 0 });
    assert.deepEqual(await client.getSshKeys(), []);
    assert.equal(emulator.requests.filter((r) => r.status === 429).length, 20);
  } finally {
    await emulator.stop();
  }
});
