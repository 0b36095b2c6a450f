/**
 * Real sshd per pod, exercised with the system OpenSSH client in both SSH modes:
 * which env variable authorizes keys, refusals, resets onto new ports, scp, session
 * cleanup, and that no sshd outlives its pod or the emulator.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { startEmulator, type EmulatorPodView, type RunpodEmulator } from "../../emulator";
import {
  Api,
  type ApiPod,
  canConnect,
  FAST_TIMINGS,
  gpuPodBody,
  type KeyPair,
  makeKeyPair,
  pgrep,
  processExists,
  run,
  runSsh,
  sleep,
  sshOptions,
  tempDir,
  waitFor,
} from "../helpers/emulator";

let keyDir: string;
let keyA: KeyPair;
let keyB: KeyPair;

before(async () => {
  keyDir = await tempDir("emulator-sshd-keys-");
  [keyA, keyB] = await Promise.all([makeKeyPair(keyDir, "a"), makeKeyPair(keyDir, "b")]);
});
after(() => fs.rm(keyDir, { recursive: true, force: true }));

function view(emulator: RunpodEmulator, id: string): EmulatorPodView {
  const found = emulator.pods().find((pod) => pod.id === id);
  assert.ok(found, `pod ${id} not in the emulator`);
  return found;
}

/** Create a pod and wait until sshd really listens; returns the running pod. */
async function podWithSshd(emulator: RunpodEmulator, body: Record<string, unknown>): Promise<ApiPod> {
  const api = Api.for(emulator);
  const pod = await api.createPod(gpuPodBody(body));
  const running = await api.waitForPod(pod.id, "RUNNING", (p) => p.ssh.direct !== null);
  await waitFor(`sshd of pod ${pod.id}`, () => view(emulator, pod.id).sshdReadyAt);
  return running;
}

/** Wait long enough that an sshd would have started, then return the pod. */
async function podWithoutSshd(emulator: RunpodEmulator, body: Record<string, unknown>): Promise<ApiPod> {
  const api = Api.for(emulator);
  const pod = await api.createPod(gpuPodBody(body));
  const running = await api.waitForPod(pod.id, "RUNNING", (p) => p.ssh.direct !== null);
  await sleep(FAST_TIMINGS.sshdStartMs + 400);
  assert.equal(view(emulator, pod.id).sshdPid, null, "no sshd expected");
  return running;
}

async function expectLogin(key: KeyPair, pod: ApiPod): Promise<void> {
  const direct = pod.ssh.direct;
  assert.ok(direct);
  const result = await runSsh(key.privateKeyPath, direct.username, direct.port, "echo ok");
  assert.equal(result.stdout, "ok\n", `ssh failed (${String(result.code)}): ${result.stderr}`);
  assert.equal(result.code, 0);
}

async function expectRefusedKey(key: KeyPair, pod: ApiPod): Promise<void> {
  const direct = pod.ssh.direct;
  assert.ok(direct);
  const result = await runSsh(key.privateKeyPath, direct.username, direct.port, "echo ok");
  assert.equal(result.code, 255);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Permission denied/);
}

async function expectNoListener(pod: ApiPod): Promise<void> {
  const direct = pod.ssh.direct;
  assert.ok(direct);
  assert.equal(await canConnect(direct.port), false, `port ${direct.port} should refuse connections`);
  const result = await runSsh(keyA.privateKeyPath, direct.username, direct.port, "echo ok");
  assert.equal(result.code, 255);
  assert.match(result.stderr, /Connection refused/);
}

