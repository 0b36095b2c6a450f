/**
 * Readiness and host keys with a scripted client whose pod's direct address is a scripted SSH server: an sshd that
 * answers but whose keys cannot be read (no curve25519) makes the pod ready without keys after three tries, with a
 * note saying why and what the commands do instead; one whose signature does not verify is never ready.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "20";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunpodClient } from "../../sdk/runpod/client";
import type { Pod } from "../../sdk/runpod/schemas";
import { waitForPodReady } from "../../sdk/pod/podReadiness";
import { startFakeSshServer } from "../helpers/fakeSshServer";

function runningAt(port: number): RunpodClient {
  const pod = {
    id: "p1",
    name: "pod",
    status: "RUNNING",
    ports: ["22/tcp"],
    ssh: { direct: { host: "127.0.0.1", port, username: "root" } },
  } as unknown as Pod;
  return {
    rateLimiter: undefined,
    getPod: async () => pod,
    listPods: async () => [pod],
    getPodLogs: async () => [],
  } as unknown as RunpodClient;
}

test("an sshd whose host keys cannot be read: ready without keys after three tries, with a note", async () => {
  const server = await startFakeSshServer("no-curve25519");
  try {
    const ready = await waitForPodReady(runningAt(server.port), "p1", { timeoutMs: 20_000, label: "dev" });
    assert.deepEqual(ready.hostKeys, []);
    assert.equal(
      ready.hostKeyNote,
      "the host keys of pod dev (p1) could not be read (the server offers no curve25519-sha256 key exchange (it offers " +
        "diffie-hellman-group14-sha256)). Its commands trust the host key on first use (accept-new) instead of pinning it.",
    );
    // Each try: one banner read and one key exchange.
    assert.equal(server.connections, 6);
  } finally {
    await server.close();
  }
});

test("an sshd that answers with a key it does not hold is never ready: the deadline names the failed signature", async () => {
  const server = await startFakeSshServer("signs-with-another-key");
  try {
    const ready = await waitForPodReady(runningAt(server.port), "p1", { timeoutMs: 2000, label: "dev" }).then(
      (r) => r,
      (e: Error) => e,
    );
    assert.ok(ready instanceof Error, "no pod is ready with a host key its server cannot sign with");
    assert.match(ready.message, /^Pod dev \(p1\) was not ready for SSH after \d+ s/);
    assert.match(ready.message, /last SSH check: .*but its host keys could not be read: the server's signature/);
  } finally {
    await server.close();
  }
});
