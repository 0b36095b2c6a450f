/**
 * Host keys a pod's state should hold after a read (`pulumi refresh`) or an update that did not wait for SSH.
 *
 * The keys belong to one container: a reset, a migration or a stop/start gives the pod a new container, a new
 * port and new keys. `pulumi refresh` reads them again from whatever answers at the pod's address now, so the
 * commands follow the pod; when nothing answers, the recorded keys are kept only if the address is the same.
 */
import type { Pod } from "../runpod/schemas";
import { readHostKeys } from "../ssh/hostKeys";

/** What the state recorded before. */
export interface RecordedAddress {
  publicIp?: string | null;
  sshPort?: number | null;
  hostKeys?: string[] | null;
}

export interface HostKeyRead {
  hostKeys: string[];
  /** Something the user should know (keys changed at the same address), else undefined. */
  note?: string;
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
export async function rereadHostKeys(pod: Pod, recorded: RecordedAddress, label: string): Promise<HostKeyRead> {
  const address = directAddress(pod);
  if (!address) return { hostKeys: [] };
  const previous = recorded.hostKeys ?? [];
  const scan = await readHostKeys(address.host, address.port, 5000);
  if (scan.keys.length === 0) return { hostKeys: sameAddress(recorded, address) ? previous : [] };
  const changed = previous.length > 0 && !scan.keys.some((k) => previous.includes(k));
  if (changed && sameAddress(recorded, address)) {
    return {
      hostKeys: scan.keys,
      note:
        `the host keys of pod ${label} (${pod.id}) at ${address.host}:${address.port} changed while its address ` +
        "stayed the same. A restart or a reset of the pod explains it; if neither happened, something else may " +
        "answer at that address. The commands now pin the new keys.",
    };
  }
  return { hostKeys: scan.keys };
}

/** The keys to keep when the pod's container did not change: the recorded ones at the same address, else read. */
export async function hostKeysWithoutReset(pod: Pod, recorded: RecordedAddress, label: string): Promise<HostKeyRead> {
  const address = directAddress(pod);
  if (!address) return { hostKeys: [] };
  if (sameAddress(recorded, address) && (recorded.hostKeys ?? []).length > 0) return { hostKeys: recorded.hostKeys! };
  return rereadHostKeys(pod, recorded, label);
}
