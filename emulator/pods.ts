/**
 * The pod store and its lifecycle state machine.
 *
 * ```
 * create ─► PROVISIONING ──(provisioningMs: machine assigned, ssh.proxy appears)──► STARTING
 * STARTING ──(startingMs: ports mapped, ssh.direct appears)──► RUNNING  (or ERROR with the "error" fault)
 * RUNNING ──(sshdStartMs)──► sshd listening (sshdReadyAt set)
 * stop: PROVISIONING/STARTING/RUNNING ─► EXITED (machine kept)      start: EXITED/ERROR ─► STARTING (or PROVISIONING)
 * restart: RUNNING ─► STARTING ─► RUNNING (same ports)             reset (PATCH/migration): ─► STARTING ─► RUNNING (new ports)
 * terminate/DELETE: any ─► gone
 * ```
 *
 * The mapped port exists before sshd listens, as on Runpod, so early connections are
 * refused. Every transition bumps the pod's `epoch`; timers and async continuations of
 * an older epoch are dropped.
 *
 * Simplification: the emulator has no image. A pod's "start script" is modelled as
 * Runpod's official `/start.sh`: it starts sshd when the key variable (see
 * {@link SshMode}) is set. An explicitly empty `args` overrides the start script, so no
 * sshd ever starts; a non-empty `args` is treated like the start script (the emulator
 * cannot run arbitrary commands).
 */
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { podHostId, randomPodId } from "./ids";
import { PortBook } from "./ports";
import { hostKeyLogLines, PodLog } from "./logs";
import type { Placement, PodConfig, ResolvedPatch } from "./podRules";
import { ApiError } from "./problem";
import type { SshdHandle, SshdManager } from "./sshd";
import { innerArgs, type PodWatchdogs } from "./podWatchdog";
import type { PodFault, PodStatus, PodTimings, SshMode } from "./types";
import { printsHostKeys, sshdKeysFor } from "./startScriptRules";
import type { CapacityBook } from "./capacity";
import type { VolumeStore } from "./volumes";

/** A live port mapping (`runtime.ports[]`). */
export interface RuntimePort {
  private: number;
  public: number | null;
  type: "tcp" | "http";
  ip: string | null;
}

/** The running container of a pod. */
export interface Container {
  startedAtMs: number;
  ports: RuntimePort[];
  /** Keys sshd authorizes; `null` when the start script would not start sshd. */
  authorizedKeys: string | null;
  sshd: SshdHandle | null;
  sshdReadyAt: number | null;
}

export type PodAction = "start" | "stop" | "restart" | "terminate";

/** Actions allowed per status, as the spec's `actions` field publishes them. */
export function actionsFor(status: PodStatus): PodAction[] {
  switch (status) {
    case "RUNNING":
      return ["stop", "restart", "terminate"];
    case "EXITED":
    case "ERROR":
      return ["start", "terminate"];
    case "PROVISIONING":
    case "STARTING":
      return ["stop", "terminate"];
    case "TERMINATED":
      return [];
  }
}

/** One emulated pod. Mutated only by {@link PodStore}. */
export class Pod {
  readonly podHostId: string;
  readonly createdAt = new Date().toISOString();
  readonly log = new PodLog();
  status: PodStatus = "PROVISIONING";
  machine: { dataCenterId: string; cudaVersion: string | null } | null = null;
  startedAt: string | null = null;
  container: Container | null = null;
  containerStarts = 0;
  /** True when the last start found no free GPU on its host: the pod runs with zero GPUs (capacity.ts). */
  zeroGpus = false;
  /** Global networking as currently applied (PATCH changes apply at the next container start). */
  globalNetworkingActive: boolean;
  readonly globalIp: string;
  /** Bumped on every transition; stale timers and continuations compare it. */
  epoch = 0;
  /** Public ports the store's port book handed to this pod (mapped now, or kept for a restart). */
  readonly heldPorts = new Set<number>();
  readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly id: string,
    public config: PodConfig,
    readonly placement: Placement,
    readonly fault: PodFault | null,
    readonly dir: string,
  ) {
    this.podHostId = podHostId(id);
    this.globalNetworkingActive = config.globalNetworking;
    this.globalIp = `10.65.${Math.floor(Math.random() * 254) + 1}.${Math.floor(Math.random() * 254) + 1}`;
  }

  /** True when `args` is explicitly empty: the image's start script does not run. */
  get startScriptOverridden(): boolean {
    return innerArgs(this.config.args) === "";
  }

  /** The public port mapped to 22/tcp, while running. */
  get sshMapping(): RuntimePort | undefined {
    return this.container?.ports.find((port) => port.private === 22 && port.type === "tcp");
  }
}

