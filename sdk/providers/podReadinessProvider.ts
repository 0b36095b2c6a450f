/**
 * PodReadiness's provider logic: the wait for SSH, split from the Pod's create so that the create holds one of the
 * engine's operation slots only for the API call (see docs/performance.md). A Pod with `deferReadiness` returns as
 * soon as Runpod accepted it; its PodReadiness then waits, as the Pod itself otherwise would, until the pod is
 * RUNNING, its sshd answers and its host keys were read and proven (podReadiness.ts), and holds the address and
 * the pinned keys as outputs. Every pod of a fleet boots from the first seconds of `pulumi up`, and the waits,
 * which run concurrently in the engine's slots, mostly find booted pods.
 *
 * - check: the inputs, with no API call.
 * - diff: a new pod id replaces; a new container generation (the Pod's reset, start or stop), a start after a stop
 *   seen by refresh, or `running` update (wait again); behaviour-only inputs update without a wait.
 * - create: waits; on failure the pod is terminated (unless `keepOnFailure`) so that it does not keep billing, and
 *   the error says how to get a new one (`pulumi up --refresh`: the refresh sees the pod gone).
 * - read: refreshes the address and re-reads the host keys with the Pod's rules (podHostKeys.ts); a pod gone is
 *   this resource gone.
 * - update: waits again after a new container (the old port must change first, or the pod must leave EXITED).
 * - delete: nothing to do (the Pod deletes the pod).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { RunpodClient } from "../runpod/client";
import { RunpodNotFoundError } from "../runpod/errors";
import type { Pod } from "../runpod/schemas";
import { DEFAULT_READINESS_TIMEOUT_SECONDS } from "../pod/podSpec";
import { PodNotReadyError, waitForPodReady, type ReadinessOptions, type ReadyPod } from "../pod/podReadiness";
import { terminatePod } from "../pod/podDelete";
import { formatRate } from "../pod/podCost";
import { hostKeysWithoutReset, rereadHostKeys } from "../pod/podHostKeys";
import type { HostKeyProof } from "../pod/podHostKeyProof";
import type { HostKeyChecking } from "../ssh/sshCommands";
import { assertSshPath } from "../ssh/sshAddress";
import { apiKeyCheckFailures, runpodClient } from "./providerContext";
import { outputsFrom, type PodOutputs } from "./podProvider";
import { reportProgress } from "./progress";

/** Inputs as stored in state. */
export interface PodReadinessInputs {
  /** The pod to wait for (the Pod's `podId`). */
  podId: string;
  /** The pod's name, for messages. */
  podName: string;
  /** This resource's URN, set by the PodReadiness class; progress lines are shown under it. */
  ownerTag: string;
  /** The Pod's `containerGeneration`: a new value means a new container to wait for. */
  containerGeneration?: number;
  running?: boolean;
  allowProxyOnly?: boolean;
  waitForSsh?: boolean;
  hostKeyChecking?: HostKeyChecking;
  readinessTimeoutSeconds?: number;
  keepOnFailure?: boolean;
}

/** The Pod's outputs a PodReadiness holds: the ready pod's address, host keys and data center. */
export const READINESS_FIELDS = [
  "status",
  "publicIp",
  "sshPort",
  "sshUser",
  "proxyUser",
  "proxyHost",
  "hasPublicIp",
  "hostKeys",
  "knownHostsLine",
  "hostKeyProof",
  "dataCenterId",
] as const;

/** Outputs: the inputs plus the pod's address and host keys, as the Pod's outputs name them. */
export interface PodReadinessOutputs extends PodReadinessInputs, Pick<PodOutputs, (typeof READINESS_FIELDS)[number]> {}

/** Inputs whose change only changes how the next wait behaves (no wait now). */
const BEHAVIOUR = ["podName", "allowProxyOnly", "waitForSsh", "hostKeyChecking", "readinessTimeoutSeconds", "keepOnFailure"] as const;

