/**
 * GPU capacity per GPU type × data center, which tests set, and what follows from it:
 *
 * - placement: a GPU pod lands only in a data center with at least `gpu.count` free GPUs of its type (unset means
 *   plenty); none left in every allowed data center is the API's "no longer any instances available" 400;
 * - a pod mounting a network volume is placed in the volume's data center only (volumes.ts);
 * - a stopped pod started again when its data center has fewer free GPUs than it had comes back with zero GPUs
 *   (Runpod's documented `zero-gpus` case): `gpu.count` 0 and no GPUs in `runtime`;
 * - `GET /v2/catalog/gpus` (`?include=AVAILABILITY&product=POD`, with `count`, `cloud`, `cudaVersions`,
 *   `minCudaVersion`): the catalog, with per-data-center availability derived from the same numbers (0 free:
 *   NONE, 1-2: LOW, 3-7: MEDIUM, more or unset: HIGH).
 *
 * The numbers are set, not consumed: a create does not lower them (a test that wants a full data center says so).
 * Admin: `POST /_emulator/capacity` `{"gpuId", "dataCenterId", "free": n | null}` or `{"clear": true}`.
 */
import { DATA_CENTERS, GPU_TYPES, compareCudaVersions, type GpuType } from "./catalog";
import { ApiError, noCapacity, validationFailed } from "./problem";
import type { Route, RouteResult } from "./server";

export type AvailabilityLevel = "NONE" | "LOW" | "MEDIUM" | "HIGH";

/** Free GPUs per GPU type × data center, as tests set them. */
export class CapacityBook {
  private readonly free = new Map<string, number>();

  private static key(gpuId: string, dataCenterId: string): string {
    return `${gpuId}\u0000${dataCenterId}`;
  }

  /** Sets the free GPUs of a type in a data center; `null` back to unset (plenty). */
  set(gpuId: string, dataCenterId: string, free: number | null): void {
    if (free !== null && (!Number.isInteger(free) || free < 0)) {
      throw new RangeError(`capacity: free must be a whole number >= 0 or null, got ${String(free)}`);
    }
    if (free === null) this.free.delete(CapacityBook.key(gpuId, dataCenterId));
    else this.free.set(CapacityBook.key(gpuId, dataCenterId), free);
  }

  /** Free GPUs, or undefined when unset (plenty). */
  get(gpuId: string, dataCenterId: string): number | undefined {
    return this.free.get(CapacityBook.key(gpuId, dataCenterId));
  }

  hasRoom(gpuId: string, dataCenterId: string, count: number): boolean {
    const free = this.get(gpuId, dataCenterId);
    return free === undefined || free >= count;
  }

  level(gpuId: string, dataCenterId: string, count = 1): AvailabilityLevel {
    const free = this.get(gpuId, dataCenterId);
    if (free === undefined) return "HIGH";
    const units = Math.floor(free / Math.max(1, count));
    return units === 0 ? "NONE" : units <= 2 ? "LOW" : units <= 7 ? "MEDIUM" : "HIGH";
  }

  clear(): void {
    this.free.clear();
  }

  snapshot(): Array<{ gpuId: string; dataCenterId: string; free: number }> {
    return [...this.free.entries()].map(([key, free]) => {
      const [gpuId, dataCenterId] = key.split("\u0000");
      return { gpuId, dataCenterId, free };
    });
  }

  /**
   * The data centers a create may land in: those it allows (its `dataCenterIds`, else all), narrowed to the
   * volume's (`pinned`), and for a GPU pod to those with room. Throws the no-capacity 400 when none is left.
   */
  allowedCenters(
    config: { dataCenterIds: string[]; compute: { kind: "gpu"; id: string; count: number } | { kind: "cpu" } },
    pinned: string | undefined,
  ): string[] {
    const known = config.dataCenterIds.filter((id) => DATA_CENTERS.includes(id));
    let centers = config.dataCenterIds.length > 0 ? known : [...DATA_CENTERS];
    if (pinned !== undefined) centers = centers.filter((id) => id === pinned);
    const compute = config.compute;
    if (compute.kind === "gpu") centers = centers.filter((id) => this.hasRoom(compute.id, id, Math.max(1, compute.count)));
    if (centers.length === 0) throw noCapacity();
    return centers;
  }
}

const DATA_CENTER_NAMES: Readonly<Record<string, string>> = {
  "US-KS-2": "US Kansas 2",
  "US-TX-3": "US Texas 3",
  "EU-RO-1": "EU Romania 1",
  "EU-SE-1": "EU Sweden 1",
  "CA-MTL-1": "CA Montreal 1",
};

function displayName(gpu: GpuType): string {
  return gpu.id.replace(/^NVIDIA (GeForce )?/, "");
}

const BEST: Record<AvailabilityLevel, number> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };

