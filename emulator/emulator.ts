/**
 * `startEmulator`: wires the pod store, sshd manager, fault injector, rate limiter
 * and HTTP server into one {@link RunpodEmulator}.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { BillingLedger, billingRoutes } from "./billing";
import { CapacityBook } from "./capacity";
import { FaultInjector } from "./faults";
import { freePort, randomApiKey } from "./ids";
import { podView } from "./podJson";
import { PodStore } from "./pods";
import { PodWatchdogs } from "./podWatchdog";
import { onProcessExit } from "./processes";
import { DEFAULT_RATE_LIMIT, RateLimiter, validateRateLimitWindows } from "./rateLimit";
import { adminRoutes, apiRoutes, type EmulatorCore } from "./routes";
import { ApiServer } from "./server";
import { loadSpecValidator } from "./specValidator";
import { locateSshTools, SshdManager, sshLoginUser } from "./sshd";
import { VolumeStore } from "./volumes";
import type { EmulatorOptions, EmulatorPodView, PodTimings, RateLimitWindow, RecordedRequest, RunpodEmulator, SshMode } from "./types";

/** Default lifecycle delays. */
export const DEFAULT_TIMINGS: Readonly<PodTimings> = { provisioningMs: 400, startingMs: 400, sshdStartMs: 200 };

/** Default account key-set size limit (characters, sum of key lines). */
export const DEFAULT_KEY_SET_LIMIT = 65000;

interface Settings {
  host: string;
  port: number;
  apiKey: string;
  sshMode: SshMode;
  timings: PodTimings;
  rateLimit: RateLimitWindow[] | false;
  accountKeys: string[];
  sshd: boolean;
  validateResponses: boolean;
  keySetLimit: number;
  log: (line: string) => void;
}

