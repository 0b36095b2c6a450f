/**
 * `GET /v2/billing/pods?podId=` (what a pod has cost, per time bucket), beside client.ts (which stays the pod and
 * key client). Same limiter, retries and error typing as every other call (`RunpodClient.request`).
 */
import { z } from "zod";
import type { RunpodClient } from "./client";

const amount = z.number();

/** One pod billing record (the spec's `PodBillingRecord`). */
export const podBillingRecordSchema = z.object({
  startTime: z.string(),
  endTime: z.string(),
  podId: z.string(),
  totalAmount: amount,
  gpuAmount: amount,
  cpuAmount: amount,
  diskAmount: amount,
});
export type PodBillingRecord = z.infer<typeof podBillingRecordSchema>;

const podBillingSchema = z.object({
  records: z.array(podBillingRecordSchema),
  metadata: z.object({ totals: z.object({ totalAmount: amount }).optional() }).optional(),
});

export interface PodBillingQuery {
  podId: string;
  /** RFC 3339; default (the API's) 30 days ago. */
  startTime?: string;
  bucketSize?: "hour" | "day" | "week" | "month" | "year";
}

/** `GET /v2/billing/pods?podId=`: the pod's billing records. */
export async function getPodBilling(client: RunpodClient, query: PodBillingQuery): Promise<PodBillingRecord[]> {
  const res = await client.request("GET", "/v2/billing/pods", {
    query: { podId: query.podId, startTime: query.startTime, bucketSize: query.bucketSize },
    schema: podBillingSchema,
    retryTransient: true,
  });
  return res.records.filter((r) => r.podId === query.podId);
}
