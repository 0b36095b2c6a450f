/**
 * What changing each Pod input does to a running pod, decided once for both `diff` (the promise `pulumi preview`
 * shows) and `update` (what `pulumi up` then does), so the two cannot disagree.
 *
 * - Replace (delete first): the GPU or CPU, cloud, data centers, template, SSH keys, the create-time flags
 *   (`startSsh`, `startJupyter`) and the mount kind: the API cannot change them on a pod.
 * - Replace as well: removing `args`, `image` or `disk`. A PATCH can set them but not unset them: `args` is a
 *   string in `UpdatePodRequest`, and the only way to "remove" it would be `args: ""`, which replaces the image's
 *   own start command (`/start.sh`), so sshd never starts; nothing in the PATCH body restores the image's command,
 *   the template's image or Runpod's default disk (a `templateId` PATCH would re-apply the whole template, env and
 *   ports included). A new pod gets them back.
 * - Update in place (PATCH): name, image, args, disk, ports, env, registry, the mounts' size or path,
 *   globalNetworking (removing it PATCHes the default, false).
 * - Update with a `start` or `stop` action: running. The pod's running state is read from its status, so a pod
 *   stopped outside Pulumi (seen by `pulumi refresh`) is started again by the next `up` unless `running: false`.
 * - Update without an API write: allowProxyOnly, waitForSsh, hostKeyChecking, readinessTimeoutSeconds, keepOnFailure,
 *   and the create-time placement choices allowUnpinnedFallback, checkAvailability, recreateOnResume.
 * - Replace: networkVolume (attached at create only); and, with recreateOnResume, resuming a paused pod.
 * - No change: values equal to what the pod already has, spelled differently: a default written out
 *   (`cloud: "SECURE"`, `gpu.count: 1`, `startSsh: true`, ...), `22/tcp` (always added), ports or keys in another
 *   order, a key's comment or line end (a key is its type and base64), empty lists and maps.
 */
import { keyIdentity } from "../ssh/publicKey";
import { DEFAULT_READINESS_TIMEOUT_SECONDS, DEFAULT_VOLUME_PATH, containsUnknown, portsWithSsh, type PodSpec } from "./podSpec";
import { resumeRecreates } from "./zeroGpus";

/** Inputs whose change replaces the pod. */
export const REPLACE_ON_CHANGE = [
  "gpu",
  "cpu",
  "cloud",
  "dataCenterIds",
  "dataCenterIdsInOrder",
  "templateId",
  "sshPublicKeys",
  "startSsh",
  "startJupyter",
  "networkVolume",
] as const;
/** Inputs changed in place with a PATCH. */
export const UPDATE_IN_PLACE = [
  "name",
  "image",
  "args",
  "disk",
  "ports",
  "env",
  "registry",
  "mounts",
  "globalNetworking",
  // The watchdog's env variable (podWatchdog.ts).
  "maxLifetime",
  "idleTimeout",
  "onExpiry",
  "maxSpend",
] as const;
/** Inputs changed in place with a `start` or `stop` action. */
export const ACTION_ON_CHANGE = ["running"] as const;
/** Inputs that only change this package's behaviour (no API call). */
export const BEHAVIOUR_ONLY = [
  "allowProxyOnly",
  "waitForSsh",
  "hostKeyChecking",
  "readinessTimeoutSeconds",
  "keepOnFailure",
  "allowUnpinnedFallback",
  "checkAvailability",
  "recreateOnResume",
  "maxCostPerHour",
  "deferReadiness",
] as const;
/** PATCHed inputs whose removal a PATCH cannot express: removing them replaces the pod. */
export const REPLACE_ON_REMOVAL = ["args", "image", "disk"] as const;

/** The value Runpod (or this package) uses when an input is left out. */
const DEFAULTS: Record<string, unknown> = {
  cloud: "SECURE",
  startSsh: true,
  startJupyter: false,
  dataCenterIdsInOrder: false,
  globalNetworking: false,
  allowProxyOnly: false,
  waitForSsh: true,
  hostKeyChecking: "pinned",
  keepOnFailure: false,
  deferReadiness: false,
  readinessTimeoutSeconds: DEFAULT_READINESS_TIMEOUT_SECONDS,
  env: {},
  running: true,
  allowUnpinnedFallback: false,
  checkAvailability: false,
  recreateOnResume: false,
  onExpiry: "stop",
};

