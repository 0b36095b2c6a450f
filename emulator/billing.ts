/**
 * Billing, per the contract (the catalog with list prices and availability is capacity.ts's route):
 *
 * - A pod's `cost` is its placement's price × count (podRules.ts), 0 while EXITED.
 * - `GET /v2/billing/pods` (`podId`, `startTime`, `endTime`, `bucketSize`, `lastN`): records per pod per bucket
 *   from a ledger of what each pod was billed for and when: compute (`gpuAmount` or `cpuAmount`) at its `cost`
 *   while not EXITED, and its volume disk (`diskAmount`) at $0.10/GB/month running and $0.20 stopped (730 hours a
 *   month). Terminated pods keep their records. Only buckets with billed time get a record.
 */
import type { Pod } from "./pods";
import { ApiError, validationFailed } from "./problem";
import type { Route, RouteResult } from "./server";
import { isDateTime } from "./specValidator";

const HOURS_PER_MONTH = 730;
const DISK_RUNNING_PER_GB_MONTH = 0.1;
const DISK_STOPPED_PER_GB_MONTH = 0.2;
const HOUR_MS = 3_600_000;

/** One stretch of time at constant rates (USD per hour). */
interface Segment {
  startMs: number;
  endMs: number | null;
  compute: number;
  disk: number;
}

interface PodLedger {
  kind: "gpu" | "cpu";
  segments: Segment[];
}

/** What each pod was billed for, and when. */
export class BillingLedger {
  private readonly pods = new Map<string, PodLedger>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records the pod's current rates (called at create and at every status change). */
  observe(pod: Pod): void {
    const at = this.now();
    let entry = this.pods.get(pod.id);
    if (!entry) {
      entry = { kind: pod.config.compute.kind === "cpu" ? "cpu" : "gpu", segments: [] };
      this.pods.set(pod.id, entry);
    }
    const open = entry.segments.at(-1);
    const gone = pod.status === "TERMINATED";
    const running = !gone && pod.status !== "EXITED";
    const size = pod.config.mounts.persistent?.size ?? 0;
    const compute = running ? pod.placement.costPerHour : 0;
    const disk = gone ? 0 : (size * (running ? DISK_RUNNING_PER_GB_MONTH : DISK_STOPPED_PER_GB_MONTH)) / HOURS_PER_MONTH;
    if (open && open.endMs === null) {
      if (open.compute === compute && open.disk === disk) return;
      open.endMs = at;
    }
    if (!gone) entry.segments.push({ startMs: at, endMs: null, compute, disk });
  }

  /** Amounts of one pod over [fromMs, toMs). */
  amounts(podId: string, fromMs: number, toMs: number): { compute: number; disk: number; billedMs: number } {
    const entry = this.pods.get(podId);
    const nowMs = this.now();
    let compute = 0;
    let disk = 0;
    let billedMs = 0;
    for (const s of entry?.segments ?? []) {
      const overlap = Math.min(s.endMs ?? nowMs, toMs) - Math.max(s.startMs, fromMs);
      if (overlap <= 0) continue;
      billedMs += overlap;
      compute += (s.compute * overlap) / HOUR_MS;
      disk += (s.disk * overlap) / HOUR_MS;
    }
    return { compute, disk, billedMs };
  }

  kindOf(podId: string): "gpu" | "cpu" | undefined {
    return this.pods.get(podId)?.kind;
  }

  podIds(): string[] {
    return [...this.pods.keys()];
  }
}

type BucketSize = "hour" | "day" | "week" | "month" | "year";
const BUCKETS: readonly BucketSize[] = ["hour", "day", "week", "month", "year"];

/** Start of the bucket holding `ms` (UTC; weeks start on Monday). */
export function bucketStart(ms: number, size: BucketSize): number {
  const d = new Date(ms);
  switch (size) {
    case "hour":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours());
    case "day":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case "week":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case "year":
      return Date.UTC(d.getUTCFullYear(), 0, 1);
  }
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, size: BucketSize): number {
  const d = new Date(start);
  switch (size) {
    case "hour":
      return start + HOUR_MS;
    case "day":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    case "week":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 7);
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    case "year":
      return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, "Z");
