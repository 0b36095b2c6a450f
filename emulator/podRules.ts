/**
 * Handler-layer rules of `POST /v2/pods` and `PATCH /v2/pods/{id}`: everything the spec's
 * descriptions say the handler enforces beyond the JSON schema (400s), template
 * resolution (404/422), capacity decisions (the "no instances available" 400), and the
 * create-time `startSsh`/`startJupyter` injections. Bodies reaching these functions have
 * already passed schema validation.
 */
import {
  type GpuType,
  DATA_CENTERS,
  findCpuFlavor,
  findGpuType,
  findTemplate,
  pickCudaVersion,
  type PodTemplate,
} from "./catalog";
import type { FaultInjector } from "./faults";
import { randomPassword } from "./ids";
import { ApiError, badRequest, noCapacity, validationFailed } from "./problem";

export type Cloud = "SECURE" | "COMMUNITY";

export interface PersistentMount {
  size: number;
  path: string;
}
export interface NetworkMount {
  volumeId: string;
  path: string;
}
export interface PodMounts {
  persistent?: PersistentMount;
  network?: NetworkMount[];
}

export type PodCompute =
  | {
      kind: "gpu";
      id: string;
      count: number;
      allowedCudaVersions?: string[];
      minCudaVersion?: string;
      /** Placement filters: host RAM (GB) and vCPUs per GPU the machine must have at least. */
      minRamPerGpu?: number;
      minVcpuCountPerGpu?: number;
    }
  | { kind: "cpu"; id: string; vcpuCount: number; memory: number };

/** A pod's configuration as stored by the emulator. */
export interface PodConfig {
  name: string;
  image: string;
  /** `null` when never set: the image's start script runs. */
  args: string | null;
  disk: number;
  ports: string[];
  env: Record<string, string>;
  registry: string | null;
  mounts: PodMounts;
  cloud: Cloud;
  compute: PodCompute;
  dataCenterIds: string[];
  globalNetworking: boolean;
  locked: boolean;
}

/** Fields both pod bodies take (the spec's `ContainerConfig`, plus mounts, networking and a template). */
interface ContainerBodyFields {
  image?: string;
  args?: string;
  disk?: number;
  ports?: string[];
  env?: Record<string, string>;
  registry?: string | null;
  mounts?: PodMounts;
  globalNetworking?: boolean;
  templateId?: string;
}

/** `CreatePodRequest`, after schema validation. */
export interface CreatePodBody extends ContainerBodyFields {
  name: string;
  cloud?: Cloud;
  cpu?: { id: string; vcpuCount: number };
  gpu?: {
    id: string;
    count?: number;
    allowedCudaVersions?: string[];
    minCudaVersion?: string;
    minRamPerGpu?: number;
    minVcpuCountPerGpu?: number;
  };
  dataCenterIds?: string[];
  startSsh?: boolean;
  startJupyter?: boolean;
}

/** `UpdatePodRequest`, after schema validation. */
export interface UpdatePodBody extends ContainerBodyFields {
  name?: string;
  locked?: boolean;
}

/** Container disk when neither body nor template sets one. */
export const DEFAULT_DISK_GB = 50;
export const MAX_ENV_VARS = 50;
export const MAX_HTTP_PORTS = 10;

function resolveTemplate(templateId: string | undefined): PodTemplate | undefined {
  if (templateId === undefined) return undefined;
  const template = findTemplate(templateId);
  if (!template) throw new ApiError(404, `template '${templateId}' not found`);
  if (template.serverless) {
    throw validationFailed([`$.templateId: template '${templateId}' is a serverless template and cannot be used for a pod`]);
  }
  return template;
}