export interface PodStoreOptions {
  timings: PodTimings;
  sshMode: SshMode;
  /** `null` when sshd is disabled. */
  sshd: SshdManager | null;
  /** Parent of the per-pod directories. */
  rootDir: string;
  log: (line: string) => void;
  /** Where public ports come from (default: a fresh book over free ports). */
  ports?: PortBook;
  /** Network volumes: a mounting pod's container root links its mount path to the volume's folder. */
  volumes?: VolumeStore;
  /** Free GPUs per data center: a start without room comes back with zero GPUs. */
  capacity?: CapacityBook;
  /** Called at create and after every status change (the billing ledger, billing.ts). */
  onStatus?: (pod: Pod) => void;
  /** Runs the pods' watchdogs (podWatchdog.ts). */
  watchdogs?: PodWatchdogs;
}

/** All pods of the emulated account and their lifecycle. */
export class PodStore {
  private readonly pods = new Map<string, Pod>();
  private closed = false;
  private readonly ports: PortBook;

  constructor(private readonly options: PodStoreOptions) {
    this.ports = options.ports ?? new PortBook();
  }

  get(id: string): Pod | undefined {
    return this.pods.get(id);
  }

  list(): Pod[] {
    return [...this.pods.values()];
  }

  /** Create a pod (already validated and placed) and start provisioning it. */
  create(config: PodConfig, placement: Placement, fault: PodFault | null): Pod {
    let id = randomPodId();
    while (this.pods.has(id)) id = randomPodId();
    const pod = new Pod(id, config, placement, fault, path.join(this.options.rootDir, id));
    this.pods.set(id, pod);
    this.options.onStatus?.(pod);
    this.options.log(`pod ${id} created (${config.name})${fault ? ` with fault '${fault}'` : ""}`);
    pod.log.append("system", `Pod ${id} created, waiting for a machine`);
    this.beginProvisioning(pod);
    return pod;
  }

  /** `stop` action: PROVISIONING/STARTING/RUNNING -> EXITED. */
  async stop(pod: Pod): Promise<void> {
    this.assertAction(pod, "stop");
    this.assertUnlocked(pod, "stopped");
    const wasRunning = pod.status === "RUNNING";
    this.transition(pod, "EXITED");
    await this.stopContainer(pod);
    this.releasePorts(pod);
    pod.log.append("system", wasRunning ? "Container stopped" : "Pod stopped before its container started");
  }

  /** `start` action: EXITED/ERROR -> STARTING (PROVISIONING when no machine was assigned yet). */
  start(pod: Pod): void {
    this.assertAction(pod, "start");
    pod.log.append("system", "Start requested");
    const compute = pod.config.compute;
    if (compute.kind === "gpu" && this.options.capacity) {
      const host = pod.machine?.dataCenterId ?? pod.placement.dataCenterId;
      pod.zeroGpus = !this.options.capacity.hasRoom(compute.id, host, compute.count);
      if (pod.zeroGpus) pod.log.append("system", "No GPU free on this host: the pod starts with zero GPUs");
    }
    if (pod.machine) this.beginStarting(pod, false);
    else this.beginProvisioning(pod);
  }

  /** `restart` action: RUNNING -> STARTING -> RUNNING, keeping the port mappings. */
  async restart(pod: Pod): Promise<void> {
    this.assertAction(pod, "restart");
    this.assertUnlocked(pod, "restarted");
    const keepPorts = new Map((pod.container?.ports ?? []).map((port) => [`${port.private}/${port.type}`, port.public] as const));
    pod.log.append("system", "Restarting container");
    this.transition(pod, "STARTING");
    const epoch = pod.epoch;
    await this.stopContainer(pod);
    if (pod.epoch === epoch) this.scheduleContainerStart(pod, keepPorts);
  }

