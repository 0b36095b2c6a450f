/**
 * The watchdog end to end through the serialized Pod provider against the emulator, which runs the watchdog
 * script the pod carries for real (with the pod-scoped key) at a scaled clock (x60: a minute takes a second):
 * maxLifetime stops the pod; an idle pod stops; an open SSH session (or a busy GPU) keeps it; `terminate`
 * leaves nothing billing and refresh shows the pod gone; maxSpend turns into a deadline from the pod's cost;
 * refresh reports why with a WARNING, `up` leaves such a pod stopped until `running` changes (then a new
 * lifetime starts); the pod-scoped key is good for its own pod's action only.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
process.env.RUNPOD_SSH_PROGRESS_EVERY_MS = "60000";
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api, waitFor } from "../helpers/emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import type { PodOutputs } from "../../sdk/providers/podProvider";
import { addProgressSink } from "../../sdk/providers/progress";
import { buildSshCommands } from "../../sdk/ssh/sshCommands";
import { RunpodClient } from "../../sdk/runpod/client";

const SCALE = 60;
let emulator: RunpodEmulator;
let hosted: HostedProvider;
let api: Api;
let dir: string;
let publicKey: string;
let n = 0;
const warnings: string[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "podwatchdog-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "wd", "-f", path.join(dir, "id")]);
  publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
  emulator = await startEmulator({ rateLimit: false, timings: { provisioningMs: 60, startingMs: 60, sshdStartMs: 100 }, watchdogTimeScale: SCALE });
  hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  api = Api.for(emulator);
  addProgressSink((message, options) => {
    if (options.severity === "warning") warnings.push(message);
  });
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const pod of emulator.pods()) await api.delete(`/v2/pods/${pod.id}`);
  warnings.length = 0;
});

type Raw = Record<string, unknown>;

async function checked(raw: Raw): Promise<Raw> {
  const result = await hosted.provider.check({}, raw);
  assert.deepEqual(result.failures ?? [], []);
  return result.inputs as Raw;
}

function inputs(extra: Raw = {}): Raw {
  n++;
  return {
    name: `wd-${n}`,
    ownerTag: `urn:pulumi:test::proj::pod::wd${n}`,
    image: "runpod/base:1.0.0",
    gpu: { id: "NVIDIA GeForce RTX 4090" },
    sshPublicKeys: [publicKey],
    ...extra,
  };
}

const livePod = (id: string) => emulator.pods().find((p) => p.id === id);

async function podLog(id: string): Promise<string[]> {
  const client = new RunpodClient({ apiKey: emulator.apiKey, apiUrl: emulator.url });
  return (await client.getPodLogs(id, { tail: 200, idleMs: 200, maxMs: 1500 })).map((l) => l.line);
}

function watchdogLines(lines: string[]): string[] {
  return lines.filter((l) => l.startsWith("[pulumi-runpod-ssh watchdog]"));
}

/** Seconds until the pod is EXITED (or gone), polling the emulator. */
async function secondsUntilStopped(id: string, startedAt: number, timeoutMs = 20_000): Promise<number> {
  await waitFor(`pod ${id} to stop`, () => {
    const pod = livePod(id);
    return !pod || pod.status === "EXITED" ? true : undefined;
  }, timeoutMs);
  return (Date.now() - startedAt) / 1000;
}

