/**
 * `check` rules for a network volume on a Pod, and for the placement inputs that interact with it (placement.ts
 * places, this file only refuses). A network volume is attached when the pod is created
 * (`mounts.network: [{volumeId, path}]`, one volume), exists in one data center, and only Secure Cloud pods can
 * mount one. So, reported at preview, all at once:
 *
 * - `networkVolume` together with `mounts` (one mount per pod: the volume is the mount);
 * - `networkVolume` with `cloud: "COMMUNITY"`;
 * - `networkVolume.dataCenter` not among `dataCenterIds` (the pod must be in its volume's data center);
 * - a relative `networkVolume.path`;
 * - `allowUnpinnedFallback` with a volume (the volume pins the data center: there is nothing to unpin) or without
 *   `dataCenterIds` (nothing pinned);
 * - `recreateOnResume` without a volume (a new pod would start without the data: only a volume carries it over).
 */
import type { CheckFailures } from "./checkFailure";
import type { PodSpec } from "./podSpec";

export function checkNetworkVolume(spec: PodSpec, raw: Record<string, unknown>, failures: CheckFailures): void {
  const volume = spec.networkVolume && typeof spec.networkVolume === "object" ? spec.networkVolume : undefined;
  const attached = raw.networkVolume !== undefined && raw.networkVolume !== null;
  const rawVolume = raw.networkVolume;
  if (rawVolume && typeof rawVolume === "object" && !Array.isArray(rawVolume) && (rawVolume as Record<string, unknown>).id === undefined) {
    failures.add(
      ["networkVolume", "id"],
      "networkVolume.id is required: a NetworkVolume's volumeId, or the id of an existing network volume.",
    );
  }
  if (attached && raw.mounts !== undefined && raw.mounts !== null) {
    failures.add(
      ["networkVolume"],
      "networkVolume and mounts are both set; a pod has one mount, and networkVolume is it. Remove mounts (or " +
        "networkVolume and use mounts.network).",
    );
  }
  if (attached && spec.cloud === "COMMUNITY") {
    failures.add(
      ["networkVolume"],
      'networkVolume needs Secure Cloud, but cloud is "COMMUNITY": Runpod attaches network volumes to Secure Cloud ' +
        'pods only. Remove cloud (the default is "SECURE") or the volume.',
    );
  }
  if (volume && typeof volume.dataCenter === "string" && Array.isArray(spec.dataCenterIds) && spec.dataCenterIds.length > 0) {
    if (!spec.dataCenterIds.includes(volume.dataCenter)) {
      failures.add(
        ["networkVolume", "dataCenter"],
        `networkVolume.dataCenter is ${volume.dataCenter}, which dataCenterIds (${spec.dataCenterIds.join(", ")}) does ` +
          "not include; a pod runs in its volume's data center. Remove dataCenterIds (the volume pins it) or add " +
          `${volume.dataCenter}.`,
      );
    }
  }
  if (volume && typeof volume.path === "string" && volume.path.trim() !== "" && !volume.path.startsWith("/")) {
    failures.add(
      ["networkVolume", "path"],
      `networkVolume.path must be an absolute path such as /workspace, got ${JSON.stringify(volume.path.slice(0, 60))}.`,
    );
  }
  if (spec.allowUnpinnedFallback === true) {
    if (attached) {
      failures.add(
        ["allowUnpinnedFallback"],
        "allowUnpinnedFallback cannot apply with networkVolume: the volume pins the pod to its data center, so there " +
          "is nothing to fall back to. Remove allowUnpinnedFallback, or add GPU types (gpu.ids) to find capacity there.",
      );
    } else if (raw.dataCenterIds === undefined || (Array.isArray(raw.dataCenterIds) && raw.dataCenterIds.length === 0)) {
      failures.add(
        ["allowUnpinnedFallback"],
        "allowUnpinnedFallback needs dataCenterIds: without them the pod is not pinned to a data center. Add " +
          "dataCenterIds or remove allowUnpinnedFallback.",
      );
    }
  }
  if (spec.recreateOnResume === true && !attached) {
    failures.add(
      ["recreateOnResume"],
      "recreateOnResume needs networkVolume: a recreated pod keeps only what is on a network volume. Attach one, or " +
        "remove recreateOnResume.",
    );
  }
}
