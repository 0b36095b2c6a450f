/**
 * The Pod resource's inputs: validation (run by `check`, so bad input fails at `pulumi preview` with no API
 * call) and the translation into `POST /v2/pods` bodies, one per placement candidate.
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
import { PublicKeyError, parsePublicKey } from "../ssh/publicKey";
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
  readinessTimeoutSeconds?: number;
  keepOnFailure?: boolean;
}

/** A rejected input, in the shape Pulumi's `check` returns. */
export interface CheckFailure {
  property: string;
  reason: string;
}

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PORT_RE = /^(\d{1,5})\/([a-z]+)$/;
const CUDA_RE = /^\d+\.\d+$/;

const str = (what: string) =>
  z.string({ error: (i) => (i.input === undefined ? `${what} is required` : `must be a string, got ${typeof i.input}`) });
const nonEmpty = (what: string) => str(what).refine((s) => s.trim() !== "", { message: `${what} must not be empty` });
const posInt = (min: number) =>
  z
    .number({ error: (i) => `must be a number, got ${typeof i.input}` })
    .int({ message: "must be a whole number" })
    .min(min, { message: `must be at least ${min}` });

/** Structural schema; the cross-field rules are in `checkPodSpec`. Unknown fields are refused (typos). */
const podSpecSchema = z.strictObject({
  name: nonEmpty("name")
    .refine((s) => !/\p{Cc}/u.test(s), { message: "must not contain control characters or line breaks" })
    .refine((s) => s.length <= 128, { message: "must be at most 128 characters" })
    .optional(),
  image: nonEmpty("image").optional(),
  templateId: nonEmpty("templateId").optional(),
  gpu: z
    .strictObject({
      id: nonEmpty("gpu.id").optional(),
      ids: z.array(nonEmpty("each GPU id")).optional(),
      count: posInt(1).optional(),
      allowedCudaVersions: z.array(str("CUDA version").regex(CUDA_RE, { message: 'must look like "12.8"' })).optional(),
      minCudaVersion: str("minCudaVersion").regex(CUDA_RE, { message: 'must look like "12.1"' }).optional(),
      minRamPerGpu: posInt(1).optional(),
      minVcpuCountPerGpu: posInt(1).optional(),
    })
    .optional(),
  cpu: z.strictObject({ id: nonEmpty("cpu.id"), vcpuCount: posInt(2) }).optional(),
  cloud: z.enum(["SECURE", "COMMUNITY"], { message: 'must be "SECURE" or "COMMUNITY"' }).optional(),
  dataCenterIds: z.array(nonEmpty("each data center id")).optional(),
  dataCenterIdsInOrder: z.boolean().optional(),
  disk: posInt(1).optional(),
  args: str("args").optional(),
  ports: z.array(str("port")).optional(),
  env: z.record(z.string(), z.string({ error: (i) => `must be a string (quote it: "${String(i.input)}"), got ${typeof i.input}` })).optional(),
  registry: nonEmpty("registry").optional(),
  mounts: z
    .strictObject({
      persistent: z.strictObject({ size: posInt(10), path: nonEmpty("path") }).optional(),
      network: z.array(z.strictObject({ volumeId: nonEmpty("volumeId"), path: nonEmpty("path") })).max(1, { message: "at most one network volume" }).optional(),
    })
    .optional(),
  globalNetworking: z.boolean().optional(),
  startJupyter: z.boolean().optional(),
  startSsh: z.boolean().optional(),
  sshPublicKeys: z.array(str("key")).optional(),
  allowProxyOnly: z.boolean().optional(),
  waitForSsh: z.boolean().optional(),
  readinessTimeoutSeconds: posInt(10).max(86_400, { message: "must be at most 86400 (24 hours)" }).optional(),
  keepOnFailure: z.boolean().optional(),
});

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out || "(inputs)";
}

/** Strips values unknown at preview, so they are neither validated nor reported. */
function withoutUnknowns(value: unknown): unknown {
  if (value === UNKNOWN) return undefined;
  if (Array.isArray(value)) return value.filter((v) => !containsUnknown(v)).map(withoutUnknowns);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== UNKNOWN) out[k] = withoutUnknowns(v);
    return out;
  }
  return value;
}

