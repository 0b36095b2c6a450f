/**
 * Host keys a pod's state should hold after a read (`pulumi refresh`) or an update that did not wait for SSH.
 *
 * The keys belong to one container: a reset, a migration or a stop/start gives the pod a new container, a new
 * port and new keys. Rules, as OpenSSH applies them to a known_hosts file:
 * - same address, and what answers there still holds a recorded key (or nothing answers): the old pin stays;
 * - same address, and what answers there holds none of the recorded keys: the refresh fails with OpenSSH's
 *   "REMOTE HOST IDENTIFICATION HAS CHANGED", unless the pod's log proves the new key over the API (a restart
 *   keeps the port and makes new keys), the pod does not pin (`hostKeyChecking` other than "pinned"), or the user
 *   accepts it explicitly (`RUNPOD_SSH_REPIN_HOST_KEY=<pod id>`); each of these re-pins with a WARNING;
 * - a new address: the key read there is pinned, with a WARNING that says so; a log that disproves it fails.
 */
import type { RunpodClient } from "../runpod/client";
import type { Pod } from "../runpod/schemas";
import type { HostKeyChecking } from "../ssh/sshCommands";
import { readHostKeys } from "../ssh/hostKeys";
import { hostKeyFingerprint } from "../ssh/hostKeyLog";
import { proveHostKeys, type HostKeyProof } from "./podHostKeyProof";

/** What the state recorded before. */
export interface RecordedAddress {
  publicIp?: string | null;
  sshPort?: number | null;
  hostKeys?: string[] | null;
  hostKeyProof?: HostKeyProof | null;
  hostKeyChecking?: HostKeyChecking;
}

/** The keys the state holds after a refresh, and what the user should know (a WARNING). */
export interface RefreshedHostKeys {
  hostKeys: string[];
  hostKeyProof: HostKeyProof | null;
  /** Something the user should know (a re-pin, a key that could not be read), else undefined. */
  warning?: string;
}

/** The variable that accepts a changed host key at the same address for one pod, explicitly. */
export const REPIN_ENV = "RUNPOD_SSH_REPIN_HOST_KEY";

/** A host key that changed at the same address, with nothing proving the new one. */
export class HostKeyChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostKeyChangedError";
  }
}

/** The direct SSH address of a running pod, or undefined. */
function directAddress(pod: Pod): { host: string; port: number } | undefined {
  const direct = pod.status === "RUNNING" ? pod.ssh?.direct : undefined;
  return direct ? { host: direct.host, port: direct.port } : undefined;
}

function sameAddress(recorded: RecordedAddress, address: { host: string; port: number }): boolean {
  return recorded.publicIp === address.host && recorded.sshPort === address.port;
}