  /** `terminate` action / DELETE: the pod is gone at once. */
  async terminate(pod: Pod): Promise<void> {
    this.transition(pod, "TERMINATED");
    this.pods.delete(pod.id);
    pod.log.append("system", "Pod terminated");
    await this.stopContainer(pod);
    this.releasePorts(pod);
    pod.log.close();
    await this.options.watchdogs?.forget(pod.id);
    await fsp.rm(pod.dir, { recursive: true, force: true });
    this.options.log(`pod ${pod.id} terminated`);
  }

  /** Apply a resolved PATCH; resets the container when a reset-causing field was sent. */
  async update(pod: Pod, patch: ResolvedPatch): Promise<void> {
    if (patch.resetFields.length > 0 && pod.config.locked && patch.next.locked) {
      throw new ApiError(400, `pod ${pod.id} is locked: changing ${patch.resetFields.join(", ")} would reset it; unlock it first (locked: false)`);
    }
    pod.config = patch.next;
    if (patch.resetFields.length > 0 && (pod.status === "RUNNING" || pod.status === "STARTING")) {
      await this.resetContainer(pod, `${patch.resetFields.join(", ")} changed`);
    }
  }

  /** Container reset or migration: STARTING/RUNNING -> STARTING -> RUNNING on new ports. */
  async reset(pod: Pod, reason: string): Promise<void> {
    if (pod.status !== "RUNNING" && pod.status !== "STARTING") {
      throw new Error(`Runpod emulator: pod ${pod.id} is ${pod.status}; only RUNNING or STARTING pods can be reset`);
    }
    await this.resetContainer(pod, reason);
  }

  /** Stop every timer and close every log (sshd processes are stopped by the SshdManager). */
  shutdown(): void {
    this.closed = true;
    for (const pod of this.pods.values()) {
      pod.epoch += 1;
      this.clearTimers(pod);
      pod.log.close();
    }
  }

  private assertAction(pod: Pod, action: PodAction): void {
    if (!actionsFor(pod.status).includes(action)) {
      throw new ApiError(409, `action '${action}' is not valid for pod ${pod.id} in status ${pod.status} (valid: ${actionsFor(pod.status).join(", ") || "none"})`);
    }
  }

  private assertUnlocked(pod: Pod, what: string): void {
    if (pod.config.locked) throw new ApiError(400, `pod ${pod.id} is locked and cannot be ${what}; unlock it first (PATCH locked: false)`);
  }

  private transition(pod: Pod, status: PodStatus): void {
    pod.epoch += 1;
    this.clearTimers(pod);
    pod.status = status;
    this.options.onStatus?.(pod);
  }

  private clearTimers(pod: Pod): void {
    for (const timer of pod.timers) clearTimeout(timer);
    pod.timers.clear();
  }

  private schedule(pod: Pod, ms: number, action: () => void): void {
    const epoch = pod.epoch;
    const timer = setTimeout(() => {
      pod.timers.delete(timer);
      if (pod.epoch === epoch && !this.closed) action();
    }, ms);
    timer.unref();
    pod.timers.add(timer);
  }

  private beginProvisioning(pod: Pod): void {
    this.transition(pod, "PROVISIONING");
    if (pod.fault === "stuck-provisioning") {
      this.options.log(`pod ${pod.id}: stuck-provisioning fault, never leaving PROVISIONING`);
      return;
    }
    this.schedule(pod, this.options.timings.provisioningMs, () => {
      const { dataCenterId, cudaVersion } = pod.placement;
      pod.machine = { dataCenterId, cudaVersion };
      const compute = pod.config.compute;
      const hardware = compute.kind === "gpu" ? `${compute.count} x ${compute.id}, CUDA ${cudaVersion ?? "?"}` : `${compute.vcpuCount} vCPU ${compute.id}`;
      pod.log.append("system", `Machine assigned in ${dataCenterId} (${hardware})`);
      this.beginStarting(pod, true);
    });
  }