/** Ports as given plus `22/tcp` when it is missing. */
export function portsWithSsh(ports: readonly string[] | undefined): string[] {
  const list = [...(ports ?? [])].map((p) => p.trim());
  return list.includes("22/tcp") ? list : [...list, "22/tcp"];
}

/**
 * Validates Pod inputs. Returns every failure (property + reason saying how to fix it); an empty list means
 * the inputs are good. Values unknown during preview are skipped. Makes no network call.
 */
export function checkPodSpec(raw: unknown): CheckFailure[] {
  const rawObj = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const input = withoutUnknowns(raw) as Record<string, unknown>;
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string): void => {
    if (!failures.some((f) => f.property === property && f.reason === reason)) failures.push({ property, reason });
  };
  const parsed = podSpecSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          const at = pathOf([...issue.path, key]);
          fail(at, `is not a Pod input. Check the spelling; see the PodArgs documentation for the inputs there are.`);
        }
      } else {
        fail(pathOf(issue.path), issue.message);
      }
    }
  }
  const spec = input as PodSpec;
  const known = (k: string): boolean => rawObj[k] !== undefined;

  // image or template
  if (!known("image") && !known("templateId")) {
    fail("image", "is required unless templateId is set. Give a container image, e.g. \"runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404\".");
  }
  // exactly one of gpu / cpu
  if (known("gpu") && known("cpu")) {
    fail("gpu", "and cpu are both set; a pod is either a GPU pod or a CPU pod. Remove one of them.");
  } else if (!known("gpu") && !known("cpu")) {
    fail("gpu", "is required (or cpu for a CPU pod): e.g. gpu: { id: \"NVIDIA GeForce RTX 4090\", count: 1 }.");
  }
  if (spec.gpu && typeof spec.gpu === "object") {
    const g = spec.gpu;
    const rawGpu = rawObj.gpu as Record<string, unknown> | undefined;
    if (g.id !== undefined && g.ids !== undefined) {
      fail("gpu.ids", "and gpu.id are both set. Use gpu.id for one GPU type, or gpu.ids for an ordered list of candidates.");
    } else if (g.id === undefined && g.ids === undefined && rawGpu?.id === undefined && rawGpu?.ids === undefined) {
      fail("gpu.id", "is required: the GPU type, e.g. \"NVIDIA GeForce RTX 4090\" (or gpu.ids for a list of candidates).");
    }
    if (Array.isArray(g.ids)) {
      if (g.ids.length === 0 && !containsUnknown(rawGpu?.ids)) fail("gpu.ids", "is empty; list at least one GPU type.");
      const dup = g.ids.find((id, i) => g.ids!.indexOf(id) !== i);
      if (dup) fail("gpu.ids", `lists "${dup}" twice.`);
    }
    if (Array.isArray(g.allowedCudaVersions) && g.allowedCudaVersions.length > 0 && g.minCudaVersion !== undefined) {
      fail("gpu.minCudaVersion", "cannot be combined with a non-empty gpu.allowedCudaVersions; use one or the other.");
    }
  }
  if (spec.cpu && typeof spec.cpu.vcpuCount === "number") {
    const n = spec.cpu.vcpuCount;
    if (Number.isInteger(n) && n >= 2 && (n & (n - 1)) !== 0) fail("cpu.vcpuCount", `must be a power of two (2, 4, 8, ...), got ${n}.`);
  }
  if (spec.cpu && spec.mounts?.persistent) {
    fail("mounts.persistent", "is not available on CPU pods; use a network volume (mounts.network) instead.");
  }
  if (spec.mounts?.persistent && spec.mounts.network && spec.mounts.network.length > 0) {
    fail("mounts", "has both persistent and network; a pod can have one kind of mount. Remove one.");
  }
  for (const [i, m] of (spec.mounts?.network ?? []).entries()) {
    if (typeof m?.path === "string" && !m.path.startsWith("/")) fail(`mounts.network[${i}].path`, "must be an absolute path such as /workspace.");
  }
  if (typeof spec.mounts?.persistent?.path === "string" && !spec.mounts.persistent.path.startsWith("/")) {
    fail("mounts.persistent.path", "must be an absolute path such as /workspace.");
  }
  if (Array.isArray(spec.dataCenterIds)) {
    const dup = spec.dataCenterIds.find((d, i) => spec.dataCenterIds!.indexOf(d) !== i);
    if (dup) fail("dataCenterIds", `lists "${dup}" twice.`);
  }
  if (spec.dataCenterIdsInOrder && (!Array.isArray(rawObj.dataCenterIds) || (rawObj.dataCenterIds as unknown[]).length === 0)) {
    fail("dataCenterIdsInOrder", "needs dataCenterIds: the data centers to try, in order.");
  }

  // args
  if (typeof spec.args === "string") {
    if (spec.args.trim() === "") {
      fail(
        "args",
        "is empty. An empty start command replaces the image's own (/start.sh), so sshd never starts. Leave args out to keep the image's start command.",
      );
    }
    if (spec.args.includes("\u0000")) fail("args", "contains a NUL character.");
  }

  // ports
  if (Array.isArray(spec.ports)) {
    const seen = new Map<number, string>();
    let http = 0;
    for (const [i, p] of spec.ports.entries()) {
      if (typeof p !== "string") continue;
      const m = PORT_RE.exec(p.trim());
      const at = `ports[${i}]`;
      if (!m) {
        fail(at, `"${p}" is not a port. Write "PORT/tcp" or "PORT/http", e.g. "22/tcp" or "8888/http".`);
        continue;
      }
      const port = Number(m[1]);
      const proto = m[2];
      if (proto === "udp") {
        fail(at, `"${p}": Runpod does not expose UDP ports. Use tcp or http.`);
        continue;
      }
      if (proto !== "tcp" && proto !== "http") {
        fail(at, `"${p}": the protocol must be tcp or http.`);
        continue;
      }
      if (port < 1 || port > 65535) {
        fail(at, `"${p}": the port must be between 1 and 65535.`);
        continue;
      }
      const before = seen.get(port);
      if (before) fail(at, `"${p}" repeats port ${port} (already exposed as "${before}"). Expose each port once.`);
      else seen.set(port, p);
      if (proto === "http") http++;
    }
    if (http > MAX_HTTP_PORTS) fail("ports", `exposes ${http} HTTP ports; Runpod allows at most ${MAX_HTTP_PORTS}.`);
    if (seen.get(22) === "22/http") fail("ports", "exposes 22 as http; SSH needs \"22/tcp\".");
  }

  // env
  if (spec.env && typeof spec.env === "object" && !Array.isArray(spec.env)) {
    const names = Object.keys(rawObj.env as object);
    for (const name of names) {
      if (!ENV_NAME_RE.test(name)) fail(`env.${name}`, "is not a valid variable name (letters, digits and _, not starting with a digit).");
    }
    const keyVars = ["PUBLIC_KEY", "SSH_PUBLIC_KEY"].filter((k) => !names.includes(k) && (spec.sshPublicKeys?.length ?? 0) > 0).length;
    const extra = keyVars + (names.includes(OWNER_ENV) ? 0 : 1);
    if (names.length + extra > MAX_ENV_VARS) {
      fail(
        "env",
        `has ${names.length} variables (+${extra} this package adds: ${keyVars ? "PUBLIC_KEY, SSH_PUBLIC_KEY and " : ""}${OWNER_ENV}); Runpod allows at most ${MAX_ENV_VARS} in all. Remove ${names.length + extra - MAX_ENV_VARS}.`,
      );
    }
  }

  // keys
  if (Array.isArray(spec.sshPublicKeys)) {
    for (const [i, k] of spec.sshPublicKeys.entries()) {
      if (typeof k !== "string") continue;
      try {
        parsePublicKey(k, `sshPublicKeys[${i}]`);
      } catch (e) {
        if (e instanceof PublicKeyError) fail(e.input, e.problem);
        else throw e;
      }
    }
  }
  return failures;
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
  if (spec.globalNetworking !== undefined) body.globalNetworking = spec.globalNetworking;
  if (spec.startJupyter !== undefined) body.startJupyter = spec.startJupyter;
  body.startSsh = spec.startSsh ?? true;
  return body;
}
