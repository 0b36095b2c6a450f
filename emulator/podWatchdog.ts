/**
 * The pods' watchdogs, run for real: when a pod's start command is this package's watchdog launcher
 * (sdk/ssh/watchdogStart.ts), each container start runs the very watchdog script it carries with `sh`, with the
 * variables a Runpod pod has (`RUNPOD_POD_ID`, a pod-scoped `RUNPOD_API_KEY`) and the emulator's URL
 * (`RUNPOD_API_URL`), and the pod's own env. Its output goes to the pod's container log; it is killed when the
 * container stops (stop, restart, reset, terminate) and started again with the next container, as in a pod.
 *
 * The pod-scoped key is accepted for `POST /v2/pods/{its pod}/action` only (403 anywhere else).
 *
 * Test hooks: `timeScale` (whole number >= 1: the watchdog's time runs that many times faster), `clockSkewSeconds`
 * (the watchdog's `date +%s` is off by that much, through a `date` wrapper first on its PATH), a fake `nvidia-smi`
 * printing the utilisation set with `setGpuUtilization`, and `setApiDown(ms)`: requests with a pod-scoped key have
 * their connection dropped (no answer) for that long.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";

/** What the emulator needs from a pod to run its watchdog. */
export interface WatchdogPod {
  id: string;
  dir: string;
  config: { args: string | null; env: Record<string, string> };
  /** Appends a container log line. */
  logLine(line: string): void;
  /** False once the container this start was for has stopped. */
  isCurrent(): boolean;
}

/** The launcher's file name (sdk/ssh/watchdogStart.ts WATCHDOG_LAUNCHER). */
const LAUNCHER_MARKER = "pulumi-runpod-ssh-watchdog-start.sh";

/** The watchdog script and the start command it wraps (`null`: the image's own), or null when `args` is not the launcher. */
export function unwrapWatchdogArgs(args: string | null): { script: string; inner: string | null } | null {
  if (args === null || !args.includes(LAUNCHER_MARKER)) return null;
  const encoded = /echo ([A-Za-z0-9+/=]+) \| base64 -d/.exec(args)?.[1];
  if (!encoded) return null;
  const launcher = Buffer.from(encoded, "base64").toString("utf8");
  const field = (name: string): string | undefined => new RegExp(`^${name}='([A-Za-z0-9+/=]*)'$`, "m").exec(launcher)?.[1];
  const script = field("WATCHDOG_SCRIPT_B64");
  if (script === undefined) return null;
  const inner = field("INNER_ARGS_B64");
  return {
    script: Buffer.from(script, "base64").toString("utf8"),
    inner: inner ? Buffer.from(inner, "base64").toString("utf8") : null,
  };
}

/** The start command that runs after the launcher (what decides sshd and host-key printing). */
export function innerArgs(args: string | null): string | null {
  const unwrapped = unwrapWatchdogArgs(args);
  return unwrapped ? unwrapped.inner : args;
}

function findOnPath(name: string): string {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return `/bin/${name}`;
}

export interface PodWatchdogOptions {
  timeScale: number;
  clockSkewSeconds: number;
  /** The emulator's base URL (known once it listens). */
  url: () => string;
  log: (line: string) => void;
}

/** Decision about a request carrying a key that is not the account key. */
export type PodKeyDecision = "allow" | "forbid" | "drop" | undefined;

/** Every pod's watchdog and pod-scoped key. */
export class PodWatchdogs {
  private readonly keys = new Map<string, string>();
  private readonly running = new Map<string, ChildProcess>();
  private apiDownUntil = 0;
  private closed = false;

  constructor(private readonly options: PodWatchdogOptions) {}

  /** The pod-scoped key of `podId` (stable for the pod's life). */
  keyFor(podId: string): string {
    let key = this.keys.get(podId);
    if (!key) {
      key = `rpk_pod_${randomBytes(16).toString("hex")}`;
      this.keys.set(podId, key);
    }
    return key;
  }

  /** For the server: a pod-scoped key may POST its own pod's action; undefined when `token` is no pod key. */
  authorize(token: string, method: string, pathname: string): PodKeyDecision {
    const podId = [...this.keys.entries()].find(([, key]) => key === token)?.[0];
    if (!podId) return undefined;
    if (Date.now() < this.apiDownUntil) return "drop";
    return method === "POST" && pathname === `/v2/pods/${podId}/action` ? "allow" : "forbid";
  }

