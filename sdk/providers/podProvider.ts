/**
 * Pod's provider logic: check, diff, create, read, update, delete, each the way a careful operator would.
 *
 * - check: validates every input (podCheck.ts) with no API call, so bad input fails at `pulumi preview`.
 * - diff: promises exactly what update will do (podDiff.ts decides for both): gpu, cpu, cloud, data centers,
 *   template, SSH keys, create-time flags, the mount kind, and removing args, image or disk replace the pod
 *   (delete before create: a GPU pod is not paid twice, and the old pod frees its GPU); the rest is a PATCH, or
 *   no API call for the inputs that only change this package's behaviour.
 * - create: creates the pod, or adopts one left by an interrupted create of this same resource (podCreate.ts),
 *   then waits for SSH and reads the host keys (podReadiness.ts), or stops it at once with `running: false`
 *   (podPower.ts). On any failure after the pod exists it is terminated, unless `keepOnFailure`, so nothing is
 *   left billing.
 * - read: refreshes status, IP, port and host keys (podHostKeys.ts: the pin stays at the same address, a changed
 *   key there fails unless proven, a new address re-pins with a WARNING); a pod deleted outside Pulumi is gone.
 * - update: stops the pod first when `running` turns false; PATCHes what diff named, with the full env (never
 *   dropping the key variables); starts it when `running` turns true; waits for SSH (and reads the host keys)
 *   again after a reset or a start.
 * - delete: terminates; "already gone" is success (podDelete.ts).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { RunpodClient } from "../runpod/client";
import { RunpodNotFoundError } from "../runpod/errors";
import type { Pod, UpdatePodRequest } from "../runpod/schemas";
import {
  DEFAULT_READINESS_TIMEOUT_SECONDS,
  OWNER_ENV,
  containsUnknown,
  normalizedKeyLines,
  podEnv,
  portsWithSsh,
  type PodSpec,
} from "../pod/podSpec";
import { checkPodSpec } from "../pod/podCheck";
import { effectiveMounts, podChange } from "../pod/podDiff";
import { createPod } from "../pod/podCreate";
import { PodNotReadyError, waitForPodReady, type ReadinessOptions, type ReadyPod } from "../pod/podReadiness";
import { terminatePod } from "../pod/podDelete";
import { startPod, stopPod } from "../pod/podPower";
import { hostKeysWithoutReset, rereadHostKeys } from "../pod/podHostKeys";
import { assertGpusAfterResume } from "../pod/zeroGpus";
import type { HostKeyProof } from "../pod/podHostKeyProof";
import { knownHostsLine, pinnedHostKey } from "../ssh/hostKeys";
import { assertSshPath } from "../ssh/sshAddress";
import { candidatesWithinBudget, formatRate, refreshSpend, stoppedStorageCostPerMonth } from "../pod/podCost";
import type { PlacementCandidate } from "../pod/podSpec";
import { argsWithWatchdog, watchdogEnv, watchdogSettings, WATCHDOG_INPUTS } from "../pod/podWatchdog";
import { expiryWarning, readStopReason, stopsAt, type StopReason } from "../pod/podExpiry";
import { apiKeyCheckFailures, runpodClient } from "./providerContext";
import { reportProgress } from "./progress";

/** Inputs as stored in state: the pod spec plus the owner tag the Pod class adds. */
export interface PodInputs extends PodSpec {
  name: string;
  /** The resource's URN, set by the Pod class; identifies the pod's owner in its env. */
  ownerTag: string;
  /** Set by check: 1 at create, +1 for each update that resets or starts the container (see nextGeneration). */
  containerGeneration?: number;
}

