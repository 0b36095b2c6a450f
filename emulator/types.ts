/**
 * Public types of the Runpod REST v2 emulator.
 *
 * Everything a caller of {@link startEmulator} sees is declared here so the
 * implementation modules can share one vocabulary.
 */

/**
 * How a pod's sshd decides which public keys to authorize.
 *
 * - `"image"`: like Runpod's official images (`/start.sh`): only `PUBLIC_KEY`
 *   is read, and sshd starts only when it is set.
 * - `"override"`: a per-pod `SSH_PUBLIC_KEY` wins over `PUBLIC_KEY` when set;
 *   sshd starts when either is set (the documented-but-unconfirmed behaviour).
 */
export type SshMode = "image" | "override";

/** One fixed rate-limit window, e.g. `{ name: "minute", quota: 60, windowSeconds: 60 }`. */
export interface RateLimitWindow {
  /** Window name used in the `RateLimit` headers and in 429 details. */
  name: string;
  /** Requests allowed per window (a positive integer). */
  quota: number;
  /** Window length in seconds (a positive integer). */
  windowSeconds: number;
}

/** Delays of the simulated pod lifecycle, in milliseconds. */
export interface PodTimings {
  /** PROVISIONING until a machine is assigned (then STARTING). */
  provisioningMs: number;
  /** STARTING until the container runs (RUNNING, ports mapped). */
  startingMs: number;
  /** RUNNING (port already mapped) until sshd is spawned and listens. */
  sshdStartMs: number;
  /**
   * sshd listening until the start script's `SSH host keys:` lines reach the pod log (Runpod's log pipeline may
   * deliver them after sshd answers). Default 0.
   */
  hostKeyLogMs?: number;
}

/** Options of {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
  /** Interface the HTTP server listens on. Default `"127.0.0.1"`. */
  host?: string;
  /** TCP port of the HTTP server. Default `0` (a free port). */
  port?: number;
  /** Bearer key every request must carry. Default: random `rpa_` + 32 hex characters. */
  apiKey?: string;
  /** How sshd picks its authorized keys. Default `"image"`. */
  sshMode?: SshMode;
  /** Lifecycle delays. Defaults: 400 / 400 / 200 ms. */
  timings?: Partial<PodTimings>;
  /**
   * Rate-limit windows. Default: the spec's policy (minute 60/60 s, hour 3000/3600 s,
   * day 50000/86400 s). `false` disables limiting and, like Runpod does for
   * rate-limit-exempt callers, omits the `RateLimit`/`RateLimit-Policy` headers.
   */
  rateLimit?: RateLimitWindow[] | false;
  /** Initial account SSH keys (`GET /v2/account/ssh-keys`). */
  accountKeys?: string[];
  /** Spawn a real sshd for running pods. Default `true`; `false` never spawns one (`ssh.direct` is still reported). */
  sshd?: boolean;
  /** Validate every response against the spec and collect violations in `responseViolations`. Default `false`. */
  validateResponses?: boolean;
  /** Maximum total length (sum of key line lengths) of the account key set. Default 65000. */
  keySetLimit?: number;
  /**
   * The pods' watchdogs (emulator/podWatchdog.ts) run this many times faster: a whole number >= 1. Default 1.
   */
  watchdogTimeScale?: number;
  /** The watchdogs' clock (`date +%s`) is off by this many seconds (clock-skew tests). Default 0. */
  watchdogClockSkewSeconds?: number;
  /** Diagnostics sink (lifecycle events, sshd problems). Never receives the API key. */
  log?: (line: string) => void;
}

/** One HTTP request as the emulator saw it. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** Path only. */
  path: string;
  /** Response status (0 while the response is still being prepared). */
  status: number;
  /** Arrival time, ms since the epoch. */
  at: number;
  /** Request headers, lower-cased names; `authorization` is redacted to its scheme (`"Bearer ***"`). */
  headers: Record<string, string>;
  /** Raw request body, when there was one. */
  body?: string;
}

/** Failure of the next create call(s). */
export type CreateFault = "no-capacity" | "insufficient-balance" | "forbidden" | "server-error" | "created-then-500";

/** Permanent misbehaviour of the next created pod(s). */
export type PodFault = "error" | "no-public-port" | "stuck-provisioning" | "sshd-never";

/** Fault injection, shared by the programmatic API and `POST /_emulator/faults`. */
export interface EmulatorFaults {
  /** The next `count` (default 1) valid creates fail with `kind`. Queued after earlier calls. */
  failNextCreates(kind: CreateFault, count?: number): void;
  /** While marked, every create for this GPU id answers 400 "no longer any instances available". */
  markGpuUnavailable(gpuId: string, unavailable?: boolean): void;
  /** The next `count` (default 1) created pods get this fault for their whole life. */
  nextPods(kind: PodFault, count?: number): void;
  /** Delay the next `count` API responses by `ms` (count default: until cleared with `ms = 0`). */
  slowResponses(ms: number, count?: number): void;
  /**
   * The next `fault.count` (default 1) API requests matching `method` and `path` (default: any) fail: answered
   * with `fault.answer` (429, 5xx) before they take effect, or, with "lost", taken into effect and then left
   * unanswered (the connection is dropped), or, with "late", taken into effect and answered after `lateMs`. Queued after earlier calls; each request consumes at most one.
   */
  failNextRequests(fault: RequestFault): void;
  /** Remove every pending fault and GPU mark. */
  clear(): void;
}

