/**
 * One fleet run: N pods created at once against a fresh emulator, until each accepts SSH, then deleted.
 *
 * Variants:
 * - `ours`: the Pod dynamic provider exactly as Pulumi's dynamic-provider host runs it (serialized shim,
 *   loaded back, configured with the stack config), `check` then `create` for every pod concurrently;
 *   `create` returns once the pod is RUNNING, `ssh.direct` is reported and an SSH banner was read.
 * - `naive-limited` / `naive-unlimited`: the per-pod loop of the usual scripts: `createPod`, then
 *   `getPod` every poll interval until RUNNING with `ssh.direct`, then a TCP banner read every poll interval.
 *   Its `RunpodClient` has its own client-side limiter (`limited`) or none (`unlimited`; the client still
 *   sleeps out each 429's Retry-After and retries, up to 8 times, where real naive tools just fail).
 *
 * The emulator runs in a child process (emulatorProcess.ts), as Runpod is not in the provider host's process.
 *
 * Measured per run: readiness latency per pod (create returned - when its sshd listened: the emulator's
 * `sshdReadyAt`, or sshd's pid file when that is earlier, see `figures`), API requests
 * received until the last create returned (admin paths excluded), 429s among them and how many were status
 * polls, wall time against the floor (see settings.ts), and creates that threw.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { addProgressSink } from "../sdk/providers/progress";
import { AccountRateLimiter, RunpodClient, RunpodNotFoundError, sleep, type CreatePodRequest } from "../sdk/runpod";
import { readSshBanner } from "../sdk/ssh/sshBanner";
import { hostProvider, type HostedProvider } from "../test/providers/dynamicHost";
import { startEmulatorProcess, type EmulatorProcess } from "./emulatorProcess";
import { apiRequests, endpointCounts, isPoll, median, percentile } from "./stats";
import { floorMs, type BenchSettings } from "./settings";

export type Variant = "ours" | "naive-limited" | "naive-unlimited";

export const GPU_ID = "NVIDIA GeForce RTX 4090";
export const IMAGE = "runpod/base:1.0.0";

/** What one pod's create came to. */
interface PodRun {
  ok: boolean;
  /** Pod id, when a pod was created (even if it then failed to become ready). */
  id?: string;
  /** The provider's outputs (ours only), for `delete`. */
  outs?: Record<string, unknown>;
  /** When create returned or threw (epoch ms). */
  returnedAt: number;
  /** The port whose SSH banner made the pod count as ready. */
  readyPort?: number;
  error?: string;
}