/** Outputs: the inputs plus what Runpod reports. */
export interface PodOutputs extends PodInputs {
  podId: string;
  status: string;
  cloud?: "SECURE" | "COMMUNITY";
  dataCenterId: string | null;
  costPerHr: number | null;
  gpuId: string | null;
  gpuCount: number | null;
  publicIp: string | null;
  sshPort: number | null;
  sshUser: string | null;
  proxyUser: string | null;
  proxyHost: string | null;
  hasPublicIp: boolean;
  /** The pod's SSH host keys (`type base64`, preferred first), read from its sshd; empty when not read. */
  hostKeys: string[];
  /** `[host]:port type base64` of the key the commands pin, or null without a direct path or a key. */
  knownHostsLine: string | null;
  /**
   * How the pinned key was proven: "api-log" (the pod's log, read over the API, shows its fingerprint) or
   * "first-contact" (the image prints no fingerprints: the key read at `up`); null without a key.
   */
  hostKeyProof: HostKeyProof | null;
  /** USD per month the pod costs while stopped (its volume disk; podCost.ts). */
  stoppedStorageCostPerMonth: number;
  /** USD the pod has cost so far, from its billing records at the last refresh; null before one. */
  spend: number | null;
  /** When the watchdog stops the pod (podExpiry.ts), or null. */
  stopsAt?: string | null;
  /** Why the watchdog stopped the pod, read from its log at refresh, or null. */
  stopReason?: StopReason | null;
  /** The watchdog's start (epoch ms, in its env); null when no watchdog was ever installed. */
  watchdogStartMs?: number | null;
}

/** The watchdog outputs added to `outs` (podWatchdog.ts, podExpiry.ts). */
function withWatchdog(outs: PodOutputs, startMs: number | null, stopReason: StopReason | null = null): PodOutputs {
  return { ...outs, watchdogStartMs: startMs, stopsAt: stopsAt(watchdogSettings(outs), startMs, outs.costPerHr), stopReason };
}

/** The spec as sent: the start command wrapped in the watchdog launcher and its env variable added (podWatchdog.ts). */
function wireSpec(spec: PodSpec, startMs: number | null, apiUrl: string, costPerHr?: number | null, installed = false): PodSpec {
  const settings = watchdogSettings(spec);
  if (!settings && !installed) return spec;
  const env = { ...(spec.env ?? {}), ...watchdogEnv(settings, startMs ?? Date.now(), apiUrl, costPerHr) };
  return { ...spec, args: argsWithWatchdog(spec.args, settings, installed), env };
}

/** PATCHed inputs that reset the container (new mapped port, everything outside /workspace wiped). */
const RESETS_CONTAINER = new Set(["image", "args", "disk", "ports", "env", "mounts"]);

/**
 * The container generation check records: 1 for a new pod, one more for each update that gives the pod a new
 * container (a PATCH that resets it, a start or stop). Known at preview (check runs there), so a PodReadiness
 * that takes it as input is previewed exactly: it waits again only when the container changes.
 */
export function nextGeneration(olds: Record<string, unknown>, news: Record<string, unknown>): number {
  const before = typeof olds.containerGeneration === "number" ? olds.containerGeneration : 0;
  if (before === 0) return 1;
  const { updates } = podChange(olds, news);
  return updates.some((k) => RESETS_CONTAINER.has(k) || k === "running") ? before + 1 : before;
}

/** The spec part of the inputs (drops our own fields). */
function specOf(inputs: PodInputs): PodSpec {
  const { ownerTag: _owner, containerGeneration: _generation, ...spec } = inputs;
  return spec;
}

