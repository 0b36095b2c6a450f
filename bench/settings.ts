/**
 * The benchmark's time-scaled model of the Runpod platform, and the floors its figures are judged against.
 *
 * Real platform (scale 1): a cached image boots in about 30 s (here 10 s provisioning + 10 s starting + 10 s
 * until sshd listens), the account quota is 60 requests a minute, and the SDK's watcher never polls faster
 * than once a second. `scale` multiplies every one of those durations (0.1: 3 s boot, 60 requests per 6 s,
 * 100 ms poll floor), so a fleet run takes seconds instead of minutes. The emulator only takes whole-second
 * windows: the window is rounded to whole seconds and the quota scaled with it, so the rate stays 1/s real.
 *
 * What does NOT scale: constants inside the SDK that no setting reaches (the 200 ms pause between two SSH
 * banner probes, the 250 ms margin the client limiter adds after a window reset, whole-second Retry-After
 * values), the key exchange that reads a pod's host keys once its banner answers (against the emulator's sshd,
 * on this machine's CPU), plus loopback HTTP and TCP round trips. Durations the SDK controls are therefore at least as
 * long, relative to the platform, as they would be at scale 1.
 */
import type { PodTimings, RateLimitWindow } from "../emulator";

export interface BenchSettings {
  scale: number;
  timings: PodTimings;
  /** The emulator's one rate-limit window (the account quota). */
  window: RateLimitWindow;
  /** The SDK's poll floor (`RUNPOD_SSH_POLL_INTERVAL_MS`) and the naive baseline's per-pod interval, in ms. */
  pollIntervalMs: number;
  /** `RUNPOD_SSH_KEY_SETTLE_MS`, used by the account-key provider in the preview figures. */
  keySettleMs: number;
}

/** Real-platform values the model scales. */
export const REAL = {
  provisioningMs: 10_000,
  startingMs: 10_000,
  sshdStartMs: 10_000,
  quota: 60,
  windowSeconds: 60,
  pollIntervalMs: 1000,
  keySettleMs: 1500,
} as const;

export function scaledSettings(scale: number): BenchSettings {
  const windowSeconds = Math.max(1, Math.round(REAL.windowSeconds * scale));
  // Keep the real rate (quota per real window) when rounding the window to whole seconds.
  const quota = Math.max(1, Math.round((REAL.quota * windowSeconds) / (REAL.windowSeconds * scale)));
  return {
    scale,
    timings: {
      provisioningMs: Math.round(REAL.provisioningMs * scale),
      startingMs: Math.round(REAL.startingMs * scale),
      sshdStartMs: Math.round(REAL.sshdStartMs * scale),
    },
    window: { name: "minute", quota, windowSeconds },
    pollIntervalMs: Math.max(1, Math.round(REAL.pollIntervalMs * scale)),
    keySettleMs: Math.round(REAL.keySettleMs * scale),
  };
}

/** The emulator's boot time: create accepted until sshd listens, in ms. */
export function bootMs(settings: BenchSettings): number {
  const t = settings.timings;
  return t.provisioningMs + t.startingMs + t.sshdStartMs;
}

/**
 * Time the quota alone forces on `size` creates, in ms: the API has no batch create, so `size` POSTs need
 * ceil(size / quota) windows, and every window after the first adds one window length before the last
 * create can be sent. Only the creates are counted (not polls, not the SDK's one list call).
 */
export function quotaWaitMs(settings: BenchSettings, size: number): number {
  const windows = Math.ceil(size / settings.window.quota);
  return Math.max(0, windows - 1) * settings.window.windowSeconds * 1000;
}

/** The wall-time floor for a fleet: boot + quota wait. */
export function floorMs(settings: BenchSettings, size: number): number {
  return bootMs(settings) + quotaWaitMs(settings, size);
}