function stable(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

const nonEmpty = <T>(list: T[] | undefined): T[] | undefined =>
  Array.isArray(list) && list.length > 0 ? list : undefined;

/** The mounts as the pod has them: `{}` and `network: []` are no mount. */
export function effectiveMounts(mounts: PodSpec["mounts"] | undefined): PodSpec["mounts"] | undefined {
  if (!mounts || typeof mounts !== "object") return undefined;
  if (mounts.persistent) return { persistent: mounts.persistent };
  const network = nonEmpty(mounts.network);
  return network ? { network } : undefined;
}

/** The kind of mount, fixed at create: "none", "persistent", or the network volume's id. */
export function mountKind(mounts: PodSpec["mounts"] | undefined): string {
  const m = effectiveMounts(mounts);
  if (!m) return "none";
  return m.persistent ? "persistent" : `network:${m.network![0].volumeId}`;
}

/** GPU selection with `count` defaulted and `id` written as `ids` (one candidate). */
function effectiveGpu(gpu: unknown): unknown {
  if (!gpu || typeof gpu !== "object") return gpu;
  const { id, ids, count, allowedCudaVersions, ...rest } = gpu as NonNullable<PodSpec["gpu"]>;
  return {
    ...rest,
    ids: ids ?? (id !== undefined ? [id] : undefined),
    count: count ?? 1,
    allowedCudaVersions: nonEmpty(allowedCudaVersions),
  };
}

/** A comparable form of one input: equal exactly when the running pod would be the same. */
export function comparable(key: string, value: unknown): string {
  const v = value === undefined || value === null ? DEFAULTS[key] : value;
  switch (key) {
    case "ports":
      return Array.isArray(v)
        ? stable([...new Set(portsWithSsh(v as string[]))].sort())
        : stable(v ?? portsWithSsh([]));
    case "gpu":
      return stable(effectiveGpu(v));
    case "mounts":
      return stable(effectiveMounts(v as PodSpec["mounts"]));
    case "dataCenterIds":
      return stable(nonEmpty(v as string[]));
    case "networkVolume": {
      // The volume and where it is mounted; its data center follows from the volume.
      const nv = v as PodSpec["networkVolume"];
      return stable(nv && typeof nv === "object" ? { id: nv.id, path: nv.path ?? DEFAULT_VOLUME_PATH } : nv);
    }
    case "sshPublicKeys":
      if (!Array.isArray(v)) return stable(v);
      return stable(
        [...new Set((v as unknown[]).map((k) => (typeof k === "string" ? (keyIdentity(k) ?? k) : stable(k))))].sort(),
      );
    default:
      return stable(v);
  }
}

/** What the change from `olds` (the state's outputs) to `news` (checked inputs) does to the pod. */
export interface PodChange {
  /** Inputs whose change replaces the pod. */
  replaces: string[];
  /** Inputs changed in place (PATCH, or no API call for the behaviour-only ones). */
  updates: string[];
}

/**
 * Whether the pod is running as the state last saw it: from its status when the state has one (EXITED is
 * stopped, whatever the input said), else from the `running` input.
 */
function runningBefore(olds: Record<string, unknown>): unknown {
  // Stopped by its watchdog: left stopped until `running` changes (podExpiry.ts).
  if (olds.status === "EXITED" && typeof olds.stopReason === "string") return olds.running ?? true;
  return typeof olds.status === "string" ? olds.status !== "EXITED" : olds.running;
}

export function podChange(olds: Record<string, unknown>, news: Record<string, unknown>): PodChange {
  const before = (key: string): unknown => (key === "running" ? runningBefore(olds) : olds[key]);
  const changed = (key: string): boolean =>
    containsUnknown(news[key]) || comparable(key, before(key)) !== comparable(key, news[key]);
  const removed = (key: string): boolean =>
    olds[key] !== undefined && olds[key] !== null && (news[key] === undefined || news[key] === null);
  const replaces: string[] = REPLACE_ON_CHANGE.filter(changed);
  for (const key of REPLACE_ON_REMOVAL) if (removed(key)) replaces.push(key);
  if (
    changed("mounts") &&
    (containsUnknown(news.mounts) ||
      mountKind(olds.mounts as PodSpec["mounts"]) !== mountKind(news.mounts as PodSpec["mounts"]))
  ) {
    replaces.push("mounts");
  }
  // recreateOnResume: a resume is a new pod on the network volume, not a start (zeroGpus.ts).
  if (resumeRecreates(olds, news)) replaces.push("running");
  const updates = [...UPDATE_IN_PLACE, ...ACTION_ON_CHANGE, ...BEHAVIOUR_ONLY].filter(
    (k) => changed(k) && !replaces.includes(k),
  );
  return { replaces, updates };
}
