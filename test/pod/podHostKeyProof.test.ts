/**
 * The host-key proof reads only the current container's log lines. A container whose new start command prints no
 * block (an `args` change) used to leave the previous container's block as "the last one": its fingerprints are not
 * the new sshd's, so the pod looked disproven until the readiness deadline (test/providers/podChanges hung on it).
 * The container's start is taken from the API's clocks (the log answer's Date header, the pod's uptime), never
 * from ours: the property below has our clock skewed by anything and the answers late by up to a second.
 *
 * A scripted client stands in for the API here (the log and its Date header are what each test puts there); the
 * emulator-backed run of the same situation is test/providers/podChanges.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { PodLogsOptions, RunpodClient } from "../../sdk/runpod/client";
import { containerStartCutoff, linesSince, proveHostKeys } from "../../sdk/pod/podHostKeyProof";
import { hostKeyFingerprint } from "../../sdk/ssh/hostKeyLog";
import { hostKeyLogLines } from "../../emulator/logs";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

test("the cutoff never leaves out a line of the current container, and is at most 3 s before its start", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), // the container's start, API clock
      fc.integer({ min: 0, max: 3_600_000 }), // how long it ran when the pod was read
      fc.integer({ min: 0, max: 1000 }), // the pod read's answer took this long to reach us
      fc.integer({ min: 0, max: 20_000 }), // then the log answer came this much later
      fc.integer({ min: -86_400_000, max: 86_400_000 }), // our clock minus the API's
      (start, ranMs, latency, later, skew) => {
        const uptimeSec = Math.floor(ranMs / 1000);
        const readAtMs = start + ranMs + latency + skew;
        const serverNow = start + ranMs + latency + later;
        const serverMs = Math.floor(serverNow / 1000) * 1000; // Date headers are whole seconds
        const cutoff = containerStartCutoff(serverMs, serverNow + skew, { uptimeSec, readAtMs });
        assert.ok(cutoff <= start, `cutoff ${cutoff - start} ms after the start`);
        assert.ok(cutoff >= start - 3000, `cutoff ${start - cutoff} ms before the start`);
      },
    ),
  );
});

test("linesSince keeps lines at or after the cutoff and lines without a readable time", () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const lines = [
    { ts: at(1000), line: "old" },
    { ts: at(5000), line: "new" },
    { line: "untimed" },
    { ts: "garbled", line: "garbled" },
  ];
  assert.deepEqual(
    linesSince(lines, 5000).map((l) => l.line),
    ["new", "untimed", "garbled"],
  );
  assert.deepEqual(linesSince(lines, undefined).length, 4);
});

const START = Date.parse("2026-12-05T10:00:00Z");
const oldKey = ed25519PublicKeyLine();
const newKey = ed25519PublicKeyLine();

function block(key: string, ms: number): Array<{ ts: string; source: string; line: string }> {
  const keygenLine = `256 ${hostKeyFingerprint(key)} root@pod (ED25519)`;
  return hostKeyLogLines([{ path: "/etc/ssh/ssh_host_ed25519_key.pub", keygenLine }]).map((line) => ({
    ts: new Date(ms).toISOString(),
    source: "container",
    line,
  }));
}

/** A client whose log holds `entries` and whose answer's Date is 20 s after START (the container ran 20 s). */
function logClient(entries: Array<{ ts: string; source: string; line: string }>): RunpodClient {
  return {
    getPodLogs: async (_id: string, options: PodLogsOptions = {}) => {
      options.onServerDate?.(START + 20_000, Date.now());
      return entries;
    },
  } as unknown as RunpodClient;
}

const age = () => ({ uptimeSec: 20, readAtMs: Date.now() });
const noWait = { waitedMs: 0, logWaitMs: 0 };

test("a previous container's block does not disprove the new sshd; without the container's age it did (control)", async () => {
  const log = [...block(oldKey, START - 60_000), { ts: new Date(START + 3000).toISOString(), source: "container", line: "sleeping" }];
  // Within the log wait: the new key is neither proven nor trusted yet; the wait for this container's lines goes on.
  const fixed = await proveHostKeys(logClient(log), "p1", [newKey], { waitedMs: 0, logWaitMs: 15_000 }, age());
  assert.equal(fixed.disproven, undefined, fixed.detail);
  assert.equal(fixed.proof, undefined, "nothing is pinned while this container's lines are awaited");
  assert.match(fixed.detail, /waiting for the start script's host-key lines/);
  const before = await proveHostKeys(logClient(log), "p1", [newKey], noWait);
  assert.equal(before.disproven, true, "the old reading: the last block in the log, whatever container printed it");
});

test("the current container's block still proves its key, and still disproves an impostor's", async () => {
  const log = [...block(oldKey, START - 60_000), ...block(newKey, START + 800)];
  assert.equal((await proveHostKeys(logClient(log), "p1", [newKey], noWait, age())).proof, "api-log");
  const impostor = await proveHostKeys(logClient(log), "p1", [oldKey], noWait, age());
  assert.equal(impostor.disproven, true, "a key the current container's block does not show is never trusted");
  assert.equal(impostor.proof, undefined);
});