/** Reads the keys again from the pod's sshd (see the file comment). */
export async function rereadHostKeys(
  client: RunpodClient,
  pod: Pod,
  recorded: RecordedAddress,
  label: string,
): Promise<RefreshedHostKeys> {
  const readAtMs = Date.now(); // the caller read `pod` just now: its uptime dates the container (podHostKeyProof.ts)
  const address = directAddress(pod);
  if (!address) return { hostKeys: [], hostKeyProof: null };
  const where = `${address.host}:${address.port}`;
  const previous = recorded.hostKeys ?? [];
  const kept: RefreshedHostKeys = { hostKeys: previous, hostKeyProof: recorded.hostKeyProof ?? null };
  const same = sameAddress(recorded, address);
  const scan = await readHostKeys(address.host, address.port, 5000);
  if (scan.keys.length === 0) {
    if (same) return kept;
    return {
      hostKeys: [],
      hostKeyProof: null,
      warning:
        `pod ${label} (${pod.id}) moved to ${where}, and its host key could not be read there (${scan.detail}). ` +
        "No key is pinned, so its pinned commands refuse to connect until `pulumi refresh` reads the key.",
    };
  }
  if (same && scan.keys.some((k) => previous.includes(k))) return kept;
  // A key to pin: what the pod's log (over the API) says about it.
  const age = typeof pod.runtime?.uptime === "number" ? { uptimeSec: pod.runtime.uptime, readAtMs } : undefined;
  const proof = await proveHostKeys(client, pod.id, scan.keys, { waitedMs: 0, logWaitMs: 0 }, age);
  if (proof.disproven && (!same || previous.length === 0)) {
    throw new HostKeyChangedError(
      `Pod ${label} (${pod.id}): what answers at ${where} ${proof.detail}. Something other than the pod's sshd ` +
        "may answer there; nothing was pinned. Check the network path and run `pulumi refresh` again.",
    );
  }
  const fresh: RefreshedHostKeys = { hostKeys: scan.keys, hostKeyProof: proof.proof ?? "first-contact" };
  const fingerprint = hostKeyFingerprint(scan.keys[0]);
  if (!same) {
    const from = recorded.publicIp ? ` from ${recorded.publicIp}:${recorded.sshPort}` : "";
    return {
      ...fresh,
      warning:
        `pod ${label} (${pod.id}) moved${from} to ${where} (a reset, a restart or a migration): its commands now ` +
        `pin the host key read there, ${fingerprint} (${proofWords(fresh.hostKeyProof)}).`,
    };
  }
  if (previous.length === 0) {
    return { ...fresh, warning: `pod ${label} (${pod.id}) had no pinned host key; it now pins ${fingerprint} (${proofWords(fresh.hostKeyProof)}).` };
  }
  const accepted = (process.env[REPIN_ENV] ?? "").split(",").map((s) => s.trim()).includes(pod.id);
  const checking = recorded.hostKeyChecking ?? "pinned";
  if (!proof.disproven && (fresh.hostKeyProof === "api-log" || accepted || checking !== "pinned")) {
    const why =
      fresh.hostKeyProof === "api-log"
        ? "the pod's log proves the new key over the API (the pod was restarted)"
        : accepted
          ? `${REPIN_ENV} accepts it`
          : `hostKeyChecking is "${checking}"`;
    return {
      ...fresh,
      warning: `the host key of pod ${label} (${pod.id}) at ${where} changed to ${fingerprint}; ${why}, so the commands now pin it.`,
    };
  }
  throw new HostKeyChangedError(
    [
      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
      "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
      "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
      `Pod ${label} (${pod.id}) at ${where}: the host key answering there is ${fingerprint}, which is not the ` +
        `pinned key ${hostKeyFingerprint(previous[0])}, and the address did not change` +
        (proof.disproven ? `; the pod's log (read over the API) does not show it either: ${proof.detail}.` : "."),
      proof.disproven
      ? "The pin was kept and nothing was trusted. Check the network path and run `pulumi refresh` again."
      : "The pin was kept and nothing was trusted. If you restarted the pod yourself and its image prints no " +
        `host-key lines, accept the new key explicitly: ${REPIN_ENV}=${pod.id} pulumi refresh`,
    ].join("\n"),
  );
}

function proofWords(proof: HostKeyProof | null): string {
  return proof === "api-log" ? "proven by the pod's log over the API" : "taken at first contact: its log prints no fingerprints";
}

/** The keys to keep when the pod's container did not change: the recorded ones at the same address, else read. */
export async function hostKeysWithoutReset(
  client: RunpodClient,
  pod: Pod,
  recorded: RecordedAddress,
  label: string,
): Promise<RefreshedHostKeys> {
  const address = directAddress(pod);
  if (!address) return { hostKeys: [], hostKeyProof: null };
  if (sameAddress(recorded, address) && (recorded.hostKeys ?? []).length > 0) {
    return { hostKeys: recorded.hostKeys!, hostKeyProof: recorded.hostKeyProof ?? null };
  }
  return rereadHostKeys(client, pod, recorded, label);
}