test("maxLifetime: the pod stops itself on time; refresh says why (WARNING), up leaves it stopped, running false/true starts a new lifetime", async () => {
  const ins = await checked(inputs({ maxLifetime: "6m" }));
  const t0 = Date.now();
  const created = await hosted.provider.create(ins);
  const id = created.id;
  const outs = created.outs as PodOutputs;
  assert.equal(outs.status, "RUNNING");
  const stopsAtMs = Date.parse(outs.stopsAt ?? "");
  assert.ok(Math.abs(stopsAtMs - (t0 + 6 * 60_000)) < 2000, `stopsAt ${outs.stopsAt} is the start + 6m`);
  assert.equal(outs.stopReason, null);
  assert.ok(livePod(id)?.env.PULUMI_RUNPOD_WATCHDOG?.includes("lifetime=360;expiry=stop"));

  const took = await secondsUntilStopped(id, t0);
  assert.ok(took >= 5 && took < 10, `6 scaled minutes are 6 s; stopped after ${took} s`);
  const stopActions = emulator.requests.filter((r) => r.path === `/v2/pods/${id}/action` && r.body?.includes('"stop"'));
  assert.equal(stopActions.length, 1, "the watchdog sent the stop action");
  await waitFor("the stop action's answer", () => (stopActions[0].status !== 0 ? true : undefined));
  assert.equal(stopActions[0].status, 200);
  assert.ok(watchdogLines(await podLog(id)).some((l) => l.includes("expired: reason=maxLifetime action=stop")));

  const refreshed = (await hosted.provider.read(id, outs)).props as PodOutputs;
  assert.deepEqual([refreshed.status, refreshed.stopReason], ["EXITED", "maxLifetime"]);
  assert.equal(refreshed.stopsAt, outs.stopsAt);
  assert.ok(warnings.some((w) => w.includes("was stopped by its watchdog (maxLifetime)") && w.includes("leaves it stopped")), warnings.join("\n"));

  // `up` with the same inputs: nothing to do, the pod stays stopped (nothing restarts what the limit stopped).
  assert.equal((await hosted.provider.diff(id, refreshed, ins)).changes, false);
  // Raising the limit is an update that leaves it stopped too.
  const longer = await checked({ ...ins, maxLifetime: "10m" });
  const raised = (await hosted.provider.update(id, refreshed, longer)).outs as PodOutputs;
  assert.deepEqual([livePod(id)?.status, raised.stopReason], ["EXITED", "maxLifetime"]);

  // running: false, then true: started again, with a new lifetime (not stopped at once by the old deadline).
  const paused = (await hosted.provider.update(id, raised, { ...longer, running: false })).outs as PodOutputs;
  assert.deepEqual([paused.status, paused.stopReason], ["EXITED", null]);
  const t1 = Date.now();
  const resumed = (await hosted.provider.update(id, paused, { ...longer, running: true })).outs as PodOutputs;
  assert.equal(resumed.status, "RUNNING");
  assert.ok(Date.parse(resumed.stopsAt ?? "") >= t1 + 10 * 60_000 - 2000, `a new lifetime from the start: ${resumed.stopsAt}`);
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(livePod(id)?.status, "RUNNING", "still running 3 s (3 scaled minutes) after the start");
});

test("idleTimeout: a pod nobody uses stops; an open SSH session, or a busy GPU, keeps it", async () => {
  // Idle from the start: stops after about 2 scaled minutes.
  const idle = await hosted.provider.create(await checked(inputs({ idleTimeout: "2m" })));
  const t0 = Date.now();
  const took = await secondsUntilStopped(idle.id, t0);
  assert.ok(took < 6, `idle pod stopped after ${took} s`);
  const why = (await hosted.provider.read(idle.id, idle.outs as PodOutputs)).props as PodOutputs;
  assert.equal(why.stopReason, "idleTimeout");
  assert.equal(why.stopsAt, null, "idleTimeout alone has no fixed time");

  // With an SSH session open for 8 s (4x the idle limit) it keeps running, and stops once the session ends.
  const used = await hosted.provider.create(await checked(inputs({ idleTimeout: "2m" })));
  const outs = used.outs as PodOutputs;
  const commands = buildSshCommands(
    { host: outs.publicIp, port: outs.sshPort, user: outs.sshUser, proxyUser: outs.proxyUser, proxyHost: outs.proxyHost, hostKeys: outs.hostKeys, stopped: false },
    { identityFile: path.join(dir, "id"), podId: outs.podId },
  );
  const session = spawn("sh", ["-c", `${commands.sshCommand} 'sleep 8'`], { stdio: "ignore" });
  const ended = new Promise<number | null>((resolve) => session.once("exit", resolve));
  await new Promise((r) => setTimeout(r, 7000));
  assert.equal(livePod(used.id)?.status, "RUNNING", "an open SSH session keeps the pod running");
  assert.equal(await ended, 0, "the session ran to its end");
  const afterSession = Date.now();
  await secondsUntilStopped(used.id, afterSession);
  assert.ok((Date.now() - afterSession) / 1000 < 6, "stopped once idle after the session");

  // A busy GPU (nvidia-smi over the threshold) keeps it running too.
  const busy = await hosted.provider.create(await checked(inputs({ idleTimeout: "2m" })));
  await emulator.watchdogs.setGpuUtilization(busy.id, 80);
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(livePod(busy.id)?.status, "RUNNING", "a GPU at 80% is not idle");
  await emulator.watchdogs.setGpuUtilization(busy.id, 1);
  const quiet = Date.now();
  await secondsUntilStopped(busy.id, quiet);
  assert.ok((Date.now() - quiet) / 1000 < 6);
});