/** A fault for the next matching API requests (`failNextRequests`). */
export interface RequestFault {
  /**
   * The status answered instead of the API's (429, 500, 502, 503, 504); "lost": the request takes effect, no
   * answer comes; "late": the request takes effect, its answer comes after `lateMs`.
   */
  answer: number | "lost" | "late";
  /** How late a "late" answer comes, in ms; default 5000. */
  lateMs?: number;
  /** Only requests with this method ("POST"); default any. */
  method?: string;
  /** Only requests to this path; `{...}` matches one segment ("/v2/pods/{id}"); default any API path. */
  path?: string;
  /** How many requests; default 1. */
  count?: number;
  /** `Retry-After` of a 429 answer in seconds; default 1. */
  retryAfterSeconds?: number;
}

/** Lifecycle status of a pod, as in the spec's `PodStatus`. */
export type PodStatus = "PROVISIONING" | "STARTING" | "RUNNING" | "EXITED" | "ERROR" | "TERMINATED";

/** The emulator's internal view of one live pod (more than the API shows). */
export interface EmulatorPodView {
  id: string;
  name: string;
  status: PodStatus;
  /** Proxy user name, `<id>-<8 hex>`. */
  podHostId: string;
  image: string;
  /** `null` when `args` was never set (the image's start script runs). */
  args: string | null;
  /** True when `args` is the empty string: the image's start script (and so sshd) never runs. */
  startScriptOverridden: boolean;
  env: Record<string, string>;
  ports: string[];
  compute: { kind: "gpu"; id: string; count: number } | { kind: "cpu"; id: string; vcpuCount: number; memory: number };
  /** Assigned machine, `null` while provisioning. */
  machine: { dataCenterId: string; cudaVersion: string | null } | null;
  locked: boolean;
  /** Injected pod fault, if any. */
  fault: PodFault | null;
  /** How many times the container has been started (start, restart, reset each add one). */
  containerStarts: number;
  /** Public port mapped to 22/tcp while the container runs, else `null`. */
  sshPort: number | null;
  /** Login user sshd accepts (`root`, or the emulator's user when not root). */
  sshUser: string;
  /** Keys sshd authorizes for the current container (`null`: sshd is not meant to start). */
  authorizedKeys: string | null;
  /** Pid of the running sshd listener, `null` when none. */
  sshdPid: number | null;
  /** When sshd was actually listening (ms since the epoch), `null` when it is not. */
  sshdReadyAt: number | null;
  /** Per-pod temporary directory (host key, authorized_keys, sshd_config). */
  dir: string;
  /** Log streams (`GET /v2/pods/{id}/logs`) receiving this pod's new lines now. */
  logStreams: number;
  createdAt: string;
  startedAt: string | null;
}

/** A running emulator. */
export interface RunpodEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly apiKey: string;
  readonly sshMode: SshMode;
  /** Root temporary directory (per-pod directories live below it); removed by `stop()`. */
  readonly tempDir: string;
  /** Every request seen, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Spec violations of sent responses (only filled when `validateResponses` is on). */
  readonly responseViolations: string[];
  readonly faults: EmulatorFaults;
  /**
   * Free GPUs per GPU type × data center (unset: plenty). `capacity.set(gpuId, dataCenterId, 0)` makes creates
   * there fail for lack of capacity and a stopped pod there start with zero GPUs; the catalog's availability
   * (`GET /v2/catalog/gpus?include=AVAILABILITY&product=POD`) follows.
   */
  readonly capacity: {
    set(gpuId: string, dataCenterId: string, free: number | null): void;
    get(gpuId: string, dataCenterId: string): number | undefined;
    clear(): void;
  };
  /** The account's network volumes (`/v2/network-volumes`). */
  volumes(): Array<{ id: string; name: string; size: number; dataCenter: string; type: string }>;
  /** The folder holding a network volume's data (what pods mounting it see at their mount path). */
  volumeFolder(id: string): string;
  /** Current account SSH keys. */
  accountKeys(): string[];
  /** Replace the account SSH keys (not validated, so legacy or odd entries can be simulated). */
  setAccountKeys(keys: string[]): void;
  /** Internal view of every live pod. */
  pods(): EmulatorPodView[];
  /**
   * Simulate a container reset or migration of a STARTING/RUNNING pod: the container
   * restarts on a new mapped port with a fresh sshd. Resolves once the old sshd is gone
   * (the pod is STARTING again); rejects for unknown pods or other statuses.
   */
  resetPod(id: string): Promise<void>;
  /** The pods' watchdogs: their pod-scoped keys and test hooks (emulator/podWatchdog.ts). */
  readonly watchdogs: EmulatorWatchdogs;
  /** Close the server, kill every sshd, remove temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/** Control of the pods' watchdogs (emulator/podWatchdog.ts). */
export interface EmulatorWatchdogs {
  /** The pod-scoped `RUNPOD_API_KEY` of a pod (accepted for its own action only). */
  podKey(podId: string): string;
  /** Pid of the pod's running watchdog, or null. */
  pid(podId: string): number | null;
  /** Requests with a pod-scoped key get no answer (the connection is dropped) for `ms`. */
  setApiDown(ms: number): void;
  /** What the pod's `nvidia-smi` reports as GPU utilisation (percent). */
  setGpuUtilization(podId: string, percent: number): Promise<void>;
}