/** Outputs from the inputs, the pod as Runpod reports it, and the host keys read from its sshd. */
export function outputsFrom(
  inputs: PodInputs,
  pod: Pod,
  hostKeys: string[] = [],
  hostKeyProof: HostKeyProof | null = null,
): PodOutputs {
  const direct = pod.ssh?.direct ?? null;
  const proxy = pod.ssh?.proxy ?? null;
  const keys = direct ? hostKeys : [];
  const pinned = pinnedHostKey(keys);
  return {
    ...inputs,
    podId: pod.id,
    status: pod.status,
    cloud: (pod.cloud as PodOutputs["cloud"]) ?? inputs.cloud ?? "SECURE",
    dataCenterId: pod.dataCenterId ?? null,
    costPerHr: pod.cost ?? null,
    gpuId: pod.gpu?.id ?? null,
    gpuCount: pod.gpu?.count ?? null,
    publicIp: direct?.host ?? null,
    sshPort: direct?.port ?? null,
    sshUser: direct?.username ?? null,
    proxyUser: proxy?.username ?? null,
    proxyHost: proxy?.host ?? null,
    hasPublicIp: direct !== null,
    hostKeys: keys,
    knownHostsLine: direct && pinned ? knownHostsLine(direct.host, direct.port, pinned) : null,
    hostKeyProof: keys.length > 0 ? (hostKeyProof ?? "first-contact") : null,
    stoppedStorageCostPerMonth: stoppedStorageCostPerMonth(pod.mounts ?? inputs.mounts),
    spend: (inputs as Partial<PodOutputs>).spend ?? null,
  };
}

function readinessTimeoutMs(inputs: PodSpec): number {
  return (inputs.readinessTimeoutSeconds ?? DEFAULT_READINESS_TIMEOUT_SECONDS) * 1000;
}

/** The error Pulumi records as "created but failed to initialize" (it keeps the id in state). */
function initFailure(message: string, id: string, properties: object): Error {
  return Object.assign(new Error(message), { id, properties, reasons: [message] });
}

function readinessOptions(inputs: PodInputs, extra: Partial<ReadinessOptions> = {}): ReadinessOptions {
  return {
    timeoutMs: readinessTimeoutMs(inputs),
    allowProxyOnly: inputs.allowProxyOnly,
    waitForSsh: inputs.waitForSsh,
    hostKeyChecking: inputs.hostKeyChecking,
    label: inputs.name,
    onProgress: (m) => reportProgress(m, { urn: inputs.ownerTag, ephemeral: true }),
    ...extra,
  };
}

/** Waits for SSH and reports a note about the host keys (not read or not pinned) as a WARNING. */
async function waitReady(
  client: RunpodClient,
  inputs: PodInputs,
  podId: string,
  extra: Partial<ReadinessOptions> = {},
): Promise<ReadyPod> {
  const ready = await waitForPodReady(client, podId, readinessOptions(inputs, extra));
  if (ready.hostKeyNote) reportProgress(ready.hostKeyNote, { urn: inputs.ownerTag, severity: "warning" });
  return ready;
}

/** A new pod made ready (or stopped, with `running: false`); on failure it is terminated unless keepOnFailure. */
async function settleOrCleanUp(client: RunpodClient, inputs: PodInputs, pod: Pod): Promise<ReadyPod> {
  try {
    if (inputs.running === false) {
      const stopped = await stopPod(client, pod.id, { label: inputs.name, timeoutMs: readinessTimeoutMs(inputs) });
      return { pod: stopped, hostKeys: [] };
    }
    return await waitReady(client, inputs, pod.id);
  } catch (e) {
    const message = (e as Error).message;
    const last = e instanceof PodNotReadyError && e.pod ? e.pod : pod;
    if (inputs.keepOnFailure) {
      throw initFailure(`${message}\nThe pod was kept because keepOnFailure is set; it is billing until you destroy it.`, pod.id, outputsFrom(inputs, last));
    }
    try {
      await terminatePod(client, pod.id);
    } catch (te) {
      throw initFailure(
        `${message}\nTerminating the pod failed too (${(te as Error).message}); it may still be billing. ` +
          `\`pulumi destroy\` will retry, or delete pod ${pod.id} in the Runpod console.`,
        pod.id,
        outputsFrom(inputs, last),
      );
    }
    throw new Error(`${message}\nThe pod was terminated so that it does not keep billing.`);
  }
}