test('onExpiry: "terminate" leaves nothing billing, and refresh shows the pod gone (with a WARNING saying why)', async () => {
  const created = await hosted.provider.create(await checked(inputs({ maxLifetime: "4m", onExpiry: "terminate" })));
  const id = created.id;
  await waitFor("the pod to be gone", () => (livePod(id) ? undefined : true), 20_000);
  assert.equal(emulator.pods().length, 0, "no pod left: nothing billing");
  assert.equal((await api.get(`/v2/pods/${id}`)).status, 404);
  const refreshed = await hosted.provider.read(id, created.outs as PodOutputs);
  assert.equal(refreshed.id, "", "refresh drops it from the state");
  assert.ok(warnings.some((w) => w.includes(`(${id}) is gone`) && w.includes('onExpiry: "terminate"')), warnings.join("\n"));
});

test("maxSpend: the pod's cost per hour turns the budget into a deadline (stopsAt) that the watchdog keeps", async () => {
  // $0.069 at the RTX 4090's $0.69/hr is 6 minutes (6 s scaled).
  const t0 = Date.now();
  const created = await hosted.provider.create(await checked(inputs({ maxSpend: 0.069, maxLifetime: "1d" })));
  const outs = created.outs as PodOutputs;
  assert.equal(outs.costPerHr, 0.69);
  assert.ok(Math.abs(Date.parse(outs.stopsAt ?? "") - (t0 + 6 * 60_000)) < 2000, `stopsAt ${outs.stopsAt}`);
  assert.match(livePod(created.id)?.env.PULUMI_RUNPOD_WATCHDOG ?? "", /spend=0\.069;cost=0\.69;/);
  const took = await secondsUntilStopped(created.id, t0);
  assert.ok(took >= 5 && took < 10, `stopped after ${took} s`);
  const refreshed = (await hosted.provider.read(created.id, outs)).props as PodOutputs;
  assert.equal(refreshed.stopReason, "maxSpend");
});

test("the pod-scoped key: accepted for its own pod's action only", async () => {
  const a = await hosted.provider.create(await checked(inputs({ maxLifetime: "1h" })));
  const b = await hosted.provider.create(await checked(inputs()));
  const key = emulator.watchdogs.podKey(a.id);
  const as = (method: string, p: string, body?: unknown) => new Api(emulator.url, key).request(method, p, body);
  assert.equal((await as("POST", `/v2/pods/${b.id}/action`, { action: "stop" })).status, 403, "not another pod's action");
  assert.equal((await as("GET", `/v2/pods/${a.id}`)).status, 403, "not a read");
  assert.equal((await as("GET", "/v2/pods")).status, 403, "not the account");
  assert.equal((await as("DELETE", `/v2/pods/${a.id}`)).status, 403);
  assert.equal(livePod(b.id)?.status, "RUNNING");
  assert.equal((await new Api(emulator.url, "rpk_pod_guess").request("POST", `/v2/pods/${a.id}/action`, { action: "stop" })).status, 401);
  assert.equal((await as("POST", `/v2/pods/${a.id}/action`, { action: "stop" })).status, 200, "its own action");
  assert.equal(livePod(a.id)?.status, "EXITED");
});
