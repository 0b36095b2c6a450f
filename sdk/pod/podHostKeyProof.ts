/**
 * Proof of a pod's host keys over the authenticated API: the keys read from its sshd (over the network) must be
 * the ones its start script printed to the container log (`GET /v2/pods/{id}/logs`, HTTPS with the API key; see
 * ssh/hostKeyLog.ts). A pod whose log shows them is proven ("api-log"). A pod whose log shows other fingerprints
 * is not ready: something else answers at its address, and nothing is trusted (never a fallback). A pod whose log
 * shows no block (an image whose start script prints none) is ready once `logWaitMs` passed since the keys were
 * read, with the keys from first contact ("first-contact", today's pin-at-`up`).
 *
 * Why wait at all: the start script prints the block just after sshd starts, and the log reaches the API through
 * Runpod's log pipeline, so the lines may come after sshd answers. The wait is bounded (15 s by default, within
 * the readiness deadline); against the emulator the lines were there when the keys were read (see
 * docs/host-keys.md for the figures).
 *
 * Only the current container's lines count. A container that restarts prints the block again, but one whose new
 * start command prints none (an `args` change) would leave the previous container's block as the last one, whose
 * fingerprints are not the new sshd's: the pod would look disproven until its deadline. So when the caller knows
 * the container's `runtime.uptime`, lines logged before the container started are left out, with the start taken
 * from the API's own clocks (the log answer's `Date` header minus the uptime and the time since the pod was read),
 * never from ours, and rounded toward the earlier moment (both are whole seconds).
 */
import type { RunpodClient } from "../runpod/client";
import { hostKeyFingerprint, keysNotLogged, loggedFingerprints } from "../ssh/hostKeyLog";

/** How a pod's pinned host key was proven. */
export type HostKeyProof = "api-log" | "first-contact";

export interface ProofResult {
  /** Set when the pod is ready: how its keys are proven. */
  proof?: HostKeyProof;
  /** The log shows fingerprints, and a key read from the pod's address is not among them. */
  disproven?: boolean;
  /** What was seen, as a clause for messages (empty with a proof). */
  detail: string;
}

/** Container log lines read per check (the block is printed once, early; later output may follow it). */
const LOG_TAIL = 1000;

/** What the caller knows about the running container: its uptime as the pod read said, and when (our clock). */
export interface ContainerAge {
  uptimeSec: number;
  readAtMs: number;
}

/**
 * The earliest moment (the API's clock, ms) the current container can have started: the log answer's `Date`
 * (`serverMs`, read at our `localMs`) minus the uptime and the time since the pod was read. The uptime is whole
 * seconds rounded down (one second more is taken off) and the pod was read a little before `readAtMs` says (one
 * more): a line of this container is never left out; a block printed in the two seconds before it started may
 * still count (it is then disproven as before, and the wait goes on).
 */
export function containerStartCutoff(serverMs: number, localMs: number, age: ContainerAge): number {
  return serverMs - (age.uptimeSec + 2) * 1000 - Math.max(0, localMs - age.readAtMs);
}

/** The lines logged at or after `cutoffMs` (lines without a readable time are kept). */
export function linesSince<T extends { ts?: string; line: string }>(entries: readonly T[], cutoffMs: number | undefined): T[] {
  if (cutoffMs === undefined) return [...entries];
  return entries.filter((e) => {
    const at = e.ts === undefined ? Number.NaN : Date.parse(e.ts);
    return Number.isNaN(at) || at >= cutoffMs;
  });
}

/** Checks `keys` (`type base64`, read from the pod's sshd) against the pod's log (see the file comment). */
export async function proveHostKeys(
  client: RunpodClient,
  podId: string,
  keys: readonly string[],
  wait: { waitedMs: number; logWaitMs: number },
  container?: ContainerAge,
): Promise<ProofResult> {
  let lines: string[];
  let cutoff: number | undefined;
  try {
    const entries = await client.getPodLogs(podId, {
      tail: LOG_TAIL,
      source: "container",
      idleMs: 300,
      maxMs: 2500,
      // Every key read is in the last block: done (~30 ms later) instead of waiting for the stream to go quiet.
      onServerDate: (serverMs, localMs) => {
        if (container) cutoff = containerStartCutoff(serverMs, localMs, container);
      },
      doneWhen: (read) => {
        const logged = loggedFingerprints(linesSince(read, cutoff).map((l) => l.line));
        return logged !== undefined && keysNotLogged(keys, logged).length === 0;
      },
    });
    lines = linesSince(entries, cutoff).map((e) => e.line);
  } catch (e) {
    // An unreadable log proves nothing either way: the same as no block, so the wait for it goes on.
    lines = [];
    if (wait.waitedMs >= wait.logWaitMs) {
      return { proof: "first-contact", detail: `the pod log could not be read (${(e as Error).message})` };
    }
    return { detail: `the pod log could not be read yet (${(e as Error).message})` };
  }
  const fingerprints = loggedFingerprints(lines);
  if (fingerprints === undefined) {
    if (wait.waitedMs >= wait.logWaitMs) return { proof: "first-contact", detail: "" };
    return { detail: "its host keys were read; waiting for the start script's host-key lines in the pod log" };
  }
  const unproven = keysNotLogged(keys, fingerprints);
  if (unproven.length === 0) return { proof: "api-log", detail: "" };
  return {
    disproven: true,
    detail:
      `but the host key it presented (${unproven.map(hostKeyFingerprint).join(", ")}) is not one the pod's log ` +
      `shows (${fingerprints.join(", ") || "no fingerprint"})`,
  };
}
