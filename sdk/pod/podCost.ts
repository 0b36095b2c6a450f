/**
 * What a pod costs, for the outputs and the `maxCostPerHour` guardrail.
 *
 * - `costPerHour` is the pod's own `cost` field: the rate Runpod bills for this pod, in USD per hour, as the
 *   API reports it (it is 0 while the pod is stopped). It is authoritative: it already reflects the cloud
 *   (Secure or Community pricing), the GPU count and anything account-specific, which the catalog's list price
 *   does not (the spec: "the rate actually billed for a pod is reported as `cost` on the pod itself").
 *   Interruptible (spot) pricing does not exist in the v2 contract, so there is nothing else to model.
 * - The catalog's list price × GPU count is used only before a pod exists: to skip the GPU candidates above
 *   `maxCostPerHour` at create.
 * - `stoppedStorageCostPerMonth`: what the pod keeps costing while stopped: its volume disk at $0.20/GB/month
 *   (Runpod's pricing page; $0.10 while running). The container disk is not charged while stopped. A network
 *   volume is billed on its own (to the volume, whether or not a pod uses it), so it is not counted here.
 * - `spend`: the sum of the pod's billing records (`GET /v2/billing/pods?podId=`) since it was created, read at
 *   `pulumi refresh` (and `pulumi up --refresh`); null until the first refresh.
 */
import type { RunpodClient } from "../runpod/client";
import type { Pod } from "../runpod/schemas";
import { getPodBilling, type PodBillingRecord } from "../runpod/billing";
import { listGpuPrices, type GpuPrice } from "../runpod/catalog";
import type { PlacementCandidate, PodSpec } from "./podSpec";

/** Volume disk while the pod is stopped, USD per GB per month (Runpod's published pricing for stopped pods). */
export const VOLUME_DISK_STOPPED_PER_GB_MONTH = 0.2;
/** Volume disk while the pod runs, USD per GB per month. */
export const VOLUME_DISK_RUNNING_PER_GB_MONTH = 0.1;
/** Hours in a billing month (365 × 24 / 12), to turn a monthly storage rate into an hourly one. */
export const HOURS_PER_MONTH = 730;