/** Ports must be `N/tcp` or `N/http` (1..65535), unique, no UDP, at most 10 HTTP. */
export function checkPorts(ports: readonly string[]): void {
  const seen = new Set<number>();
  let http = 0;
  for (const entry of ports) {
    const match = /^(\d{1,5})\/([a-z]+)$/.exec(entry);
    if (!match) throw badRequest(`invalid port '${entry}': expected '<port>/tcp' or '<port>/http', e.g. '22/tcp'`);
    const number = Number(match[1]);
    const protocol = match[2];
    if (protocol === "udp") throw badRequest(`invalid port '${entry}': UDP ports are not supported`);
    if (protocol !== "tcp" && protocol !== "http") {
      throw badRequest(`invalid port '${entry}': protocol must be 'tcp' or 'http'`);
    }
    if (number < 1 || number > 65535) throw badRequest(`invalid port '${entry}': port must be between 1 and 65535`);
    if (seen.has(number)) throw badRequest(`invalid ports: port ${number} is listed more than once`);
    seen.add(number);
    if (protocol === "http") http += 1;
  }
  if (http > MAX_HTTP_PORTS) throw badRequest(`too many HTTP ports: ${http} given, at most ${MAX_HTTP_PORTS} are allowed`);
}

/** At most 50 variables, no empty names. */
export function checkEnv(env: Readonly<Record<string, string>>): void {
  const names = Object.keys(env);
  if (names.length > MAX_ENV_VARS) {
    throw badRequest(`too many environment variables: ${names.length} given, at most ${MAX_ENV_VARS} are allowed`);
  }
  if (names.includes("")) throw badRequest("invalid environment variable: the name must not be empty");
}

function checkMountsShape(mounts: PodMounts): void {
  if (mounts.persistent && mounts.network !== undefined) {
    throw badRequest("mounts.persistent and mounts.network are mutually exclusive: set at most one");
  }
}

/**
 * Turn a create body into a pod configuration: apply the template, then enforce the
 * handler rules. Throws 404/422 for templates and 400 for rule violations.
 */
export function resolveCreate(body: CreatePodBody): { config: PodConfig; startSsh: boolean; startJupyter: boolean } {
  const template = resolveTemplate(body.templateId);
  if ((body.gpu === undefined) === (body.cpu === undefined)) {
    throw badRequest("exactly one of 'gpu' or 'cpu' must be set");
  }
  const isCpu = body.cpu !== undefined;
  const image = body.image ?? template?.image;
  if (image === undefined) throw validationFailed(["$: missing required property 'image' (required unless 'templateId' is set)"]);

  let mounts: PodMounts = body.mounts ? structuredClone(body.mounts) : {};
  if (!body.mounts && template?.persistentMount && !isCpu) mounts = { persistent: { ...template.persistentMount } };
  if (mounts.network && mounts.network.length === 0) delete mounts.network;
  checkMountsShape(mounts);
  if (isCpu && mounts.persistent) {
    throw badRequest("mounts.persistent is not supported on CPU pods: use a network volume (mounts.network)");
  }

  let compute: PodCompute;
  if (body.gpu) {
    const { id, count, allowedCudaVersions, minCudaVersion, minRamPerGpu, minVcpuCountPerGpu } = body.gpu;
    if (allowedCudaVersions && allowedCudaVersions.length > 0 && minCudaVersion !== undefined) {
      throw badRequest("gpu.allowedCudaVersions (non-empty) and gpu.minCudaVersion are mutually exclusive: send one of them");
    }
    // A missing count is kept as 0 here; capacity placement rejects it like Runpod does.
    compute = { kind: "gpu", id, count: count ?? 0, allowedCudaVersions, minCudaVersion, minRamPerGpu, minVcpuCountPerGpu };
  } else {
    const cpu = body.cpu as { id: string; vcpuCount: number };
    const { vcpuCount } = cpu;
    if ((vcpuCount & (vcpuCount - 1)) !== 0) throw badRequest(`cpu.vcpuCount must be a power of two, got ${vcpuCount}`);
    const flavor = findCpuFlavor(cpu.id);
    if (flavor && vcpuCount > flavor.maxVcpu) {
      throw badRequest(`cpu.vcpuCount ${vcpuCount} is not offered for CPU flavor '${flavor.id}' (at most ${flavor.maxVcpu})`);
    }
    compute = { kind: "cpu", id: cpu.id, vcpuCount, memory: vcpuCount * (flavor?.memoryPerVcpuGb ?? 2) };
  }
  if (isCpu && body.globalNetworking === true) throw badRequest("globalNetworking requires a GPU pod");

  const ports = [...(body.ports ?? template?.ports ?? [])];
  checkPorts(ports);
  const env = { ...template?.env, ...body.env };
  checkEnv(env);

  const config: PodConfig = {
    name: body.name,
    image,
    args: body.args ?? template?.args ?? null,
    disk: body.disk ?? template?.disk ?? DEFAULT_DISK_GB,
    ports,
    env,
    registry: body.registry ?? null,
    mounts,
    cloud: body.cloud ?? "SECURE",
    compute,
    dataCenterIds: [...(body.dataCenterIds ?? [])],
    globalNetworking: body.globalNetworking ?? false,
    locked: false,
  };
  return {
    config,
    startSsh: body.startSsh ?? template?.startSsh ?? false,
    startJupyter: body.startJupyter ?? template?.startJupyter ?? false,
  };
}

