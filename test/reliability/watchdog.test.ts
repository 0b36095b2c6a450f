/**
 * The watchdog when things go wrong, against the emulator running it for real at a scaled clock (x60):
 * - the API is unreachable when the deadline comes: it retries (every attempt logged with the reason, never a
 *   silent no-op) and stops the pod once the API answers again;
 * - the container's clock is an hour ahead or behind: it counts on the API's clock (the `Date` header), so the
 *   pod neither stops at once nor lives an hour too long;
 * - the pod's container restarts mid-countdown: the new watchdog continues from the pod's start (in its env), so
 *   the restart does not extend the lifetime.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
process.env.RUNPOD_SSH_PROGRESS_EVERY_MS = "60000";
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api, waitFor } from "../helpers/emulator";
import { hostProvider } from "../providers/dynamicHost";
import { addProgressSink } from "../../sdk/providers/progress";
import { RunpodClient } from "../../sdk/runpod/client";

const SCALE = 60;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wd-reliability-"));
execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "wd", "-f", path.join(dir, "id")]);
const publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
addProgressSink(() => undefined);
const emulators: RunpodEmulator[] = [];
after(async () => {
  await Promise.all(emulators.map((e) => e.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** An emulator and a pod with `extra` inputs created through the serialized provider; `t0` is just before create. */
async function podWith(extra: Record<string, unknown>, clockSkewSeconds = 0) {
  const emulator = await startEmulator({
    rateLimit: false,
    timings: { provisioningMs: 60, startingMs: 60, sshdStartMs: 100 },
    watchdogTimeScale: SCALE,
    watchdogClockSkewSeconds: clockSkewSeconds,
  });
  emulators.push(emulator);
  const hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  n++;
  const raw = {
    name: `wdr-${n}`,
    ownerTag: `urn:pulumi:test::proj::pod::wdr${n}`,
    image: "runpod/base:1.0.0",
    gpu: { id: "NVIDIA GeForce RTX 4090" },
    sshPublicKeys: [publicKey],
    ...extra,
  };
  const checked = await hosted.provider.check({}, raw);
  assert.deepEqual(checked.failures ?? [], []);
  const t0 = Date.now();
  const created = await hosted.provider.create(checked.inputs);
  const live = () => emulator.pods().find((p) => p.id === created.id);
  const log = async (): Promise<string[]> =>
    (await new RunpodClient({ apiKey: emulator.apiKey, apiUrl: emulator.url }).getPodLogs(created.id, { tail: 300, idleMs: 200, maxMs: 1500 }))
      .map((l) => l.line)
      .filter((l) => l.startsWith("[pulumi-runpod-ssh watchdog]"));
  return { emulator, id: created.id, t0, live, log };
}

async function stoppedAfter(pod: { id: string; t0: number; live: () => { status: string } | undefined }, timeoutMs = 25_000): Promise<number> {
  await waitFor(`pod ${pod.id} to stop`, () => (pod.live()?.status === "EXITED" ? true : undefined), timeoutMs);
  return (Date.now() - pod.t0) / 1000;
}

test("API unreachable at the deadline: the watchdog retries, logging each attempt, and stops the pod once the API answers", async () => {
  const pod = await podWith({ maxLifetime: "3m" });
  pod.emulator.watchdogs.setApiDown(9000);
  const downUntil = Date.now() + 9000;
  await new Promise((r) => setTimeout(r, 7000));
  assert.equal(pod.live()?.status, "RUNNING", "no stop got through while the API was down");
  const took = await stoppedAfter(pod);
  assert.ok(Date.now() >= downUntil, "stopped only after the API came back");
  assert.ok(took < 15, `stopped within a few retries of the API's return (${took} s)`);
  const lines = await pod.log();
  assert.ok(lines.some((l) => l.includes("expired: reason=maxLifetime")), lines.join("\n"));
  const retries = lines.filter((l) => /attempt \d+: the Runpod API at http:\/\/127\.0\.0\.1:\d+ did not answer \(.+\); retrying in \d+s/.test(l));
  assert.ok(retries.length >= 3, `each failed attempt is logged with its reason:\n${lines.join("\n")}`);
  const refused = pod.emulator.requests.filter((r) => r.path === `/v2/pods/${pod.id}/action` && r.status === 0);
  assert.ok(refused.length >= 3, "the attempts reached the (dropping) API");
  assert.ok(!lines.some((l) => l.includes(pod.emulator.watchdogs.podKey(pod.id))), "the key is never logged");
});

for (const skew of [3600, -3600]) {
  test(`clock skew: a container clock ${skew > 0 ? "an hour ahead" : "an hour behind"} neither stops the pod at once nor lets it overrun`, async () => {
    const pod = await podWith({ maxLifetime: "6m" }, skew);
    const took = await stoppedAfter(pod);
    assert.ok(took >= 5 && took < 10, `6 scaled minutes are 6 s; stopped after ${took} s`);
    const lines = await pod.log();
    assert.ok(lines.some((l) => l.includes(`this container's clock is off by ${skew} s from the API's; counting on the API's clock`)), lines.join("\n"));
  });
}

test("restart mid-countdown: the restarted watchdog continues from the pod's start; the restart does not extend the lifetime", async () => {
  const pod = await podWith({ maxLifetime: "8m" });
  await new Promise((r) => setTimeout(r, 4000 - (Date.now() - pod.t0)));
  const firstPid = pod.emulator.watchdogs.pid(pod.id);
  const restarted = await Api.for(pod.emulator).post(`/v2/pods/${pod.id}/action`, { action: "restart" });
  assert.equal(restarted.status, 200);
  await waitFor("the container to run again", () => (pod.live()?.status === "RUNNING" ? true : undefined));
  await waitFor("a new watchdog", () => {
    const pid = pod.emulator.watchdogs.pid(pod.id);
    return pid !== null && pid !== firstPid ? true : undefined;
  });
  const took = await stoppedAfter(pod);
  assert.ok(took >= 7 && took < 11, `8 scaled minutes from the pod's start (not from the restart, 12 s): stopped after ${took} s`);
  const lines = await pod.log();
  assert.equal(lines.filter((l) => l.includes("started for pod")).length, 2, lines.join("\n"));
});
