/**
 * test/engine/volumes.engine.test.ts, TypeScript route: a NetworkVolume (`volumeDataCenter`, `protect` for its
 * deletionProtection) and an SshPod of GPU `gpu` on it; with `fallbackDataCenters` (JSON list) a second SshPod
 * pinned there with allowUnpinnedFallback.
 */
import * as pulumi from "@pulumi/pulumi";
import { NetworkVolume, SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();
const image = "runpod/base:1.0.2-ubuntu2404";
const volume = new NetworkVolume("data", {
  size: 10,
  dataCenter: config.require("volumeDataCenter"),
  deletionProtection: config.getBoolean("protect") ?? true,
});
const pod = new SshPod("dev", {
  image,
  gpu: { id: config.require("gpu") },
  networkVolume: { id: volume.volumeId, dataCenter: volume.dataCenter },
});
export const sshCommand = pod.sshCommand;
export const podId = pod.podId;
export const dataCenterId = pod.dataCenterId;
export const volumeId = volume.volumeId;

const fallback = config.get("fallbackDataCenters");
export const fallbackDataCenterId = fallback
  ? new SshPod("anywhere", { image, gpu: { id: config.require("gpu") }, dataCenterIds: JSON.parse(fallback) as string[], allowUnpinnedFallback: true }).dataCenterId
  : undefined;
