/**
 * The Pod resource's inputs: their schema (the rules across inputs and every message are in podCheck.ts) and the
 * translation into `POST /v2/pods` bodies, one per placement candidate.
 *
 * Rules beyond the API's schema, each from something that goes wrong on Runpod:
 * - `gpu.count` is always sent (without it the API answers a misleading "no instances available").
 * - `22/tcp` is added when absent (no direct SSH, scp, sftp or rsync without it).
 * - `args: ""` is refused (an empty start command replaces the image's `/start.sh`, so sshd never starts).
 * - ports are `N/tcp` or `N/http`, no duplicates, no UDP, at most 10 HTTP; env has at most 50 string values.
 * - the SSH keys go in as both `SSH_PUBLIC_KEY` and `PUBLIC_KEY` (images read `PUBLIC_KEY`), merged as extra
 *   lines with a `PUBLIC_KEY` the user already set.
 */
import { z } from "zod";
import { parsePublicKey } from "../ssh/publicKey";
import type { CreatePodRequest, PodMounts } from "../runpod/schemas";

/** Pulumi's placeholder for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `value` is, or contains, a value unknown at preview time. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

export const MAX_ENV_VARS = 50;
/** Env variable naming the Pulumi resource that owns a pod (see podCreate.ts). */
export const OWNER_ENV = "PULUMI_RUNPOD_SSH_OWNER";
export const MAX_HTTP_PORTS = 10;
export const DEFAULT_READINESS_TIMEOUT_SECONDS = 15 * 60;
/** Where a network volume is mounted when `networkVolume.path` is not set. */
export const DEFAULT_VOLUME_PATH = "/workspace";

/** The Pod inputs, as plain values (what the dynamic provider receives). */
export interface PodSpec {
  name?: string;
  image?: string;
  templateId?: string;
  gpu?: {
    id?: string;
    ids?: string[];
    count?: number;
    allowedCudaVersions?: string[];
    minCudaVersion?: string;
    /** Placement filter: host RAM per GPU, in GB, the machine must have at least. */
    minRamPerGpu?: number;
    /** Placement filter: host vCPUs per GPU the machine must have at least. */
    minVcpuCountPerGpu?: number;
  };
  cpu?: { id: string; vcpuCount: number };
  cloud?: "SECURE" | "COMMUNITY";
  dataCenterIds?: string[];
  dataCenterIdsInOrder?: boolean;
  disk?: number;
  args?: string;
  ports?: string[];
  env?: Record<string, string>;
  registry?: string;
  mounts?: PodMounts;
  globalNetworking?: boolean;
  startJupyter?: boolean;
  startSsh?: boolean;
  sshPublicKeys?: string[];
  allowProxyOnly?: boolean;
  waitForSsh?: boolean;
  /** How the commands check the host key; decides whether a pod without a readable key can be ready. */
  hostKeyChecking?: "pinned" | "accept-new" | "strict" | "off";
  readinessTimeoutSeconds?: number;
  keepOnFailure?: boolean;
  /** Create returns once Runpod accepted the pod; a PodReadiness resource waits for SSH (Pod.deferReadiness). */
  deferReadiness?: boolean;
  /** False: the pod is stopped (podPower.ts). Default true. */
  running?: boolean;
  /** A network volume attached at create (volumeCheck.ts): pins the data center and Secure Cloud. */
  networkVolume?: { id: string; dataCenter?: string; path?: string };
  /** With dataCenterIds and no volume: when no candidate has capacity, try again without a data center (placement.ts). */
  allowUnpinnedFallback?: boolean;
  /** Read the catalog's availability before create and try the candidates in stock first (placement.ts). */
  checkAvailability?: boolean;
  /** With a network volume: resuming a paused pod creates a new pod on the volume instead (zeroGpus.ts). */
  recreateOnResume?: boolean;
  /** GPU candidates whose list price (USD/hr for the pod) is above it are skipped at create (podCost.ts). */
  maxCostPerHour?: number;
  /** Watchdog (podWatchdog.ts): stop the pod this long after its start, e.g. "2h". */
  maxLifetime?: string;
  /** Watchdog: stop the pod after this long with no SSH session and the GPUs idle, e.g. "30m". */
  idleTimeout?: string;
  /** Watchdog: what happens at a limit. Default "stop". */
  onExpiry?: "stop" | "terminate";
  /** Watchdog: stop the pod once it has cost this many US dollars (at its cost per hour). */
  maxSpend?: number;
}

import { describe } from "./checkFailure";

export type { CheckFailure } from "./checkFailure";

const CUDA_RE = /^\d+\.\d+$/;