  private beginStarting(pod: Pod, pullImage: boolean): void {
    this.transition(pod, "STARTING");
    if (pullImage) pod.log.append("system", `Pulling image ${pod.config.image}`);
    this.scheduleContainerStart(pod);
  }

  private scheduleContainerStart(pod: Pod, keepPorts?: Map<string, number | null>): void {
    this.schedule(pod, this.options.timings.startingMs, () => void this.startContainer(pod, keepPorts));
  }

  private async resetContainer(pod: Pod, reason: string): Promise<void> {
    pod.log.append("system", `Container reset: ${reason}`);
    this.transition(pod, "STARTING");
    const epoch = pod.epoch;
    await this.stopContainer(pod);
    if (pod.epoch === epoch) this.scheduleContainerStart(pod);
  }

  private async stopContainer(pod: Pod): Promise<void> {
    const container = pod.container;
    pod.container = null;
    await this.options.watchdogs?.stop(pod.id);
    if (container?.sshd) await container.sshd.stop();
  }

  /** A public port for `pod` from the book: no other pod holds it. */
  private async takePort(pod: Pod): Promise<number> {
    const port = await this.ports.take();
    pod.heldPorts.add(port);
    return port;
  }

  private givePortBack(pod: Pod, port: number): void {
    pod.heldPorts.delete(port);
    this.ports.release(port);
  }

  /** Gives every port `pod` holds back to the book, except `keep`. */
  private releasePorts(pod: Pod, keep: ReadonlySet<number> = new Set()): void {
    for (const port of [...pod.heldPorts]) if (!keep.has(port)) this.givePortBack(pod, port);
  }

  private async mapPorts(pod: Pod, keepPorts: Map<string, number | null> | undefined): Promise<RuntimePort[]> {
    const mappings: RuntimePort[] = [];
    for (const entry of pod.config.ports) {
      const [number, type] = entry.split("/") as [string, "tcp" | "http"];
      const privatePort = Number(number);
      if (type === "http") {
        // HTTP ports are served through Runpod's HTTPS proxy, not a public TCP port.
        mappings.push({ private: privatePort, public: null, type, ip: null });
      } else if (pod.fault === "no-public-port") {
        mappings.push({ private: privatePort, public: null, type, ip: null });
      } else {
        const kept = keepPorts?.get(entry);
        mappings.push({ private: privatePort, public: kept ?? (await this.takePort(pod)), type, ip: "127.0.0.1" });
      }
    }
    return mappings;
  }

  private async startContainer(pod: Pod, keepPorts?: Map<string, number | null>): Promise<void> {
    if (pod.fault === "error") {
      this.transition(pod, "ERROR");
      pod.log.append("container", `exec /start.sh: container init failed`);
      pod.log.append("system", "Container exited with code 1; the pod is in ERROR (start it again or terminate it)");
      return;
    }
    const epoch = pod.epoch;
    // Ports of an earlier container go back to the book, except those a restart keeps.
    this.releasePorts(pod, new Set([...(keepPorts?.values() ?? [])].filter((port): port is number => port !== null)));
    const ports = await this.mapPorts(pod, keepPorts);
    if (pod.epoch !== epoch || this.closed) return;
    this.transition(pod, "RUNNING");
    pod.container = { startedAtMs: Date.now(), ports, authorizedKeys: null, sshd: null, sshdReadyAt: null };
    pod.startedAt = new Date().toISOString();
    pod.containerStarts += 1;
    pod.globalNetworkingActive = pod.config.globalNetworking && pod.config.compute.kind === "gpu";
    const published = ports.map((p) => (p.public === null ? `${p.private}/${p.type}` : `${p.private}/${p.type} -> ${p.public}`));
    pod.log.append("system", `Container started${published.length > 0 ? ` (ports: ${published.join(", ")})` : ""}`);
    const started = pod.container;
    void this.options.watchdogs?.start(
      { id: pod.id, dir: pod.dir, config: pod.config, logLine: (line) => pod.log.append("container", line), isCurrent: () => pod.container === started },
      pod.sshMapping?.public ?? null,
    );
    this.planSshd(pod);
  }

