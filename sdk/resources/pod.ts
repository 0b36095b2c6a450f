/**
 * `Pod`: a Runpod pod, created with `22/tcp` exposed and the given SSH keys set as a per-pod override, and
 * returned only once sshd really answers. Failed pods are terminated, never left billing.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../providers/providerShims";
import { podNameFor } from "../pod/podName";
import type { Integer } from "./integer";
import { ownerUrn } from "./ownerUrn";

/** GPU selection. */
export interface PodGpuArgs {
  /** The GPU type, e.g. `"NVIDIA GeForce RTX 4090"`. Set this or `ids`. Changing it replaces the pod. */
  id?: pulumi.Input<string>;
  /**
   * GPU types to try in order of preference; the first that places wins (capacity fallback). Set this or `id`.
   * Changing it replaces the pod.
   */
  ids?: pulumi.Input<pulumi.Input<string>[]>;
  /** GPUs per pod. Default 1 (always sent: without it Runpod answers "no instances available"). Replaces. */
  count?: pulumi.Input<Integer>;
  /** Acceptable CUDA versions of the host, e.g. `["12.8"]`. Default any. Replaces. */
  allowedCudaVersions?: pulumi.Input<pulumi.Input<string>[]>;
  /** Lowest acceptable CUDA version of the host, e.g. `"12.1"`. Not with `allowedCudaVersions`. Replaces. */
  minCudaVersion?: pulumi.Input<string>;
  /**
   * Only machines with at least this much host system RAM per GPU, in GB (a whole number, at least 1), e.g. `64`.
   * A placement filter, not a request: the pod may get more. Default: no filter (any machine of the GPU type).
   * A value no machine meets is refused like missing capacity. Changing it replaces the pod.
   */
  minRamPerGpu?: pulumi.Input<Integer>;
  /**
   * Only machines with at least this many host vCPUs per GPU (a whole number, at least 1), e.g. `8`. A placement
   * filter, not a request: the pod may get more. Default: no filter. A value no machine meets is refused like
   * missing capacity. Changing it replaces the pod.
   */
  minVcpuCountPerGpu?: pulumi.Input<Integer>;
}

/** CPU pod selection. */
export interface PodCpuArgs {
  /** CPU flavor, e.g. `"cpu3c"`. Replaces. */
  id: pulumi.Input<string>;
  /** vCPUs, a power of two of at least 2. Replaces. */
  vcpuCount: pulumi.Input<Integer>;
}

/** Host-local persistent storage (not on CPU pods). */
export interface PodPersistentMountArgs {
  /** Size in GB, at least 10. Updates in place. */
  size: pulumi.Input<Integer>;
  /** Where it is mounted in the container, an absolute path such as `/workspace`. Updates in place. */
  path: pulumi.Input<string>;
}

/** A network volume, attached at create. */
export interface PodNetworkMountArgs {
  /** The network volume's id. Changing it replaces the pod (a pod keeps the volume it was created with). */
  volumeId: pulumi.Input<string>;
  /** Where it is mounted in the container, an absolute path such as `/workspace`. Updates in place. */
  path: pulumi.Input<string>;
}

/** Storage: at most one of `persistent` or `network`. The kind is fixed at create (changing it replaces). */
export interface PodMountsArgs {
  /**
   * Host-local persistent storage (not on CPU pods): size in GB (at least 10) and mount path. Default: none.
   * Its size and path update in place; adding or removing it replaces the pod.
   */
  persistent?: pulumi.Input<PodPersistentMountArgs>;
  /**
   * One network volume: its id (changing it replaces) and mount path. Default: none. Adding or removing it
   * replaces the pod.
   */
  network?: pulumi.Input<pulumi.Input<PodNetworkMountArgs>[]>;
}

/** A network volume to attach (a `NetworkVolume`'s outputs, or an existing volume's id). */
export interface PodNetworkVolumeArgs {
  /**
   * The volume's id: a `NetworkVolume`'s `volumeId`, or the id of a volume made elsewhere. Changing it replaces the
   * pod (Runpod attaches a volume only when a pod is created).
   */
  id: pulumi.Input<string>;
  /**
   * The volume's data center (a `NetworkVolume`'s `dataCenter`), checked against `dataCenterIds` at preview.
   * Default: read from the API at create (one request).
   */
  dataCenter?: pulumi.Input<string>;
  /** Where it is mounted in the container, an absolute path. Default `/workspace`. Changing it replaces the pod. */
  path?: pulumi.Input<string>;
}

