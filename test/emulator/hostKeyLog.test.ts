/**
 * The emulator prints the host-key lines of Runpod's start script (`SSH host keys:`, `Key: <path>`, then
 * `ssh-keygen -lf`) for images whose start script would (runpod/* images, and any image run through this
 * package's bootstrap), and nothing for others; the fingerprint is the one of the key its sshd presents, so
 * readiness proves it over the API ("api-log"). `hostKeyLogMs` delays the lines, as Runpod's log pipeline may.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "50";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { RunpodClient } from "../../sdk/runpod/client";
import { waitForPodReady } from "../../sdk/pod/podReadiness";
import { hostKeyFingerprint, loggedFingerprints } from "../../sdk/ssh/hostKeyLog";
import { startArgs, startScript } from "../../sdk/ssh/startScript";
import { Api, gpuPodBody } from "../helpers/emulator";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

let emulator: RunpodEmulator;
let client: RunpodClient;
const PUBLIC_KEY = ed25519PublicKeyLine("t");

before(async () => {
  emulator = await startEmulator({
    rateLimit: false,
    timings: { provisioningMs: 60, startingMs: 60, sshdStartMs: 40, hostKeyLogMs: 400 },
  });
  client = new RunpodClient({ apiUrl: emulator.url, apiKey: emulator.apiKey, rateLimiter: false });
});
after(() => emulator.stop());

async function readyPod(body: Record<string, unknown>) {
  const pod = await Api.for(emulator).createPod(gpuPodBody({ env: { PUBLIC_KEY }, ...body }));
  const ready = await waitForPodReady(client, pod.id, { timeoutMs: 30_000, label: "t", hostKeyLogWaitMs: 2000 });
  const lines = (await client.getPodLogs(pod.id, { source: "container", tail: 500, idleMs: 200 })).map((l) => l.line);
  const view = emulator.pods().find((p) => p.id === pod.id)!;
  const key = fs.readFileSync(path.join(view.dir, "ssh_host_ed25519_key.pub"), "utf8").split(" ").slice(0, 2).join(" ");
  return { ready, lines, key };
}

test("a runpod/* image: the start script's lines with the fingerprint of the key its sshd presents; api-log", async () => {
  const { ready, lines, key } = await readyPod({});
  const header = lines.indexOf("SSH host keys:");
  assert.ok(header !== -1, lines.join("\n"));
  assert.equal(lines[header + 1], "Key: /etc/ssh/ssh_host_ed25519_key.pub");
  assert.match(lines[header + 2], /^256 SHA256:[A-Za-z0-9+/]{43} pod-\S+ \(ED25519\)$/);
  assert.deepEqual(loggedFingerprints(lines), [hostKeyFingerprint(key)]);
  assert.equal(ready.hostKeyProof, "api-log");
  assert.deepEqual(ready.hostKeys, [key]);
  // The lines came hostKeyLogMs after sshd answered: readiness waited for them, bounded.
  assert.ok(ready.timings!.proofMs! >= 200 && ready.timings!.proofMs! < 2000, `proof after ${ready.timings!.proofMs} ms`);
});

test("a custom image through the bootstrap prints them too; without it, nothing, and the key is from first contact", async () => {
  const args = startArgs(startScript({ installSshd: true, passwordLogin: false, then: "sleep" }));
  const boot = await readyPod({ image: "ubuntu:24.04", args });
  assert.deepEqual(loggedFingerprints(boot.lines), [hostKeyFingerprint(boot.key)]);
  assert.equal(boot.ready.hostKeyProof, "api-log");
  const plain = await readyPod({ image: "ubuntu:24.04" });
  assert.equal(loggedFingerprints(plain.lines), undefined, plain.lines.join("\n"));
  assert.equal(plain.ready.hostKeyProof, "first-contact");
  assert.deepEqual(plain.ready.hostKeys, [plain.key]);
  assert.ok(plain.ready.timings!.proofMs! >= 2000, "it waited the whole log wait for lines that never came");
});
