/**
 * A paused GPU pod can come back with zero GPUs (Runpod's docs, `pods/troubleshooting/zero-gpus`): a stopped pod
 * keeps its host, and when that host has no free GPU of its type at the `start`, the container runs without one.
 * The data on the container disk lives on that host; data on a network volume does not.
 *
 * - Detected after every resume: the pod reports `gpu.count` 0, or a running pod lists no GPUs in `runtime.gpus`.
 *   The pod is stopped again (so state and the pod agree: paused, nothing billing for a GPU it does not have) and
 *   `up` fails with what to do.
 * - `recreateOnResume` (needs a network volume, volumeCheck.ts): a resume is planned as a replacement instead, at
 *   preview: a new pod on the volume, placed wherever its data center has the GPU, the old one deleted first.
 */
import type { RunpodClient } from "../runpod/client";
import type { Pod } from "../runpod/schemas";
import { stopPod } from "./podPower";
import type { PodSpec } from "./podSpec";

/** True when a GPU pod runs (or reports) without any GPU. */
export function hasZeroGpus(spec: Pick<PodSpec, "gpu">, pod: Pick<Pod, "gpu" | "runtime">): boolean {
  if (!spec.gpu) return false;
  if (pod.gpu && pod.gpu.count === 0) return true;
  return Array.isArray(pod.runtime?.gpus) && pod.runtime.gpus.length === 0;
}

/** Whether the state saw the pod running: from its status when known (EXITED is paused), else the input. */
function wasRunning(olds: Record<string, unknown>): boolean {
  return typeof olds.status === "string" ? olds.status !== "EXITED" : olds.running !== false;
}

/** True when this change resumes a paused pod that `recreateOnResume` says to replace instead (diff decides). */
export function resumeRecreates(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  return !wasRunning(olds) && news.running !== false && news.recreateOnResume === true && !!news.networkVolume;
}

/** The error after a resume that came back with zero GPUs: what happened and what to do. */
export function zeroGpuMessage(spec: PodSpec, label: string, podId: string, pod: Pick<Pod, "gpu" | "dataCenterId">): string {
  const gpu = pod.gpu?.id ?? spec.gpu?.id ?? spec.gpu?.ids?.[0] ?? "its GPU type";
  const where = pod.dataCenterId ? ` in ${pod.dataCenterId}` : "";
  const options = spec.networkVolume
    ? "Set recreateOnResume: true and run `pulumi up` again to create a new pod on the network volume (its data " +
      "comes along), or retry later."
    : `Retry later, or run \`pulumi up --replace <this Pod's URN>\` for a new pod (the container disk's data stays on the old host and is lost); attach a network volume (networkVolume) so data survives this next time.`;
  return (
    `Pod ${label} (${podId}) resumed with zero GPUs: its host${where} has no free ${gpu} now (Runpod keeps a paused ` +
    `pod on its host). It was stopped again, so nothing bills for a GPU it does not have. ${options}`
  );
}

/**
 * After a resume: when the pod came back with zero GPUs, stops it again and throws zeroGpuMessage. Returns
 * otherwise.
 */
export async function assertGpusAfterResume(client: RunpodClient, spec: PodSpec, label: string, pod: Pod, timeoutMs: number): Promise<void> {
  if (!hasZeroGpus(spec, pod)) return;
  try {
    await stopPod(client, pod.id, { label, timeoutMs });
  } catch (e) {
    throw new Error(`${zeroGpuMessage(spec, label, pod.id, pod).replace(" It was stopped again, so nothing bills for a GPU it does not have.", "")} Stopping it again failed too (${(e as Error).message}).`);
  }
  throw new Error(zeroGpuMessage(spec, label, pod.id, pod));
}