  /** Requests with a pod-scoped key get no answer (connection dropped) for `ms`. */
  setApiDown(ms: number): void {
    this.apiDownUntil = Date.now() + ms;
  }

  /** The utilisation the pod's fake `nvidia-smi` prints (percent). */
  async setGpuUtilization(pod: { dir: string }, percent: number): Promise<void> {
    await fsp.mkdir(path.join(pod.dir, "watchdog"), { recursive: true });
    await fsp.writeFile(path.join(pod.dir, "watchdog", "gpu-utilization"), `${Math.round(percent)}\n`);
  }

  /** Pid of the pod's running watchdog, or null. */
  pidOf(podId: string): number | null {
    return this.running.get(podId)?.pid ?? null;
  }

  /** A container started: run its watchdog when its start command is the launcher. */
  async start(pod: WatchdogPod, sshPort: number | null): Promise<void> {
    const unwrapped = unwrapWatchdogArgs(pod.config.args);
    if (!unwrapped || this.closed) return;
    await this.stop(pod.id);
    const dir = path.join(pod.dir, "watchdog");
    const bin = path.join(dir, "bin");
    await fsp.mkdir(bin, { recursive: true, mode: 0o700 });
    const script = path.join(dir, "pulumi-runpod-ssh-watchdog.sh");
    await fsp.writeFile(script, unwrapped.script, { mode: 0o700 });
    await fsp.writeFile(
      path.join(bin, "nvidia-smi"),
      `#!/bin/sh\ncat "${path.join(dir, "gpu-utilization")}" 2>/dev/null || echo 0\n`,
      { mode: 0o755 },
    );
    if (this.options.clockSkewSeconds !== 0) {
      const date = findOnPath("date");
      await fsp.writeFile(
        path.join(bin, "date"),
        `#!/bin/sh\nif [ "$1" = "+%s" ]; then echo $(( $(${date} +%s) + (${this.options.clockSkewSeconds}) )); else exec ${date} "$@"; fi\n`,
        { mode: 0o755 },
      );
    }
    await fsp.rm(path.join(dir, "pulumi-runpod-ssh-watchdog.pid"), { force: true });
    if (this.closed || !pod.isCurrent()) return;
    const child = spawn("sh", [script], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...pod.config.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? "/usr/bin:/bin"}`,
        HOME: process.env.HOME ?? "/root",
        RUNPOD_POD_ID: pod.id,
        RUNPOD_API_KEY: this.keyFor(pod.id),
        RUNPOD_API_URL: this.options.url(),
        PULUMI_RUNPOD_WATCHDOG_TIME_SCALE: String(this.options.timeScale),
        PULUMI_RUNPOD_WATCHDOG_SSH_PORT: sshPort === null ? "22" : String(sshPort),
        PULUMI_RUNPOD_WATCHDOG_DIR: dir,
        PULUMI_RUNPOD_WATCHDOG_PARENT_PID: String(process.pid),
      },
    });
    child.unref();
    this.running.set(pod.id, child);
    const forward = (stream: NodeJS.ReadableStream): void => {
      let buffered = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split(/\r?\n/);
        buffered = parts.pop() ?? "";
        for (const line of parts) if (line !== "") pod.logLine(line);
      });
    };
    forward(child.stdout);
    forward(child.stderr);
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    child.once("exit", () => {
      if (this.running.get(pod.id) === child) this.running.delete(pod.id);
    });
    this.options.log(`pod ${pod.id}: watchdog started (pid ${String(child.pid)}, time x${this.options.timeScale})`);
  }

  /** The container stopped: kill its watchdog (and whatever it runs: sleep, curl). */
  async stop(podId: string): Promise<void> {
    const child = this.running.get(podId);
    if (!child) return;
    this.running.delete(podId);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }

  /** The pod is gone: no watchdog, no key. */
  async forget(podId: string): Promise<void> {
    await this.stop(podId);
    this.keys.delete(podId);
  }

  /** Kill every watchdog (emulator stop). */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }

  /** Synchronous kill (process exit handlers). */
  killAllSync(): void {
    for (const child of this.running.values()) {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
