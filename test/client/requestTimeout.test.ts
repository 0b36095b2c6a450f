/**
 * The request timeout: the `timeoutMs` option, else `RUNPOD_SSH_REQUEST_TIMEOUT_MS`, else 30 s; an answer slower
 * than it counts as no answer (a repeatable call is sent again).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startEmulator } from "../../emulator";
import { DEFAULT_REQUEST_TIMEOUT_MS, RunpodClient, requestTimeoutMs } from "../../sdk/runpod";

test("requestTimeoutMs: option first, then a positive integer in the environment, else 30000", () => {
  assert.equal(requestTimeoutMs(500, { RUNPOD_SSH_REQUEST_TIMEOUT_MS: "200" }), 500);
  assert.equal(requestTimeoutMs(undefined, { RUNPOD_SSH_REQUEST_TIMEOUT_MS: "200" }), 200);
  for (const bad of [undefined, "", "0", "-5", "1.5", "soon"]) {
    assert.equal(requestTimeoutMs(undefined, { RUNPOD_SSH_REQUEST_TIMEOUT_MS: bad }), DEFAULT_REQUEST_TIMEOUT_MS, String(bad));
  }
});

test("RUNPOD_SSH_REQUEST_TIMEOUT_MS: a GET answered later than it is sent again and succeeds", async () => {
  const emulator = await startEmulator({ port: 0, sshd: false, rateLimit: false });
  const saved = process.env.RUNPOD_SSH_REQUEST_TIMEOUT_MS;
  process.env.RUNPOD_SSH_REQUEST_TIMEOUT_MS = "300";
  try {
    const client = new RunpodClient({ apiUrl: emulator.url, apiKey: emulator.apiKey, rateLimiter: false, retry: { baseDelayMs: 10 } });
    emulator.faults.slowResponses(2000, 1);
    const t0 = Date.now();
    assert.deepEqual(await client.listPods(), []);
    assert.ok(Date.now() - t0 < 1900, `gave up on the slow answer after the 300 ms timeout (${Date.now() - t0} ms)`);
    assert.equal(emulator.requests.filter((r) => r.path === "/v2/pods").length, 2, "sent twice");
  } finally {
    if (saved === undefined) delete process.env.RUNPOD_SSH_REQUEST_TIMEOUT_MS;
    else process.env.RUNPOD_SSH_REQUEST_TIMEOUT_MS = saved;
    await emulator.stop();
  }
});
