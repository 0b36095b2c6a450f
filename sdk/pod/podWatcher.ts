/**
 * One poller per account per process, serving every pod that is waiting.
 *
 * Each tick reads all the account's pods in one `GET /v2/pods` (at the limiter's background priority, so
 * creates and deletes keep their share of the quota) and hands each waiting pod its own entry. A fleet of 50
 * pods waiting at once costs one request per tick, not 50. The pace adapts to the quota read from
 * `RateLimit-Policy`: polling uses at most `pollingShare` of the tightest window, and never runs faster than
 * `minIntervalMs` (`RUNPOD_SSH_POLL_INTERVAL_MS` overrides it, for the emulator and benchmarks).
 */
import type { RunpodClient } from "../runpod/client";
import type { Pod } from "../runpod/schemas";

/** What one tick saw for one pod. */
export interface PodSnapshot {
  /** The pod as listed, or undefined when it was not in the list (or the list failed). */
  pod?: Pod;
  /** The list call's failure, when it failed. */
  error?: unknown;
  at: number;
}

type Listener = (snapshot: PodSnapshot) => void;

export interface PodWatcherOptions {
  /** Fastest pace, in ms. Default 1000, or `RUNPOD_SSH_POLL_INTERVAL_MS`. */
  minIntervalMs?: number;
  /** Share of the tightest quota window that polling may use. Default 0.5. */
  pollingShare?: number;
}

export class PodWatcher {
  private readonly listeners = new Map<string, Set<Listener>>();
  private running = false;
  private wake: (() => void) | undefined;
  /** List calls made, for measurements. */
  ticks = 0;
  readonly minIntervalMs: number;
  private readonly pollingShare: number;

  constructor(
    private readonly client: RunpodClient,
    options: PodWatcherOptions = {},
  ) {
    const fromEnv = Number(process.env.RUNPOD_SSH_POLL_INTERVAL_MS);
    this.minIntervalMs = options.minIntervalMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 1000);
    this.pollingShare = options.pollingShare ?? 0.5;
  }

  private latest: { pods: Pod[]; at: number } | undefined;
  private inFlightList: Promise<Pod[]> | undefined;

  /**
   * The account's pods as seen at most `maxAgeMs` ago; concurrent callers share one request. Used by creates
   * to look for pods left by an interrupted create without one list call per pod.
   */
  async recentPods(maxAgeMs: number): Promise<Pod[]> {
    if (this.latest && Date.now() - this.latest.at <= maxAgeMs) return this.withoutDeleted(this.latest.pods);
    if (!this.inFlightList) {
      this.inFlightList = this.client
        .listPods()
        .then((pods) => {
          this.latest = { pods, at: Date.now() };
          return this.withoutDeleted(pods);
        })
        .finally(() => {
          this.inFlightList = undefined;
        });
    }
    return this.inFlightList;
  }

  /** This pod's entry in the last list read, when that read is at most `maxAgeMs` old and holds it (no request). */
  cached(podId: string, maxAgeMs: number): PodSnapshot | undefined {
    const latest = this.latest;
    if (!latest || Date.now() - latest.at > maxAgeMs || this.deleted.has(podId)) return undefined;
    const pod = latest.pods.find((p) => p.id === podId);
    return pod ? { pod, at: latest.at } : undefined;
  }

  /** Pods this process deleted: a list read before the delete must not offer them as live (see forget). */
  private readonly deleted = new Set<string>();

  /**
   * Marks a pod as deleted by this process. A replacement deletes the old pod and creates the new one at once,
   * with the same name and owner tag: without this, `recentPods` could still hold the old pod from a list read
   * moments before, and the create would adopt the pod it just deleted.
   */
  forget(podId: string): void {
    this.deleted.add(podId);
  }

  private withoutDeleted(pods: Pod[]): Pod[] {
    return this.deleted.size === 0 ? pods : pods.filter((p) => !this.deleted.has(p.id));
  }

  /** Calls `listener` with this pod's entry on every tick until the returned function is called. */
  subscribe(podId: string, listener: Listener): () => void {
    let set = this.listeners.get(podId);
    if (!set) {
      set = new Set();
      this.listeners.set(podId, set);
    }
    set.add(listener);
    if (!this.running) void this.loop();
    return () => {
      const s = this.listeners.get(podId);
      s?.delete(listener);
      if (s && s.size === 0) this.listeners.delete(podId);
      if (this.listeners.size === 0) this.wake?.();
    };
  }

  /** Resolves with this pod's entry from the next tick, or undefined after `timeoutMs`. */
  next(podId: string, timeoutMs: number): Promise<PodSnapshot | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      const unsubscribe = this.subscribe(podId, (snapshot) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(snapshot);
      });
    });
  }

  /** The current pause between ticks, in ms. */
  intervalMs(): number {
    let interval = this.minIntervalMs;
    const limiter = this.client.rateLimiter;
    if (limiter) {
      for (const w of limiter.snapshot().windows) {
        if (w.quota <= 0) continue;
        const perRequest = (w.windowSeconds * 1000) / w.quota;
        interval = Math.max(interval, perRequest / this.pollingShare);
        // Spread what is left of this window (beyond the foreground reserve) over the time to its reset, so
        // that a burst of creates that used most of the window slows polling down instead of stalling it.
        const spare = w.remaining - w.reserve;
        if (spare > 0) interval = Math.max(interval, w.resetInMs / spare);
      }
    }
    return interval;
  }

  private lastTickAt = 0;

  private async loop(): Promise<void> {
    this.running = true;
    try {
      // Waiters come and go between ticks (each `next()` re-subscribes): keep the pace across restarts.
      const wait = this.lastTickAt + this.intervalMs() - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      while (this.listeners.size > 0) {
        this.lastTickAt = Date.now();
        let snapshot: Omit<PodSnapshot, "pod"> & { pods?: Pod[] };
        try {
          this.ticks++;
          const pods = await this.client.listPods({ priority: "background" });
          snapshot = { pods, at: Date.now() };
          this.latest = { pods, at: snapshot.at };
        } catch (error) {
          snapshot = { error, at: Date.now() };
        }
        for (const [podId, set] of [...this.listeners]) {
          const pod = snapshot.pods?.find((p) => p.id === podId);
          for (const listener of [...set]) listener({ pod, error: snapshot.error, at: snapshot.at });
        }
        if (this.listeners.size === 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.intervalMs());
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        // Woken because every waiter left, but one is back already: keep the pace all the same.
        const rest = this.lastTickAt + this.intervalMs() - Date.now();
        if (this.listeners.size > 0 && rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      }
    } finally {
      this.running = false;
    }
  }
}

const REGISTRY_KEY = Symbol.for("pulumi-runpod-ssh.podWatchers.v1");

/** The process-wide watcher for the client's account (one per rate limiter, i.e. per account). */
export function podWatcherFor(client: RunpodClient): PodWatcher {
  const g = globalThis as unknown as Record<symbol, WeakMap<object, PodWatcher> | undefined>;
  const registry = (g[REGISTRY_KEY] ??= new WeakMap());
  const key: object = client.rateLimiter ?? client;
  let watcher = registry.get(key);
  if (!watcher) {
    watcher = new PodWatcher(client);
    registry.set(key, watcher);
  }
  return watcher;
}
