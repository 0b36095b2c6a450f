/**
 * Network volumes (`/v2/network-volumes`), as plain calls on a RunpodClient (the client's own file holds the pod
 * and key calls; the GPU catalog is catalog.ts).
 */
import { z } from "zod";
import type { RunpodClient } from "./client";

export const VOLUME_TYPES = ["STANDARD", "HIGH_PERFORMANCE"] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];

/** `NetworkVolume`. */
export const networkVolumeSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  size: z.number().int(),
  dataCenter: z.string(),
  type: z.string(),
});
export type NetworkVolume = z.infer<typeof networkVolumeSchema>;

export interface CreateNetworkVolumeRequest {
  name: string;
  size: number;
  dataCenter: string;
  type?: VolumeType;
}

function volumePath(id: string): string {
  return `/v2/network-volumes/${encodeURIComponent(id)}`;
}

/** `POST /v2/network-volumes`. Not retried after a 5xx (it may exist anyway): billing starts at create. */
export function createNetworkVolume(client: RunpodClient, body: CreateNetworkVolumeRequest): Promise<NetworkVolume> {
  return client.request("POST", "/v2/network-volumes", { body, schema: networkVolumeSchema, retryTransient: false });
}

/** `GET /v2/network-volumes/{id}`. Throws `RunpodNotFoundError` when it does not exist. */
export function getNetworkVolume(client: RunpodClient, id: string): Promise<NetworkVolume> {
  return client.request("GET", volumePath(id), { schema: networkVolumeSchema, retryTransient: true });
}

/** `GET /v2/network-volumes`. */
export async function listNetworkVolumes(client: RunpodClient): Promise<NetworkVolume[]> {
  const res = await client.request("GET", "/v2/network-volumes", {
    schema: z.object({ networkVolumes: z.array(networkVolumeSchema) }),
    retryTransient: true,
  });
  return res.networkVolumes;
}

/** `PATCH /v2/network-volumes/{id}`: name, or a larger size (a smaller one is refused with 400). */
export function updateNetworkVolume(client: RunpodClient, id: string, body: { name?: string; size?: number }): Promise<NetworkVolume> {
  return client.request("PATCH", volumePath(id), { body, schema: networkVolumeSchema, retryTransient: true });
}

/** `DELETE /v2/network-volumes/{id}` (204). Throws `RunpodNotFoundError` once it is gone. */
export async function deleteNetworkVolume(client: RunpodClient, id: string): Promise<void> {
  await client.request("DELETE", volumePath(id), { retryTransient: true });
}
