/**
 * The client-side rate limiter: one per Runpod account per process, shared by every client and resource.
 *
 * Runpod's documented policy is 60 requests a minute for the whole account (plus hour and day windows). A
 * fleet whose resources each call the API on their own runs straight into 429s, so every request first takes
 * a slot here. The limiter learns the windows from `RateLimit-Policy`, tracks what is left from `RateLimit`
 * (minus the requests still in flight), and holds requests back until the window that is empty resets,
 * instead of sending them to be refused. After a 429 it pauses every caller for the time the API asked.
 *
 * Two priorities: `foreground` (creates, deletes, key writes) may use the whole quota; `background`
 * (status polls) leaves a reserve of each window untouched so that polling never starves the calls that
 * change things. Waiters are served in order, foreground first.
 *
 * Limiters live in a registry on `globalThis`, keyed by API URL and a fingerprint of the key (never the key
 * itself), so that several copies of this module in one process (as Pulumi's dynamic-provider host loads
 * them) still share one limiter per account.
 */
import { createHash } from "node:crypto";
import type { RateLimitPolicy, RateLimitState } from "./rateLimitHeaders";

export type RequestPriority = "foreground" | "background";

/** Tuning of a limiter. */
export interface RateLimiterOptions {
  /** Requests allowed in flight at once for the account. Default 16. */
  maxConcurrent?: number;
  /** Share of each window's quota that background requests leave untouched. Default 0.05 (at least 1 request). */
  backgroundReserve?: number;
  /** Extra wait after a window's announced reset before sending into it again, in ms. Default 250. */
  resetMarginMs?: number;
}

interface Window {
  name: string;
  quota: number;
  windowMs: number;
  remaining: number;
  resetAt: number;
  /** The server's `remaining` in its latest answer of the current window. */
  lastReported?: number;
}

interface Waiter {
  priority: RequestPriority;
  resolve: (release: () => void) => void;
}

/** A snapshot for logs and tests. */
export interface RateLimiterSnapshot {
  inFlight: number;
  waiting: number;
  pausedForMs: number;
  /** `reserve`: requests of the window that background calls leave to foreground ones. */
  windows: Array<{ name: string; quota: number; windowSeconds: number; remaining: number; resetInMs: number; reserve: number }>;
}