/** One catalog entry, with availability when asked. */
function catalogEntry(gpu: GpuType, book: CapacityBook, availability: { count: number; cloud: string; cuda: (v: string) => boolean } | undefined): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: gpu.id,
    name: displayName(gpu),
    pool: null,
    manufacturer: "NVIDIA",
    memory: gpu.memoryGb,
    secure: true,
    community: gpu.communityPrice !== null,
    price: { secure: gpu.securePrice, community: gpu.communityPrice ?? 0 },
    maxCount: { secure: gpu.maxCount, community: gpu.communityPrice === null ? 0 : gpu.maxCount },
  };
  if (!availability) return entry;
  const offered =
    availability.count <= gpu.maxCount && (availability.cloud === "SECURE" || gpu.communityPrice !== null) && gpu.cudaVersions.some(availability.cuda);
  const centers = offered
    ? DATA_CENTERS.map((id) => ({ id, name: DATA_CENTER_NAMES[id] ?? id, availability: book.level(gpu.id, id, availability.count) }))
    : [];
  const overall = centers.reduce<AvailabilityLevel>((best, c) => (BEST[c.availability] > BEST[best] ? c.availability : best), "NONE");
  entry.availability = overall;
  if (overall !== "NONE") entry.dataCenters = centers;
  const versions = [...gpu.cudaVersions].filter(availability.cuda).sort(compareCudaVersions);
  if (versions.length > 0) entry.cudaVersions = versions.map((version) => ({ version, available: overall !== "NONE" }));
  return entry;
}

/** Parses the catalog's query; the API's 400s for a wrong combination. */
function catalogQuery(query: URLSearchParams): { count: number; cloud: string; cuda: (v: string) => boolean } | undefined {
  const include = query.get("include");
  const product = query.get("product");
  if (include === null) {
    for (const name of ["product", "count", "cloud", "cudaVersions", "minCudaVersion"]) {
      if (query.get(name) !== null) throw new ApiError(400, `${name} is valid only with include=AVAILABILITY`);
    }
    return undefined;
  }
  if (include !== "AVAILABILITY") throw validationFailed([`query.include: must be AVAILABILITY, got '${include}'`]);
  if (product === null) throw new ApiError(400, "include=AVAILABILITY requires product (POD, CLUSTER or SERVERLESS)");
  const count = query.get("count") === null ? 1 : Number(query.get("count"));
  if (!Number.isInteger(count) || count < 1) throw validationFailed(["query.count: must be an integer >= 1"]);
  const cloud = query.get("cloud") ?? "SECURE";
  if (cloud !== "SECURE" && cloud !== "COMMUNITY") throw validationFailed(["query.cloud: must be SECURE or COMMUNITY"]);
  const exact = query.get("cudaVersions");
  const min = query.get("minCudaVersion");
  if (exact !== null && min !== null) throw new ApiError(400, "cudaVersions and minCudaVersion are mutually exclusive");
  const list = exact?.split(",").map((v) => v.trim());
  const floor = min !== null && /^\d+$/.test(min) ? `${min}.0` : min;
  const cuda = (v: string): boolean => (!list || list.includes(v)) && (floor === null || compareCudaVersions(v, floor) >= 0);
  return { count, cloud, cuda };
}

function json(status: number, body?: unknown): RouteResult {
  return { status, body };
}

/** `GET /v2/catalog/gpus` (and `/{id}`). */
export function catalogRoutes(book: CapacityBook): Route[] {
  return [
    {
      method: "GET",
      path: "/v2/catalog/gpus",
      kind: "api",
      handle: ({ query }) => {
        const availability = catalogQuery(query);
        return json(200, { gpus: GPU_TYPES.map((gpu) => catalogEntry(gpu, book, availability)) });
      },
    },
    {
      method: "GET",
      path: "/v2/catalog/gpus/{id}",
      kind: "api",
      handle: ({ params, query }) => {
        const gpu = GPU_TYPES.find((g) => g.id === params.id);
        if (!gpu) throw new ApiError(404, `GPU type '${params.id}' not found`);
        return json(200, catalogEntry(gpu, book, catalogQuery(query)));
      },
    },
  ];
}

/** `POST /_emulator/capacity`. */
export function capacityAdminRoute(book: CapacityBook): Route {
  return {
    method: "POST",
    path: "/_emulator/capacity",
    kind: "admin",
    jsonBody: true,
    handle: ({ body }) => {
      const b = (body ?? {}) as { clear?: boolean; gpuId?: string; dataCenterId?: string; free?: number | null };
      if (b.clear) book.clear();
      if (b.gpuId !== undefined || b.dataCenterId !== undefined) {
        if (typeof b.gpuId !== "string" || typeof b.dataCenterId !== "string") {
          throw new ApiError(400, "capacity: give gpuId and dataCenterId (strings) and free (a number or null)");
        }
        try {
          book.set(b.gpuId, b.dataCenterId, b.free ?? null);
        } catch (e) {
          throw new ApiError(400, (e as Error).message);
        }
      }
      return json(200, { capacity: book.snapshot() });
    },
  };
}

