/**
 * Pod with `deferReadiness` and its PodReadiness against the emulator, driven through the serialized providers as
 * Pulumi's host runs them, with real sshd: the Pod's create returns once Runpod accepted the pod (before sshd),
 * PodReadiness waits and pins the host key; a reset bumps the container generation and the readiness waits again
 * on the new port; a failed wait terminates the pod and names the recovery; the log proof ends as soon as the
 * keys are seen in the log.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import type { PodOutputs } from "../../sdk/providers/podProvider";
import type { PodReadinessOutputs } from "../../sdk/providers/podReadinessProvider";
import { RunpodClient } from "../../sdk/runpod/client";
import { loggedFingerprints } from "../../sdk/ssh/hostKeyLog";

const run = promisify(execFile);
const GPU = "NVIDIA GeForce RTX 4090";
let emulator: RunpodEmulator;
let pod: HostedProvider;
let ready: HostedProvider;
let dir: string;
let publicKey: string;
let n = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "podready-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ready-test", "-f", path.join(dir, "id")]);
  publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
  // Long enough a boot that "returned before sshd" is not a race: 1.2 s from create to sshd.
  emulator = await startEmulator({ sshMode: "image", rateLimit: false, timings: { provisioningMs: 400, startingMs: 400, sshdStartMs: 400 } });
  const config = { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url };
  pod = await hostProvider("pod", config);
  ready = await hostProvider("podReadiness", config);
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
let podsBefore = new Set<string>();
beforeEach(() => {
  emulator.faults.clear();
  podsBefore = new Set(emulator.pods().map((p) => p.id));
});
afterEach(async () => {
  emulator.faults.clear();
  for (const p of emulator.pods().filter((p) => !podsBefore.has(p.id))) {
    await fetch(`${emulator.url}/v2/pods/${p.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${emulator.apiKey}` } });
  }
});

function podInputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return {
    name: `ready-pod-${n}`,
    ownerTag: `urn:pulumi:test::proj::pod::p${n}`,
    image: "runpod/base:1.0.0",
    gpu: { id: GPU },
    sshPublicKeys: [publicKey],
    deferReadiness: true,
    ...extra,
  };
}

async function checked(provider: HostedProvider, olds: Record<string, unknown>, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await provider.provider.check(olds, raw);
  assert.deepEqual(r.failures ?? [], []);
  return r.inputs as Record<string, unknown>;
}

function readinessInputs(outs: PodOutputs, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    podId: outs.podId,
    podName: outs.name,
    ownerTag: `${outs.ownerTag}-ready`,
    containerGeneration: outs.containerGeneration,
    ...extra,
  };
}

/** The pod's own ed25519 host key, as its sshd holds it (the emulator keeps the files). */
function podHostKey(podId: string): string {
  const p = emulator.pods().find((x) => x.id === podId)!;
  return fs.readFileSync(path.join(p.dir, "ssh_host_ed25519_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
}

async function sshEcho(outs: PodReadinessOutputs, text: string): Promise<string> {
  const known = path.join(dir, `known-${outs.podId}-${outs.sshPort}`);
  fs.writeFileSync(known, `${outs.knownHostsLine}\n`);
  const { stdout } = await run("ssh", [
    "-i", path.join(dir, "id"), "-p", String(outs.sshPort), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${known}`, "-o", "ConnectTimeout=5",
    `${outs.sshUser}@${outs.publicIp}`, `echo ${text}`,
  ]);
  return stdout.trim();
}

test("deferred create returns before sshd (the engine slot is free); PodReadiness waits, pins the pod's own key, ssh works", async () => {
  const ins = await checked(pod, {}, podInputs());
  assert.equal(ins.containerGeneration, 1, "check gives a new pod generation 1");
  const t0 = Date.now();
  const created = await pod.provider.create(ins);
  const createMs = Date.now() - t0;
  const outs = created.outs as PodOutputs;
  const live = emulator.pods().find((p) => p.id === created.id)!;
  assert.equal(live.sshdReadyAt, null, `create returned before sshd was ready (${createMs} ms)`);
  assert.ok(createMs < 1000, `create took ${createMs} ms, less than the 1.2 s boot`);
  assert.deepEqual(outs.hostKeys, [], "the Pod pins nothing itself");
  assert.equal(outs.containerGeneration, 1);

  const rIns = await checked(ready, {}, readinessInputs(outs));
  const r = await ready.provider.create(rIns);
  const rOuts = r.outs as PodReadinessOutputs;
  assert.equal(r.id, created.id);
  assert.equal(rOuts.status, "RUNNING");
  assert.equal(rOuts.publicIp, "127.0.0.1");
  assert.ok(emulator.pods().find((p) => p.id === created.id)!.sshdReadyAt, "ready only once sshd runs");
  assert.deepEqual(rOuts.hostKeys.slice(0, 1), [podHostKey(created.id)], "the pod's own host key is pinned first");
  assert.equal(rOuts.hostKeyProof, "api-log", "the runpod/* image's log proves it");
  assert.equal(rOuts.knownHostsLine, `[127.0.0.1]:${rOuts.sshPort} ${rOuts.hostKeys[0]}`);
  assert.equal(await sshEcho(rOuts, "ready"), "ready", "pinned ssh works");

  // Read (refresh) keeps the pin at the same address; the Pod's own read pins nothing.
  const read = await ready.provider.read(r.id, rOuts);
  assert.deepEqual((read.props as PodReadinessOutputs).hostKeys, rOuts.hostKeys);
  const podRead = await pod.provider.read(created.id, outs);
  assert.deepEqual((podRead.props as PodOutputs).hostKeys, []);
  assert.equal((podRead.props as PodOutputs).status, "RUNNING", "the Pod's refresh reports the status");
});

test("container generation: a reset input bumps it and the readiness waits on the new port; other changes do not", async () => {
  const ins = await checked(pod, {}, podInputs({ env: { STAGE: "one" } }));
  const created = await pod.provider.create(ins);
  const outs = created.outs as PodOutputs;
  const rIns = await checked(ready, {}, readinessInputs(outs));
  const rOuts = (await ready.provider.create(rIns)).outs as PodReadinessOutputs;

  // Behaviour-only and name changes: same generation, so the readiness has nothing to wait for.
  for (const change of [{ readinessTimeoutSeconds: 600 }, { name: `${ins.name as string}-renamed` }]) {
    const next = await checked(pod, ins, { ...ins, ...change });
    assert.equal(next.containerGeneration, 1, `${JSON.stringify(change)} keeps the generation`);
  }
  const same = await ready.provider.diff(created.id, rOuts, readinessInputs(outs));
  assert.equal(same.changes, false, "same pod, same generation: no change");
  const otherPod = await ready.provider.diff(created.id, rOuts, readinessInputs({ ...outs, podId: "other" }));
  assert.deepEqual(otherPod.replaces, ["podId"], "a new pod replaces the readiness");

  // env resets the container: generation 2; the Pod's update returns without waiting, the readiness waits.
  const newIns = await checked(pod, ins, { ...ins, env: { STAGE: "two" } });
  assert.equal(newIns.containerGeneration, 2);
  const t0 = Date.now();
  const updated = (await pod.provider.update(created.id, outs, newIns)).outs as PodOutputs;
  assert.ok(Date.now() - t0 < 1000, "the Pod's update did not wait for the new container's sshd");
  assert.equal(updated.containerGeneration, 2);
  const diff = await ready.provider.diff(created.id, rOuts, readinessInputs(updated));
  assert.equal(diff.changes, true);
  assert.deepEqual(diff.replaces, []);
  const after = (await ready.provider.update(created.id, rOuts, readinessInputs(updated))).outs as PodReadinessOutputs;
  assert.notEqual(after.sshPort, rOuts.sshPort, "the readiness waited for the new port");
  assert.deepEqual(after.hostKeys.slice(0, 1), [podHostKey(created.id)], "and pinned the new container's key");
  assert.equal(await sshEcho(after, "after-reset"), "after-reset");
});

test("a failed wait terminates the pod (nothing billing) and names the recovery: pulumi up --refresh", async () => {
  emulator.faults.nextPods("error");
  const ins = await checked(pod, {}, podInputs());
  const created = await pod.provider.create(ins);
  const outs = created.outs as PodOutputs;
  await assert.rejects(ready.provider.create(await checked(ready, {}, readinessInputs(outs))), (e: Error) => {
    assert.match(e.message, /went to ERROR/);
    assert.match(e.message, /terminated so that it does not keep billing/);
    assert.match(e.message, /pulumi up --refresh/);
    assert.ok(!e.message.includes(emulator.apiKey));
    return true;
  });
  assert.equal(emulator.pods().filter((p) => p.id === created.id).length, 0, "no pod left billing");
  const refreshed = await pod.provider.read(created.id, outs);
  assert.equal(refreshed.id, "", "the refresh sees the pod gone, so the next up creates a new one");
});

test("the log proof stops reading as soon as every key read is in the log (not after the stream goes quiet)", async () => {
  const ins = await checked(pod, {}, podInputs());
  const created = await pod.provider.create(ins);
  const rOuts = (await ready.provider.create(await checked(ready, {}, readinessInputs(created.outs as PodOutputs)))).outs as PodReadinessOutputs;
  const client = new RunpodClient({ apiKey: emulator.apiKey, apiUrl: emulator.url, rateLimiter: false });
  const lines = async (doneWhen?: (l: Array<{ line: string }>) => boolean): Promise<number> => {
    const t0 = Date.now();
    const got = await client.getPodLogs(created.id, { tail: 1000, source: "container", idleMs: 1500, maxMs: 5000, doneWhen });
    assert.ok(loggedFingerprints(got.map((l) => l.line))?.length, "the block was read");
    return Date.now() - t0;
  };
  const quiet = await lines();
  const done = await lines((l) => (loggedFingerprints(l.map((x) => x.line)) ?? []).length >= rOuts.hostKeys.length);
  assert.ok(quiet >= 1500, `without doneWhen the read waits for the stream to go quiet (${quiet} ms)`);
  assert.ok(done < 700, `with doneWhen it ends right after the block (${done} ms)`);
});