  /** What the image's start script does about sshd, and when to spawn the real one. */
  private planSshd(pod: Pod): void {
    const container = pod.container as Container;
    if (pod.startScriptOverridden) {
      pod.log.append("system", "Start command overridden by empty args: the image's start script does not run, so sshd is not started");
      return;
    }
    const decision = sshdKeysFor(pod.config.env, this.options.sshMode);
    if ("reason" in decision) {
      pod.log.append("container", decision.reason);
      return;
    }
    container.authorizedKeys = decision.keys;
    pod.log.append("container", "Setting up SSH...");
    const mapping = pod.sshMapping;
    if (!mapping) {
      pod.log.append("system", "22/tcp is not in ports: sshd is reachable only through the proxy, so the emulator does not run it");
      return;
    }
    if (mapping.public === null) return; // no public port: nothing could reach sshd
    if (pod.fault === "sshd-never") {
      this.options.log(`pod ${pod.id}: sshd-never fault, not starting sshd`);
      return;
    }
    const sshd = this.options.sshd;
    if (!sshd) return;
    const port = mapping.public;
    this.schedule(pod, this.options.timings.sshdStartMs, () => void this.spawnSshd(pod, sshd, decision.keys, port));
  }

  /** The start script's `SSH host keys:` block, for the container that runs `handle` (see printsHostKeys). */
  private async logHostKeys(pod: Pod, handle: SshdHandle): Promise<void> {
    let entries: Array<{ path: string; keygenLine: string }>;
    try {
      entries = await handle.hostKeyFingerprints();
    } catch (error) {
      this.options.log(`pod ${pod.id}: ssh-keygen -lf failed: ${(error as Error).message}`);
      return;
    }
    if (pod.container?.sshd !== handle) return;
    for (const line of hostKeyLogLines(entries)) pod.log.append("container", line);
  }

  /** `RUNPOD_EMULATOR_ROOT`: the pod's container root, where its network volume is mounted (volumes.ts). */
  private containerRootEnv(pod: Pod): Record<string, string> {
    const root = this.options.volumes?.prepareRoot(pod.dir, pod.config.mounts);
    return root ? { RUNPOD_EMULATOR_ROOT: root } : {};
  }

  private async spawnSshd(pod: Pod, sshd: SshdManager, keys: string, port: number): Promise<void> {
    const epoch = pod.epoch;
    let handle: SshdHandle | undefined;
    try {
      handle = await sshd.start({
        podId: pod.id,
        dir: pod.dir,
        port,
        nextPort: () => this.takePort(pod),
        authorizedKeys: keys,
        sessionEnv: { RUNPOD_DC_ID: pod.machine?.dataCenterId ?? "", RUNPOD_POD_HOSTNAME: pod.podHostId, ...this.containerRootEnv(pod) },
        onLine: (line) => pod.log.append("container", line),
        onUnexpectedExit: (description) => {
          if (pod.container && pod.container.sshd === handle) {
            pod.container.sshd = null;
            pod.container.sshdReadyAt = null;
            pod.log.append("container", description);
          }
        },
      });
    } catch (error) {
      if (pod.epoch === epoch && !this.closed) {
        pod.log.append("container", `sshd failed to start: ${(error as Error).message}`);
        this.options.log(`pod ${pod.id}: ${(error as Error).message}`);
      }
      return;
    }
    const container = pod.container;
    if (pod.epoch !== epoch || !container || this.closed) {
      await handle.stop();
      return;
    }
    container.sshd = handle;
    container.sshdReadyAt = handle.readyAt;
    if (printsHostKeys({ image: pod.config.image, args: innerArgs(pod.config.args) })) {
      const started = handle;
      this.schedule(pod, this.options.timings.hostKeyLogMs ?? 0, () => void this.logHostKeys(pod, started));
    }
    const mapping = pod.sshMapping;
    if (mapping && handle.port !== mapping.public) {
      pod.log.append("system", `Port ${String(mapping.public)} was taken; 22/tcp is now mapped to ${handle.port}`);
      if (mapping.public !== null) this.givePortBack(pod, mapping.public);
      mapping.public = handle.port;
    }
  }
}