export const podProvider = {
  async check(olds: unknown, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const { ownerTag, containerGeneration: _generation, ...spec } = news;
    const failures = checkPodSpec(spec, typeof ownerTag === "string" ? ownerTag : "");
    if (typeof ownerTag !== "string" || ownerTag === "") {
      failures.push({ property: "ownerTag", reason: "ownerTag is missing; create pods through the Pod class, which sets it." });
    }
    const inputs: Record<string, unknown> = { ...news };
    if (failures.length === 0 && Array.isArray(news.sshPublicKeys) && !containsUnknown(news.sshPublicKeys)) {
      inputs.sshPublicKeys = normalizedKeyLines(news.sshPublicKeys as string[]);
    }
    if (failures.length === 0) inputs.containerGeneration = nextGeneration((olds ?? {}) as Record<string, unknown>, inputs);
    // A missing key fails the preview, not only `up` (no API call is made here).
    failures.push(...apiKeyCheckFailures());
    return { inputs, failures };
  },

  async diff(id: string, olds: PodOutputs, news: PodInputs): Promise<dynamic.DiffResult> {
    const expired = expiryWarning({
      label: olds.name ?? id,
      id,
      status: olds.status ?? "",
      stopsAt: olds.stopsAt ?? null,
      stopReason: olds.stopReason ?? null,
      nowMs: Date.now(),
    });
    if (expired) reportProgress(expired, { urn: olds.ownerTag, severity: "warning" });
    const { replaces, updates } = podChange(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0,
      stables: replaces.length > 0 ? [] : ["podId"],
    };
  },

  async create(inputs: PodInputs): Promise<dynamic.CreateResult> {
    const client = runpodClient();
    const onProgress = (m: string): void => reportProgress(m, { urn: inputs.ownerTag });
    const selectCandidates = (planned: PlacementCandidate[]) => candidatesWithinBudget(client, specOf(inputs), planned, inputs.name, onProgress);
    const watchdogStart = watchdogSettings(inputs) ? Date.now() : null;
    const { pod: created, adopted } = await createPod(client, wireSpec(specOf(inputs), watchdogStart, client.apiUrl), {
      name: inputs.name,
      owner: inputs.ownerTag,
      onProgress,
      selectCandidates,
    });
    let pod = created;
    // maxSpend: the watchdog needs the pod's cost per hour, known once it exists (one env PATCH, before it runs).
    if (watchdogSettings(inputs)?.maxSpend !== undefined && !adopted && (pod.cost ?? 0) > 0) {
      const env = { ...podEnv(wireSpec(specOf(inputs), watchdogStart, client.apiUrl, pod.cost)), [OWNER_ENV]: inputs.ownerTag };
      pod = (await client.updatePod(pod.id, { env })) ?? pod;
    }
    // Deferred: the engine slot is free at once; PodReadiness waits for SSH (it finds most pods booted).
    if (inputs.deferReadiness && inputs.running !== false) return { id: pod.id, outs: withWatchdog(outputsFrom(inputs, pod), watchdogStart) };
    const ready = await settleOrCleanUp(client, inputs, pod);
    if (inputs.running !== false) onProgress(`pod ${inputs.name} (${pod.id}): ready for SSH at ${formatRate(ready.pod.cost ?? null)}`);
    return { id: pod.id, outs: withWatchdog(outputsFrom(inputs, ready.pod, ready.hostKeys, ready.hostKeyProof), watchdogStart) };
  },

  async read(id: string, props: PodOutputs): Promise<dynamic.ReadResult> {
    const client = runpodClient();
    let pod: Pod;
    try {
      pod = await client.getPod(id);
    } catch (e) {
      if (e instanceof RunpodNotFoundError) return { id: "", props: goneWithWarning(id, props) };
      throw e;
    }
    if (pod.status === "TERMINATED") return { id: "", props: goneWithWarning(id, props) };
    const label = props.name ?? id;
    assertSshPath(id, {
      host: pod.ssh?.direct?.host,
      port: pod.ssh?.direct?.port,
      user: pod.ssh?.direct?.username,
      proxyUser: pod.ssh?.proxy?.username,
      proxyHost: pod.ssh?.proxy?.host,
    });
    // Deferred: the host keys are PodReadiness's to read again; spend and the watchdog's outcome are this pod's.
    const keys = props.deferReadiness ? undefined : await rereadHostKeys(client, pod, props, label);
    if (keys?.warning) reportProgress(keys.warning, { urn: props.ownerTag, severity: "warning" });
    const spend = await refreshSpend(client, pod, props.spend);
    if (spend.warning) reportProgress(spend.warning, { urn: props.ownerTag, severity: "warning" });
    const stopReason =
      pod.status === "EXITED" && props.watchdogStartMs !== null && props.watchdogStartMs !== undefined
        ? props.status === "EXITED" && props.stopReason !== undefined ? props.stopReason : await readStopReason(client, id, props.watchdogStartMs)
        : null;
    const outs = withWatchdog({ ...outputsFrom(props, pod, keys?.hostKeys, keys?.hostKeyProof), spend: spend.spend }, props.watchdogStartMs ?? null, stopReason);
    const warning = expiryWarning({ label, id, status: pod.status, stopsAt: outs.stopsAt ?? null, stopReason, nowMs: Date.now() });
    if (warning) reportProgress(warning, { urn: props.ownerTag, severity: "warning" });
    return { id, props: outs };
  },

  async update(id: string, olds: PodOutputs, inputs: PodInputs): Promise<dynamic.UpdateResult> {
    const client = runpodClient();
    // spend is read at refresh; an update carries it (podCost.ts). A copy: the engine's inputs stay as given.
    const news: PodInputs = { ...inputs, spend: olds.spend ?? null } as PodInputs;
    const spec = specOf(news);
    // The same decision diff showed at preview (podDiff.ts): the engine calls update only when it said "update".
    const { replaces, updates } = podChange(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
    if (replaces.length > 0) {
      throw new Error(
        `Pod ${news.name} (${id}): ${replaces.join(", ")} cannot change in place; the pod must be replaced. ` +
          "Run `pulumi up` again: its preview shows the replacement.",
      );
    }
    const changed = new Set<string>(updates);
    // The watchdog: a new start when the pod is started again or its first limit is added (podWatchdog.ts).
    const installed = olds.watchdogStartMs !== null && olds.watchdogStartMs !== undefined;
    const resuming = changed.has("running") && news.running !== false;
    const watchdogChanged = WATCHDOG_INPUTS.some((k) => changed.has(k));
    const watchdogStart =
      watchdogSettings(news) && (resuming || !installed) ? Date.now() : installed ? (olds.watchdogStartMs as number) : null;
    if (watchdogChanged || (resuming && watchdogSettings(news))) changed.add("env");
    if (watchdogSettings(news) && !installed) changed.add("args");
    const sent = wireSpec(spec, watchdogStart, client.apiUrl, olds.costPerHr, installed);
    const body: UpdatePodRequest = {};
    if (changed.has("name")) body.name = news.name;
    if (changed.has("image")) body.image = news.image;
    if (changed.has("args")) body.args = sent.args;
    if (changed.has("disk")) body.disk = news.disk;
    if (changed.has("ports")) body.ports = portsWithSsh(news.ports);
    if (changed.has("registry")) body.registry = news.registry ?? null;
    const mounts = effectiveMounts(news.mounts);
    if (changed.has("mounts") && mounts) body.mounts = mounts;
    if (changed.has("globalNetworking")) body.globalNetworking = news.globalNetworking ?? false;
    // env replaces the WHOLE env on Runpod: always send all of it, with the key variables and the owner tag.
    if (changed.has("env")) body.env = { ...podEnv(sent), [OWNER_ENV]: news.ownerTag };
    const label = news.name;
    const say = (message: string): void => reportProgress(`pod ${label} (${id}): ${message}`, { urn: news.ownerTag });
    const fields = Object.keys(body).join(", ");
    const patch = async (): Promise<Pod | undefined> =>
      Object.keys(body).length > 0 ? client.updatePod(id, body) : undefined;

    // Paused: stop first (a PATCH of a running pod would reset a container about to stop), then PATCH; the
    // settings apply at the next start.
    // Stopped by its watchdog: stays stopped until `running` changes (podExpiry.ts); settings apply at the next start.
    const leftStopped = olds.status === "EXITED" && typeof olds.stopReason === "string" && !changed.has("running");
    if (news.running === false || leftStopped) {
      let pod = await stopPod(client, id, { label, timeoutMs: readinessTimeoutMs(news) });
      pod = (await patch()) ?? pod;
      if (Object.keys(body).length > 0) {
        say(`updated ${fields} while stopped; it applies at the next start`);
      }
      return { outs: withWatchdog(outputsFrom(news, pod), watchdogStart, leftStopped ? (olds.stopReason ?? null) : null) };
    }
    // Resumed (or stopped outside Pulumi): PATCH while stopped, then start, then wait for SSH on the new port.
    if (changed.has("running")) {
      await patch();
      say("starting it again; waiting for SSH on its new port");
      const started = await startPod(client, id, { label });
      if (news.deferReadiness) {
        // The start's answer already says how many GPUs came back; PodReadiness then waits for SSH.
        await assertGpusAfterResume(client, spec, label, started, readinessTimeoutMs(news));
        return { outs: withWatchdog(outputsFrom(news, started), watchdogStart) };
      }
      const ready = await waitReady(client, news, id, { startedFromStop: {} });
      await assertGpusAfterResume(client, spec, label, ready.pod, readinessTimeoutMs(news));
      return { outs: withWatchdog(outputsFrom(news, ready.pod, ready.hostKeys, ready.hostKeyProof), watchdogStart) };
    }
    const pod = (await patch()) ?? (await client.getPod(id));
    const resets = Object.keys(body).some((k) => RESETS_CONTAINER.has(k));
    if (resets) {
      if (news.deferReadiness) return { outs: withWatchdog(outputsFrom(news, pod), watchdogStart) };
      say(`updated ${fields}; the container restarts, waiting for SSH again`);
      const ready = await waitReady(client, news, id, {
        changedFrom: olds.sshPort !== null && olds.sshPort !== undefined ? { port: olds.sshPort } : undefined,
      });
      return { outs: withWatchdog(outputsFrom(news, ready.pod, ready.hostKeys, ready.hostKeyProof), watchdogStart) };
    }
    const keptReason = pod.status === "EXITED" ? (olds.stopReason ?? null) : null;
    if (news.deferReadiness) return { outs: withWatchdog(outputsFrom(news, pod), watchdogStart, keptReason) };
    const keys = await hostKeysWithoutReset(client, pod, olds, label);
    if (keys.warning) reportProgress(keys.warning, { urn: news.ownerTag, severity: "warning" });
    return { outs: withWatchdog(outputsFrom(news, pod, keys.hostKeys, keys.hostKeyProof), watchdogStart, keptReason) };
  },

  async delete(id: string, props: PodOutputs): Promise<void> {
    const gone = !(await terminatePod(runpodClient(), id));
    if (gone) reportProgress(`pod ${props.name ?? id} (${id}) was already gone`, { urn: props.ownerTag });
  },
};


/** A pod gone at refresh: with `onExpiry: "terminate"` its watchdog may have deleted it, which a WARNING says. */
function goneWithWarning(id: string, props: PodOutputs): Record<string, never> {
  if (watchdogSettings(props)?.onExpiry === "terminate") {
    reportProgress(
      `pod ${props.name ?? id} (${id}) is gone: its watchdog deletes it at its limit (onExpiry: "terminate"), or it was deleted outside Pulumi. Nothing of it is billing.`,
      { urn: props.ownerTag, severity: "warning" },
    );
  }
  return {};
}
