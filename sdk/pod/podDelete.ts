/**
 * Where a pod is deleted: terminate it, and treat "already gone" (404) as done, so a destroy that is retried
 * after an interruption, or a pod removed by hand in the console, never fails the operation.
 */
import type { RunpodClient } from "../runpod/client";
import { RunpodNotFoundError } from "../runpod/errors";

/** Terminates the pod. Returns false when it was already gone. */
export async function terminatePod(client: RunpodClient, podId: string): Promise<boolean> {
  try {
    await client.deletePod(podId);
    return true;
  } catch (e) {
    if (e instanceof RunpodNotFoundError) return false;
    throw e;
  }
}