/** Rounds to 1/10000 of a dollar (the outputs are dollars, not floats with noise). */
export function roundUsd(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The rate Runpod bills for this pod (its `cost` field), or null when the API reports none. */
export function costPerHour(pod: Pick<Pod, "cost">): number | null {
  return typeof pod.cost === "number" && Number.isFinite(pod.cost) ? pod.cost : null;
}

/** USD per month the pod costs while stopped: its volume disk (network volumes are billed to the volume). */
export function stoppedStorageCostPerMonth(mounts: Pod["mounts"] | PodSpec["mounts"] | undefined): number {
  const size = mounts?.persistent?.size ?? 0;
  return roundUsd(size * VOLUME_DISK_STOPPED_PER_GB_MONTH);
}

/** Total USD of billing records (the pod's spend so far). */
export function spendOf(records: readonly Pick<PodBillingRecord, "totalAmount">[]): number {
  return roundUsd(records.reduce((sum, r) => sum + r.totalAmount, 0));
}

/**
 * The pod's spend since it was created, from its billing records. `createdAt` bounds the window (the API's
 * default is the last 30 days); hour buckets keep the window from widening to a day before the pod existed.
 */
export async function readSpend(client: RunpodClient, podId: string, createdAt: string | null | undefined): Promise<number> {
  const startTime = createdAt && !Number.isNaN(Date.parse(createdAt)) ? new Date(Date.parse(createdAt)).toISOString() : undefined;
  const records = await getPodBilling(client, { podId, startTime, bucketSize: startTime ? "hour" : "day" });
  return spendOf(records);
}

/** `$0.69/hr` for a progress line; `cost unknown` without one. */
export function formatRate(cost: number | null): string {
  return cost === null ? "cost unknown" : `$${cost.toFixed(cost < 1 ? 3 : 2).replace(/0$/, "")}/hr`;
}

/** The list price of one candidate (USD/hr for the pod: per-GPU price × count), or undefined when unknown. */
export function candidatePrice(prices: readonly GpuPrice[], gpuId: string, cloud: "SECURE" | "COMMUNITY", count: number): number | undefined {
  const entry = prices.find((p) => p.id === gpuId);
  if (!entry) return undefined;
  const offered = cloud === "COMMUNITY" ? entry.community !== false : entry.secure !== false;
  if (!offered) return undefined;
  const each = cloud === "COMMUNITY" ? entry.price.community : entry.price.secure;
  return roundUsd(each * count);
}

export interface AffordableCandidates {
  candidates: PlacementCandidate[];
  /** One line per skipped GPU type, for the progress output. */
  notes: string[];
}

/**
 * The candidates whose list price is at most `maxCostPerHour` (GPU pods). A GPU type the catalog does not list is
 * kept (Runpod decides; its `cost` shows the rate). When none is left, an error lists every price.
 */
export function affordableCandidates(
  spec: PodSpec,
  candidates: readonly PlacementCandidate[],
  prices: readonly GpuPrice[],
  label: string,
): AffordableCandidates {
  const max = spec.maxCostPerHour;
  if (max === undefined || !spec.gpu) return { candidates: [...candidates], notes: [] };
  const cloud = spec.cloud ?? "SECURE";
  const count = spec.gpu.count ?? 1;
  const kept: PlacementCandidate[] = [];
  const notes: string[] = [];
  const seen = new Map<string, number | undefined>();
  for (const c of candidates) {
    const price = c.gpuId === undefined ? undefined : candidatePrice(prices, c.gpuId, cloud, count);
    if (c.gpuId !== undefined && !seen.has(c.gpuId)) seen.set(c.gpuId, price);
    if (price !== undefined && price > max) {
      if (!notes.some((n) => n.includes(`${c.gpuId} `))) {
        notes.push(`pod ${label}: skipping ${c.gpuId} (${formatRate(price)} for ${count} GPU on ${cloud}) above maxCostPerHour $${max}/hr`);
      }
      continue;
    }
    kept.push(c);
  }
  if (kept.length === 0) {
    const lines = [...seen].map(([id, p]) => `  - ${id}: ${p === undefined ? "no list price" : `${formatRate(p)} (${count} × GPU, ${cloud})`}`);
    throw new Error(
      `No GPU candidate for pod ${label} is within maxCostPerHour ($${max}/hr); nothing was created. The catalog's ` +
        `prices:\n${lines.join("\n")}\nRaise maxCostPerHour, add cheaper GPU types to gpu.ids, lower gpu.count, or try cloud: "COMMUNITY".`,
    );
  }
  return { candidates: kept, notes };
}

/** The candidates to try: filtered by `maxCostPerHour` through the catalog when it is set, else as they are. */
export async function candidatesWithinBudget(
  client: RunpodClient,
  spec: PodSpec,
  candidates: readonly PlacementCandidate[],
  label: string,
  onProgress?: (message: string) => void,
): Promise<PlacementCandidate[]> {
  if (spec.maxCostPerHour === undefined || !spec.gpu) return [...candidates];
  const result = affordableCandidates(spec, candidates, await listGpuPrices(client), label);
  for (const note of result.notes) onProgress?.(note);
  return result.candidates;
}

/** Preview problems of the cost inputs (beyond their types): `maxCostPerHour` needs a GPU pod. */
export function costInputProblems(spec: PodSpec): Array<{ path: string[]; reason: string }> {
  if (spec.maxCostPerHour !== undefined && spec.cpu !== undefined && spec.gpu === undefined) {
    return [
      {
        path: ["maxCostPerHour"],
        reason:
          "maxCostPerHour skips GPU candidates above it; a CPU pod has one price (cpu.id × vcpuCount). Remove " +
          "maxCostPerHour, or use gpu.",
      },
    ];
  }
  return [];
}

/**
 * The spend for `read` (refresh): the billing records' total, or, when they cannot be read (an API key without
 * billing access, an outage), the previous value and a warning that says so; refresh itself never fails on it.
 */
export async function refreshSpend(
  client: RunpodClient,
  pod: Pick<Pod, "id" | "createdAt">,
  previous: number | null | undefined,
): Promise<{ spend: number | null; warning?: string }> {
  try {
    return { spend: await readSpend(client, pod.id, pod.createdAt) };
  } catch (e) {
    return {
      spend: previous ?? null,
      warning: `pod ${pod.id}: could not read its spend from GET /v2/billing/pods (${(e as Error).message}); spend keeps its last value.`,
    };
  }
}
