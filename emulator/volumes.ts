/**
 * Network volumes (`/v2/network-volumes`), as the contract and Runpod's docs describe them:
 *
 * - create `{name, size (10 to 4096 GB, checked by the spec), dataCenter, type?}`; an unknown data center or a
 *   type the data center does not offer is a 400; `type` defaults to the data center's primary tier;
 * - `PATCH {name?, size?}`: size only grows (a smaller size is a 400); data center and type never change;
 * - `DELETE` (204); a volume still mounted by a live pod is refused (400), as its pod must go first;
 * - attached only when a pod is created (`mounts.network: [{volumeId, path}]`, one volume: the spec's maxItems),
 *   Secure Cloud only, in the volume's data center: the pod is placed there, and a `dataCenterIds` that leaves it
 *   out is a 400.
 *
 * Data outlives the pods: each volume is a folder (`<emulator temp dir>/volumes/<id>`). A pod that mounts it gets
 * a per-pod container root (`<pod dir>/root`, told to its SSH sessions as `RUNPOD_EMULATOR_ROOT`) in which the
 * mount path (e.g. `/workspace`) is a link to that folder, so a file written at `$RUNPOD_EMULATOR_ROOT/workspace/x`
 * by one pod is read by the next pod mounting the same volume. (Sessions run on the host's file system: the
 * emulator has no container isolation, so the root is named instead of chrooted into.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { DATA_CENTERS } from "./catalog";
import { ApiError, badRequest } from "./problem";
import type { Route, RouteResult } from "./server";

export type VolumeType = "STANDARD" | "HIGH_PERFORMANCE";

/** Storage tiers each data center offers; the first is its primary (the default `type`). */
export const VOLUME_TYPES_BY_DATA_CENTER: Readonly<Record<string, readonly VolumeType[]>> = {
  "US-KS-2": ["HIGH_PERFORMANCE", "STANDARD"],
  "US-TX-3": ["STANDARD"],
  "EU-RO-1": ["STANDARD", "HIGH_PERFORMANCE"],
  "EU-SE-1": ["STANDARD"],
  "CA-MTL-1": ["STANDARD"],
};

/** One network volume, as the API shows it. */
export interface NetworkVolume {
  id: string;
  name: string;
  size: number;
  dataCenter: string;
  type: VolumeType;
}

/** The pod fields a mount check needs. */
export interface MountingPod {
  mounts: { network?: Array<{ volumeId: string; path: string }> };
  cloud: string;
  dataCenterIds: string[];
}

/** The account's network volumes and their folders. */
export class VolumeStore {
  private readonly volumes = new Map<string, NetworkVolume>();

  constructor(
    /** Parent of the volumes' folders. */
    private readonly dir: string,
    /** Ids of the live pods mounting a volume (DELETE refuses while there is one). */
    private readonly mountedBy: (volumeId: string) => string[] = () => [],
  ) {}

  list(): NetworkVolume[] {
    return [...this.volumes.values()].map((v) => ({ ...v }));
  }

  get(id: string): NetworkVolume {
    const volume = this.volumes.get(id);
    if (!volume) throw new ApiError(404, `network volume '${id}' not found`);
    return volume;
  }

  /** The folder holding the volume's data. */
  folder(id: string): string {
    return path.join(this.dir, id);
  }

  create(body: { name: string; size: number; dataCenter: string; type?: VolumeType }): NetworkVolume {
    const tiers = VOLUME_TYPES_BY_DATA_CENTER[body.dataCenter];
    if (!DATA_CENTERS.includes(body.dataCenter) || !tiers) {
      throw badRequest(`dataCenter '${body.dataCenter}' does not exist or offers no network volumes; use one of ${DATA_CENTERS.join(", ")}`);
    }
    const type = body.type ?? tiers[0];
    if (!tiers.includes(type)) {
      throw badRequest(`data center '${body.dataCenter}' offers no ${type} network volumes (it offers ${tiers.join(", ")})`);
    }
    let id = randomBytes(5).toString("hex");
    while (this.volumes.has(id)) id = randomBytes(5).toString("hex");
    const volume: NetworkVolume = { id, name: body.name, size: body.size, dataCenter: body.dataCenter, type };
    fs.mkdirSync(this.folder(id), { recursive: true });
    this.volumes.set(id, volume);
    return { ...volume };
  }