const usd = (v: number): number => Math.round(v * 1e6) / 1e6;

/** The resolved window of a billing query (snapped to bucket boundaries, as the spec says). */
function billingWindow(query: URLSearchParams, nowMs: number): { start: number; end: number; size: BucketSize } {
  const errors: string[] = [];
  const sizeText = query.get("bucketSize") ?? "day";
  if (!(BUCKETS as readonly string[]).includes(sizeText)) errors.push(`query.bucketSize: must be one of ${BUCKETS.join(", ")}`);
  const size = ((BUCKETS as readonly string[]).includes(sizeText) ? sizeText : "day") as BucketSize;
  for (const name of ["startTime", "endTime"]) {
    const v = query.get(name);
    if (v !== null && !isDateTime(v)) errors.push(`query.${name}: must be an RFC 3339 date-time`);
  }
  const lastN = query.get("lastN");
  if (lastN !== null && (!/^\d+$/.test(lastN) || Number(lastN) < 1)) errors.push("query.lastN: must be an integer of at least 1");
  if (errors.length > 0) throw validationFailed(errors);
  if (lastN !== null && (query.has("startTime") || query.has("endTime"))) {
    throw new ApiError(400, "lastN cannot be combined with startTime or endTime; give one or the other");
  }
  if (lastN !== null) {
    let start = bucketStart(nowMs, size);
    const end = nextBucket(start, size);
    for (let i = 1; i < Number(lastN) && start > 0; i++) start = bucketStart(start - 1, size);
    return { start, end, size };
  }
  const start = bucketStart(query.has("startTime") ? Date.parse(query.get("startTime") as string) : nowMs - 30 * 24 * HOUR_MS, size);
  const endRaw = query.has("endTime") ? Date.parse(query.get("endTime") as string) : nowMs;
  const endBucket = bucketStart(endRaw, size);
  const end = endBucket === endRaw ? endRaw : nextBucket(endBucket, size);
  if (end <= start) throw new ApiError(400, "endTime must be after startTime");
  return { start, end, size };
}

/** `GET /v2/billing/pods`. */
export function podBilling(ledger: BillingLedger, query: URLSearchParams, nowMs = Date.now()): RouteResult {
  const { start, end, size } = billingWindow(query, nowMs);
  const podId = query.get("podId");
  const ids = podId !== null ? [podId] : ledger.podIds();
  const records: Array<Record<string, unknown>> = [];
  const totals = { totalAmount: 0, gpuAmount: 0, cpuAmount: 0, diskAmount: 0 };
  let buckets = 0;
  for (let b = start; b < end && buckets < 10_000; b = nextBucket(b, size), buckets++) {
    const bEnd = nextBucket(b, size);
    for (const id of ids) {
      const a = ledger.amounts(id, b, bEnd);
      if (a.billedMs <= 0) continue;
      const gpu = ledger.kindOf(id) === "gpu" ? a.compute : 0;
      const cpu = ledger.kindOf(id) === "cpu" ? a.compute : 0;
      const rec = { startTime: iso(b), endTime: iso(bEnd), podId: id, totalAmount: usd(a.compute + a.disk), gpuAmount: usd(gpu), cpuAmount: usd(cpu), diskAmount: usd(a.disk) };
      records.push(rec);
      totals.totalAmount += rec.totalAmount;
      totals.gpuAmount += rec.gpuAmount;
      totals.cpuAmount += rec.cpuAmount;
      totals.diskAmount += rec.diskAmount;
    }
  }
  const rounded = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, usd(v)]));
  return {
    status: 200,
    body: {
      records,
      metadata: {
        query: { startTime: iso(start), endTime: iso(end), bucketSize: size, podId },
        recordCount: records.length,
        uniquePodCount: new Set(records.map((r) => r.podId)).size,
        totals: rounded,
      },
    },
  };
}

/** The billing route. */
export function billingRoutes(ledger: BillingLedger): Route[] {
  return [
    {
      method: "GET",
      path: "/v2/billing/pods",
      kind: "api",
      handle: ({ query }) => podBilling(ledger, query),
    },
  ];
}
