/**
 * Readiness and host keys with a scripted client whose pod's direct address is a scripted SSH server (an impostor
 * or a broken sshd on the pod's port) and whose log holds what the test puts there. In the default mode nothing
 * weakens: an sshd whose keys cannot be read fails at the deadline with a message that names the pod, what was
 * seen and the explicit opt-in; a malformed reply after the key counts as forged. The key must match the
 * fingerprints the pod's log shows (api-log); a log without them leaves the key from first contact; a log with
 * others fails (an impostor).
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "20";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunpodClient } from "../../sdk/runpod/client";
import type { Pod } from "../../sdk/runpod/schemas";
import { waitForPodReady, type ReadinessOptions } from "../../sdk/pod/podReadiness";
import { hostKeyFingerprint } from "../../sdk/ssh/hostKeyLog";
import { hostKeyLogLines } from "../../emulator/logs";
import { startFakeSshServer } from "../helpers/fakeSshServer";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

function runningAt(port: number, log: string[] = [], host = "127.0.0.1"): RunpodClient & { logCalls: number } {
  const pod = {
    id: "p1",
    name: "pod",
    status: "RUNNING",
    ports: ["22/tcp"],
    ssh: { direct: { host, port, username: "root" } },
  } as unknown as Pod;
  const client = {
    logCalls: 0,
    rateLimiter: undefined,
    getPod: async () => pod,
    listPods: async () => [pod],
    getPodLogs: async () => {
      client.logCalls++;
      return log.map((line) => ({ source: "container", line }));
    },
  };
  return client as unknown as RunpodClient & { logCalls: number };
}

/** The block a start script prints for `key` (`type base64`). */
function logFor(key: string): string[] {
  const keygenLine = `256 ${hostKeyFingerprint(key)} root@pod (ED25519)`;
  return ["Setting up SSH...", ...hostKeyLogLines([{ path: "/etc/ssh/ssh_host_ed25519_key.pub", keygenLine }]), "Starting Jupyter"];
}

async function outcome(client: RunpodClient, options: Partial<ReadinessOptions>) {
  return waitForPodReady(client, "p1", { timeoutMs: 3000, label: "dev", hostKeyLogWaitMs: 300, ...options }).then(
    (r) => r,
    (e: Error) => e,
  );
}

test("pinned (default): an sshd whose keys cannot be read is never ready; the deadline names the pod, what was seen and the opt-in", async () => {
  const server = await startFakeSshServer("no-curve25519");
  try {
    const result = await outcome(runningAt(server.port), {});
    assert.ok(result instanceof Error, "no fallback to accept-new");
    assert.match(result.message, /^Pod dev \(p1\) was not ready for SSH after \d+ s/);
    assert.match(result.message, /but its host keys could not be read: the server offers no curve25519-sha256/);
    assert.match(result.message, /set hostKeyChecking: "accept-new"/);
    assert.ok(server.connections > 6, "it kept trying past three tries");
  } finally {
    await server.close();
  }
});

test("explicit accept-new: an sshd whose keys cannot be read is ready without keys after three tries, with a note", async () => {
  const server = await startFakeSshServer("no-curve25519");
  try {
    const ready = await outcome(runningAt(server.port), { hostKeyChecking: "accept-new", timeoutMs: 20_000 });
    assert.ok(!(ready instanceof Error), ready instanceof Error ? ready.message : "");
    assert.deepEqual(ready.hostKeys, []);
    assert.match(ready.hostKeyNote!, /^the host keys of pod dev \(p1\) could not be read \(the server offers no curve25519/);
    assert.match(ready.hostKeyNote!, /With hostKeyChecking "accept-new" its commands do not use a pinned key/);
    assert.equal(server.connections, 6);
  } finally {
    await server.close();
  }
});

for (const behaviour of ["signs-with-another-key", "malformed-signature"] as const) {
  test(`${behaviour}: forged, never ready even with accept-new; the deadline says an impostor may answer`, async () => {
    const server = await startFakeSshServer(behaviour);
    try {
      const result = await outcome(runningAt(server.port), { hostKeyChecking: "accept-new", timeoutMs: 2000 });
      assert.ok(result instanceof Error, "no pod is ready with a host key its server does not prove it holds");
      assert.match(result.message, /last SSH check: .*but its host keys could not be read: the server/);
      assert.match(result.message, /something other than the pod's sshd may be answering there/);
    } finally {
      await server.close();
    }
  });
}

test("match: the key read from the pod's port is the one its log (over the API) shows: api-log", async () => {
  const server = await startFakeSshServer("honest");
  try {
    const ready = await outcome(runningAt(server.port, logFor(server.hostKey)), {});
    assert.ok(!(ready instanceof Error), ready instanceof Error ? ready.message : "");
    assert.deepEqual(ready.hostKeys, [server.hostKey]);
    assert.equal(ready.hostKeyProof, "api-log");
  } finally {
    await server.close();
  }
});

test("mismatch: an impostor sshd on the pod's port (its key is not in the pod's log) fails, never falls back", async () => {
  const server = await startFakeSshServer("honest");
  try {
    const podKey = ed25519PublicKeyLine().split(" ").slice(0, 2).join(" ");
    const result = await outcome(runningAt(server.port, logFor(podKey)), { hostKeyChecking: "accept-new" });
    assert.ok(result instanceof Error, "an impostor never makes the pod ready");
    assert.match(
      result.message,
      new RegExp(`the host key it presented \\(${hostKeyFingerprint(server.hostKey).replace(/[+/]/g, "\\$&")}\\) is not one the pod's log shows`),
    );
    assert.match(result.message, /an impostor\)\. Nothing was trusted/);
  } finally {
    await server.close();
  }
});

test("no lines: an image that prints no fingerprints is ready after the log wait with the key from first contact", async () => {
  const server = await startFakeSshServer("honest");
  try {
    const client = runningAt(server.port, ["Setting up SSH..."]);
    const ready = await outcome(client, { hostKeyLogWaitMs: 1200, timeoutMs: 8000 });
    assert.ok(!(ready instanceof Error), ready instanceof Error ? ready.message : "");
    assert.equal(ready.hostKeyProof, "first-contact");
    assert.deepEqual(ready.hostKeys, [server.hostKey]);
    assert.ok(ready.timings!.proofMs! >= 1200, `waited ${ready.timings!.proofMs} ms for the lines`);
    assert.ok(client.logCalls >= 2, "the log was read again while waiting");
  } finally {
    await server.close();
  }
});

test("a host with a newline from the API fails readiness before any probe", async () => {
  const server = await startFakeSshServer("honest");
  try {
    const result = await outcome(runningAt(server.port, [], "127.0.0.1\nProxyCommand touch /tmp/x"), {});
    assert.ok(result instanceof Error);
    assert.match(result.message, /^Pod dev \(p1\) has an SSH path this package will not use: host "127\.0\.0\.1\\nProxyCommand/);
    assert.equal(server.connections, 0);
  } finally {
    await server.close();
  }
});

test("waitForSsh: false is ready without keys, with a note saying the commands trust on first use", async () => {
  const ready = await outcome(runningAt(1), { waitForSsh: false });
  assert.ok(!(ready instanceof Error));
  assert.deepEqual(ready.hostKeys, []);
  assert.match(ready.hostKeyNote!, /waitForSsh is false, so no host key was read and none is pinned; its commands trust/);
});
