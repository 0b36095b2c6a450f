/**
 * Where a pod is created: placement candidates tried in order, following the API's own status table, and
 * no duplicate pod when an answer is lost.
 *
 * | status | meaning                              | here                                   |
 * | ------ | ------------------------------------ | -------------------------------------- |
 * | 422    | the body breaks the contract         | stop: report each violation            |
 * | 400    | a rule violation, or no capacity     | try the next candidate                 |
 * | 402    | insufficient balance                 | stop                                   |
 * | 403    | no access to that pool               | skip the candidate                     |
 * | 429    | rate limited                         | wait (done by the client), same one    |
 * | 5xx    | transient (the pod may exist anyway) | look it up by name, else retry it      |
 *
 * When every candidate fails with the same 400, that is a problem with the request (a rule violation fails
 * identically everywhere), and the error says so. Every pod carries an owner tag in its env
 * (`PULUMI_RUNPOD_SSH_OWNER`: the resource's URN), and the lookup after a lost answer, and the adoption of
 * a pod left by an interrupted create, match both its name and that tag.
 */
import type { RunpodClient } from "../runpod/client";
import {
  RunpodApiError,
  RunpodForbiddenError,
  RunpodInsufficientBalanceError,
  RunpodRejectedError,
  RunpodTransientError,
  RunpodValidationError,
} from "../runpod/errors";
import { backoffDelayMs, DEFAULT_RETRY_POLICY, sleep } from "../runpod/retryPolicy";
import type { Pod } from "../runpod/schemas";
import { isOwnedPod } from "./podOwnership";
import { podWatcherFor } from "./podWatcher";
import { OWNER_ENV, createPodBody, type PlacementCandidate, type PodSpec } from "./podSpec";
import { catalogNote, catalogShowsNone, noCapacityHint, planPlacement, readAvailability } from "./placement";


/** Retries of one candidate after 5xx or network failures. */
export const MAX_TRANSIENT_CREATE_RETRIES = 4;

export interface CreateOptions {
  /** The pod's name (also used to find it again after a lost answer). */
  name: string;
  /** Owner tag: the resource's URN. */
  owner: string;
  onProgress?: (message: string) => void;
  /** Narrows the planned candidates (placement.ts) before any is tried, e.g. to those within `maxCostPerHour`. */
  selectCandidates?: (planned: PlacementCandidate[]) => Promise<PlacementCandidate[]>;
}

export interface CreateOutcome {
  pod: Pod;
  /** The candidate that placed the pod (undefined when an existing pod was adopted). */
  candidate?: PlacementCandidate;
  /** True when the pod already existed (an interrupted earlier create, or a lost answer). */
  adopted: boolean;
}

function describeCandidate(c: PlacementCandidate): string {
  const where = c.dataCenterIds ? ` in ${c.dataCenterIds.join("/")}` : c.unpinned ? " in any data center (unpinned fallback)" : "";
  return `${c.gpuId ?? "CPU"}${where}`;
}

/** When the inputs filter machines (host RAM, vCPUs, CUDA), a sentence saying that they narrow the choice. */
function hostFilterHint(spec: PodSpec): string {
  const g = spec.gpu ?? {};
  const set = (["minRamPerGpu", "minVcpuCountPerGpu", "minCudaVersion", "allowedCudaVersions"] as const).filter((k) => g[k] !== undefined);
  if (set.length === 0) return "";
  return ` The host filters ${set.map((k) => `gpu.${k}`).join(", ")} leave only the machines that meet them: lower or remove them to allow more.`;
}

/** The live pod of ours among `pods`, by name, owner tag and keys (podOwnership.ts; newest first). */
function ownedPod(pods: Pod[], name: string, owner: string, spec: PodSpec): Pod | undefined {
  return pods
    .filter((p) => isOwnedPod(p, name, owner, spec))
    .sort((a, b) => String(b.createdAt ?? "").localeCompare(String(a.createdAt ?? "")))[0];
}

/**
 * Creates the pod, trying each placement candidate in order (see the file comment). A pod left by an
 * interrupted earlier create of this resource is adopted instead; the account's pod list for that check is
 * shared by every create running at once (one request for a whole fleet).
 */