/** Where a placed pod lands. */
export interface Placement {
  dataCenterId: string;
  cudaVersion: string | null;
  /** USD per hour while not EXITED. */
  costPerHour: number;
  /** GPU pods: the host RAM (GB) and vCPUs allocated to the pod in all (the machine's share per GPU x count). */
  gpuHost: { memoryGb: number; vcpuCount: number } | null;
}

/**
 * Decide whether the pod can be placed now. Every refusal is the real API's misleading
 * "no longer any instances available" 400: a GPU without `count`, an unknown GPU or CPU
 * flavor, an unknown data center, a GPU marked unavailable, a count above the machine
 * size, Community Cloud for a GPU not offered there, unsatisfiable CUDA constraints, or a
 * `minRamPerGpu` / `minVcpuCountPerGpu` above what the machines with that GPU have per GPU.
 */
export function placePod(config: PodConfig, faults: FaultInjector): Placement {
  const knownCenters = config.dataCenterIds.filter((id) => DATA_CENTERS.includes(id));
  if (config.dataCenterIds.length > 0 && knownCenters.length === 0) throw noCapacity();
  const centers = knownCenters.length > 0 ? knownCenters : DATA_CENTERS;
  const dataCenterId = centers[Math.floor(Math.random() * centers.length)];

  const { compute } = config;
  if (compute.kind === "cpu") {
    const flavor = findCpuFlavor(compute.id);
    if (!flavor) throw noCapacity();
    return { dataCenterId, cudaVersion: null, costPerHour: round(flavor.pricePerVcpu * compute.vcpuCount), gpuHost: null };
  }
  if (compute.count < 1) throw noCapacity(); // `gpu.count` omitted
  const gpu: GpuType | undefined = findGpuType(compute.id);
  if (!gpu || faults.isGpuUnavailable(gpu.id) || compute.count > gpu.maxCount) throw noCapacity();
  const price = config.cloud === "COMMUNITY" ? gpu.communityPrice : gpu.securePrice;
  if (price === null) throw noCapacity();
  const cudaVersion = pickCudaVersion(gpu, compute.allowedCudaVersions, compute.minCudaVersion);
  if (cudaVersion === undefined) throw noCapacity();
  // Placement filters, not resource requests: a machine qualifies when it has at least this much per GPU.
  if ((compute.minRamPerGpu ?? 0) > gpu.ramPerGpuGb || (compute.minVcpuCountPerGpu ?? 0) > gpu.vcpuPerGpu) throw noCapacity();
  const gpuHost = { memoryGb: gpu.ramPerGpuGb * compute.count, vcpuCount: gpu.vcpuPerGpu * compute.count };
  return { dataCenterId, cudaVersion, costPerHour: round(price * compute.count), gpuHost };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Create-time injections. `startSsh` sets `PUBLIC_KEY` to the account keys (one per line)
 * unless the request or template already set it; with no keys it does nothing.
 * `startJupyter` sets a generated `JUPYTER_PASSWORD` unless already set.
 */
export function applyCreateFlags(config: PodConfig, flags: { startSsh: boolean; startJupyter: boolean }, accountKeys: readonly string[]): void {
  if (flags.startSsh && accountKeys.length > 0 && config.env.PUBLIC_KEY === undefined) {
    config.env.PUBLIC_KEY = accountKeys.join("\n");
  }
  if (flags.startJupyter && config.env.JUPYTER_PASSWORD === undefined) {
    config.env.JUPYTER_PASSWORD = randomPassword();
  }
}

/** Fields whose change redeploys the container. */
export const RESET_FIELDS = ["image", "args", "disk", "ports", "env", "mounts"] as const;

/** Result of {@link resolvePatch}. */
export interface ResolvedPatch {
  next: PodConfig;
  /** Reset-causing fields present in the request (empty: no container reset). */
  resetFields: string[];
}

function mountKind(mounts: PodMounts): "persistent" | "network" | "none" {
  if (mounts.persistent) return "persistent";
  if (mounts.network && mounts.network.length > 0) return "network";
  return "none";
}

/**
 * Apply a PATCH body to a configuration. `env` replaces the whole env. Any of image,
 * args, disk, ports, env or a non-empty mounts in the request counts as a reset-causing
 * change even when the value is unchanged (Runpod redeploys on every such edit; clients
 * must not rely on an identical value being a no-op). Mount rules: the kind is fixed
 * at create, a network `volumeId` is immutable, `network: []` cannot clear it.
 */
export function resolvePatch(current: PodConfig, body: UpdatePodBody): ResolvedPatch {
  const template = resolveTemplate(body.templateId);
  const next: PodConfig = structuredClone(current);
  const resetFields: string[] = [];

  const image = body.image ?? template?.image;
  const args = body.args ?? template?.args;
  const disk = body.disk ?? template?.disk;
  const ports = body.ports ?? template?.ports;
  const env = body.env !== undefined || template?.env !== undefined ? { ...template?.env, ...body.env } : undefined;

  if (image !== undefined) next.image = image;
  if (args !== undefined) next.args = args;
  if (disk !== undefined) next.disk = disk;
  if (ports !== undefined) {
    checkPorts(ports);
    next.ports = [...ports];
  }
  if (env !== undefined) {
    checkEnv(env);
    next.env = env;
  }
  for (const [field, value] of [
    ["image", image],
    ["args", args],
    ["disk", disk],
    ["ports", ports],
    ["env", env],
  ] as const) {
    if (value !== undefined) resetFields.push(field);
  }

  if (body.mounts !== undefined && Object.keys(body.mounts).length > 0) {
    const mounts = body.mounts;
    checkMountsShape(mounts);
    const kind = mountKind(current.mounts);
    if (mounts.network !== undefined && mounts.network.length === 0) {
      throw badRequest("mounts.network: [] is not allowed: clearing a pod's mounts is not supported");
    }
    if (mounts.persistent) {
      if (kind !== "persistent") {
        throw badRequest(`mounts.persistent cannot be added: the mount kind is fixed at create and this pod has ${kind === "none" ? "no mount" : "a network mount"}`);
      }
      next.mounts = { persistent: { ...mounts.persistent } };
    }
    if (mounts.network) {
      if (kind !== "network") {
        throw badRequest(`mounts.network cannot be added: the mount kind is fixed at create and this pod has ${kind === "none" ? "no mount" : "a persistent mount"}`);
      }
      const currentId = current.mounts.network?.[0]?.volumeId;
      const requested = mounts.network[0];
      if (requested.volumeId !== currentId) {
        throw badRequest(`mounts.network[0].volumeId is immutable: this pod uses volume '${String(currentId)}', not '${requested.volumeId}'`);
      }
      next.mounts = { network: mounts.network.map((mount) => ({ ...mount })) };
    }
    resetFields.push("mounts");
  }

  if (body.name !== undefined) next.name = body.name;
  if (body.registry !== undefined) next.registry = body.registry;
  if (body.locked !== undefined) next.locked = body.locked;
  if (body.globalNetworking !== undefined) {
    if (body.globalNetworking && current.compute.kind === "cpu") throw badRequest("globalNetworking requires a GPU pod");
    next.globalNetworking = body.globalNetworking;
  }
  return { next, resetFields };
}