// The schema's messages are clauses that follow the input's path: podCheck.ts turns each into the sentence
// "<path> <message>." (for example "gpu.count must be at least 1.").
const str = () => z.string({ error: (i) => (i.input === undefined ? "is required" : `must be a string, got ${describe(i.input)}`) });
const nonEmpty = () => str().refine((s) => s.trim() !== "", { message: "must not be empty; give a value or leave it out" });
const posInt = (min: number) =>
  z
    .number({ error: (i) => `must be a number, got ${describe(i.input)}` })
    .int({ message: "must be a whole number" })
    .min(min, { message: `must be at least ${min}` });

/** For a number or boolean where a string is needed: how to write it as one. */
function quoteHint(value: unknown): string {
  return typeof value === "number" || typeof value === "boolean" ? `; quote it: "${String(value)}"` : "";
}

/** Structural schema; the rules across inputs are in podCheck.ts. Unknown fields are refused (typos). */
export const podSpecSchema = z.strictObject({
  name: nonEmpty()
    .refine((s) => !/\p{Cc}/u.test(s), { message: "must not contain control characters or line breaks" })
    .refine((s) => s.length <= 128, { message: "must be at most 128 characters" })
    .optional(),
  image: nonEmpty().optional(),
  templateId: nonEmpty().optional(),
  gpu: z
    .strictObject({
      id: nonEmpty().optional(),
      ids: z.array(nonEmpty()).optional(),
      count: posInt(1).optional(),
      allowedCudaVersions: z.array(str().regex(CUDA_RE, { message: 'must look like "12.8"' })).optional(),
      minCudaVersion: str().regex(CUDA_RE, { message: 'must look like "12.1"' }).optional(),
      minRamPerGpu: posInt(1).optional(),
      minVcpuCountPerGpu: posInt(1).optional(),
    })
    .optional(),
  cpu: z.strictObject({ id: nonEmpty(), vcpuCount: posInt(2) }).optional(),
  cloud: z.enum(["SECURE", "COMMUNITY"], { message: 'must be "SECURE" or "COMMUNITY"' }).optional(),
  dataCenterIds: z.array(nonEmpty()).optional(),
  dataCenterIdsInOrder: z.boolean().optional(),
  disk: posInt(1).optional(),
  args: str().optional(),
  ports: z.array(str()).optional(),
  env: z
    .record(z.string(), z.string({ error: (i) => `must be a string, got ${describe(i.input)}${quoteHint(i.input)}` }))
    .optional(),
  registry: nonEmpty().optional(),
  mounts: z
    .strictObject({
      persistent: z.strictObject({ size: posInt(10), path: nonEmpty() }).optional(),
      network: z
        .array(z.strictObject({ volumeId: nonEmpty(), path: nonEmpty() }))
        .max(1, { message: "lists more than one network volume; a pod can mount one" })
        .optional(),
    })
    .optional(),
  globalNetworking: z.boolean().optional(),
  startJupyter: z.boolean().optional(),
  startSsh: z.boolean().optional(),
  sshPublicKeys: z.array(str()).optional(),
  allowProxyOnly: z.boolean().optional(),
  waitForSsh: z.boolean().optional(),
  hostKeyChecking: z.enum(["pinned", "accept-new", "strict", "off"]).optional(),
  readinessTimeoutSeconds: posInt(10).max(86_400, { message: "must be at most 86400 (24 hours)" }).optional(),
  keepOnFailure: z.boolean().optional(),
  deferReadiness: z.boolean().optional(),
  running: z.boolean().optional(),
  // id is required (volumeCheck.ts says so): optional here, as a volume created in the same run is unknown at preview.
  networkVolume: z.strictObject({ id: nonEmpty().optional(), dataCenter: nonEmpty().optional(), path: nonEmpty().optional() }).optional(),
  allowUnpinnedFallback: z.boolean().optional(),
  checkAvailability: z.boolean().optional(),
  recreateOnResume: z.boolean().optional(),
  maxCostPerHour: z.number({ error: (i) => `must be a number of USD per hour such as 1.5, got ${describe(i.input)}` }).positive({ message: "must be more than 0 (USD per hour)" }).optional(),
  // Checked with their own messages in podWatchdog.ts (units, bounds).
  maxLifetime: z.unknown().optional(),
  idleTimeout: z.unknown().optional(),
  onExpiry: z.unknown().optional(),
  maxSpend: z.unknown().optional(),
});

/** Ports as given plus `22/tcp` when it is missing. */
export function portsWithSsh(ports: readonly string[] | undefined): string[] {
  const list = [...(ports ?? [])].map((p) => p.trim());
  return list.includes("22/tcp") ? list : [...list, "22/tcp"];
}

/** Normalized SSH key lines (deduplicated by identity, in order). Assumes `checkPodSpec` passed. */
export function normalizedKeyLines(keys: readonly string[] | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [i, k] of (keys ?? []).entries()) {
    const parsed = parsePublicKey(k, `sshPublicKeys[${i}]`);
    if (seen.has(parsed.identity)) continue;
    seen.add(parsed.identity);
    out.push(parsed.line);
  }
  return out;
}