/** The outputs for `pod` (same rules as the Pod's: keys only with a direct path). */
export function readinessOutputs(
  inputs: PodReadinessInputs,
  pod: Pod,
  hostKeys: string[] = [],
  hostKeyProof: HostKeyProof | null = null,
): PodReadinessOutputs {
  const all = outputsFrom({ name: inputs.podName, ownerTag: inputs.ownerTag }, pod, hostKeys, hostKeyProof);
  const picked = Object.fromEntries(READINESS_FIELDS.map((k) => [k, all[k]])) as Pick<PodOutputs, (typeof READINESS_FIELDS)[number]>;
  return { ...inputs, ...picked };
}

function waitOptions(inputs: PodReadinessInputs, extra: Partial<ReadinessOptions> = {}): ReadinessOptions {
  return {
    timeoutMs: (inputs.readinessTimeoutSeconds ?? DEFAULT_READINESS_TIMEOUT_SECONDS) * 1000,
    allowProxyOnly: inputs.allowProxyOnly,
    waitForSsh: inputs.waitForSsh,
    hostKeyChecking: inputs.hostKeyChecking,
    label: inputs.podName,
    readFirst: true,
    onProgress: (m) => reportProgress(m, { urn: inputs.ownerTag, ephemeral: true }),
    ...extra,
  };
}

async function waitReady(client: RunpodClient, inputs: PodReadinessInputs, extra: Partial<ReadinessOptions> = {}): Promise<ReadyPod> {
  const ready = await waitForPodReady(client, inputs.podId, waitOptions(inputs, extra));
  if (ready.hostKeyNote) reportProgress(ready.hostKeyNote, { urn: inputs.ownerTag, severity: "warning" });
  if (inputs.running !== false) reportProgress(`pod ${inputs.podName} (${inputs.podId}): ready for SSH at ${formatRate(ready.pod.cost ?? null)}`, { urn: inputs.ownerTag });
  return ready;
}

/** The pod as it is now, for a stopped pod's outputs (no wait, no keys). */
async function stoppedOutputs(client: RunpodClient, inputs: PodReadinessInputs): Promise<PodReadinessOutputs> {
  return readinessOutputs(inputs, await client.getPod(inputs.podId));
}

/** A failed first wait: the pod is terminated unless keepOnFailure, and the error says how to recover. */
async function failedFirstWait(client: RunpodClient, inputs: PodReadinessInputs, e: unknown): Promise<never> {
  const message = (e as Error).message;
  if (!(e instanceof PodNotReadyError)) throw e;
  const recover = "Run `pulumi up --refresh`: the refresh sees the pod gone and the up creates a new one.";
  if (inputs.keepOnFailure) {
    throw new Error(`${message}\nThe pod was kept because keepOnFailure is set; it is billing until you destroy it. After fixing the cause, ${recover.charAt(0).toLowerCase()}${recover.slice(1)}`);
  }
  try {
    await terminatePod(client, inputs.podId);
  } catch (te) {
    throw new Error(
      `${message}\nTerminating the pod failed too (${(te as Error).message}); it may still be billing. ` +
        `\`pulumi destroy\` will retry, or delete pod ${inputs.podId} in the Runpod console.`,
    );
  }
  throw new Error(`${message}\nThe pod was terminated so that it does not keep billing. ${recover}`);
}