export async function createPod(client: RunpodClient, spec: PodSpec, options: CreateOptions): Promise<CreateOutcome> {
  const orphan = ownedPod(await podWatcherFor(client).recentPods(2000), options.name, options.owner, spec);
  if (orphan) {
    options.onProgress?.(`pod ${options.name}: found pod ${orphan.id} left by an interrupted earlier create of this resource; using it instead of creating another`);
    return { pod: orphan, adopted: true };
  }
  const plan = await planPlacement(client, spec);
  const candidates = options.selectCandidates ? await options.selectCandidates(plan.candidates) : plan.candidates;
  const refusals: Array<{ candidate: PlacementCandidate; error: RunpodApiError }> = [];

  for (const candidate of candidates) {
    const body = createPodBody(spec, options.name, candidate, { [OWNER_ENV]: options.owner });
    for (let attempt = 0; ; attempt++) {
      try {
        const pod = await client.createPod(body);
        return { pod, candidate, adopted: false };
      } catch (e) {
        if (e instanceof RunpodValidationError) {
          throw new Error(
            `Runpod refused the pod ${options.name} as invalid (422); nothing was created. Fix the inputs:\n  - ${e.errors.join("\n  - ") || e.detail}`,
          );
        }
        if (e instanceof RunpodInsufficientBalanceError) {
          throw new Error(`Runpod refused to create pod ${options.name}: insufficient balance (402: ${e.detail ?? "no detail"}). Add funds to the account; no candidate can succeed until then.`);
        }
        if (e instanceof RunpodRejectedError || e instanceof RunpodForbiddenError) {
          refusals.push({ candidate, error: e });
          if (candidates.length > 1) {
            options.onProgress?.(`pod ${options.name}: ${describeCandidate(candidate)} refused (${e.status}: ${e.detail ?? ""}); trying the next candidate`);
          }
          break;
        }
        if (e instanceof RunpodTransientError) {
          // The pod may have been created even though the answer was lost: look before creating again.
          if (e.maybeCommitted) {
            const existing = ownedPod(await client.listPods(), options.name, options.owner, spec);
            if (existing) {
              options.onProgress?.(`pod ${options.name}: the create answer was lost (${e.detail ?? "no detail"}), but the pod exists (${existing.id}); using it`);
              return { pod: existing, candidate, adopted: true };
            }
          }
          if (attempt >= MAX_TRANSIENT_CREATE_RETRIES) {
            throw new Error(`Could not create pod ${options.name} on ${describeCandidate(candidate)}: Runpod kept failing (${e.message}). No pod was left behind. Retry later.`);
          }
          const delay = backoffDelayMs(attempt + 1, DEFAULT_RETRY_POLICY);
          options.onProgress?.(`pod ${options.name}: create failed transiently (${e.detail ?? e.message}); retrying in ${Math.ceil(delay / 1000)} s`);
          await sleep(delay);
          continue;
        }
        throw e;
      }
    }
  }

  // Every candidate was refused: say what each GPU × data center answered and what the catalog said (placement.ts).
  const catalog = plan.catalog ?? (spec.gpu ? await readAvailability(client, spec) : undefined);
  const lines = refusals.map((r) => `  - ${describeCandidate(r.candidate)}: ${r.error.status} ${r.error.detail ?? ""}`.trimEnd() + catalogNote(r.candidate, catalog));
  const all400 = refusals.every((r) => r.error.status === 400);
  const details = new Set(refusals.map((r) => r.error.detail));
  if (refusals.length > 1 && all400 && details.size === 1 && !catalogShowsNone(refusals.map((r) => r.candidate), catalog)) {
    throw new Error(
      `Runpod refused pod ${options.name} on all ${refusals.length} placement candidates with the same answer (400: ${[...details][0]}). ` +
        "A rule violation fails the same way everywhere, so this is most likely a problem with the request rather than capacity: " +
        `check the GPU type ids, gpu.count, cloud, dataCenterIds, image and ports.${hostFilterHint(spec)}\n` + lines.join("\n"),
    );
  }
  const noCapacity = refusals.every((r) => r.error instanceof RunpodRejectedError && r.error.looksLikeNoCapacity);
  throw new Error(
    (noCapacity
      ? `No capacity for pod ${options.name} on any placement candidate. ` +
        `Add candidates (${plan.volumeDataCenter ? "gpu.ids" : 'gpu.ids, dataCenterIds, cloud: "COMMUNITY"'}) or retry later.${hostFilterHint(spec)}${noCapacityHint(spec, plan.volumeDataCenter)}\n`
      : `Runpod refused pod ${options.name} on every placement candidate:\n`) + lines.join("\n"),
  );
}