export interface PodArgs {
  /**
   * The pod's name on Runpod (at most 128 characters). Default `<project>-<stack>-<resource name>`, which is also
   * how you find a pod of this stack in the Runpod console; a longer default keeps its first 119 characters and
   * ends with `-` and 8 hex digits of a hash of the whole. Updates in place.
   */
  name?: pulumi.Input<string>;
  /**
   * Container image, a Docker reference such as `"runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404"` or
   * `"ghcr.io/org/image:tag"` (checked at preview). Required unless `templateId` is set. Updating it resets the
   * container (new SSH port); removing it (to get the template's) replaces the pod.
   */
  image?: pulumi.Input<string>;
  /**
   * A Runpod template to start from (its settings apply first; these args override them). Default: none.
   * Replaces.
   * @replaceOnChange
   */
  templateId?: pulumi.Input<string>;
  /**
   * GPU pod: the GPU type(s) and count. Exactly one of `gpu` and `cpu`. Replaces.
   * @replaceOnChange
   */
  gpu?: pulumi.Input<PodGpuArgs>;
  /**
   * CPU pod: flavor and vCPU count. Exactly one of `gpu` and `cpu`. Replaces.
   * @replaceOnChange
   */
  cpu?: pulumi.Input<PodCpuArgs>;
  /**
   * `"SECURE"` (default; always has a public IP) or `"COMMUNITY"` (may have none). Replaces.
   * @replaceOnChange
   */
  cloud?: pulumi.Input<PodCloud>;
  /**
   * Data centers to place the pod in, e.g. `["US-KS-2"]`. Default: any. Replaces.
   * @replaceOnChange
   */
  dataCenterIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Try `dataCenterIds` one at a time, in order, instead of offering them all at once. Default false. Replaces.
   * @replaceOnChange
   */
  dataCenterIdsInOrder?: pulumi.Input<boolean>;
  /**
   * Container disk in GB (wiped on every reset). Default: Runpod's. Updating it resets the container; removing it
   * replaces the pod (a PATCH cannot restore the default).
   */
  disk?: pulumi.Input<Integer>;
  /**
   * Start command. Default: the image's own. Must not be empty (an empty command replaces the image's
   * `/start.sh`, so sshd never starts). Updating it resets the container. Removing it replaces the pod: the API
   * can set a start command but not give the image its own back.
   */
  args?: pulumi.Input<string>;
  /**
   * Exposed ports, `"N/tcp"` or `"N/http"` (no UDP, at most 10 HTTP). `"22/tcp"` is added when absent.
   * Updating resets the container.
   */
  ports?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Environment variables (string values; at most 50 including the ones this package adds). Each `NAME=value` is
   * at most 131072 bytes and env plus `args` at most 1 MiB (Linux's limits on what a container's first process
   * receives; see the README). Never put secrets you cannot afford to show here: Runpod returns env in full to
   * anyone with the API key. Updating resets the container; the SSH key variables are always kept.
   */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Container registry credential id, for private images. Default: none. Updating resets the container. */
  registry?: pulumi.Input<string>;
  /**
   * Storage mounts: `persistent` or one `network` volume. Default: none. Size and path changes update in place
   * (the container resets); changing the kind of mount, or the network volume, replaces the pod.
   */
  mounts?: pulumi.Input<PodMountsArgs>;
  /**
   * Private networking across data centers (NVIDIA GPUs only). Default false. Updates in place (removing it sets
   * false); applies on the next start.
   */
  globalNetworking?: pulumi.Input<boolean>;
  /**
   * Start JupyterLab (images that support it; expose `8888/http`). Default false. Create-time only: replaces.
   * @replaceOnChange
   */
  startJupyter?: pulumi.Input<boolean>;
  /**
   * Ask Runpod to inject the account's registered keys as `PUBLIC_KEY` (when `sshPublicKeys` does not set it).
   * Default true. Create-time only: replaces.
   * @replaceOnChange
   */
  startSsh?: pulumi.Input<boolean>;
  /**
   * Public keys allowed to log in, set on the pod as both `SSH_PUBLIC_KEY` and `PUBLIC_KEY` (merged as extra
   * lines with a `PUBLIC_KEY` in `env`). Each is validated like AccountSshKey's. Default: none (the account's
   * keys through `startSsh`). Replaces (running pods do not pick up new keys).
   * @replaceOnChange
   */
  sshPublicKeys?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Accept a pod reachable only through Runpod's SSH proxy (no public IP or port, e.g. some Community Cloud
   * hosts). Proxy SSH is an interactive shell only: no scp, sftp or rsync. Default false. No API call on change.
   */
  allowProxyOnly?: pulumi.Input<boolean>;
  /**
   * Wait for SSH (a banner, then the host keys) before `pulumi up` moves on. Default true. `false` is an explicit
   * opt-out: no host key is read or pinned, a WARNING says so, and SshPod's commands trust the key on first use
   * (accept-new). No API call on change.
   */
  waitForSsh?: pulumi.Input<boolean>;
  /**
   * How the commands built on this pod check its host key (SshPod passes its own). "pinned" (default): the pod is
   * ready only once its host key was read (and, when its start script prints fingerprints, proven by its log over
   * the API); the wait fails at the readiness deadline otherwise, never falling back. Any other value lets a pod
   * whose key cannot be read be ready without one, with a WARNING. No API call on change.
   */
  hostKeyChecking?: pulumi.Input<"pinned" | "accept-new" | "strict" | "off">;
  /** How long to wait for the pod to accept SSH, in seconds. Default 900 (15 minutes). No API call on change. */
  readinessTimeoutSeconds?: pulumi.Input<Integer>;
  /**
   * Keep a pod that failed to become ready (for debugging) instead of terminating it. It keeps billing until
   * destroyed. Default false. No API call on change.
   */
  keepOnFailure?: pulumi.Input<boolean>;
  /**
   * Return from create (and from an update that resets or starts the container) as soon as Runpod accepted the
   * change, without waiting for SSH: the engine's operation slot is free at once, so a fleet's pods all start
   * booting within the first seconds of `pulumi up` whatever `--parallel` is. The wait for sshd and the host keys
   * is then a `PodReadiness` resource's job (SshPod creates one, `<name>-ready`); this Pod's address and host-key
   * outputs stay empty until a refresh. Default false (the Pod waits itself, as before). No API call on change.
   */
  deferReadiness?: pulumi.Input<boolean>;
  /**
   * Whether the pod runs. `false` stops it through the API (the `stop` action): the GPU is released and billing
   * for it stops, the pod keeps its id, settings and volume (`mounts`, or the network volume), but the container
   * disk is cleared (everything outside the volume's path is lost) and the SSH command outputs say why there is
   * none. Setting it back to `true` starts the pod: a new container on a new port with new host keys, awaited
   * like a new pod (the outputs follow); a refused start leaves it stopped. A new pod with
   * `running: false` is created and stopped at once. Default true. Updates in place (a start or stop action).
   */
  running?: pulumi.Input<boolean>;
  /**
   * A network volume, attached when the pod is created at `path` (default `/workspace`): data there outlives the
   * pod, through replacements (a new GPU type or image) and pauses. Attaching one pins the pod to the volume's data
   * center and to Secure Cloud (`cloud: "COMMUNITY"`, `mounts`, or `dataCenterIds` without that data center are
   * refused at preview). Default: none. Changing it replaces the pod. See docs/placement.md.
   * @replaceOnChange
   */
  networkVolume?: pulumi.Input<PodNetworkVolumeArgs>;
  /**
   * With `dataCenterIds` (and no network volume): when no candidate has capacity there, try each GPU type again
   * without a data center; the `dataCenterId` output says where the pod landed. Default false (the pin holds). No
   * API call on change (applies to the next create).
   */
  allowUnpinnedFallback?: pulumi.Input<boolean>;
  /**
   * Read the catalog's availability (`/v2/catalog/gpus?include=AVAILABILITY`, one request) before create and try
   * the candidates it shows in stock first. Default false: it costs a request on every create and saves one only
   * when the first candidates are full (docs/placement.md has the figures). No API call on change.
   */
  checkAvailability?: pulumi.Input<boolean>;
  /**
   * With `networkVolume`: resuming a paused pod (`running` back to true) replaces it with a new pod on the volume
   * instead of starting the old one, which can come back with zero GPUs when its host has none free. Default
   * false: the old pod is started, and if it comes back with zero GPUs, `up` stops it again and says what to do.
   * No API call on change.
   */
  recreateOnResume?: pulumi.Input<boolean>;
  /**
   * Budget guardrail, in USD per hour for the whole pod (e.g. `1.5`). At create, GPU candidates whose catalog list
   * price × `gpu.count` (on the chosen `cloud`) is above it are skipped, each with a note; when none is left,
   * `pulumi up` fails with every candidate's price and nothing is created. GPU pods only. Default: no limit. No
   * API call on change (it applies at the next create).
   */
  maxCostPerHour?: pulumi.Input<number>;
  /**
   * Stop the pod this long after its start: a duration with a unit, e.g. `"2h"`, `"90m"`, `"1h30m"` (s, m, h, d;
   * 1m to 30d). Enforced inside the pod by a watchdog (docs/watchdog.md) that calls the API with the pod's own key,
   * so it fires with no laptop or Pulumi running. Counted from when `pulumi up` created or started the pod; a
   * container restart does not reset it. Default: no limit. Updates in place (the watchdog's env variable: the
   * container restarts; adding the first limit also sets the start command).
   */
  maxLifetime?: pulumi.Input<string>;
  /**
   * Stop the pod after this long with no SSH session and every GPU under 5% utilisation, e.g. `"30m"` (1m to 7d).
   * Enforced by the same watchdog. Default: no idle stop. Updates in place (as `maxLifetime`).
   */
  idleTimeout?: pulumi.Input<string>;
  /**
   * What the watchdog does at a limit: "stop" (default; the GPU is released, the volume and the pod are kept:
   * nothing is lost) or "terminate" (the pod is deleted with its disk: nothing keeps billing). Updates in place.
   */
  onExpiry?: pulumi.Input<"stop" | "terminate">;
  /**
   * Stop the pod once it has run for this many US dollars at its cost per hour (`costPerHr`): the watchdog turns
   * the budget into a deadline (`stopsAt`), counted like `maxLifetime`. Default: no spend limit. Updates in place.
   */
  maxSpend?: pulumi.Input<number>;
}