export const podReadinessProvider = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const failures: dynamic.CheckFailure[] = [];
    if (typeof news.ownerTag !== "string" || news.ownerTag === "") {
      failures.push({ property: "ownerTag", reason: "ownerTag is missing; create it through the PodReadiness class, which sets it." });
    }
    if (news.podId !== undefined && (typeof news.podId !== "string" || news.podId === "")) {
      failures.push({ property: "podId", reason: "podId must be a pod id (a Pod's podId output)." });
    }
    failures.push(...apiKeyCheckFailures());
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: PodReadinessOutputs, news: PodReadinessInputs): Promise<dynamic.DiffResult> {
    if (olds.podId !== news.podId) return { changes: true, replaces: ["podId"], deleteBeforeReplace: false };
    const changed: string[] = [];
    if ((olds.containerGeneration ?? 0) !== (news.containerGeneration ?? 0)) changed.push("containerGeneration");
    // Stopped already (a refresh saw it EXITED, e.g. by its watchdog) and asked to stay stopped: nothing to do.
    const stoppedAsAsked = olds.status === "EXITED" && news.running === false;
    if (((olds.running ?? true) !== (news.running ?? true) && !stoppedAsAsked) || (olds.status === "EXITED" && news.running !== false)) changed.push("running");
    for (const key of BEHAVIOUR) if (olds[key] !== news[key]) changed.push(key);
    return { changes: changed.length > 0, replaces: [], stables: ["podId"] };
  },

  async create(inputs: PodReadinessInputs): Promise<dynamic.CreateResult> {
    const client = runpodClient();
    if (inputs.running === false) return { id: inputs.podId, outs: await stoppedOutputs(client, inputs) };
    let ready: ReadyPod;
    try {
      ready = await waitReady(client, inputs);
    } catch (e) {
      return failedFirstWait(client, inputs, e);
    }
    return { id: inputs.podId, outs: readinessOutputs(inputs, ready.pod, ready.hostKeys, ready.hostKeyProof ?? null) };
  },

  async read(id: string, props: PodReadinessOutputs): Promise<dynamic.ReadResult> {
    const client = runpodClient();
    let pod: Pod;
    try {
      pod = await client.getPod(props.podId ?? id);
    } catch (e) {
      if (e instanceof RunpodNotFoundError) return { id: "", props: {} };
      throw e;
    }
    if (pod.status === "TERMINATED") return { id: "", props: {} };
    assertSshPath(pod.id, {
      host: pod.ssh?.direct?.host,
      port: pod.ssh?.direct?.port,
      user: pod.ssh?.direct?.username,
      proxyUser: pod.ssh?.proxy?.username,
      proxyHost: pod.ssh?.proxy?.host,
    });
    const keys = await rereadHostKeys(client, pod, props, props.podName ?? id);
    if (keys.warning) reportProgress(keys.warning, { urn: props.ownerTag, severity: "warning" });
    return { id, props: readinessOutputs(props, pod, keys.hostKeys, keys.hostKeyProof) };
  },

  async update(_id: string, olds: PodReadinessOutputs, news: PodReadinessInputs): Promise<dynamic.UpdateResult> {
    const client = runpodClient();
    if (news.running === false) return { outs: await stoppedOutputs(client, news) };
    const wasStopped = olds.running === false || olds.status === "EXITED";
    if (wasStopped || (olds.containerGeneration ?? 0) !== (news.containerGeneration ?? 0)) {
      const extra: Partial<ReadinessOptions> = wasStopped
        ? { startedFromStop: {} }
        : { changedFrom: olds.sshPort !== null && olds.sshPort !== undefined ? { port: olds.sshPort } : undefined };
      const ready = await waitReady(client, news, extra);
      return { outs: readinessOutputs(news, ready.pod, ready.hostKeys, ready.hostKeyProof ?? null) };
    }
    // Behaviour only: the same container; the keys are checked again as the Pod's update did.
    const pod = await client.getPod(news.podId);
    const keys = await hostKeysWithoutReset(client, pod, { ...olds, hostKeyChecking: news.hostKeyChecking }, news.podName);
    if (keys.warning) reportProgress(keys.warning, { urn: news.ownerTag, severity: "warning" });
    return { outs: readinessOutputs(news, pod, keys.hostKeys, keys.hostKeyProof) };
  },

  async delete(): Promise<void> {
    // The Pod terminates the pod; nothing of this resource lives on Runpod.
  },
};
