/**
 * Pod against the emulator, driven through the serialized provider as Pulumi's host runs it, with real sshd.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
process.env.RUNPOD_SSH_PROGRESS_EVERY_MS = "2000";
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import { addProgressSink } from "../../sdk/providers/progress";
import type { PodOutputs } from "../../sdk/providers/podProvider";

const run = promisify(execFile);
const GPU = "NVIDIA GeForce RTX 4090";
let emulator: RunpodEmulator;
let hosted: HostedProvider;
let dir: string;
let publicKey: string;
let n = 0;
const progress: string[] = [];
const progressOptions: Array<{ urn?: string; ephemeral?: boolean }> = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "podprov-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "pod-test", "-f", path.join(dir, "id")]);
  publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
  emulator = await startEmulator({ sshMode: "image", rateLimit: false, timings: { provisioningMs: 80, startingMs: 80, sshdStartMs: 150 } });
  hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  addProgressSink((m, o) => {
    progress.push(m);
    progressOptions.push(o);
  });
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
let podsBefore = new Set<string>();
beforeEach(() => {
  emulator.faults.clear();
  progress.length = 0;
  progressOptions.length = 0;
  podsBefore = new Set(emulator.pods().map((p) => p.id));
});
// Runs after every test, passed or failed (the runner's `finally`): pods the test created and did not delete are
// deleted, and faults it set are cleared, so one failure cannot cascade into the next tests.
afterEach(async () => {
  emulator.faults.clear();
  for (const pod of emulator.pods().filter((p) => !podsBefore.has(p.id))) {
    await fetch(`${emulator.url}/v2/pods/${pod.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${emulator.apiKey}` } });
  }
});

function inputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return { name: `test-pod-${n}`, ownerTag: `urn:pulumi:test::proj::pod::p${n}`, image: "runpod/base:1.0.0", gpu: { id: GPU }, sshPublicKeys: [publicKey], ...extra };
}

async function checked(raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await hosted.provider.check({}, raw);
  assert.deepEqual(r.failures ?? [], []);
  return r.inputs as Record<string, unknown>;
}

async function sshEcho(outs: PodOutputs, text: string): Promise<string> {
  const { stdout } = await run("ssh", [
    "-i", path.join(dir, "id"), "-p", String(outs.sshPort), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5",
    `${outs.sshUser}@${outs.publicIp}`, `echo ${text}`,
  ]);
  return stdout.trim();
}

const podsNamed = (name: string) => emulator.pods().filter((p) => p.name === name);

test("create -> read -> update -> delete through the serialized provider; SSH works after create and after the reset", async () => {
  assert.ok(hosted.text.length < 16 * 1024, `${hosted.text.length} bytes`);
  assert.ok(!hosted.text.includes(emulator.apiKey), "no API key in the serialized provider");
  const ins = await checked(inputs({ env: { MODEL: "llama" }, ports: ["8888/http"] }));
  const created = await hosted.provider.create(ins);
  const outs = created.outs as PodOutputs;
  assert.equal(outs.status, "RUNNING");
  assert.equal(outs.podId, created.id);
  assert.equal(outs.publicIp, "127.0.0.1");
  assert.ok(outs.sshPort && outs.sshPort > 0);
  assert.equal(outs.hasPublicIp, true);
  assert.ok(outs.proxyUser?.startsWith(created.id));
  assert.equal(outs.proxyHost, "ssh.runpod.io");
  assert.equal(outs.gpuId, GPU);
  assert.equal(outs.gpuCount, 1);
  assert.ok((outs.costPerHr ?? 0) > 0);
  assert.ok(outs.dataCenterId);
  const pod = emulator.pods().find((p) => p.id === created.id)!;
  assert.ok(pod.sshdReadyAt, "create returned only once sshd was ready");
  assert.equal(pod.env.PUBLIC_KEY, publicKey);
  assert.equal(pod.env.SSH_PUBLIC_KEY, publicKey);
  assert.deepEqual(pod.ports, ["8888/http", "22/tcp"], "22/tcp added");
  assert.equal(await sshEcho(outs, "ok"), "ok");

  const read = await hosted.provider.read(created.id, outs);
  assert.equal(read.id, created.id);
  assert.equal((read.props as PodOutputs).sshPort, outs.sshPort);

  const newIns = { ...ins, env: { MODEL: "mistral" } };
  const diff = await hosted.provider.diff(created.id, outs, newIns);
  assert.equal(diff.changes, true);
  assert.deepEqual(diff.replaces, []);
  const updated = await hosted.provider.update(created.id, outs, newIns);
  const upd = updated.outs as PodOutputs;
  const after = emulator.pods().find((p) => p.id === created.id)!;
  assert.equal(after.env.MODEL, "mistral");
  assert.equal(after.env.PUBLIC_KEY, publicKey, "PATCH kept PUBLIC_KEY");
  assert.equal(after.env.SSH_PUBLIC_KEY, publicKey, "PATCH kept SSH_PUBLIC_KEY");
  assert.notEqual(upd.sshPort, outs.sshPort, "the reset mapped a new port, reported in the outputs");
  assert.equal(await sshEcho(upd, "after-reset"), "after-reset");

  await hosted.provider.delete(created.id, upd);
  assert.equal(emulator.pods().filter((p) => p.id === created.id).length, 0);
  await hosted.provider.delete(created.id, upd);
});

test("check rejects bad input with no HTTP call", async () => {
  const before = emulator.requests.length;
  const cases: Array<[Record<string, unknown>, string]> = [
    [inputs({ args: "" }), "args"],
    [inputs({ ports: ["53/udp"] }), "ports[0]"],
    [inputs({ gpu: { id: GPU }, cpu: { id: "cpu3c", vcpuCount: 2 } }), "gpu"],
    [inputs({ sshPublicKeys: ["SHA256:" + "a".repeat(43)] }), "sshPublicKeys[0]"],
    [inputs({ env: { N: 1 } }), "env.N"],
    [{ ...inputs(), ownerTag: undefined }, "ownerTag"],
  ];
  for (const [raw, path] of cases) {
    const r = await hosted.provider.check({}, raw);
    const property = /^[^.[]+/.exec(path)![0];
    assert.ok(
      r.failures?.some((f) => f.property === property && f.reason.startsWith(path)),
      `reported on ${property}, the reason starting with ${path}: ${JSON.stringify(r.failures)}`,
    );
  }
  assert.equal(emulator.requests.length, before);
});

test("diff: no-op is no change; gpu, keys and cloud replace (delete first); env updates; key CRLF is no change", async () => {
  const ins = await checked(inputs());
  const outs = { ...ins, podId: "x", status: "RUNNING" } as unknown as PodOutputs;
  assert.equal((await hosted.provider.diff("x", outs, ins)).changes, false);
  const crlf = await checked({ ...ins, sshPublicKeys: [`${publicKey}\r\n`] });
  assert.equal((await hosted.provider.diff("x", outs, crlf)).changes, false);
  const gpu = await hosted.provider.diff("x", outs, { ...ins, gpu: { id: "NVIDIA RTX A5000" } });
  assert.deepEqual(gpu.replaces, ["gpu"]);
  assert.equal(gpu.deleteBeforeReplace, true);
  assert.deepEqual((await hosted.provider.diff("x", outs, { ...ins, sshPublicKeys: [] })).replaces, ["sshPublicKeys"]);
  assert.deepEqual((await hosted.provider.diff("x", outs, { ...ins, cloud: "COMMUNITY" })).replaces, ["cloud"]);
  assert.equal((await hosted.provider.diff("x", outs, { ...ins, cloud: "SECURE" })).changes, false, "explicit default is no change");
  assert.equal((await hosted.provider.diff("x", outs, { ...ins, ports: ["22/tcp"] })).changes, false, "22/tcp is implied");
  const env = await hosted.provider.diff("x", outs, { ...ins, env: { A: "1" } });
  assert.equal(env.changes, true);
  assert.deepEqual(env.replaces, []);
  const timeout = await hosted.provider.diff("x", outs, { ...ins, readinessTimeoutSeconds: 60 });
  assert.equal(timeout.changes, true);
  assert.deepEqual(timeout.replaces, []);
});

test("capacity fallback: the first GPU has no capacity, the second places the pod", async () => {
  emulator.faults.markGpuUnavailable(GPU);
  try {
    const ins = await checked(inputs({ gpu: { ids: [GPU, "NVIDIA RTX A5000"] } }));
    const created = await hosted.provider.create(ins);
    assert.equal((created.outs as PodOutputs).gpuId, "NVIDIA RTX A5000");
    assert.ok(progress.some((m) => m.includes("trying the next candidate")));
    assert.equal(podsNamed(ins.name as string).length, 1);
    await hosted.provider.delete(created.id, created.outs);
  } finally {
    emulator.faults.markGpuUnavailable(GPU, false);
  }
});

test("every candidate refused with the same 400 is reported as a problem with the request; nothing created", async () => {
  const ins = await checked(inputs({ gpu: { ids: ["NVIDIA Made Up 1", "NVIDIA Made Up 2"] } }));
  await assert.rejects(hosted.provider.create(ins), /on all 2 placement candidates with the same answer.*problem with the request/s);
  assert.equal(podsNamed(ins.name as string).length, 0);
});

test("402 stops at once; 403 skips the candidate", async () => {
  emulator.faults.failNextCreates("insufficient-balance");
  const ins = await checked(inputs({ gpu: { ids: [GPU, "NVIDIA RTX A5000"] } }));
  await assert.rejects(hosted.provider.create(ins), /insufficient balance/);
  assert.equal(emulator.requests.filter((r) => r.method === "POST" && r.path === "/v2/pods").slice(-1)[0].status, 402);
  emulator.faults.failNextCreates("forbidden");
  const ok = await hosted.provider.create(await checked(inputs({ gpu: { ids: [GPU, "NVIDIA RTX A5000"] } })));
  assert.equal((ok.outs as PodOutputs).gpuId, "NVIDIA RTX A5000");
  await hosted.provider.delete(ok.id, ok.outs);
});

test("a create whose answer was lost (500 after creating) adopts the pod: no duplicate", async () => {
  emulator.faults.failNextCreates("created-then-500");
  const ins = await checked(inputs());
  const created = await hosted.provider.create(ins);
  const mine = podsNamed(ins.name as string);
  assert.equal(mine.length, 1, "exactly one pod");
  assert.equal(mine[0].id, created.id);
  assert.ok(progress.some((m) => m.includes("the create answer was lost")));
  await hosted.provider.delete(created.id, created.outs);
});

test("a 5xx with nothing created is retried on the same candidate", async () => {
  emulator.faults.failNextCreates("server-error", 2);
  const ins = await checked(inputs({ gpu: { ids: [GPU, "NVIDIA RTX A5000"] } }));
  const first = emulator.requests.length;
  const created = await hosted.provider.create(ins);
  const calls = emulator.requests.slice(first);
  const posts = calls.filter((r) => r.method === "POST" && r.path === "/v2/pods");
  assert.deepEqual(posts.map((r) => r.status), [500, 500, 201], "two 500s, then the retry that created the pod");
  const gpuOf = (body: string | undefined): string => (JSON.parse(body ?? "{}") as { gpu: { id: string } }).gpu.id;
  assert.deepEqual(posts.map((r) => gpuOf(r.body)), [GPU, GPU, GPU], "every retry on the same (first) candidate");
  const lookups = calls.filter((r) => r.method === "GET" && r.path === "/v2/pods" && r.at > posts[0].at && r.at < posts[2].at);
  assert.ok(lookups.length >= 2, "before each retry it looked for a pod the failed create may have made");
  assert.equal(progress.filter((m) => m.includes("create failed transiently")).length, 2);
  assert.equal((created.outs as PodOutputs).gpuId, GPU);
  assert.equal(podsNamed(ins.name as string).length, 1);
  await hosted.provider.delete(created.id, created.outs);
});

test("a pod left by an interrupted create of this resource is adopted instead of creating another", async () => {
  const ins = await checked(inputs());
  const first = await hosted.provider.create(ins);
  const posts = emulator.requests.filter((r) => r.method === "POST" && r.path === "/v2/pods").length;
  const again = await hosted.provider.create(ins);
  assert.equal(again.id, first.id);
  assert.equal(emulator.requests.filter((r) => r.method === "POST" && r.path === "/v2/pods").length, posts, "no second create");
  await hosted.provider.delete(first.id, first.outs);
});

test("a pod that goes to ERROR fails the create with status, ssh block and log lines, and is terminated", async () => {
  emulator.faults.nextPods("error");
  const ins = await checked(inputs());
  await assert.rejects(hosted.provider.create(ins), (e: Error) => {
    assert.match(e.message, /went to ERROR/);
    assert.match(e.message, /status: ERROR/);
    assert.match(e.message, /ssh\.direct: null/);
    assert.match(e.message, /last log lines:\n {2}(system|container): /);
    assert.match(e.message, /terminated so that it does not keep billing/);
    assert.ok(!e.message.includes(emulator.apiKey));
    return true;
  });
  assert.equal(podsNamed(ins.name as string).length, 0, "no pod left billing");
});

test("a pod that never gets a public port times out at its deadline with a hint, and is terminated", async () => {
  emulator.faults.nextPods("no-public-port");
  const ins = await checked(inputs({ readinessTimeoutSeconds: 10 }));
  const t0 = Date.now();
  await assert.rejects(hosted.provider.create(ins), (e: Error) => {
    assert.match(e.message, /was not ready for SSH after 1\d s/);
    assert.match(e.message, /no public port for 22\/tcp/);
    return true;
  });
  assert.ok(Date.now() - t0 < 16_000);
  const waits = progress.filter((m) => m.startsWith(`pod ${ins.name as string} (`) && /RUNNING, waiting for a public SSH port after \d+ s/.test(m));
  assert.ok(waits.length >= 3, `progress on the long wait: ${JSON.stringify(progress)}`);
  const waitOptions = progress.map((m, i) => [m, progressOptions[i]] as const).filter(([m]) => waits.includes(m));
  assert.ok(
    waitOptions.every(([, o]) => o.ephemeral === true && o.urn === ins.ownerTag),
    "wait lines are ephemeral status lines attached to the pod's resource, so a fleet's stay readable",
  );
  assert.equal(podsNamed(ins.name as string).length, 0);
});

test("keepOnFailure keeps the failed pod and reports its id so Pulumi records it", async () => {
  emulator.faults.nextPods("error");
  const ins = await checked(inputs({ keepOnFailure: true }));
  const err = await hosted.provider.create(ins).then(
    () => assert.fail("should fail"),
    (e: Error & { id?: string }) => e,
  );
  assert.ok(err.id);
  assert.match(err.message, /kept because keepOnFailure/);
  assert.equal(podsNamed(ins.name as string).length, 1);
  await hosted.provider.delete(err.id, {});
  assert.equal(podsNamed(ins.name as string).length, 0);
});

test("allowProxyOnly accepts a pod without a public port", async () => {
  emulator.faults.nextPods("no-public-port");
  const ins = await checked(inputs({ allowProxyOnly: true }));
  const created = await hosted.provider.create(ins);
  const outs = created.outs as PodOutputs;
  assert.equal(outs.hasPublicIp, false);
  assert.equal(outs.sshPort, null);
  assert.ok(outs.proxyUser);
  await hosted.provider.delete(created.id, outs);
});

test("refresh picks up a new port after a reset, and reports a pod deleted outside Pulumi as gone", async () => {
  const created = await hosted.provider.create(await checked(inputs()));
  const outs = created.outs as PodOutputs;
  await emulator.resetPod(created.id);
  let refreshed = (await hosted.provider.read(created.id, outs)).props as PodOutputs;
  const end = Date.now() + 5000;
  while ((refreshed.sshPort === null || refreshed.sshPort === outs.sshPort) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    refreshed = (await hosted.provider.read(created.id, outs)).props as PodOutputs;
  }
  assert.notEqual(refreshed.sshPort, outs.sshPort);
  assert.ok(refreshed.sshPort);
  await fetch(`${emulator.url}/v2/pods/${created.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${emulator.apiKey}` } });
  assert.equal((await hosted.provider.read(created.id, outs)).id, "");
});
