/**
 * Pinned host keys end to end, through the serialized Pod provider against the emulator's real sshd and the system
 * ssh client: the keys recorded at create are the pod's own, the default commands connect on the very first try
 * with strict checking and no known-hosts file anywhere (a HOME with no ~/.ssh, as in a fresh CI job), another sshd
 * answering on the recorded port is refused, and a reset followed by a refresh (or an update that resets) moves the
 * pin to the new container's key.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
process.env.RUNPOD_SSH_PROGRESS_EVERY_MS = "60000";
// An image that prints no fingerprints is ready after this wait for them (15 s by default).
process.env.RUNPOD_SSH_HOST_KEY_LOG_WAIT_MS = "1500";
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import { addProgressSink } from "../../sdk/providers/progress";
import type { PodOutputs } from "../../sdk/providers/podProvider";
import { buildSshCommands, type HostKeyChecking } from "../../sdk/ssh/sshCommands";
import { startTestSshServer } from "../helpers/sshServer";
import { waitFor } from "../engine/inspect";

let emulator: RunpodEmulator;
let hosted: HostedProvider;
let dir: string;
let emptyHome: string;
let publicKey: string;
let n = 0;
const progress: string[] = [];
const warnings: string[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "podhostkeys-"));
  emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), "empty-home-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hostkeys", "-f", path.join(dir, "id")]);
  publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
  emulator = await startEmulator({
    rateLimit: false,
    timings: { provisioningMs: 60, startingMs: 60, sshdStartMs: 100 },
  });
  hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  addProgressSink((m, o) => (o.severity === "warning" ? warnings : progress).push(m));
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(emptyHome, { recursive: true, force: true });
});
afterEach(async () => {
  for (const pod of emulator.pods()) {
    await fetch(`${emulator.url}/v2/pods/${pod.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${emulator.apiKey}` },
    });
  }
});

async function created(
  extra: Record<string, unknown> = {},
): Promise<{ id: string; ins: Record<string, unknown>; outs: PodOutputs }> {
  n++;
  const raw = {
    name: `hostkeys-${n}`,
    ownerTag: `urn:pulumi:test::proj::pod::h${n}`,
    image: "runpod/base:1.0.0",
    gpu: { id: "NVIDIA GeForce RTX 4090" },
    sshPublicKeys: [publicKey],
    ...extra,
  };
  const checked = await hosted.provider.check({}, raw);
  assert.deepEqual(checked.failures ?? [], []);
  const result = await hosted.provider.create(checked.inputs);
  return { id: result.id, ins: checked.inputs as Record<string, unknown>, outs: result.outs as PodOutputs };
}

/** The pod's host key as the emulator wrote it (`type base64`). */
function emulatorHostKey(podId: string): string {
  const pod = emulator.pods().find((p) => p.id === podId)!;
  return fs
    .readFileSync(path.join(pod.dir, "ssh_host_ed25519_key.pub"), "utf8")
    .trim()
    .split(" ")
    .slice(0, 2)
    .join(" ");
}

function sshCommand(outs: PodOutputs, checking?: HostKeyChecking): string {
  const target = {
    host: outs.publicIp,
    port: outs.sshPort,
    user: outs.sshUser,
    proxyUser: null,
    proxyHost: null,
    hostKeys: outs.hostKeys,
    unpinned: outs.waitForSsh === false,
  };
  return buildSshCommands(target, { identityFile: path.join(dir, "id"), podId: outs.podId, hostKeyChecking: checking })
    .sshCommand;
}

