/**
 * Every client call against the emulator, each error class as the emulator produces it, 429 handling and the
 * shared limiter under the emulator's own quota, and an SSH login to a pod the client created.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator, type SshMode } from "../../emulator";
import {
  AccountRateLimiter,
  RunpodClient,
  RunpodConflictError,
  RunpodForbiddenError,
  RunpodInsufficientBalanceError,
  RunpodNotFoundError,
  RunpodRejectedError,
  RunpodTransientError,
  RunpodUnauthorizedError,
  RunpodValidationError,
  type CreatePodRequest,
  type Pod,
} from "../../sdk/runpod";

const run = promisify(execFile);
const FAST = { provisioningMs: 60, startingMs: 60, sshdStartMs: 60 };
const GPU = "NVIDIA GeForce RTX 4090";

let emulator: RunpodEmulator;
let client: RunpodClient;
let keyDir: string;
let publicKey: string;

before(async () => {
  emulator = await startEmulator({ timings: FAST, rateLimit: false, validateResponses: true });
  client = new RunpodClient({ apiUrl: emulator.url, apiKey: emulator.apiKey, rateLimiter: new AccountRateLimiter(), retry: { baseDelayMs: 20 } });
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "client-emu-"));
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "client-test", "-f", path.join(keyDir, "id")]);
  publicKey = fs.readFileSync(path.join(keyDir, "id.pub"), "utf8").trim();
});

after(async () => {
  assert.deepEqual(emulator.responseViolations, [], "every emulator response matched the spec");
  await emulator.stop();
  fs.rmSync(keyDir, { recursive: true, force: true });
});

function podBody(name: string, extra: Partial<CreatePodRequest> = {}): CreatePodRequest {
  return { name, image: "runpod/base:1.0.0", gpu: { id: GPU, count: 1 }, ports: ["22/tcp"], ...extra };
}

async function waitFor(id: string, pred: (p: Pod) => boolean, ms = 10_000): Promise<Pod> {
  const end = Date.now() + ms;
  for (;;) {
    const pod = await client.getPod(id);
    if (pred(pod)) return pod;
    if (Date.now() > end) assert.fail(`pod ${id} never matched; last status ${pod.status}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

test("account SSH keys: get, put (replaces the whole set), get again", async () => {
  assert.deepEqual(await client.getSshKeys(), []);
  assert.deepEqual(await client.putSshKeys([publicKey]), [publicKey]);
  assert.deepEqual(await client.getSshKeys(), [publicKey]);
  assert.deepEqual(await client.putSshKeys([]), []);
});

test("pods: create, get, list, update, actions, logs, delete, and 404 once gone", async () => {
  const created = await client.createPod(podBody("client-lifecycle", { env: { A: "1" } }));
  assert.equal(created.status, "PROVISIONING");
  assert.equal(created.ssh?.direct ?? null, null);
  assert.equal(created.runtime ?? null, null);

  const running = await waitFor(created.id, (p) => p.status === "RUNNING" && !!p.ssh?.direct);
  assert.equal(running.ssh?.direct?.host, "127.0.0.1");
  assert.ok(running.ssh?.proxy?.username.startsWith(created.id));
  assert.ok((await client.listPods()).some((p) => p.id === created.id));

  const oldPort = running.ssh.direct.port;
  const updated = await client.updatePod(created.id, { env: { B: "2" } });
  assert.deepEqual(updated.env, { B: "2" }, "PATCH env replaces the whole env");
  const reset = await waitFor(created.id, (p) => p.status === "RUNNING" && !!p.ssh?.direct);
  assert.notEqual(reset.ssh!.direct!.port, oldPort, "a reset maps a new port");

  const stopped = await client.podAction(created.id, "stop");
  assert.equal(stopped?.status, "EXITED");
  await assert.rejects(client.podAction(created.id, "stop"), RunpodConflictError);
  assert.equal((await client.podAction(created.id, "start"))?.id, created.id);
  await waitFor(created.id, (p) => p.status === "RUNNING");
  assert.equal((await client.podAction(created.id, "restart"))?.id, created.id);

  const logs = await client.getPodLogs(created.id, { tail: 50, idleMs: 200, maxMs: 2000 });
  assert.ok(logs.length > 0, "the pod has log lines");
  assert.ok(logs.every((l) => typeof l.line === "string"));
  const system = await client.getPodLogs(created.id, { tail: 50, source: "system", idleMs: 200, maxMs: 2000 });
  assert.ok(system.length > 0 && system.every((l) => l.source === "system"));

  await client.deletePod(created.id);
  await assert.rejects(client.getPod(created.id), RunpodNotFoundError);
  await assert.rejects(client.deletePod(created.id), RunpodNotFoundError);
  assert.equal(await client.podAction((await client.createPod(podBody("client-terminate"))).id, "terminate"), undefined);
});

test("error classes as the emulator produces them", async () => {
  const wrongKey = new RunpodClient({ apiUrl: emulator.url, apiKey: "rpa_wrong_key_123456", rateLimiter: false });
  await assert.rejects(wrongKey.listPods(), (e: unknown) => e instanceof RunpodUnauthorizedError && !e.message.includes("rpa_wrong_key_123456"));

  await assert.rejects(client.getPod("nosuchpod"), (e: unknown) => e instanceof RunpodNotFoundError && /GET \/v2\/pods\/nosuchpod/.test(e.message));

  const before422 = emulator.requests.length;
  await assert.rejects(client.createPod({ ...podBody("bad"), bogus: true } as unknown as CreatePodRequest), (e: unknown) => {
    assert.ok(e instanceof RunpodValidationError);
    assert.ok(e.errors.some((x) => x.includes("bogus")), JSON.stringify(e.errors));
    return true;
  });
  assert.equal(emulator.requests.length - before422, 1, "no retry after a 422");

  await assert.rejects(
    client.createPod({ name: "no-count", image: "i", gpu: { id: GPU } } as unknown as CreatePodRequest),
    (e: unknown) => e instanceof RunpodRejectedError && e.looksLikeNoCapacity,
  );

  emulator.faults.failNextCreates("insufficient-balance");
  await assert.rejects(client.createPod(podBody("balance")), RunpodInsufficientBalanceError);
  emulator.faults.failNextCreates("forbidden");
  await assert.rejects(client.createPod(podBody("forbidden")), RunpodForbiddenError);
  emulator.faults.failNextCreates("no-capacity");
  await assert.rejects(client.createPod(podBody("capacity")), (e: unknown) => e instanceof RunpodRejectedError && e.looksLikeNoCapacity);

  emulator.faults.failNextCreates("server-error");
  const n = emulator.requests.length;
  await assert.rejects(client.createPod(podBody("server-error")), (e: unknown) => e instanceof RunpodTransientError && e.maybeCommitted);
  assert.equal(emulator.requests.length - n, 1, "a create is not retried blindly after a 5xx");

  emulator.faults.failNextCreates("created-then-500");
  await assert.rejects(client.createPod(podBody("lost-answer")), RunpodTransientError);
  assert.ok((await client.listPods()).some((p) => p.name === "lost-answer"), "the pod exists although the answer was a 500");
});

test("429 from the emulator: Retry-After honoured, the call succeeds, and the shared limiter prevents the next ones", async () => {
  const limited = await startEmulator({ timings: FAST, sshd: false, rateLimit: [{ name: "minute", quota: 4, windowSeconds: 2 }] });
  try {
    const noLimiter = new RunpodClient({ apiUrl: limited.url, apiKey: limited.apiKey, rateLimiter: false });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => noLimiter.listPods()));
    const got429 = limited.requests.filter((r) => r.status === 429).length;
    assert.ok(got429 >= 2, `expected 429s without a limiter, saw ${got429}`);
    assert.ok(Date.now() - t0 >= 900, "the retries waited for the window");

    await new Promise((r) => setTimeout(r, 2100));
    const before = limited.requests.length;
    const limiter = new AccountRateLimiter();
    const clients = Array.from({ length: 4 }, () => new RunpodClient({ apiUrl: limited.url, apiKey: limited.apiKey, rateLimiter: limiter }));
    await Promise.all(Array.from({ length: 12 }, (_, i) => clients[i % 4].listPods()));
    const after = limited.requests.slice(before);
    assert.equal(after.filter((r) => r.status === 429).length, 0, "the limiter kept 4 concurrent clients under the quota");
    assert.equal(after.length, 12);
  } finally {
    await limited.stop();
  }
});

for (const mode of ["image", "override"] as SshMode[]) {
  test(`ssh into a pod created by the client with the key in PUBLIC_KEY (${mode} mode)`, async () => {
    const emu = await startEmulator({ timings: FAST, sshMode: mode, rateLimit: false });
    try {
      const c = new RunpodClient({ apiUrl: emu.url, apiKey: emu.apiKey, rateLimiter: false });
      const pod = await c.createPod(podBody(`ssh-${mode}`, { env: { PUBLIC_KEY: publicKey } }));
      let direct: { host: string; port: number; username: string } | undefined;
      const end = Date.now() + 10_000;
      while (!direct && Date.now() < end) {
        const p = await c.getPod(pod.id);
        if (p.ssh?.direct && emu.pods().find((x) => x.id === pod.id)?.sshdReadyAt) direct = p.ssh.direct;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(direct, "ssh.direct and sshd ready");
      const { stdout } = await run("ssh", [
        "-i", path.join(keyDir, "id"), "-p", String(direct.port),
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        `${direct.username}@${direct.host}`, "echo ok",
      ]);
      assert.equal(stdout.trim(), "ok");
      await c.deletePod(pod.id);
    } finally {
      await emu.stop();
    }
  });
}