  update(id: string, body: { name?: string; size?: number }): NetworkVolume {
    const volume = this.get(id);
    if (body.size !== undefined && body.size < volume.size) {
      throw badRequest(`size can only grow: network volume '${id}' has ${volume.size} GB, ${body.size} GB requested; network volume storage cannot be reduced`);
    }
    if (body.name !== undefined) volume.name = body.name;
    if (body.size !== undefined) volume.size = body.size;
    return { ...volume };
  }

  delete(id: string): void {
    this.get(id);
    const pods = this.mountedBy(id);
    if (pods.length > 0) {
      throw badRequest(`network volume '${id}' is attached to pod ${pods.join(", ")}; terminate the pod first`);
    }
    this.volumes.delete(id);
    fs.rmSync(this.folder(id), { recursive: true, force: true });
  }

  /**
   * The rules of a create that mounts a volume (none: undefined). Returns the data center the pod must be placed
   * in; throws the API's 400 for an unknown volume, Community Cloud, or a `dataCenterIds` without the volume's.
   */
  checkMount(pod: MountingPod): string | undefined {
    const mount = pod.mounts.network?.[0];
    if (!mount) return undefined;
    const volume = this.volumes.get(mount.volumeId);
    if (!volume) throw badRequest(`mounts.network[0].volumeId: network volume '${mount.volumeId}' not found`);
    if (pod.cloud !== "SECURE") {
      throw badRequest("network volumes can only be attached to Secure Cloud pods: set cloud to SECURE");
    }
    if (pod.dataCenterIds.length > 0 && !pod.dataCenterIds.includes(volume.dataCenter)) {
      throw badRequest(
        `network volume '${volume.id}' is in ${volume.dataCenter}, which dataCenterIds (${pod.dataCenterIds.join(", ")}) does not include: a pod must be in its volume's data center`,
      );
    }
    return volume.dataCenter;
  }

  /**
   * Prepares a pod's container root: the mount path links to the volume's folder. Returns the root, or
   * undefined when the pod mounts no volume.
   */
  prepareRoot(podDir: string, mounts: MountingPod["mounts"]): string | undefined {
    const mount = mounts.network?.[0];
    if (!mount || !this.volumes.has(mount.volumeId)) return undefined;
    const root = path.join(podDir, "root");
    const link = path.join(root, mount.path);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.rmSync(link, { force: true, recursive: false });
    fs.symlinkSync(this.folder(mount.volumeId), link);
    return root;
  }
}

function json(status: number, body?: unknown): RouteResult {
  return { status, body };
}

/** The `/v2/network-volumes` routes (bodies are validated against the spec before a handler runs). */
export function volumeRoutes(volumes: VolumeStore): Route[] {
  return [
    {
      method: "GET",
      path: "/v2/network-volumes",
      kind: "api",
      handle: () => json(200, { networkVolumes: volumes.list() }),
    },
    {
      method: "POST",
      path: "/v2/network-volumes",
      kind: "api",
      jsonBody: true,
      handle: ({ body }) => json(201, volumes.create(body as Parameters<VolumeStore["create"]>[0])),
    },
    {
      method: "GET",
      path: "/v2/network-volumes/{id}",
      kind: "api",
      handle: ({ params }) => json(200, { ...volumes.get(params.id) }),
    },
    {
      method: "PATCH",
      path: "/v2/network-volumes/{id}",
      kind: "api",
      jsonBody: true,
      handle: ({ params, body }) => json(200, volumes.update(params.id, body as { name?: string; size?: number })),
    },
    {
      method: "DELETE",
      path: "/v2/network-volumes/{id}",
      kind: "api",
      handle: ({ params }) => {
        volumes.delete(params.id);
        return json(204);
      },
    },
  ];
}
