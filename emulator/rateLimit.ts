/**
 * Per-account rate limiting with fixed windows, answered the way Runpod v2 does:
 *
 * - `RateLimit: "minute";r=59;t=60, "hour";r=2999;t=3600, ...` (remaining, whole seconds to reset)
 * - `RateLimit-Policy: "minute";q=60;w=60, ...` (quota, window seconds)
 * - past a quota: 429 with `Retry-After` = the longest reset among the exhausted windows.
 *
 * Each window starts with the first request and then repeats back to back. Rejected
 * requests do not consume quota.
 */
import type { RateLimitWindow } from "./types";

/** The spec's policy: 60 a minute, 3000 an hour, 50000 a day. */
export const DEFAULT_RATE_LIMIT: readonly RateLimitWindow[] = [
  { name: "minute", quota: 60, windowSeconds: 60 },
  { name: "hour", quota: 3000, windowSeconds: 3600 },
  { name: "day", quota: 50000, windowSeconds: 86400 },
];

/** Outcome of {@link RateLimiter.take}. */
export type RateLimitDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; retryAfterSeconds: number; exceeded: string[] };

interface WindowState {
  readonly config: RateLimitWindow;
  /** Start of the current window (ms), `undefined` before the first request. */
  start: number | undefined;
  used: number;
}

/** Structured-field string (RFC 8941): quoted, with `\` and `"` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Throw a descriptive error unless the windows are usable. */
export function validateRateLimitWindows(windows: readonly RateLimitWindow[]): void {
  if (!(windows instanceof Array) || windows.length === 0) throw new TypeError("rateLimit: give at least one window, or false");
  const names = new Set<string>();
  for (let index = 0; index < windows.length; index++) {
    const window = windows[index];
    const where = `rateLimit[${index}]`;
    if (typeof window.name !== "string" || !/^[\x20-\x7e]+$/.test(window.name)) {
      throw new TypeError(`${where}.name must be a non-empty printable ASCII string`);
    }
    if (names.has(window.name)) throw new TypeError(`${where}.name '${window.name}' is used twice`);
    names.add(window.name);
    if (!Number.isInteger(window.quota) || window.quota < 1) throw new TypeError(`${where}.quota must be a positive integer`);
    if (!Number.isInteger(window.windowSeconds) || window.windowSeconds < 1) {
      throw new TypeError(`${where}.windowSeconds must be a positive integer`);
    }
  }
}

/** Fixed-window limiter shared by every API request of the emulated account. */
export class RateLimiter {
  private readonly windows: WindowState[];

  constructor(
    windows: readonly RateLimitWindow[],
    private readonly now: () => number = Date.now,
  ) {
    validateRateLimitWindows(windows);
    this.windows = windows.map((config) => ({ config: { ...config }, start: undefined, used: 0 }));
  }

  /** Check the quota and, when allowed, consume one request from every window. */
  take(): RateLimitDecision {
    const now = this.now();
    for (const window of this.windows) this.roll(window, now);
    const exhausted = this.windows.filter((window) => window.used >= window.config.quota);
    if (exhausted.length > 0) {
      const retryAfterSeconds = Math.max(...exhausted.map((window) => this.secondsToReset(window, now)));
      return {
        allowed: false,
        headers: this.headers(now),
        retryAfterSeconds,
        exceeded: exhausted.map((window) => window.config.name),
      };
    }
    for (const window of this.windows) {
      window.start ??= now;
      window.used += 1;
    }
    return { allowed: true, headers: this.headers(now) };
  }

  private roll(window: WindowState, now: number): void {
    if (window.start === undefined) return;
    const length = window.config.windowSeconds * 1000;
    if (now >= window.start + length) {
      window.start += Math.floor((now - window.start) / length) * length;
      window.used = 0;
    }
  }

  private secondsToReset(window: WindowState, now: number): number {
    if (window.start === undefined) return window.config.windowSeconds;
    const end = window.start + window.config.windowSeconds * 1000;
    return Math.max(1, Math.ceil((end - now) / 1000));
  }

  private headers(now: number): Record<string, string> {
    const state = this.windows
      .map((w) => `${sfString(w.config.name)};r=${Math.max(0, w.config.quota - w.used)};t=${this.secondsToReset(w, now)}`)
      .join(", ");
    const policy = this.windows.map((w) => `${sfString(w.config.name)};q=${w.config.quota};w=${w.config.windowSeconds}`).join(", ");
    return { RateLimit: state, "RateLimit-Policy": policy };
  }
}