/** Rate limiter for one account. Obtain the shared instance with `rateLimiterFor`. */
export class AccountRateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly queue: Waiter[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private policyKnown = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private readonly maxConcurrent: number;
  private readonly backgroundReserve: number;
  private readonly resetMarginMs: number;

  constructor(options: RateLimiterOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? 16;
    this.backgroundReserve = options.backgroundReserve ?? 0.05;
    this.resetMarginMs = options.resetMarginMs ?? 250;
  }

  /**
   * Waits for a slot and takes it. Call the returned function once the response (or failure) arrived, after
   * passing its headers to `observe`.
   */
  acquire(priority: RequestPriority = "foreground"): Promise<() => void> {
    return new Promise((resolve) => {
      const waiter: Waiter = { priority, resolve };
      if (priority === "foreground") {
        const firstBackground = this.queue.findIndex((w) => w.priority === "background");
        if (firstBackground === -1) this.queue.push(waiter);
        else this.queue.splice(firstBackground, 0, waiter);
      } else {
        this.queue.push(waiter);
      }
      this.pump();
    });
  }

  /** Learns from a response's headers. `policies`/`states` come from `parseRateLimitPolicy`/`parseRateLimit`. */
  observe(policies: RateLimitPolicy[], states: RateLimitState[]): void {
    const now = Date.now();
    for (const p of policies) {
      const existing = this.windows.get(p.name);
      if (existing) {
        existing.quota = p.quota;
        existing.windowMs = p.windowSeconds * 1000;
      } else {
        this.windows.set(p.name, {
          name: p.name,
          quota: p.quota,
          windowMs: p.windowSeconds * 1000,
          remaining: p.quota,
          resetAt: now + p.windowSeconds * 1000,
        });
      }
      this.policyKnown = true;
    }
    // Requests still in flight (other than the one whose response this is) may not be counted yet by the
    // server; count them against what it reports, so we err on the side of waiting.
    const othersInFlight = Math.max(0, this.inFlight - 1);
    for (const s of states) {
      const w = this.windows.get(s.name);
      if (!w) continue;
      // Answers can arrive out of order: within a window the server's count only goes down, so an answer
      // reporting more remaining than one already seen is older; it must not undo the newer count, or the
      // limiter lets requests past the quota.
      if (now < w.resetAt && w.lastReported !== undefined && s.remaining > w.lastReported) continue;
      w.lastReported = s.remaining;
      w.remaining = Math.max(0, s.remaining - othersInFlight);
      w.resetAt = now + s.resetSeconds * 1000;
    }
    this.pump();
  }

  /**
   * Holds every caller back until `until` (epoch ms), after a 429. Only that long: the windows the 429 reports
   * exhausted were already emptied by `observe` of its `RateLimit` header (and the client's wait covers their
   * reset); a window the answer reports with requests left is not emptied, or one 429 with `Retry-After: 1`
   * would stall every caller until the minute window resets.
   */
  pauseUntil(until: number): void {
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.pump();
  }

  /** Requests of a window of `quota` that background calls leave to foreground ones. */
  backgroundKeep(quota: number): number {
    const reserve = Math.max(1, Math.floor(quota * this.backgroundReserve));
    return quota > reserve ? reserve : 0;
  }

  snapshot(): RateLimiterSnapshot {
    const now = Date.now();
    return {
      inFlight: this.inFlight,
      waiting: this.queue.length,
      pausedForMs: Math.max(0, this.pausedUntil - now),
      windows: [...this.windows.values()].map((w) => ({
        name: w.name,
        quota: w.quota,
        windowSeconds: w.windowMs / 1000,
        remaining: w.remaining,
        resetInMs: Math.max(0, w.resetAt - now),
        reserve: this.backgroundKeep(w.quota),
      })),
    };
  }

  /** How long the head waiter must wait, in ms; 0 to go now; Infinity to wait for a response or release. */
  private delayFor(priority: RequestPriority, now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (this.inFlight >= this.maxConcurrent) return Infinity;
    // Until the first response has taught us the policy, send one request at a time.
    if (!this.policyKnown && this.inFlight > 0) return Infinity;
    let wait = 0;
    for (const w of this.windows.values()) {
      if (now >= w.resetAt) {
        w.remaining = w.quota;
        w.resetAt = now + w.windowMs;
        w.lastReported = undefined;
      }
      const keep = priority === "background" ? this.backgroundKeep(w.quota) : 0;
      if (w.remaining <= keep) wait = Math.max(wait, w.resetAt - now + this.resetMarginMs);
    }
    return wait;
  }

  private pump(): void {
    const now = Date.now();
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const delay = this.delayFor(head.priority, now);
      if (delay > 0) {
        if (delay !== Infinity) this.schedule(now + delay);
        return;
      }
      this.queue.shift();
      this.take();
      let released = false;
      head.resolve(() => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.pump();
      });
    }
  }

  private take(): void {
    this.inFlight++;
    for (const w of this.windows.values()) w.remaining = Math.max(0, w.remaining - 1);
  }

  private schedule(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // Kept referenced on purpose: a waiting request must keep the process alive.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, at - Date.now()),
    );
  }
}

const REGISTRY_KEY = Symbol.for("pulumi-runpod-ssh.rateLimiters.v1");

type Registry = Map<string, AccountRateLimiter>;

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[REGISTRY_KEY];
  if (!r) {
    r = new Map();
    g[REGISTRY_KEY] = r;
  }
  return r;
}

/** A short, non-reversible fingerprint of an API key, safe to use as a map key or in logs. */
export function keyFingerprint(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex").slice(0, 16);
}

/** The process-wide limiter for an account (API URL + key), created on first use. */
export function rateLimiterFor(apiUrl: string, apiKey: string, options?: RateLimiterOptions): AccountRateLimiter {
  const id = `${apiUrl}#${keyFingerprint(apiKey)}`;
  const r = registry();
  let limiter = r.get(id);
  if (!limiter) {
    limiter = new AccountRateLimiter(options);
    r.set(id, limiter);
  }
  return limiter;
}