/** Runs a generated command as pasted into a shell whose HOME has no ~/.ssh at all; resolves with the exit. */
function paste(command: string, remote: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "sh",
      ["-c", `${command} ${remote}`],
      { env: { ...process.env, HOME: emptyHome }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("create records the pod's own host key; the default command connects at once with strict checking and no file", async () => {
  const { outs } = await created();
  const key = emulatorHostKey(outs.podId);
  assert.deepEqual(outs.hostKeys, [key], "the recorded key is the one the pod's sshd holds");
  assert.equal(outs.hostKeyProof, "api-log", "a runpod/* image prints its fingerprints, read back over the API");
  assert.equal(outs.knownHostsLine, `[127.0.0.1]:${outs.sshPort} ${key}`);
  const command = sshCommand(outs);
  assert.match(command, /-o StrictHostKeyChecking=yes -o UserKnownHostsFile=\/dev\/null/);
  assert.ok(command.includes(`'KnownHostsCommand=/bin/echo ${outs.knownHostsLine}'`), command);
  const first = await paste(command, "'echo first-try'");
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.trim(), "first-try");
  assert.doesNotMatch(first.stderr, /Permanently added/, "nothing was trusted on first use");
  assert.equal(fs.readdirSync(emptyHome).length, 0, "no known-hosts file was written anywhere");

  // The recipe for clients older than OpenSSH 8.5: knownHostsLine in a file, hostKeyChecking "strict".
  const file = path.join(dir, `known_hosts_${outs.podId}`);
  fs.writeFileSync(file, `${outs.knownHostsLine}\n`);
  const target = { host: outs.publicIp, port: outs.sshPort, user: outs.sshUser, proxyUser: null, proxyHost: null };
  const strict = buildSshCommands(target, {
    identityFile: path.join(dir, "id"),
    podId: outs.podId,
    hostKeyChecking: "strict",
    knownHostsFile: file,
  }).sshCommand;
  assert.doesNotMatch(strict, /KnownHostsCommand/);
  const fromFile = await paste(strict, "'echo from-the-file'");
  assert.equal(fromFile.stdout.trim(), "from-the-file", fromFile.stderr);
});

test("another sshd answering on the recorded port is refused by the pinned command (and reached with checking off)", async () => {
  const { outs } = await created();
  const pod = emulator.pods().find((p) => p.id === outs.podId)!;
  process.kill(pod.sshdPid!, "SIGKILL");
  await waitFor(() => emulator.pods().find((p) => p.id === outs.podId)?.sshdPid === null);
  const impostor = await startTestSshServer({ port: outs.sshPort!, authorizedKeys: publicKey });
  try {
    const refused = await paste(sshCommand(outs), "'echo should-not-run'");
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    assert.match(refused.stderr, /Host key verification failed/);
    assert.equal(refused.stdout, "");
    // The impostor would have let the key in: only the pin stopped the command.
    const open = await paste(sshCommand(outs, "off"), "'echo reached-the-impostor'");
    assert.equal(open.stdout.trim(), "reached-the-impostor", open.stderr);
    // A refresh keeps the pin: the key changed at the same address, and the pod's log does not show the new one.
    warnings.length = 0;
    await assert.rejects(hosted.provider.read(outs.podId, outs), (e: Error) => {
      assert.match(e.message, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
      assert.match(e.message, new RegExp(`Pod ${outs.name} \\(${outs.podId}\\) at 127\\.0\\.0\\.1:${outs.sshPort}`));
      assert.match(e.message, /the pod's log \(read over the API\) does not show it either/);
      return true;
    });
    assert.deepEqual(warnings, [], "nothing was re-pinned");
  } finally {
    await impostor.stop();
  }
});

test("after a reset, refresh reads the new container's key and the pinned command follows; the old one is refused", async () => {
  const { id, outs } = await created();
  await emulator.resetPod(id);
  await waitFor(() => emulator.pods()[0]?.status === "RUNNING" && emulator.pods()[0]?.sshdReadyAt !== null);
  warnings.length = 0;
  const read = (await hosted.provider.read(id, outs)).props as PodOutputs;
  const key = emulatorHostKey(id);
  assert.equal(read.hostKeyProof, "api-log");
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], new RegExp(`moved from 127\\.0\\.0\\.1:${outs.sshPort} to 127\\.0\\.0\\.1:${read.sshPort} .*now pin the host key read there`));
  assert.notEqual(key, outs.hostKeys[0], "the new container has a new host key");
  assert.deepEqual(read.hostKeys, [key]);
  assert.equal(read.knownHostsLine, `[127.0.0.1]:${read.sshPort} ${key}`);
  const ok = await paste(sshCommand(read), "'echo after-refresh'");
  assert.equal(ok.stdout.trim(), "after-refresh", ok.stderr);
  // The old pin against the new container (its port, the old key): refused.
  const stale = await paste(sshCommand({ ...read, hostKeys: outs.hostKeys }), "true");
  assert.match(stale.stderr, /Host key verification failed/);
});

test("an update that resets the container (env) records the new key; one that does not (name) keeps it", async () => {
  const { id, ins, outs } = await created();
  const renamed = (await hosted.provider.update(id, outs, { ...ins, name: `${String(ins.name)}-renamed` }))
    .outs as PodOutputs;
  assert.deepEqual(renamed.hostKeys, outs.hostKeys);
  const reset = (await hosted.provider.update(id, renamed, { ...ins, env: { STAGE: "two" } })).outs as PodOutputs;
  assert.notEqual(reset.sshPort, outs.sshPort);
  assert.deepEqual(reset.hostKeys, [emulatorHostKey(id)]);
  assert.notDeepEqual(reset.hostKeys, outs.hostKeys);
  const ok = await paste(sshCommand(reset), "'echo after-update'");
  assert.equal(ok.stdout.trim(), "after-update", ok.stderr);
});

test("no key read (waitForSsh: false): empty hostKeys, no known_hosts line, and the commands trust on first use", async () => {
  warnings.length = 0;
  const unwaited = await created({ waitForSsh: false });
  assert.deepEqual(unwaited.outs.hostKeys, []);
  assert.equal(unwaited.outs.hostKeyProof, null);
  assert.ok(warnings.some((w) => w.includes("waitForSsh is false, so no host key was read")), warnings.join("\n"));
  assert.equal(unwaited.outs.knownHostsLine, null);
  assert.match(sshCommand(unwaited.outs), /StrictHostKeyChecking=accept-new/);
});

test("refresh at the same address with the same key keeps the pin, silently", async () => {
  const { id, outs } = await created();
  warnings.length = 0;
  const read = (await hosted.provider.read(id, outs)).props as PodOutputs;
  assert.deepEqual(read.hostKeys, outs.hostKeys);
  assert.equal(read.hostKeyProof, "api-log");
  assert.deepEqual(warnings, []);
});

test("an image that prints no fingerprints: first-contact; a restart (same port, new key) fails the refresh until accepted", async () => {
  const { id, outs } = await created({ image: "nvidia/cuda:12.4.1-base-ubuntu22.04" });
  assert.equal(outs.hostKeyProof, "first-contact");
  assert.deepEqual(outs.hostKeys, [emulatorHostKey(id)]);
  const pod = emulator.pods().find((p) => p.id === id)!;
  process.kill(pod.sshdPid!, "SIGKILL");
  await waitFor(() => emulator.pods().find((p) => p.id === id)?.sshdPid === null);
  const other = await startTestSshServer({ port: outs.sshPort!, authorizedKeys: publicKey });
  try {
    await assert.rejects(hosted.provider.read(id, outs), (e: Error) => {
      assert.match(e.message, /@ {4}WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! {5}@/);
      assert.match(e.message, new RegExp(`RUNPOD_SSH_REPIN_HOST_KEY=${id} pulumi refresh`));
      return true;
    });
    process.env.RUNPOD_SSH_REPIN_HOST_KEY = id;
    warnings.length = 0;
    const read = (await hosted.provider.read(id, outs)).props as PodOutputs;
    assert.deepEqual(read.hostKeys, other.hostKeys);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /changed to SHA256:.*RUNPOD_SSH_REPIN_HOST_KEY accepts it, so the commands now pin it/);
  } finally {
    delete process.env.RUNPOD_SSH_REPIN_HOST_KEY;
    await other.stop();
  }
});
