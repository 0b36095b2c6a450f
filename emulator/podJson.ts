/**
 * How a pod looks from outside: the API's `Pod` JSON (validated against the spec's
 * `Pod` schema in tests) and the emulator's richer internal view.
 */
import { actionsFor, type Pod } from "./pods";
import type { EmulatorPodView } from "./types";

/** `PodSshEndpoint` of the spec. */
export interface ApiSshEndpoint {
  host: string;
  port: number;
  username: string;
  command: string;
}

/** The `Pod` object as the API returns it. */
export interface ApiPod {
  id: string;
  name: string;
  image: string;
  args: string;
  disk: number;
  ports: string[];
  env: Record<string, string>;
  registry: string | null;
  status: string;
  actions: string[];
  mounts: Record<string, unknown>;
  /** `memory` (GB) and `vcpuCount`: the host RAM and vCPUs allocated to the pod in all. */
  gpu?: { id: string; count: number; memory?: number; vcpuCount?: number };
  cpu?: { id: string; vcpuCount: number; memory: number };
  cloud: string;
  dataCenterId: string | null;
  cudaVersion: string | null;
  ssh: { proxy: ApiSshEndpoint | null; direct: ApiSshEndpoint | null };
  template: string | null;
  cost: number;
  locked: boolean;
  globalNetworking: { enabled: boolean; ip?: string; internalDns?: string };
  runtime: Record<string, unknown> | null;
  createdAt: string;
  startedAt: string | null;
}

/** The host RAM and vCPUs a GPU pod was given (at least what its placement filters asked per GPU). */
function gpuAllocation(pod: Pod): { memory?: number; vcpuCount?: number } {
  const host = pod.placement.gpuHost;
  return host ? { memory: host.memoryGb, vcpuCount: host.vcpuCount } : {};
}

/** The spec's `Pod` JSON for a pod. `sshUser` is the user sshd lets in. */
export function renderPod(pod: Pod, sshUser: string, now: number = Date.now()): ApiPod {
  const { config } = pod;
  const compute = config.compute;
  const running = pod.status === "RUNNING" && pod.container !== null;
  const mapping = running ? pod.sshMapping : undefined;
  const direct: ApiSshEndpoint | null =
    mapping && mapping.public !== null && config.ports.includes("22/tcp")
      ? { host: "127.0.0.1", port: mapping.public, username: sshUser, command: `ssh ${sshUser}@127.0.0.1 -p ${mapping.public}` }
      : null;
  const proxy: ApiSshEndpoint | null = pod.machine
    ? { host: "ssh.runpod.io", port: 22, username: pod.podHostId, command: `ssh ${pod.podHostId}@ssh.runpod.io` }
    : null;

  let runtime: ApiPod["runtime"] = null;
  if (running && pod.container) {
    runtime = {
      uptime: Math.max(0, Math.floor((now - pod.container.startedAtMs) / 1000)),
      ...(compute.kind === "gpu" ? { gpus: Array.from({ length: pod.zeroGpus ? 0 : compute.count }, () => ({ util: 0, memoryUtil: 0 })) } : {}),
      cpu: { util: 1 },
      memory: { util: 3 },
      ports: pod.container.ports.map((port) => ({ ...port })),
    };
  }

  const mounts: Record<string, unknown> = {};
  if (config.mounts.persistent) mounts.persistent = { ...config.mounts.persistent };
  if (config.mounts.network && config.mounts.network.length > 0) mounts.network = config.mounts.network.map((mount) => ({ ...mount }));

  const result: ApiPod = {
    id: pod.id,
    name: config.name,
    image: config.image,
    args: config.args ?? "",
    disk: config.disk,
    ports: [...config.ports],
    env: { ...config.env },
    registry: config.registry,
    status: pod.status,
    actions: actionsFor(pod.status),
    mounts,
    ...(compute.kind === "gpu"
      ? { gpu: { id: compute.id, count: pod.zeroGpus ? 0 : compute.count, ...gpuAllocation(pod) } }
      : { cpu: { id: compute.id, vcpuCount: compute.vcpuCount, memory: compute.memory } }),
    cloud: config.cloud,
    dataCenterId: pod.machine?.dataCenterId ?? null,
    cudaVersion: compute.kind === "gpu" ? (pod.machine?.cudaVersion ?? null) : null,
    ssh: { proxy, direct },
    template: null,
    cost: pod.status === "EXITED" || pod.status === "TERMINATED" ? 0 : pod.placement.costPerHour,
    locked: config.locked,
    globalNetworking: pod.globalNetworkingActive
      ? { enabled: true, ip: pod.globalIp, internalDns: `${pod.id}.runpod.internal` }
      : { enabled: false },
    runtime,
    createdAt: pod.createdAt,
    startedAt: pod.startedAt,
  };
  return result;
}

/** The emulator's internal view of a pod (`emulator.pods()`, `GET /_emulator/state`). */
export function podView(pod: Pod, sshUser: string): EmulatorPodView {
  const { config } = pod;
  const compute = config.compute;
  const mapping = pod.status === "RUNNING" ? pod.sshMapping : undefined;
  return {
    id: pod.id,
    name: config.name,
    status: pod.status,
    podHostId: pod.podHostId,
    image: config.image,
    args: config.args,
    startScriptOverridden: pod.startScriptOverridden,
    env: { ...config.env },
    ports: [...config.ports],
    compute:
      compute.kind === "gpu"
        ? { kind: "gpu", id: compute.id, count: compute.count }
        : { kind: "cpu", id: compute.id, vcpuCount: compute.vcpuCount, memory: compute.memory },
    machine: pod.machine ? { ...pod.machine } : null,
    locked: config.locked,
    fault: pod.fault,
    containerStarts: pod.containerStarts,
    sshPort: mapping?.public ?? null,
    sshUser,
    authorizedKeys: pod.container?.authorizedKeys ?? null,
    sshdPid: pod.container?.sshd?.pid ?? null,
    sshdReadyAt: pod.container?.sshdReadyAt ?? null,
    dir: pod.dir,
    logStreams: pod.log.subscriberCount,
    createdAt: pod.createdAt,
    startedAt: pod.startedAt,
  };
}