export interface FleetResult {
  variant: Variant;
  size: number;
  floorMs: number;
  wallMs: number;
  /** wallMs / floorMs. */
  wallOverFloor: number;
  /**
   * When the last ready pod's sshd started listening, ms after the start: the boot the emulator actually
   * achieved on this machine (above the floor when spawning many sshd at once loads the host).
   */
  lastSshdMs: number;
  /** The most the emulator's `sshdReadyAt` lagged behind sshd's pid file, in ms (its own event-loop lag). */
  sshdReadyAtLateMs: number;
  /** Readiness latency of each ready pod, in ms, in pod order. */
  latenciesMs: number[];
  latencyMedianMs: number;
  latencyP95Ms: number;
  /** API requests received from the start until the last create returned. */
  requests: number;
  requestsPerPod: number;
  status429: number;
  /** 429s on `GET /v2/pods` or `GET /v2/pods/{id}`. */
  poll429: number;
  failed: number;
  /** Distinct failure messages (first line), at most 5. */
  errors: string[];
  /** Requests per endpoint during the measured phase. */
  endpoints: Record<string, { count: number; status429: number }>;
  /** Pods still listed by the emulator after the variant's own deletes (0 unless a delete failed). */
  leftAfterDelete: number;
  /**
   * Event-loop delay of the client's process (the emulator has its own) during the create phase, p99 and max,
   * in ms: tens of ms or more mean the host, not the client, set the pace of the figures.
   */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

/** The emulator for one run: fresh state, scaled boot and quota, sshd launched the way Runpod images do. */
export function startScaledEmulator(settings: BenchSettings): Promise<EmulatorProcess> {
  return startEmulatorProcess({ timings: settings.timings, rateLimit: [settings.window], sshMode: "image" });
}

/** Raw Pod inputs, as the Pod class would send them. */
export function podInputs(run: string, index: number, publicKey: string): Record<string, unknown> {
  return {
    name: `bench-${run}-${index}`,
    ownerTag: `urn:bench:${run}:${index}`,
    image: IMAGE,
    gpu: { id: GPU_ID },
    sshPublicKeys: [publicKey],
  };
}

/** The provider configuration Pulumi passes from the stack config. */
export function stackConfig(emulator: EmulatorProcess): Record<string, string> {
  return { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

async function oursPod(provider: HostedProvider["provider"], raw: Record<string, unknown>): Promise<PodRun> {
  try {
    const checked = await provider.check({}, raw);
    if (checked.failures && checked.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
    const created = await provider.create(checked.inputs as Record<string, unknown>);
    const outs = created.outs as Record<string, unknown>;
    const readyPort = typeof outs.sshPort === "number" ? outs.sshPort : undefined;
    return { ok: true, id: created.id, outs, returnedAt: Date.now(), readyPort };
  } catch (e) {
    const id = (e as { id?: unknown }).id;
    return { ok: false, id: typeof id === "string" ? id : undefined, returnedAt: Date.now(), error: firstLine(e) };
  }
}

async function naivePod(client: RunpodClient, body: CreatePodRequest, intervalMs: number, deadline: number): Promise<PodRun> {
  let id: string | undefined;
  try {
    const pod = await client.createPod(body);
    id = pod.id;
    let direct: { host: string; port: number } | undefined;
    while (!direct) {
      if (Date.now() > deadline) throw new Error("not RUNNING with ssh.direct before the deadline");
      const current = await client.getPod(pod.id);
      if (current.status === "ERROR" || current.status === "EXITED" || current.status === "TERMINATED") {
        throw new Error(`pod went to ${current.status}`);
      }
      const d = current.ssh?.direct;
      if (current.status === "RUNNING" && d) direct = { host: d.host, port: d.port };
      else await sleep(intervalMs);
    }
    for (;;) {
      if (Date.now() > deadline) throw new Error("no SSH banner before the deadline");
      const banner = await readSshBanner(direct.host, direct.port, 3000);
      if (banner.ok) return { ok: true, id, returnedAt: Date.now(), readyPort: direct.port };
      await sleep(intervalMs);
    }
  } catch (e) {
    return { ok: false, id, returnedAt: Date.now(), error: firstLine(e) };
  }
}

/** Sampling period of the event-loop monitor; its samples include it, so it is subtracted. */
const LOOP_RESOLUTION_MS = 10;

function eventLoopMonitor(): IntervalHistogram {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  histogram.enable();
  return histogram;
}

/** Deletes whatever the emulator still lists, with a limited client of its own (not measured). */
async function deleteLeftovers(emulator: EmulatorProcess): Promise<void> {
  const left = await emulator.pods();
  if (left.length === 0) return;
  const client = new RunpodClient({ apiUrl: emulator.url, apiKey: emulator.apiKey, rateLimiter: new AccountRateLimiter() });
  await Promise.all(
    left.map(async (pod) => {
      try {
        await client.deletePod(pod.id);
      } catch (e) {
        if (!(e instanceof RunpodNotFoundError)) throw e;
      }
    }),
  );
}

/** Figures of a finished create phase; call before anything is deleted (the emulator forgets deleted pods). */
async function figures(
  emulator: EmulatorProcess,
  variant: Variant,
  size: number,
  settings: BenchSettings,
  startedAt: number,
  runs: PodRun[],
  loop: IntervalHistogram,
): Promise<Omit<FleetResult, "leftAfterDelete">> {
  loop.disable();
  const lastReturn = Math.max(...runs.map((r) => r.returnedAt));
  // When sshd listened: the earliest evidence of it. Under load the emulator reads sshd's "Server listening"
  // line late (sshdReadyAt), while sshd's pid file, written right after it binds, is not delayed.
  const pods = new Map((await emulator.pods()).map((p) => [p.id, p]));
  let stampLateMs = 0;
  const latenciesMs: number[] = [];
  let lastSshdAt = NaN;
  const errors = new Set<string>();
  for (const run of runs) {
    if (!run.ok) {
      if (run.error) errors.add(run.error);
      continue;
    }
    const pod = run.id ? pods.get(run.id) : undefined;
    if (!pod || pod.sshdReadyAt === null) {
      errors.add(`pod ${run.id ?? "?"} was reported ready but the emulator has no sshdReadyAt for it`);
      continue;
    }
    if (run.readyPort !== undefined && run.readyPort !== pod.sshPort) {
      // A banner from another pod's sshd: two pods were once mapped to the same port.
      errors.add(`pod ${pod.id} was reported ready on port ${run.readyPort}, but its sshd listens on ${String(pod.sshPort)}`);
      continue;
    }
    const sshdReadyAt = Math.min(pod.sshdReadyAt, pod.sshdPidFileAt ?? Infinity);
    stampLateMs = Math.max(stampLateMs, pod.sshdReadyAt - sshdReadyAt);
    latenciesMs.push(run.returnedAt - sshdReadyAt);
    lastSshdAt = Number.isNaN(lastSshdAt) ? sshdReadyAt : Math.max(lastSshdAt, sshdReadyAt);
  }
  const measured = apiRequests(await emulator.requests()).filter((r) => r.at >= startedAt && r.at <= lastReturn);
  const floor = floorMs(settings, size);
  const wallMs = lastReturn - startedAt;
  return {
    variant,
    size,
    floorMs: floor,
    wallMs,
    wallOverFloor: wallMs / floor,
    lastSshdMs: lastSshdAt - startedAt,
    sshdReadyAtLateMs: stampLateMs,
    latenciesMs,
    latencyMedianMs: median(latenciesMs),
    latencyP95Ms: percentile(latenciesMs, 95),
    requests: measured.length,
    requestsPerPod: measured.length / size,
    status429: measured.filter((r) => r.status === 429).length,
    poll429: measured.filter((r) => r.status === 429 && isPoll(r)).length,
    failed: runs.filter((r) => !r.ok).length,
    errors: [...errors].slice(0, 5),
    endpoints: endpointCounts(measured),
    eventLoopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    eventLoopDelayMaxMs: Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS),
  };
}

/** Runs one fleet of `size` pods with `variant` against a fresh emulator, and stops it. */
export async function runFleet(variant: Variant, size: number, settings: BenchSettings, publicKey: string, run: string): Promise<FleetResult> {
  const emulator = await startScaledEmulator(settings);
  // Progress lines (rate-limit waits, long boots) are not figures: keep them off stderr.
  const removeSink = addProgressSink(() => undefined);
  try {
    if (variant === "ours") {
      const { provider } = await hostProvider("pod", stackConfig(emulator));
      const loop = eventLoopMonitor();
      const startedAt = Date.now();
      const runs = await Promise.all(Array.from({ length: size }, (_, i) => oursPod(provider, podInputs(run, i, publicKey))));
      const result = await figures(emulator, variant, size, settings, startedAt, runs, loop);
      const deletes = await Promise.allSettled(runs.filter((r) => r.ok && r.id).map((r) => provider.delete(r.id!, r.outs ?? {})));
      const deleteErrors = deletes.flatMap((d) => (d.status === "rejected" ? [`delete failed: ${firstLine(d.reason)}`] : []));
      const leftAfterDelete = (await emulator.pods()).length;
      await deleteLeftovers(emulator);
      return { ...result, errors: [...result.errors, ...deleteErrors].slice(0, 5), leftAfterDelete };
    }

    const client = new RunpodClient({
      apiUrl: emulator.url,
      apiKey: emulator.apiKey,
      rateLimiter: variant === "naive-limited" ? new AccountRateLimiter() : false,
    });
    const loop = eventLoopMonitor();
    const startedAt = Date.now();
    // The SDK's own readiness deadline (15 min at scale 1), scaled.
    const deadline = startedAt + 15 * 60_000 * settings.scale;
    const runs = await Promise.all(
      Array.from({ length: size }, (_, i) => {
        const body: CreatePodRequest = {
          name: `bench-${run}-${i}`,
          image: IMAGE,
          gpu: { id: GPU_ID, count: 1 },
          ports: ["22/tcp"],
          env: { PUBLIC_KEY: publicKey },
        };
        return naivePod(client, body, settings.pollIntervalMs, deadline);
      }),
    );
    const result = await figures(emulator, variant, size, settings, startedAt, runs, loop);
    await deleteLeftovers(emulator);
    return { ...result, leftAfterDelete: (await emulator.pods()).length };
  } finally {
    removeSink();
    await emulator.stop();
  }
}
