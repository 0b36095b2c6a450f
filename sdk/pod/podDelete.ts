/**
 * Where a pod is deleted: terminate it, and treat "already gone" (404) as done, so a destroy that is retried
 * after an interruption, or a pod removed by hand in the console, never fails the operation.
 */
import type { RunpodClient } from "../runpod/client";
import { RunpodNotFoundError } from "../runpod/errors";
import { podWatcherFor } from "./podWatcher";

/**
 * Terminates the pod. Returns false when it was already gone. Either way the shared pod list forgets it, so a
 * replacement created right after (same name, same owner tag) is never mistaken for it.
 */
export async function terminatePod(client: RunpodClient, podId: string): Promise<boolean> {
  try {
    await client.deletePod(podId);
    podWatcherFor(client).forget(podId);
    return true;
  } catch (e) {
    if (e instanceof RunpodNotFoundError) {
      podWatcherFor(client).forget(podId);
      return false;
    }
    throw e;
  }
}