void describe("sshd in image mode (only PUBLIC_KEY counts)", () => {
  let emulator: RunpodEmulator;
  let api: Api;

  before(async () => {
    emulator = await startEmulator({ port: 0, sshMode: "image", rateLimit: false, timings: FAST_TIMINGS });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  void it("accepts the key in PUBLIC_KEY with the system ssh client, with RUNPOD_* set", async () => {
    const pod = await podWithSshd(emulator, { env: { PUBLIC_KEY: keyA.publicKey } });
    const direct = pod.ssh.direct;
    assert.ok(direct);
    assert.equal(direct.command, `ssh ${direct.username}@127.0.0.1 -p ${direct.port}`);
    const result = await runSsh(keyA.privateKeyPath, direct.username, direct.port, 'echo ok; echo "$RUNPOD_POD_ID $RUNPOD_PUBLIC_IP $RUNPOD_TCP_PORT_22"');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `ok\n${pod.id} 127.0.0.1 ${direct.port}\n`);
  });

  void it("refuses a key that is not authorized", async () => {
    const pod = await podWithSshd(emulator, { env: { PUBLIC_KEY: keyA.publicKey } });
    await expectRefusedKey(keyB, pod);
  });

  void it("authorizes several keys separated by newlines, as startSsh injects them", async () => {
    await api.put("/v2/account/ssh-keys", { keys: [keyB.publicKey, keyA.publicKey] });
    const pod = await podWithSshd(emulator, { startSsh: true });
    assert.equal(pod.env.PUBLIC_KEY, `${keyB.publicKey}\n${keyA.publicKey}`);
    await expectLogin(keyA, pod);
    await expectLogin(keyB, pod);
    await api.put("/v2/account/ssh-keys", { keys: [] });
  });

  void it("does not start sshd for SSH_PUBLIC_KEY alone", async () => {
    const pod = await podWithoutSshd(emulator, { env: { SSH_PUBLIC_KEY: keyA.publicKey } });
    await expectNoListener(pod);
  });

  void it("does not start sshd when args is empty (the start script is overridden)", async () => {
    const pod = await podWithoutSshd(emulator, { args: "", env: { PUBLIC_KEY: keyA.publicKey } });
    await expectNoListener(pod);
  });

  void it("maps the port before sshd listens, so early connections are refused", async () => {
    const slow = await startEmulator({ port: 0, rateLimit: false, timings: { ...FAST_TIMINGS, sshdStartMs: 600 } });
    try {
      const slowApi = Api.for(slow);
      const created = await slowApi.createPod(gpuPodBody({ env: { PUBLIC_KEY: keyA.publicKey } }));
      const running = await slowApi.waitForPod(created.id, "RUNNING");
      const port = running.ssh.direct?.port;
      assert.ok(port, "ssh.direct is reported as soon as the pod runs");
      assert.equal(await canConnect(port), false, "nothing listens yet");
      assert.equal(view(slow, created.id).sshdReadyAt, null);
      const readyAt = await waitFor("sshd", () => view(slow, created.id).sshdReadyAt);
      assert.ok(readyAt >= Date.parse(running.startedAt ?? "") + 500);
      assert.equal(await canConnect(port), true);
    } finally {
      await slow.stop();
    }
  });

  void it("a PATCH of env restarts sshd with the new key on a new port", async () => {
    const before = await podWithSshd(emulator, { env: { PUBLIC_KEY: keyA.publicKey } });
    await expectLogin(keyA, before);
    const oldPid = view(emulator, before.id).sshdPid as number;
    const patched = await api.patch<ApiPod>(`/v2/pods/${before.id}`, { env: { PUBLIC_KEY: keyB.publicKey } });
    assert.equal(patched.status, 200);
    assert.equal(await canConnect(before.ssh.direct?.port ?? 0), false, "the old sshd is gone when PATCH returns");
    assert.equal(processExists(oldPid), false);
    const after = await api.waitForPod(before.id, "RUNNING", (p) => p.ssh.direct !== null);
    await waitFor("new sshd", () => view(emulator, before.id).sshdReadyAt);
    assert.notEqual(after.ssh.direct?.port, before.ssh.direct?.port);
    await expectLogin(keyB, after);
    await expectRefusedKey(keyA, after);
  });

  void it("supports scp (sftp subsystem) over ssh.direct", async () => {
    const pod = await podWithSshd(emulator, { env: { PUBLIC_KEY: keyA.publicKey } });
    const direct = pod.ssh.direct;
    assert.ok(direct);
    const source = path.join(keyDir, "payload.txt");
    const target = path.join(keyDir, "copied.txt");
    await fs.writeFile(source, "hello pod\n");
    const result = await run("scp", [...sshOptions(keyA.privateKeyPath), "-P", String(direct.port), source, `${direct.username}@127.0.0.1:${target}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await fs.readFile(target, "utf8"), "hello pod\n");
  });

  void it("stopping the pod ends open sessions and frees the port", async () => {
    const pod = await podWithSshd(emulator, { env: { PUBLIC_KEY: keyA.publicKey } });
    const direct = pod.ssh.direct;
    assert.ok(direct);
    const sshdPid = view(emulator, pod.id).sshdPid as number;
    const session = run("ssh", [...sshOptions(keyA.privateKeyPath), "-p", String(direct.port), `${direct.username}@127.0.0.1`, "sleep 60"], 20000);
    await waitFor("a session process under sshd", async () => (await run("pgrep", ["-P", String(sshdPid)])).stdout.trim() !== "", 5000);
    const started = Date.now();
    const stopped = await api.post<ApiPod>(`/v2/pods/${pod.id}/action`, { action: "stop" });
    assert.equal(stopped.body.status, "EXITED");
    const result = await session;
    assert.notEqual(result.code, 0, "the session was cut");
    assert.ok(Date.now() - started < 5000, "the session ended promptly");
    assert.equal(processExists(sshdPid), false);
    assert.equal(await canConnect(direct.port), false);
  });

  void it("terminate kills sshd and closes the port", async () => {
    const pod = await podWithSshd(emulator, { env: { PUBLIC_KEY: keyA.publicKey } });
    const sshdPid = view(emulator, pod.id).sshdPid as number;
    assert.ok(processExists(sshdPid));
    assert.equal((await api.delete(`/v2/pods/${pod.id}`)).status, 204);
    assert.equal(processExists(sshdPid), false);
    await expectNoListener(pod);
  });
});

void describe("sshd in override mode (SSH_PUBLIC_KEY wins over PUBLIC_KEY)", () => {
  let emulator: RunpodEmulator;

  before(async () => {
    emulator = await startEmulator({ port: 0, sshMode: "override", rateLimit: false, timings: FAST_TIMINGS });
  });
  after(() => emulator.stop());

  void it("starts sshd for SSH_PUBLIC_KEY alone", async () => {
    const pod = await podWithSshd(emulator, { env: { SSH_PUBLIC_KEY: keyA.publicKey } });
    await expectLogin(keyA, pod);
  });

  void it("prefers SSH_PUBLIC_KEY over a different PUBLIC_KEY", async () => {
    const pod = await podWithSshd(emulator, { env: { SSH_PUBLIC_KEY: keyA.publicKey, PUBLIC_KEY: keyB.publicKey } });
    await expectLogin(keyA, pod);
    await expectRefusedKey(keyB, pod);
  });

  void it("still accepts PUBLIC_KEY when SSH_PUBLIC_KEY is absent", async () => {
    const pod = await podWithSshd(emulator, { env: { PUBLIC_KEY: keyB.publicKey } });
    await expectLogin(keyB, pod);
  });
});

void describe("emulator.stop()", () => {
  void it("leaves no sshd process and removes the temp dir", async () => {
    const emulator = await startEmulator({ port: 0, rateLimit: false, timings: FAST_TIMINGS });
    let stopped = false;
    try {
      const pods = await Promise.all([0, 1].map(() => podWithSshd(emulator, { env: { PUBLIC_KEY: keyA.publicKey } })));
      const pids = pods.map((pod) => view(emulator, pod.id).sshdPid as number);
      const before = await pgrep(emulator.tempDir);
      for (const pid of pids) assert.ok(before.includes(pid), `pgrep -f ${emulator.tempDir} should list sshd ${pid}`);
      await emulator.stop();
      stopped = true;
      await emulator.stop(); // idempotent
      assert.deepEqual(await pgrep(emulator.tempDir), []);
      for (const pid of pids) assert.equal(processExists(pid), false);
      await assert.rejects(fs.access(emulator.tempDir), /ENOENT/);
      for (const pod of pods) assert.equal(await canConnect(pod.ssh.direct?.port ?? 0), false);
    } finally {
      if (!stopped) await emulator.stop();
    }
  });
});