/** Check options and fill defaults; throws a TypeError naming the bad option. */
function resolveSettings(options: EmulatorOptions): Settings {
  const fail = (message: string): never => {
    throw new TypeError(`startEmulator: ${message}`);
  };
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") fail("host must be a non-empty string");
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`port must be an integer 0..65535, got ${String(port)}`);
  const apiKey = options.apiKey ?? randomApiKey();
  if (typeof apiKey !== "string" || !/^\S+$/.test(apiKey)) fail("apiKey must be a non-empty string without whitespace");
  const sshMode = options.sshMode ?? "image";
  if (sshMode !== "image" && sshMode !== "override") fail(`sshMode must be "image" or "override", got ${JSON.stringify(sshMode)}`);
  const timings: PodTimings = { ...DEFAULT_TIMINGS, ...options.timings };
  for (const [name, value] of Object.entries(timings)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) fail(`timings.${name} must be a non-negative number of ms`);
  }
  const rateLimit = options.rateLimit === undefined ? DEFAULT_RATE_LIMIT.map((w) => ({ ...w })) : options.rateLimit;
  if (rateLimit !== false) {
    try {
      validateRateLimitWindows(rateLimit);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  const accountKeys = options.accountKeys ?? [];
  if (!Array.isArray(accountKeys) || accountKeys.some((key) => typeof key !== "string")) fail("accountKeys must be an array of strings");
  const keySetLimit = options.keySetLimit ?? DEFAULT_KEY_SET_LIMIT;
  if (!Number.isInteger(keySetLimit) || keySetLimit < 1) fail("keySetLimit must be a positive integer");
  return {
    host,
    port,
    apiKey,
    sshMode,
    timings,
    rateLimit,
    accountKeys: [...accountKeys],
    sshd: options.sshd ?? true,
    validateResponses: options.validateResponses ?? false,
    keySetLimit,
    log: options.log ?? (() => undefined),
  };
}

/** Host part of the URL clients should use for a listen address. */
function urlHost(address: string): string {
  if (address === "0.0.0.0") return "127.0.0.1";
  if (address === "::") return "[::1]";
  return address.includes(":") ? `[${address}]` : address;
}

/**
 * Start a Runpod REST v2 emulator whose pods run a real OpenSSH sshd.
 *
 * ```ts
 * const emulator = await startEmulator({ timings: { provisioningMs: 50, startingMs: 50, sshdStartMs: 50 } });
 * // point a client at emulator.url with emulator.apiKey ...
 * await emulator.stop();
 * ```
 *
 * Rejects when an option is invalid, ajv is missing, sshd is missing (unless
 * `sshd: false`), or the port cannot be bound.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunpodEmulator> {
  const settings = resolveSettings(options);
  const log = settings.log;
  const validator = await loadSpecValidator();
  const tools = settings.sshd ? locateSshTools() : null;
  const tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), "runpod-emulator-"));
  const sshUser = sshLoginUser();
  const sshd = tools ? new SshdManager(tools, freePort, log) : null;
  // Last resort when the process exits or is signalled without stop(): kill sshd, drop temp files.
  const unregisterExitHook = onProcessExit(() => {
    sshd?.killAllSync();
    watchdogs.killAllSync();
    fs.rmSync(tempDir, { recursive: true, force: true });
  });
  const timeScale = options.watchdogTimeScale ?? 1;
  if (!Number.isInteger(timeScale) || timeScale < 1) throw new TypeError(`startEmulator: watchdogTimeScale must be a whole number >= 1, got ${String(timeScale)}`);
  const skew = options.watchdogClockSkewSeconds ?? 0;
  if (!Number.isInteger(skew)) throw new TypeError(`startEmulator: watchdogClockSkewSeconds must be a whole number, got ${String(skew)}`);
  let listeningUrl = "";
  const watchdogs = new PodWatchdogs({ timeScale, clockSkewSeconds: skew, url: () => listeningUrl, log });
  const billing = new BillingLedger();
  const capacity = new CapacityBook();
  // Which live pods mount a volume (a mounted volume cannot be deleted).
  const volumes: VolumeStore = new VolumeStore(path.join(tempDir, "volumes"), (volumeId: string): string[] =>
    store.list().filter((pod) => pod.config.mounts.network?.some((m) => m.volumeId === volumeId)).map((pod) => pod.id),
  );
  const store: PodStore = new PodStore({
    timings: settings.timings,
    sshMode: settings.sshMode,
    sshd,
    rootDir: tempDir,
    log,
    volumes,
    capacity,
    onStatus: (pod) => billing.observe(pod),
    watchdogs,
  });
  const faults = new FaultInjector();
  const requests: RecordedRequest[] = [];
  const responseViolations: string[] = [];
  let accountKeys = [...settings.accountKeys];

  const views = (): EmulatorPodView[] => store.list().map((pod) => podView(pod, sshUser));
  const resetPod = async (id: string): Promise<void> => {
    const pod = store.get(id);
    if (!pod) throw new Error(`Runpod emulator: no pod '${id}'`);
    await store.reset(pod, "container reset (host migration)");
  };

  const core: EmulatorCore = {
    store,
    faults,
    volumes,
    capacity,
    sshUser,
    keySetLimit: settings.keySetLimit,
    getAccountKeys: () => [...accountKeys],
    setAccountKeys: (keys) => {
      accountKeys = [...keys];
    },
    state: () => ({
      sshMode: settings.sshMode,
      sshUser,
      tempDir,
      accountKeys: [...accountKeys],
      pods: views(),
      faults: faults.snapshot(),
      requestCount: requests.length,
      responseViolations: [...responseViolations],
    }),
    resetPod: async (id) => {
      await resetPod(id);
      return views().find((view) => view.id === id);
    },
    reportViolation: settings.validateResponses ? (violation) => responseViolations.push(violation) : undefined,
  };

  const server = new ApiServer({
    apiKey: settings.apiKey,
    podKeys: watchdogs,
    routes: [...apiRoutes(core), ...billingRoutes(billing), ...adminRoutes(core)],
    validator,
    limiter: settings.rateLimit === false ? null : new RateLimiter(settings.rateLimit),
    faults,
    validateResponses: settings.validateResponses,
    requests,
    violations: responseViolations,
    log,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await server.close();
      store.shutdown();
      await watchdogs.stopAll();
      await sshd?.stopAll();
      unregisterExitHook();
      await fsp.rm(tempDir, { recursive: true, force: true });
      log("emulator stopped");
    })();
    return stopping;
  };

  let url: string;
  try {
    const address = await server.listen(settings.host, settings.port);
    url = `http://${urlHost(address.address)}:${address.port}`;
    listeningUrl = url;
  } catch (error) {
    await stop();
    throw new Error(`Runpod emulator: cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`);
  }
  log(`emulator listening on ${url} (ssh mode ${settings.sshMode}, sshd ${sshd ? "on" : "off"})`);

  return {
    url,
    apiKey: settings.apiKey,
    sshMode: settings.sshMode,
    tempDir,
    requests,
    responseViolations,
    faults,
    capacity,
    volumes: () => volumes.list(),
    volumeFolder: (id: string) => volumes.folder(id),
    accountKeys: () => [...accountKeys],
    setAccountKeys: (keys: string[]) => {
      if (!Array.isArray(keys) || keys.some((key) => typeof key !== "string")) {
        throw new TypeError("setAccountKeys: keys must be an array of strings");
      }
      accountKeys = [...keys];
    },
    pods: views,
    resetPod,
    watchdogs: {
      podKey: (podId: string) => watchdogs.keyFor(podId),
      pid: (podId: string) => watchdogs.pidOf(podId),
      setApiDown: (ms: number) => watchdogs.setApiDown(ms),
      setGpuUtilization: async (podId: string, percent: number) => {
        const pod = store.get(podId);
        if (!pod) throw new Error(`Runpod emulator: no pod '${podId}'`);
        await watchdogs.setGpuUtilization(pod, percent);
      },
    },
    stop,
  };
}
