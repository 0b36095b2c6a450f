/**
 * Where a new pod is tried, in order (podCreate.ts tries them and follows the API's status table):
 *
 * - each GPU type of `gpu.ids` (or `gpu.id`), with `dataCenterIds` offered together, or one at a time in the
 *   listed order with `dataCenterIdsInOrder` (podSpec.ts `placementCandidates`);
 * - a network volume pins every candidate to the volume's data center (its `networkVolume.dataCenter`, else read
 *   with one `GET /v2/network-volumes/{id}`); Secure Cloud is set by the create body;
 * - `allowUnpinnedFallback` (dataCenterIds set, no volume): after every pinned candidate, each GPU type again
 *   without a data center. runpodctl #326: pinned creates kept failing in data centers the catalog listed as in
 *   stock while the unpinned request succeeded;
 * - `checkAvailability`: one `GET /v2/catalog/gpus?include=AVAILABILITY&product=POD` first, and the candidates the
 *   catalog shows in stock are tried first (higher level first; none is dropped: the catalog is a hint, see
 *   runpodctl #326). Off by default: docs/placement.md has the request counts behind that choice.
 *
 * When nothing fits, the error lists each GPU × data center tried with Runpod's answer and what the catalog said
 * about it (read once, only on that failure path, unless `checkAvailability` already read it).
 */
import type { RunpodClient } from "../runpod/client";
import { RunpodNotFoundError } from "../runpod/errors";
import { gpuAvailability, type GpuAvailability } from "../runpod/catalog";
import { getNetworkVolume } from "../runpod/networkVolumes";
import { placementCandidates, type PlacementCandidate, type PodSpec } from "./podSpec";

const RANK: Record<string, number> = { HIGH: 3, MEDIUM: 2, LOW: 1, NONE: 0 };

/** The GPU types in order of preference (`[undefined]` for a CPU pod). */
function gpuIdsOf(spec: PodSpec): Array<string | undefined> {
  return spec.gpu ? (spec.gpu.ids ?? (spec.gpu.id ? [spec.gpu.id] : [])) : [undefined];
}

/** The ordered candidates, before any catalog read: pinned to the volume's data center when there is one. */
export function plannedCandidates(spec: PodSpec, volumeDataCenter?: string): PlacementCandidate[] {
  if (volumeDataCenter !== undefined) return gpuIdsOf(spec).map((gpuId) => ({ gpuId, dataCenterIds: [volumeDataCenter] }));
  const pinned = placementCandidates(spec);
  const fallback =
    spec.allowUnpinnedFallback === true && (spec.dataCenterIds?.length ?? 0) > 0
      ? gpuIdsOf(spec).map((gpuId): PlacementCandidate => ({ gpuId, unpinned: true }))
      : [];
  return [...pinned, ...fallback];
}

/** The best availability level the catalog shows for a candidate (its data centers, or overall), or undefined. */
export function candidateLevel(candidate: PlacementCandidate, catalog: readonly GpuAvailability[]): string | undefined {
  const gpu = catalog.find((g) => g.id === candidate.gpuId);
  if (!gpu) return undefined;
  if (!candidate.dataCenterIds) return gpu.availability ?? "NONE";
  const levels = candidate.dataCenterIds.map((id) => gpu.dataCenters?.find((d) => d.id === id)?.availability ?? "NONE");
  return levels.reduce((best, l) => ((RANK[l] ?? 0) > (RANK[best] ?? 0) ? l : best), "NONE");
}

/**
 * Candidates the catalog shows in stock first (higher level first), the rest after in their order; the unpinned
 * fallback stays last. Stable, and never drops a candidate.
 */
export function orderByAvailability(candidates: readonly PlacementCandidate[], catalog: readonly GpuAvailability[]): PlacementCandidate[] {
  const rank = (c: PlacementCandidate): number => (c.unpinned ? -1 : (RANK[candidateLevel(c, catalog) ?? "NONE"] ?? 0));
  return candidates
    .map((c, i) => ({ c, i, r: rank(c) }))
    .sort((a, b) => (a.c.unpinned === b.c.unpinned ? b.r - a.r || a.i - b.i : a.c.unpinned ? 1 : -1))
    .map((x) => x.c);
}

