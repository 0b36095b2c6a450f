/**
 * Pausing a pod (`running: false`) and starting it again, through the serialized Pod provider against the
 * emulator, with real ssh: the stop and start actions are sent, the outputs and commands say why there is no SSH
 * while stopped, and after a start the new port and host key reach the outputs and the pinned command works.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
process.env.RUNPOD_SSH_PROGRESS_EVERY_MS = "60000";
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api } from "../helpers/emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import type { PodOutputs } from "../../sdk/providers/podProvider";
import { buildSshCommands, STOPPED_REASON } from "../../sdk/ssh/sshCommands";

let emulator: RunpodEmulator;
let hosted: HostedProvider;
let api: Api;
let dir: string;
let publicKey: string;
let n = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "podpause-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "pause", "-f", path.join(dir, "id")]);
  publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
  emulator = await startEmulator({
    rateLimit: false,
    timings: { provisioningMs: 60, startingMs: 60, sshdStartMs: 100 },
  });
  hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  api = Api.for(emulator);
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const pod of emulator.pods()) await api.delete(`/v2/pods/${pod.id}`);
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
    name: `pause-${n}`,
    ownerTag: `urn:pulumi:test::proj::pod::pause${n}`,
    image: "runpod/base:1.0.0",
    gpu: { id: "NVIDIA GeForce RTX 4090" },
    sshPublicKeys: [publicKey],
    ...extra,
  };
}

function commandsFor(outs: PodOutputs) {
  return buildSshCommands(
    {
      host: outs.publicIp,
      port: outs.sshPort,
      user: outs.sshUser,
      proxyUser: outs.proxyUser,
      proxyHost: outs.proxyHost,
      hostKeys: outs.hostKeys,
      stopped: outs.status === "EXITED",
    },
    { identityFile: path.join(dir, "id"), podId: outs.podId },
  );
}

function sshEcho(outs: PodOutputs, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "sh",
      ["-c", `${commandsFor(outs).sshCommand} 'echo ${text}'`],
      { timeout: 30_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`ssh failed: ${stderr}`)) : resolve(stdout.trim())),
    );
  });
}

/** Actions sent to the pod since `from` (request index). */
function actionsSince(from: number, podId: string): string[] {
  return emulator.requests
    .slice(from)
    .filter((r) => r.method === "POST" && r.path === `/v2/pods/${podId}/action`)
    .map((r) => (JSON.parse(r.body!) as { action: string }).action);
}

const livePod = (id: string) => emulator.pods().find((p) => p.id === id)!;

test("running: false stops the pod (commands say why), true starts it: new port and host key, pinned ssh works", async () => {
  const ins = await checked(inputs());
  const created = await hosted.provider.create(ins);
  const id = created.id;
  const running = created.outs as PodOutputs;
  assert.equal(await sshEcho(running, "before-pause"), "before-pause");

  const paused = { ...ins, running: false };
  const stopDiff = await hosted.provider.diff(id, running, paused);
  assert.deepEqual([stopDiff.changes, stopDiff.replaces], [true, []], "pausing is an update, never a replacement");
  let mark = emulator.requests.length;
  const stopped = (await hosted.provider.update(id, running, paused)).outs as PodOutputs;
  assert.deepEqual(actionsSince(mark, id), ["stop"]);
  assert.equal(livePod(id).status, "EXITED");
  assert.equal(stopped.status, "EXITED");
  assert.equal(stopped.podId, id, "the same pod");
  assert.deepEqual(
    [stopped.publicIp, stopped.sshPort, stopped.hostKeys, stopped.knownHostsLine],
    [null, null, [], null],
  );
  const commands = commandsFor(stopped);
  for (const out of [commands.sshCommand, commands.scpCommand, commands.rsyncCommand, commands.sshTarget]) {
    assert.equal(out, STOPPED_REASON);
  }
  // Nothing to do while it stays paused.
  assert.equal((await hosted.provider.diff(id, stopped, paused)).changes, false);

  const resumed = { ...ins, running: true };
  assert.equal((await hosted.provider.diff(id, stopped, resumed)).changes, true);
  mark = emulator.requests.length;
  const started = (await hosted.provider.update(id, stopped, resumed)).outs as PodOutputs;
  assert.deepEqual(actionsSince(mark, id), ["start"]);
  assert.equal(started.status, "RUNNING");
  assert.equal(started.sshPort, livePod(id).sshPort, "the port of the new container reached the outputs");
  assert.ok(livePod(id).sshdReadyAt, "update returned only once sshd answered");
  const key = fs
    .readFileSync(path.join(livePod(id).dir, "ssh_host_ed25519_key.pub"), "utf8")
    .split(" ")
    .slice(0, 2)
    .join(" ");
  assert.deepEqual(started.hostKeys, [key], "the new container's host key was read again");
  assert.notDeepEqual(started.hostKeys, running.hostKeys);
  assert.equal(await sshEcho(started, "after-start"), "after-start");
  assert.equal((await hosted.provider.diff(id, started, resumed)).changes, false);
});

test("created with running: false: stopped at once, no wait for SSH; settings changed while stopped apply at the start", async () => {
  const ins = await checked(inputs({ running: false }));
  const created = await hosted.provider.create(ins);
  const id = created.id;
  const outs = created.outs as PodOutputs;
  assert.equal(outs.status, "EXITED");
  assert.equal(livePod(id).status, "EXITED");
  assert.equal(livePod(id).containerStarts, 0, "the pod was stopped before its container ever started");

  let mark = emulator.requests.length;
  const withEnv = { ...ins, env: { STAGE: "two" } };
  const patched = (await hosted.provider.update(id, outs, withEnv)).outs as PodOutputs;
  assert.deepEqual(actionsSince(mark, id), [], "a PATCH only: the pod stays stopped");
  assert.equal(patched.status, "EXITED");
  assert.equal(livePod(id).env.STAGE, "two");

  mark = emulator.requests.length;
  const started = (await hosted.provider.update(id, patched, { ...withEnv, running: true })).outs as PodOutputs;
  assert.deepEqual(actionsSince(mark, id), ["start"]);
  assert.equal(livePod(id).containerStarts, 1);
  assert.equal(livePod(id).env.STAGE, "two", "the started container has the env set while stopped");
  assert.equal(await sshEcho(started, "first-start"), "first-start");
});

test("a pod stopped outside Pulumi: refresh shows it stopped, and the next up starts it again (running defaults to true)", async () => {
  const ins = await checked(inputs());
  const created = await hosted.provider.create(ins);
  const id = created.id;
  assert.equal((await api.post(`/v2/pods/${id}/action`, { action: "stop" })).status, 200);
  const refreshed = (await hosted.provider.read(id, created.outs as PodOutputs)).props as PodOutputs;
  assert.equal(refreshed.status, "EXITED");
  assert.equal(commandsFor(refreshed).sshCommand, STOPPED_REASON);
  const diff = await hosted.provider.diff(id, refreshed, ins);
  assert.deepEqual([diff.changes, diff.replaces], [true, []]);
  const started = (await hosted.provider.update(id, refreshed, ins)).outs as PodOutputs;
  assert.equal(started.status, "RUNNING");
  assert.equal(await sshEcho(started, "started-again"), "started-again");
});
