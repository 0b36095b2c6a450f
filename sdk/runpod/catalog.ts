/**
 * The GPU catalog (`GET /v2/catalog/gpus`), one module for both of its readers: list prices (podCost.ts,
 * `maxCostPerHour`) and availability per data center (placement.ts, `checkAvailability`). Plain calls on a
 * RunpodClient, with its limiter, retries and error typing.
 */
import { z } from "zod";
import type { RunpodClient } from "./client";

/** One GPU type's list prices (the spec's `GpuType`, the fields we read). */
export const gpuPriceSchema = z.object({
  id: z.string(),
  secure: z.boolean().optional(),
  community: z.boolean().optional(),
  price: z.object({ secure: z.number(), community: z.number() }),
});
export type GpuPrice = z.infer<typeof gpuPriceSchema>;

const gpuListSchema = z.object({ gpus: z.array(gpuPriceSchema) });

/** `GET /v2/catalog/gpus`: every GPU type with its list prices per GPU per hour. */
export async function listGpuPrices(client: RunpodClient): Promise<GpuPrice[]> {
  const res = await client.request("GET", "/v2/catalog/gpus", { schema: gpuListSchema, retryTransient: true });
  return res.gpus;
}

export const AVAILABILITY_LEVELS = ["NONE", "LOW", "MEDIUM", "HIGH"] as const;
export type AvailabilityLevel = (typeof AVAILABILITY_LEVELS)[number];

const levelSchema = z.string();
/** The part of a `GpuType` with `include=AVAILABILITY` that placement reads. */
export const gpuAvailabilitySchema = z.object({
  id: z.string(),
  availability: levelSchema.optional(),
  dataCenters: z.array(z.object({ id: z.string(), availability: levelSchema })).optional(),
});
export type GpuAvailability = z.infer<typeof gpuAvailabilitySchema>;

export interface AvailabilityQuery {
  count: number;
  cloud: "SECURE" | "COMMUNITY";
  allowedCudaVersions?: string[];
  minCudaVersion?: string;
}

/**
 * `GET /v2/catalog/gpus?include=AVAILABILITY&product=POD` (one request for every GPU type): availability overall
 * and per data center, for pods of `count` GPUs in `cloud`, scoped by the same CUDA constraint a create sends.
 */
export async function gpuAvailability(client: RunpodClient, query: AvailabilityQuery): Promise<GpuAvailability[]> {
  const params: Record<string, string | number> = { include: "AVAILABILITY", product: "POD", count: query.count, cloud: query.cloud };
  if (query.allowedCudaVersions && query.allowedCudaVersions.length > 0) params.cudaVersions = query.allowedCudaVersions.join(",");
  else if (query.minCudaVersion) params.minCudaVersion = query.minCudaVersion;
  const res = await client.request("GET", "/v2/catalog/gpus", {
    query: params,
    schema: z.object({ gpus: z.array(gpuAvailabilitySchema) }),
    retryTransient: true,
  });
  return res.gpus;
}