/** What the catalog said about a candidate, per data center: ` (catalog: US-KS-2 NONE, EU-RO-1 LOW)`. */
export function catalogNote(candidate: PlacementCandidate, catalog: readonly GpuAvailability[] | undefined): string {
  if (!catalog || candidate.gpuId === undefined) return "";
  const gpu = catalog.find((g) => g.id === candidate.gpuId);
  if (!gpu) return " (catalog: this GPU type is not listed)";
  if (!candidate.dataCenterIds) return ` (catalog: ${gpu.availability ?? "NONE"} overall)`;
  const levels = candidate.dataCenterIds.map((id) => `${id} ${gpu.dataCenters?.find((d) => d.id === id)?.availability ?? "NONE"}`);
  return ` (catalog: ${levels.join(", ")})`;
}

/** True when the catalog shows no stock for every one of these candidates (their refusals are capacity, not the request). */
export function catalogShowsNone(candidates: readonly PlacementCandidate[], catalog: readonly GpuAvailability[] | undefined): boolean {
  return !!catalog && candidates.length > 0 && candidates.every((c) => c.gpuId !== undefined && candidateLevel(c, catalog) === "NONE");
}

/** A sentence about what could make room, for the "nothing fits" error. */
export function noCapacityHint(spec: PodSpec, volumeDataCenter?: string): string {
  if (volumeDataCenter !== undefined) {
    return ` The network volume pins the pod to ${volumeDataCenter}: add GPU types there (gpu.ids), retry later, or use a volume in another data center.`;
  }
  if ((spec.dataCenterIds?.length ?? 0) > 0 && spec.allowUnpinnedFallback !== true) {
    return " dataCenterIds pins the pod: allowUnpinnedFallback: true retries without a data center when none of them has capacity.";
  }
  return "";
}

/** The data center the pod's network volume is in (none: undefined). Throws a readable error when it is not usable. */
export async function volumeDataCenter(client: RunpodClient, spec: PodSpec): Promise<string | undefined> {
  const volume = spec.networkVolume;
  if (!volume) return undefined;
  let dataCenter = volume.dataCenter;
  if (dataCenter === undefined) {
    try {
      dataCenter = (await getNetworkVolume(client, volume.id)).dataCenter;
    } catch (e) {
      if (e instanceof RunpodNotFoundError) {
        throw new Error(`networkVolume.id: network volume ${volume.id} does not exist on this account. Create it (NetworkVolume) or give the id of an existing one; nothing was created.`);
      }
      throw e;
    }
  }
  const pinned = spec.dataCenterIds ?? [];
  if (pinned.length > 0 && !pinned.includes(dataCenter)) {
    throw new Error(
      `networkVolume ${volume.id} is in ${dataCenter}, which dataCenterIds (${pinned.join(", ")}) does not include; a pod runs in its volume's data center. Remove dataCenterIds or add ${dataCenter}; nothing was created.`,
    );
  }
  return dataCenter;
}

/** The catalog's availability for this spec, or undefined when it cannot be read (a hint only: never fatal). */
export async function readAvailability(client: RunpodClient, spec: PodSpec): Promise<GpuAvailability[] | undefined> {
  if (!spec.gpu) return undefined;
  try {
    return await gpuAvailability(client, {
      count: spec.gpu.count ?? 1,
      cloud: spec.networkVolume ? "SECURE" : (spec.cloud ?? "SECURE"),
      allowedCudaVersions: spec.gpu.allowedCudaVersions,
      minCudaVersion: spec.gpu.minCudaVersion,
    });
  } catch {
    return undefined;
  }
}

export interface PlacementPlan {
  candidates: PlacementCandidate[];
  volumeDataCenter?: string;
  /** The catalog, when `checkAvailability` read it. */
  catalog?: GpuAvailability[];
}

/** The candidates to try for `spec` (reads the volume's data center, and the catalog with `checkAvailability`). */
export async function planPlacement(client: RunpodClient, spec: PodSpec): Promise<PlacementPlan> {
  const dataCenter = await volumeDataCenter(client, spec);
  const candidates = plannedCandidates(spec, dataCenter);
  if (spec.checkAvailability !== true || !spec.gpu) return { candidates, volumeDataCenter: dataCenter };
  const catalog = await readAvailability(client, spec);
  return { candidates: catalog ? orderByAvailability(candidates, catalog) : candidates, volumeDataCenter: dataCenter, catalog };
}
