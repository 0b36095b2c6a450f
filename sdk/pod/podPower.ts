/**
 * Where a pod is paused and resumed (`running: false` / `true`): the `stop` and `start` actions of
 * `POST /v2/pods/{id}/action`.
 *
 * Stopping releases the GPU (or CPU) and keeps the pod, its volume and its settings; the container disk (all
 * outside the volume's mount path) is cleared, so the next start is a fresh container on a new port with new
 * host keys. Both actions are idempotent here: a pod already in the wanted state is left alone, and a 409 (the
 * action is not valid in the pod's current status) is answered by reading the status again.
 */
import type { RunpodClient } from "../runpod/client";
import { RunpodConflictError } from "../runpod/errors";
import type { Pod } from "../runpod/schemas";
import { podWatcherFor } from "./podWatcher";

export interface PowerOptions {
  /** Name used in messages. */
  label: string;
  /** How long to wait for the pod to reach EXITED, in ms. */
  timeoutMs: number;
}

/** Statuses from which the pod is on its way to RUNNING (a start is not needed). */
const STARTING = new Set(["PROVISIONING", "STARTING", "RUNNING", "CREATED"]);

function gone(label: string, podId: string, action: string): Error {
  return new Error(
    `Pod ${label} (${podId}) was terminated outside Pulumi, so it cannot be ${action}. Run \`pulumi refresh\`, ` +
      "then `pulumi up` creates it again.",
  );
}

/** Sends `action`; a 409 is answered with the pod as it is now (the caller decides whether that is fine). */
async function act(client: RunpodClient, podId: string, action: "start" | "stop"): Promise<Pod> {
  try {
    return (await client.podAction(podId, action)) ?? (await client.getPod(podId));
  } catch (e) {
    if (e instanceof RunpodConflictError) return client.getPod(podId);
    throw e;
  }
}

/** Stops the pod and waits until it reads EXITED. Resolves with the stopped pod. */
export async function stopPod(client: RunpodClient, podId: string, options: PowerOptions): Promise<Pod> {
  let pod = await client.getPod(podId);
  if (pod.status === "EXITED") return pod;
  if (pod.status === "TERMINATED") throw gone(options.label, podId, "stopped");
  pod = await act(client, podId, "stop");
  const started = Date.now();
  const watcher = podWatcherFor(client);
  while (pod.status !== "EXITED") {
    if (pod.status === "TERMINATED") throw gone(options.label, podId, "stopped");
    const left = started + options.timeoutMs - Date.now();
    if (left <= 0) {
      throw new Error(
        `Pod ${options.label} (${podId}) did not stop within ${Math.ceil(options.timeoutMs / 1000)} s (status ` +
          `${pod.status}). It may still be billing; check it in the Runpod console and run \`pulumi up\` again.`,
      );
    }
    const snapshot = await watcher.next(podId, left);
    if (snapshot?.pod) pod = snapshot.pod;
  }
  return pod;
}

/**
 * Starts a stopped pod (EXITED or ERROR). A pod already starting or running is left as it is. The caller then
 * waits for SSH with `startedFromStop` (the status may read EXITED for a moment after the action).
 */
export async function startPod(
  client: RunpodClient,
  podId: string,
  options: Pick<PowerOptions, "label">,
): Promise<Pod> {
  const pod = await client.getPod(podId);
  if (STARTING.has(pod.status)) return pod;
  if (pod.status === "TERMINATED") throw gone(options.label, podId, "started");
  let after: Pod;
  try {
    after = await act(client, podId, "start");
  } catch (e) {
    throw new Error(
      `Pod ${options.label} (${podId}) could not be started: ${(e as Error).message.replace(/[.\s]*$/, ".")} It stays ` +
        "stopped; the next `pulumi up` tries again.",
    );
  }
  if (after.status === "TERMINATED") throw gone(options.label, podId, "started");
  return after;
}
