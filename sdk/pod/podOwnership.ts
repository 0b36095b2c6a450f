/**
 * Which live pod on the account is this resource's, when a create looks for one that a lost answer or an
 * interrupted earlier create left: the same name, the same owner tag (`PULUMI_RUNPOD_SSH_OWNER`, the resource's
 * URN), not terminated, and authorized for every SSH key the resource asks for.
 *
 * The URN alone is not enough: two stacks of the same project and stack name (two teammates' `dev` stacks, each
 * in their own backend, on one Runpod account) have the same URNs and the same default pod names, and without
 * the key check one stack's create adopted the other's pod (found by the real-engine reliability suite). Their
 * keys differ: an `SshPod`'s key is generated per stack.
 */
import type { Pod } from "../runpod/schemas";
import { normalizedKeyLines, OWNER_ENV, type PodSpec } from "./podSpec";

/** A key line's identity: its type and base64. */
function identity(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(" ");
}

/** True when `pod` is the one this resource (`name`, `owner`, with `spec`'s keys) created. */
export function isOwnedPod(pod: Pod, name: string, owner: string, spec: Pick<PodSpec, "sshPublicKeys">): boolean {
  if (pod.name !== name || pod.env?.[OWNER_ENV] !== owner || pod.status === "TERMINATED") return false;
  const ours = normalizedKeyLines(spec.sshPublicKeys).map(identity);
  if (ours.length === 0) return true;
  const authorized = new Set(
    `${pod.env?.SSH_PUBLIC_KEY ?? ""}\n${pod.env?.PUBLIC_KEY ?? ""}`
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(identity),
  );
  return ours.every((k) => authorized.has(k));
}
