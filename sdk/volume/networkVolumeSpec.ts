/**
 * NetworkVolume inputs: their check (every problem at once, with no API call) and what a change does. Pure
 * functions, used by the provider (networkVolumeProvider.ts) and tested without Pulumi.
 *
 * The contract: size 10 to 4096 GB, only grows; data center and type never change (a change replaces the volume,
 * which deletes it and its data, so `deletionProtection` must be off first); name changes in place.
 */
import type { CheckFailure } from "../pod/checkFailure";
import { containsUnknown } from "../pod/podSpec";
import { VOLUME_TYPES, type VolumeType } from "../runpod/networkVolumes";

export const MIN_VOLUME_GB = 10;
export const MAX_VOLUME_GB = 4096;

export interface NetworkVolumeSpec {
  name: string;
  size: number;
  dataCenter: string;
  type?: VolumeType;
  /** Default true: `delete` refuses. */
  deletionProtection?: boolean;
}

const INPUTS = ["name", "size", "dataCenter", "type", "deletionProtection"];

/** Every problem with the inputs; `olds` (the previous inputs, when any) for the grow-only rule. */
export function checkNetworkVolume(olds: Record<string, unknown> | undefined, news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const add = (property: string, reason: string): void => {
    failures.push({ property, reason });
  };
  const known = (k: string): boolean => news[k] !== undefined && news[k] !== null && !containsUnknown(news[k]);
  for (const key of Object.keys(news)) {
    if (!INPUTS.includes(key)) add(key, `${key} is not a NetworkVolume input. Check the spelling; NetworkVolumeArgs lists every input.`);
  }
  if (known("name") && (typeof news.name !== "string" || news.name.trim() === "" || /\p{Cc}/u.test(news.name))) {
    add("name", "name must be a non-empty string on one line.");
  }
  if (news.size === undefined || news.size === null) {
    add("size", `size is required: the volume's size in GB, a whole number from ${MIN_VOLUME_GB} to ${MAX_VOLUME_GB}.`);
  } else if (known("size")) {
    const size = news.size;
    if (typeof size !== "number" || !Number.isInteger(size) || size < MIN_VOLUME_GB || size > MAX_VOLUME_GB) {
      add("size", `size must be a whole number of GB from ${MIN_VOLUME_GB} to ${MAX_VOLUME_GB}, got ${JSON.stringify(size)}.`);
    } else if (olds && typeof olds.size === "number" && size < olds.size) {
      add(
        "size",
        `size can only grow: the volume has ${olds.size} GB and ${size} GB was asked. Runpod cannot shrink a network ` +
          `volume; keep ${olds.size} or more (a smaller volume means a new NetworkVolume and copying the data).`,
      );
    }
  }
  if (news.dataCenter === undefined || news.dataCenter === null) {
    add("dataCenter", 'dataCenter is required: the data center to create the volume in, e.g. "EU-RO-1". Pods using it run there.');
  } else if (known("dataCenter") && (typeof news.dataCenter !== "string" || news.dataCenter.trim() === "")) {
    add("dataCenter", 'dataCenter must be a data center id such as "EU-RO-1".');
  }
  if (known("type") && !(VOLUME_TYPES as readonly unknown[]).includes(news.type)) {
    add("type", `type must be "STANDARD" or "HIGH_PERFORMANCE", got ${JSON.stringify(news.type)}. Leave it out for the data center's default.`);
  }
  if (known("deletionProtection") && typeof news.deletionProtection !== "boolean") {
    add("deletionProtection", "deletionProtection must be true or false.");
  }
  return failures;
}

/** What a change does: replaces (dataCenter, type), updates (name, size: PATCH; deletionProtection: no API call). */
export function networkVolumeChange(olds: Record<string, unknown>, news: Record<string, unknown>): { replaces: string[]; updates: string[] } {
  const differs = (k: string): boolean => containsUnknown(news[k]) || news[k] !== olds[k];
  const replaces: string[] = [];
  if (differs("dataCenter")) replaces.push("dataCenter");
  // Left out, the type is the data center's default (what the volume has): only a different explicit value replaces.
  if (news.type !== undefined && news.type !== null && differs("type")) replaces.push("type");
  const updates = ["name", "size"].filter(differs);
  if ((news.deletionProtection ?? true) !== (olds.deletionProtection ?? true)) updates.push("deletionProtection");
  return { replaces, updates };
}

/** The refusal to delete a protected volume: what to do instead. */
export function protectedMessage(label: string, id: string, why: "delete" | "replace", replaces: string[] = []): string {
  const cause =
    why === "replace"
      ? `NetworkVolume ${label} (${id}): ${replaces.join(" and ")} cannot change on a volume, so it would be replaced, which deletes it and all its data.`
      : `NetworkVolume ${label} (${id}) was not deleted: its data would be lost.`;
  return (
    `${cause} deletionProtection is on (the default). To ${why === "replace" ? "replace" : "delete"} it anyway: set ` +
    "deletionProtection: false, run `pulumi up` (that only records the setting), then " +
    `${why === "replace" ? "run `pulumi up` again" : "`pulumi destroy` (or remove it from the program and `pulumi up`)"}. ` +
    "To guard it against every delete, Pulumi's own `protect: true` resource option also works."
  );
}