/**
 * The env sent to the pod: the user's env plus the SSH keys as `SSH_PUBLIC_KEY` and `PUBLIC_KEY`. A
 * `PUBLIC_KEY` the user set is kept, with our keys appended as extra lines (without duplicating a key).
 */
export function podEnv(spec: PodSpec): Record<string, string> {
  const env: Record<string, string> = { ...(spec.env ?? {}) };
  const keys = normalizedKeyLines(spec.sshPublicKeys);
  if (keys.length === 0) return env;
  const merge = (existing: string | undefined): string => {
    const lines = (existing ?? "").replace(/\r/g, "").split("\n").filter((l) => l.trim() !== "");
    const identities = new Set(lines.map((l) => l.trim().split(/\s+/).slice(0, 2).join(" ")));
    for (const k of keys) if (!identities.has(k.split(" ").slice(0, 2).join(" "))) lines.push(k);
    return lines.join("\n");
  };
  env.PUBLIC_KEY = merge(env.PUBLIC_KEY);
  env.SSH_PUBLIC_KEY = merge(env.SSH_PUBLIC_KEY);
  return env;
}

/** One placement to try: a GPU type (or the CPU flavor) and the data centers to offer. */
export interface PlacementCandidate {
  gpuId?: string;
  dataCenterIds?: string[];
  /** The unpinned retry after no candidate had capacity (`allowUnpinnedFallback`, placement.ts). */
  unpinned?: boolean;
}

/** The ordered placement candidates: each GPU type, and each data center in turn when asked to. */
export function placementCandidates(spec: PodSpec): PlacementCandidate[] {
  const gpuIds = spec.gpu ? (spec.gpu.ids ?? (spec.gpu.id ? [spec.gpu.id] : [])) : [undefined];
  const dcGroups: Array<string[] | undefined> =
    spec.dataCenterIds && spec.dataCenterIds.length > 0
      ? spec.dataCenterIdsInOrder
        ? spec.dataCenterIds.map((d) => [d])
        : [spec.dataCenterIds]
      : [undefined];
  const out: PlacementCandidate[] = [];
  for (const gpuId of gpuIds) for (const dataCenterIds of dcGroups) out.push({ gpuId, dataCenterIds });
  return out;
}

/** The `POST /v2/pods` body for one candidate. `gpu.count` is always sent; `args` only when non-empty. */
export function createPodBody(spec: PodSpec, name: string, candidate: PlacementCandidate, extraEnv: Record<string, string> = {}): CreatePodRequest {
  const body: CreatePodRequest = { name, cloud: spec.cloud ?? "SECURE" };
  if (spec.image !== undefined) body.image = spec.image;
  if (spec.templateId !== undefined) body.templateId = spec.templateId;
  if (spec.gpu && candidate.gpuId) {
    body.gpu = { id: candidate.gpuId, count: spec.gpu.count ?? 1 };
    if (spec.gpu.allowedCudaVersions !== undefined) body.gpu.allowedCudaVersions = spec.gpu.allowedCudaVersions;
    if (spec.gpu.minCudaVersion !== undefined) body.gpu.minCudaVersion = spec.gpu.minCudaVersion;
    if (spec.gpu.minRamPerGpu !== undefined) body.gpu.minRamPerGpu = spec.gpu.minRamPerGpu;
    if (spec.gpu.minVcpuCountPerGpu !== undefined) body.gpu.minVcpuCountPerGpu = spec.gpu.minVcpuCountPerGpu;
  }
  if (spec.cpu) body.cpu = { id: spec.cpu.id, vcpuCount: spec.cpu.vcpuCount };
  if (candidate.dataCenterIds) body.dataCenterIds = candidate.dataCenterIds;
  if (spec.disk !== undefined) body.disk = spec.disk;
  if (spec.args !== undefined && spec.args.trim() !== "") body.args = spec.args;
  body.ports = portsWithSsh(spec.ports);
  body.env = { ...podEnv(spec), ...extraEnv };
  if (spec.registry !== undefined) body.registry = spec.registry;
  if (spec.mounts !== undefined) body.mounts = spec.mounts;
  if (spec.networkVolume !== undefined) {
    // Attached at create only, Secure Cloud only (volumeCheck.ts); the candidate carries the volume's data center.
    body.mounts = { network: [{ volumeId: spec.networkVolume.id, path: spec.networkVolume.path ?? DEFAULT_VOLUME_PATH }] };
    body.cloud = "SECURE";
  }
  if (spec.globalNetworking !== undefined) body.globalNetworking = spec.globalNetworking;
  if (spec.startJupyter !== undefined) body.startJupyter = spec.startJupyter;
  body.startSsh = spec.startSsh ?? true;
  return body;
}
