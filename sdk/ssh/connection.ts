/**
 * SshPod's `connection` output: the pod's direct SSH path in the shape of `@pulumi/command`'s
 * `remote.ConnectionArgs`, so a program chains `new command.remote.Command(...)` or `CopyToRemote` onto a pod
 * with `connection: pod.connection`.
 *
 * `hostKey` is the pinned host key (`type base64`): that provider accepts exactly one key, verifies the server
 * against it and asks for its algorithm, which is why the pinned key is the preferred one (ed25519). Without a
 * recorded key the connection fails at once with the reason (as below), unless checking was turned down on purpose
 * (`waitForSsh: false` or a `hostKeyChecking` other than "pinned"): then the field is left out, and that provider
 * does not check the host key.
 *
 * A pod without a direct path (stopped, or reachable only through Runpod's proxy, which carries no remote
 * commands) has no connection to give: `host` then holds the reason and `dialErrorLimit` is 1, so a command
 * built on it fails at once with that reason in its error, instead of retrying a host that cannot exist.
 */
import { pinnedHostKey } from "./hostKeys";
import { assertSshPath } from "./sshAddress";
import { NO_DIRECT_PATH_REASON, STOPPED_REASON, type SshTarget } from "./sshCommands";

/** The fields of `@pulumi/command`'s `remote.ConnectionArgs` this package fills in. */
export interface SshPodConnection {
  /** The pod's public IP (or, with no direct path, the reason there is none). */
  host: string;
  /** The public port mapped to 22/tcp. */
  port: number;
  /** The login user (`root` on Runpod). */
  user: string;
  /** The private key (OpenSSH PEM); absent for a public key you brought (the agent is used then). */
  privateKey?: string;
  /** The pinned host key, `type base64`. */
  hostKey?: string;
  /** Set to 1 only when there is no direct path, so a command fails at once. */
  dialErrorLimit?: number;
}

/** The reason a connection gives when no host key is pinned and checking was not turned down on purpose. */
export const NO_PINNED_KEY_REASON =
  "unavailable: no host key is pinned for this pod (its address changed and the key could not be read there). " +
  "Run `pulumi refresh` to read it.";

/** The connection for the pod's direct path (see the file comment). */
export function podConnection(target: SshTarget, privateKey: string | undefined): SshPodConnection {
  assertSshPath("(connection)", target);
  const key = privateKey ? { privateKey } : {};
  if (target.stopped || target.host === null || target.port === null) {
    const reason = target.stopped ? STOPPED_REASON : NO_DIRECT_PATH_REASON;
    return { host: reason, port: 22, user: target.user ?? "root", ...key, dialErrorLimit: 1 };
  }
  const hostKey = pinnedHostKey(target.hostKeys);
  if (!hostKey && !target.unpinned) {
    // Never a connection that checks nothing by accident: without a pinned key it fails at once, saying why.
    return { host: NO_PINNED_KEY_REASON, port: target.port ?? 22, user: target.user ?? "root", ...key, dialErrorLimit: 1 };
  }
  return {
    host: target.host,
    port: target.port,
    user: target.user ?? "root",
    ...key,
    ...(hostKey ? { hostKey } : {}),
  };
}
