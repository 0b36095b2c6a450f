/**
 * Zod schemas for the Runpod REST v2 responses we read, and TypeScript types for the bodies we send,
 * following `openapi-v2.json` (components.schemas).
 *
 * Responses are parsed, not trusted: a body that does not match fails the call with a clear message
 * instead of surfacing later as `undefined`. The schemas tolerate fields they do not know (new API fields
 * are dropped, not fatal) and model the nulls the real API returns (`runtime: null`, `ssh.direct: null`,
 * `ssh.proxy: null`, `dataCenterId: null`). The spec marks more Pod fields as required than we insist on:
 * we require what our logic depends on (`id`, `name`, `status`) so that a field dropped by a future API
 * version degrades one output instead of failing every call.
 */
import { z } from "zod";

/** Pod lifecycle statuses the spec lists. The API may add more; unknown ones are kept as strings. */
export const POD_STATUSES = ["PROVISIONING", "STARTING", "RUNNING", "EXITED", "ERROR", "TERMINATED"] as const;
export type KnownPodStatus = (typeof POD_STATUSES)[number];

export const POD_ACTIONS = ["start", "stop", "restart", "terminate"] as const;
export type PodAction = (typeof POD_ACTIONS)[number];

export type Cloud = "SECURE" | "COMMUNITY";

/** One way to reach a pod over SSH (`PodSshEndpoint`). */
export const sshEndpointSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  username: z.string(),
  command: z.string().optional(),
});
export type SshEndpoint = z.infer<typeof sshEndpointSchema>;

/** `PodSsh`: `proxy` is null until a machine is assigned; `direct` until 22/tcp has a public port. */
export const podSshSchema = z.object({
  proxy: sshEndpointSchema.nullable().optional(),
  direct: sshEndpointSchema.nullable().optional(),
});
export type PodSsh = z.infer<typeof podSshSchema>;

/** `PodRuntimePort`: a live port mapping; `public` and `ip` are null while unassigned. */
export const podRuntimePortSchema = z.object({
  private: z.number().int().optional(),
  public: z.number().int().nullable().optional(),
  type: z.string().optional(),
  ip: z.string().nullable().optional(),
});

/** `PodRuntime`: live metrics, null unless the pod is running. */
export const podRuntimeSchema = z.object({
  uptime: z.number().optional(),
  ports: z.array(podRuntimePortSchema).optional(),
  /** One entry per GPU the running pod has (an empty list: it resumed with zero GPUs). */
  gpus: z.array(z.unknown()).optional(),
});

const gpuSchema = z.object({ id: z.string(), count: z.number().int().optional() });
const cpuSchema = z.object({ id: z.string(), vcpuCount: z.number().int().optional(), memory: z.number().optional() });

const mountsSchema = z.object({
  persistent: z.object({ size: z.number(), path: z.string() }).optional(),
  network: z.array(z.object({ volumeId: z.string(), path: z.string() })).optional(),
});

/** `Pod` as returned by create, get, list, update and actions. */
export const podSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  actions: z.array(z.string()).optional(),
  image: z.string().optional(),
  args: z.string().nullable().optional(),
  disk: z.number().nullable().optional(),
  ports: z.array(z.string()).nullable().optional(),
  env: z.record(z.string(), z.string()).nullable().optional(),
  registry: z.string().nullable().optional(),
  mounts: mountsSchema.nullable().optional(),
  gpu: gpuSchema.nullable().optional(),
  cpu: cpuSchema.nullable().optional(),
  cloud: z.string().optional(),
  dataCenterId: z.string().nullable().optional(),
  cudaVersion: z.string().nullable().optional(),
  ssh: podSshSchema.nullable().optional(),
  template: z.string().nullable().optional(),
  cost: z.number().nullable().optional(),
  locked: z.boolean().optional(),
  globalNetworking: z.object({ enabled: z.boolean(), ip: z.string().optional() }).nullable().optional(),
  runtime: podRuntimeSchema.nullable().optional(),
  createdAt: z.string().nullable().optional(),
  startedAt: z.string().nullable().optional(),
});
export type Pod = z.infer<typeof podSchema>;

/** `ListPodsResponse`. */
export const listPodsSchema = z.object({ pods: z.array(podSchema) });

/** `SshKeys`: the account's registered keys, one authorized_keys line each. */
export const sshKeysSchema = z.object({ keys: z.array(z.string()) });

/** `ErrorResponse` (RFC 9457). Read leniently: a broken error body must not hide the status. */
export const problemSchema = z.object({
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

/** One line of `GET /v2/pods/{id}/logs` (the SSE `data` payload). */
export const podLogLineSchema = z.object({
  ts: z.string().optional(),
  source: z.string().optional(),
  line: z.string(),
});
export type PodLogLine = z.infer<typeof podLogLineSchema>;

/** `CreateGpuConfig`. Always send `count`: without it the API answers a misleading "no instances" 400. */
export interface CreateGpuConfig {
  id: string;
  count: number;
  allowedCudaVersions?: string[];
  minCudaVersion?: string;
  /** Placement filter: at least this much host RAM per GPU, in GB (not a resource request). */
  minRamPerGpu?: number;
  /** Placement filter: at least this many host vCPUs per GPU (not a resource request). */
  minVcpuCountPerGpu?: number;
}

/** `CreateCpuConfig`. */
export interface CreateCpuConfig {
  id: string;
  vcpuCount: number;
}

/** `Mounts`: at most one of `persistent` or `network`. */
export interface PodMounts {
  persistent?: { size: number; path: string };
  network?: Array<{ volumeId: string; path: string }>;
}

/** The container settings both pod bodies take (the spec's `ContainerConfig`, plus mounts and networking). */
export interface PodContainerFields {
  image?: string;
  templateId?: string;
  args?: string;
  disk?: number;
  ports?: string[];
  env?: Record<string, string>;
  registry?: string | null;
  mounts?: PodMounts;
  globalNetworking?: boolean;
}

/** `CreatePodRequest`, the body of `POST /v2/pods`. Unknown fields are a 422. */
export interface CreatePodRequest extends PodContainerFields {
  name: string;
  gpu?: CreateGpuConfig;
  cpu?: CreateCpuConfig;
  cloud?: Cloud;
  dataCenterIds?: string[];
  startJupyter?: boolean;
  startSsh?: boolean;
}

/** `UpdatePodRequest`, the body of `PATCH /v2/pods/{id}`. `env` replaces the whole env. */
export interface UpdatePodRequest extends PodContainerFields {
  name?: string;
  locked?: boolean;
}

/** Formats zod issues as `path: message` lines for error messages. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)";
    return `${path}: ${issue.message}`;
  });
}
