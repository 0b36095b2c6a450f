/**
 * Small statistics and request-log helpers shared by the benchmark's measurements.
 */
import type { RequestRecord } from "./emulatorProcess";

/** Median (mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Percentile by the nearest-rank method (p95 of 10 values is the largest); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Requests a client made: everything but the emulator's own `/_emulator` admin paths. */
export function apiRequests(requests: readonly RequestRecord[]): RequestRecord[] {
  return requests.filter((r) => !r.path.startsWith("/_emulator"));
}

/** `METHOD /path` with pod ids replaced by `{id}`, for per-endpoint counts. */
export function endpointOf(r: RequestRecord): string {
  return `${r.method} ${r.path.replace(/^\/v2\/pods\/[^/]+/, "/v2/pods/{id}")}`;
}

/** Polling requests: status reads of pods, listed (`GET /v2/pods`) or one by one (`GET /v2/pods/{id}`). */
export function isPoll(r: RequestRecord): boolean {
  return r.method === "GET" && /^\/v2\/pods(\/[^/]+)?$/.test(r.path);
}

/** Counts per endpoint, with how many of them were answered 429. */
export function endpointCounts(requests: readonly RequestRecord[]): Record<string, { count: number; status429: number }> {
  const counts: Record<string, { count: number; status429: number }> = {};
  for (const r of requests) {
    const entry = (counts[endpointOf(r)] ??= { count: 0, status429: 0 });
    entry.count++;
    if (r.status === 429) entry.status429++;
  }
  return counts;
}
