/**
 * What the watchdog did to a pod, as `pulumi up` and `pulumi refresh` report it: `stopsAt` (the hard deadline),
 * `stopReason` (read from the pod's log, where the watchdog writes `expired: reason=<name>` before it acts), and
 * the WARNINGs for a pod past its deadline or stopped by its watchdog.
 *
 * Decision (docs/watchdog.md): a pod its watchdog stopped stays stopped. `pulumi up` does not start it again
 * (it would restart the bill the user's limit just ended); it starts when `running` changes (set `running: false`,
 * `up`, then `running: true`, or the reverse), which also starts a new lifetime.
 */
import type { RunpodClient } from "../runpod/client";
import { WATCHDOG_LOG_PREFIX } from "../ssh/watchdogScript";
import { deadline, type WatchdogSettings } from "./podWatchdog";

/** Why the watchdog acted. */
export type StopReason = "maxLifetime" | "idleTimeout" | "maxSpend";
const REASONS: StopReason[] = ["maxLifetime", "idleTimeout", "maxSpend"];

/** How long past `stopsAt` a running pod may be before it is reported (the watchdog checks every ~30 s). */
export const DEADLINE_GRACE_MS = 2 * 60_000;

/** The reason of the last `expired:` line of the watchdog in `lines`, or null. */
export function stopReasonFromLog(lines: readonly string[]): StopReason | null {
  const marker = `${WATCHDOG_LOG_PREFIX} expired: reason=`;
  for (let i = lines.length - 1; i >= 0; i--) {
    const at = lines[i].indexOf(marker);
    if (at < 0) continue;
    const reason = /^(\w+)/.exec(lines[i].slice(at + marker.length))?.[1] as StopReason | undefined;
    if (reason && REASONS.includes(reason)) return reason;
  }
  return null;
}

/** The watchdog's reason, read from the pod's recent container log since `sinceMs` (null when it says nothing or cannot be read). */
export async function readStopReason(client: RunpodClient, podId: string, sinceMs: number): Promise<StopReason | null> {
  try {
    const entries = await client.getPodLogs(podId, { tail: 200, source: "container", idleMs: 300, maxMs: 2500 });
    // Only lines of the current watchdog (a pod started again keeps the log of its earlier life).
    const current = entries.filter((e) => !e.ts || Date.parse(e.ts) >= sinceMs - 60_000);
    return stopReasonFromLog(current.map((e) => e.line));
  } catch {
    return null;
  }
}

/** `stopsAt` as an ISO time, or null when no hard limit is set (or maxSpend waits for the cost). */
export function stopsAt(settings: WatchdogSettings | undefined, startMs: number | null | undefined, costPerHr: number | null | undefined): string | null {
  if (startMs === null || startMs === undefined) return null;
  const due = deadline(settings, startMs, costPerHr);
  return due ? new Date(due.atMs).toISOString() : null;
}

/**
 * The WARNING for a pod (or null): stopped by its watchdog, or running past its deadline (the watchdog did not
 * act: no curl/wget, the API unreachable for long, the launcher replaced).
 */
export function expiryWarning(pod: {
  label: string;
  id: string;
  status: string;
  stopsAt: string | null;
  stopReason: StopReason | null;
  nowMs: number;
}): string | null {
  const who = `pod ${pod.label} (${pod.id})`;
  if (pod.status === "EXITED" && pod.stopReason) {
    return (
      `${who} was stopped by its watchdog (${pod.stopReason}). \`pulumi up\` leaves it stopped; to start it again ` +
      "raise the limit if needed and change `running` (false, `pulumi up`, then true): that starts a new lifetime."
    );
  }
  if (pod.status !== "EXITED" && pod.stopsAt && pod.nowMs > Date.parse(pod.stopsAt) + DEADLINE_GRACE_MS) {
    return (
      `${who} is past its deadline (stopsAt ${pod.stopsAt}) and still ${pod.status}: its watchdog has not stopped it ` +
      "and it keeps billing. Look for `[pulumi-runpod-ssh watchdog]` lines in its container log (curl or wget missing, " +
      "API unreachable), or stop it with `running: false`."
    );
  }
  return null;
}
