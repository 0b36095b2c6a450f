/**
 * NetworkVolume's provider logic (`/v2/network-volumes`):
 *
 * - check: every input problem at once, with no API call, including a smaller `size` than before (a volume only
 *   grows: refused at preview, networkVolumeSpec.ts);
 * - diff: `dataCenter` or `type` changes replace the volume (a volume never moves or changes tier); with
 *   `deletionProtection` on, that replacement is refused here, at preview, since it would delete the data;
 *   `name` and `size` PATCH in place; `deletionProtection` only changes this package's behaviour;
 * - create / read (gone when deleted outside Pulumi) / update (PATCH) / delete (refused while
 *   `deletionProtection` is on, default, with the way to do it; "already gone" is success).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { RunpodNotFoundError } from "../runpod/errors";
import {
  createNetworkVolume,
  deleteNetworkVolume,
  getNetworkVolume,
  updateNetworkVolume,
  type NetworkVolume,
} from "../runpod/networkVolumes";
import { checkNetworkVolume, networkVolumeChange, protectedMessage, type NetworkVolumeSpec } from "../volume/networkVolumeSpec";
import { apiKeyCheckFailures, runpodClient } from "./providerContext";

export type NetworkVolumeInputs = NetworkVolumeSpec;

export interface NetworkVolumeOutputs extends NetworkVolumeInputs {
  volumeId: string;
  type: NonNullable<NetworkVolumeSpec["type"]>;
  deletionProtection: boolean;
}

function outputsFrom(inputs: NetworkVolumeInputs, volume: NetworkVolume): NetworkVolumeOutputs {
  return {
    ...inputs,
    volumeId: volume.id,
    name: volume.name,
    size: volume.size,
    dataCenter: volume.dataCenter,
    type: volume.type as NetworkVolumeOutputs["type"],
    deletionProtection: inputs.deletionProtection ?? true,
  };
}

export const networkVolumeProvider = {
  async check(olds: Record<string, unknown> | undefined, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const failures = checkNetworkVolume(olds && Object.keys(olds).length > 0 ? olds : undefined, news);
    failures.push(...apiKeyCheckFailures());
    return { inputs: news, failures };
  },

  async diff(id: string, olds: NetworkVolumeOutputs, news: NetworkVolumeInputs): Promise<dynamic.DiffResult> {
    const { replaces, updates } = networkVolumeChange(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
    if (replaces.length > 0 && (olds.deletionProtection ?? true)) {
      throw new Error(protectedMessage(olds.name ?? id, id, "replace", replaces));
    }
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      stables: replaces.length > 0 ? [] : ["volumeId", "dataCenter", "type"],
    };
  },

  async create(inputs: NetworkVolumeInputs): Promise<dynamic.CreateResult> {
    const volume = await createNetworkVolume(runpodClient(), {
      name: inputs.name,
      size: inputs.size,
      dataCenter: inputs.dataCenter,
      ...(inputs.type ? { type: inputs.type } : {}),
    });
    return { id: volume.id, outs: outputsFrom(inputs, volume) };
  },

  async read(id: string, props: NetworkVolumeOutputs): Promise<dynamic.ReadResult> {
    try {
      const volume = await getNetworkVolume(runpodClient(), id);
      return { id, props: outputsFrom(props, volume) };
    } catch (e) {
      if (e instanceof RunpodNotFoundError) return { id: "", props: {} };
      throw e;
    }
  },

  async update(id: string, olds: NetworkVolumeOutputs, news: NetworkVolumeInputs): Promise<dynamic.UpdateResult> {
    const { updates } = networkVolumeChange(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
    const body: { name?: string; size?: number } = {};
    if (updates.includes("name")) body.name = news.name;
    if (updates.includes("size")) body.size = news.size;
    const client = runpodClient();
    const volume = Object.keys(body).length > 0 ? await updateNetworkVolume(client, id, body) : await getNetworkVolume(client, id);
    return { outs: outputsFrom(news, volume) };
  },

  async delete(id: string, props: NetworkVolumeOutputs): Promise<void> {
    if (props.deletionProtection !== false) throw new Error(protectedMessage(props.name ?? id, id, "delete"));
    try {
      await deleteNetworkVolume(runpodClient(), id);
    } catch (e) {
      if (!(e instanceof RunpodNotFoundError)) throw e;
    }
  },
};