/** Where the pod runs: Secure Cloud (always a public IP) or Community Cloud (may have none). */
export type PodCloud = "SECURE" | "COMMUNITY";

/** The default pod name: `<project>-<stack>-<resource name>`, at most 128 characters. */
export function defaultPodName(resourceName: string): string {
  return podNameFor(pulumi.getProject(), pulumi.getStack(), resourceName);
}

/** A Runpod pod that accepts SSH when created. */
export class Pod extends pulumi.dynamic.Resource {
  /** The pod id. */
  declare public readonly podId: pulumi.Output<string>;
  /** The pod's name on Runpod. */
  declare public readonly name: pulumi.Output<string>;
  /** Last status seen (`RUNNING` after create; refreshed by `pulumi refresh`). */
  declare public readonly status: pulumi.Output<string>;
  /** The cloud the pod runs in, `SECURE` or `COMMUNITY`. */
  declare public readonly cloud: pulumi.Output<string>;
  /** The data center the pod was placed in, e.g. `US-KS-2` (null until placed). */
  declare public readonly dataCenterId: pulumi.Output<string | null>;
  /**
   * Cost in USD per hour: the pod's own `cost` field, the rate Runpod bills for it (0 while stopped). It is
   * authoritative: it reflects the cloud, the GPU count and the account, which the catalog's list price does not.
   */
  declare public readonly costPerHr: pulumi.Output<number | null>;
  /** USD per month the pod costs while stopped: its volume disk at $0.20/GB/month (a network volume is billed to the volume). */
  declare public readonly stoppedStorageCostPerMonth: pulumi.Output<number>;
  /**
   * USD the pod has cost so far: the total of its billing records (`GET /v2/billing/pods?podId=`), read at
   * `pulumi refresh` (or `pulumi up --refresh`); null before the first refresh.
   */
  declare public readonly spend: pulumi.Output<number | null>;
  /** The GPU type that placed the pod (with `gpu.ids`, the first candidate that had capacity). */
  declare public readonly gpuId: pulumi.Output<string | null>;
  /** GPUs the pod has (null for a CPU pod). */
  declare public readonly gpuCount: pulumi.Output<Integer | null>;
  /** Public IP of the direct SSH path, or null (proxy only). */
  declare public readonly publicIp: pulumi.Output<string | null>;
  /** Public port mapped to 22/tcp, or null. Changes on every container reset. */
  declare public readonly sshPort: pulumi.Output<Integer | null>;
  /** User of the direct SSH path (`root` on Runpod). */
  declare public readonly sshUser: pulumi.Output<string | null>;
  /** The proxy user (`<podHostId>`) for `ssh <proxyUser>@ssh.runpod.io`. */
  declare public readonly proxyUser: pulumi.Output<string | null>;
  /** The proxy host (`ssh.runpod.io`). */
  declare public readonly proxyHost: pulumi.Output<string | null>;
  /** True when the pod has a direct (public IP) SSH path. */
  declare public readonly hasPublicIp: pulumi.Output<boolean>;
  /**
   * The pod's SSH host public keys (`type base64`, ed25519 first), read from its sshd by a key exchange when it
   * became ready, and again by `pulumi refresh` and after every reset or start. Empty while stopped, without a
   * direct path, with `waitForSsh: false`, or when they could not be read (a warning says so).
   */
  declare public readonly hostKeys: pulumi.Output<string[]>;
  /**
   * The pinned host key as a `known_hosts` line for the direct path, `[host]:port type base64` (the bare host on
   * port 22), or null when there is none. Append it to a known-hosts file for clients older than OpenSSH 8.5.
   */
  declare public readonly knownHostsLine: pulumi.Output<string | null>;
  /**
   * How the pinned host key was proven: "api-log" (the pod's start script printed its fingerprint to the pod log,
   * read over the authenticated API) or "first-contact" (the image prints none: the key read at `pulumi up`);
   * null without a key.
   */
  declare public readonly hostKeyProof: pulumi.Output<"api-log" | "first-contact" | null>;
  /**
   * When the watchdog stops the pod (ISO time): its start plus `maxLifetime`, or the `maxSpend` deadline, whichever
   * comes first; null without either (`idleTimeout` alone has no fixed time).
   */
  declare public readonly stopsAt: pulumi.Output<string | null>;
  /** Why the watchdog stopped the pod, as `pulumi refresh` read it from the pod's log: "maxLifetime", "idleTimeout" or "maxSpend"; else null. */
  declare public readonly stopReason: pulumi.Output<"maxLifetime" | "idleTimeout" | "maxSpend" | null>;
  /**
   * The pod's container generation: 1 at create, one more for each update that gives it a new container (a reset
   * by an image, args, disk, ports, env, registry or mounts change, a stop or a start). A `PodReadiness` takes it
   * as input, so it waits for SSH again exactly when the container changed.
   */
  declare public readonly containerGeneration: pulumi.Output<Integer>;

  constructor(name: string, args: PodArgs, opts?: pulumi.CustomResourceOptions) {
    const type = "pulumi-nodejs:dynamic/runpod-ssh:Pod";
    super(
      providerShim("pod"),
      name,
      {
        ...args,
        name: args.name ?? defaultPodName(name),
        ownerTag: ownerUrn(name, type, opts?.parent),
        podId: undefined,
        status: undefined,
        dataCenterId: undefined,
        costPerHr: undefined,
        gpuId: undefined,
        gpuCount: undefined,
        publicIp: undefined,
        sshPort: undefined,
        sshUser: undefined,
        proxyUser: undefined,
        proxyHost: undefined,
        hasPublicIp: undefined,
        hostKeys: undefined,
        knownHostsLine: undefined,
        hostKeyProof: undefined,
        stoppedStorageCostPerMonth: undefined,
        spend: undefined,
        stopsAt: undefined,
        stopReason: undefined,
        containerGeneration: undefined,
      },
      opts,
      "runpod-ssh",
      "Pod",
    );
  }
}
