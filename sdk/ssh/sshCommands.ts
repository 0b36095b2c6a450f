/**
 * Ready-made `ssh`, `scp`, `sftp` and `rsync` commands and an `~/.ssh/config` block for a pod.
 *
 * Rules, each from how SSH to Runpod pods behaves:
 * - `-o IdentitiesOnly=yes` always (agent keys otherwise cause "too many authentication failures").
 * - host keys (`hostKeyChecking`), default "pinned": the host key `pulumi up` read from the pod is the only key
 *   accepted, from the very first connection, with no file to carry around: `StrictHostKeyChecking=yes`, no
 *   known-hosts file (`/dev/null`), and `KnownHostsCommand=/bin/echo <the pinned known_hosts line>` (OpenSSH
 *   8.5 or later; the command must be an absolute path, and OpenSSH runs it itself, without a shell), plus
 *   `HostKeyAlgorithms` for the pinned key's type (see hostKeys.ts). Without a recorded key "pinned" never
 *   weakens on its own: the commands keep `StrictHostKeyChecking=yes` with no known-hosts file, so ssh refuses to
 *   connect, until a refresh reads the key; only the explicit opt-out `waitForSsh: false` (`unpinned`) makes
 *   them trust on first use ("accept-new"), and the pod provider warns about it.
 *   "accept-new" trusts on first use with a known-hosts file per pod (Runpod reuses IP:port pairs, so a shared
 *   known_hosts fails with "REMOTE HOST IDENTIFICATION HAS CHANGED"); "strict" needs the key in that file
 *   already; "off" turns checking off, an explicit choice.
 * - flag case: `ssh -p`, but `scp -P` and `sftp -P`.
 * - rsync to Runpod needs `--no-owner --no-group` (it fails with chown errors otherwise).
 * - scp, sftp and rsync work only on the direct path (public IP + mapped port), never through the proxy.
 * - paths are quoted for a POSIX shell; a leading `~/` stays unquoted so the shell still expands it.
 * - host, port, user and proxy user come from the API and are checked first (sshAddress.ts): a value that is not
 *   an address, a port or a plain user name throws instead of reaching a command or the config block.
 */

import { hostKeyAlgorithmsFor, knownHostsLine, pinnedHostKey } from "./hostKeys";
import { assertSshPath } from "./sshAddress";

/** How the commands treat the pod's host key. */
export type HostKeyChecking = "pinned" | "accept-new" | "strict" | "off";

export interface SshTarget {
  /** Public IP (direct path), or null when the pod has only the proxy path. */
  host: string | null;
  /** Mapped port of 22/tcp, or null. */
  port: number | null;
  /** Direct-path user (root on Runpod). */
  user: string | null;
  /** Proxy user (`<podHostId>`), or null before a machine is assigned. */
  proxyUser: string | null;
  /** Proxy host, `ssh.runpod.io`. */
  proxyHost: string | null;
  /** The pod's host keys (`type base64`) as `pulumi up` read them; empty or absent when none were read. */
  hostKeys?: readonly string[] | null;
  /** The pod is stopped (`running: false`, or stopped outside Pulumi): no command can work until it starts. */
  stopped?: boolean;
  /** No host key is pinned by choice (`waitForSsh: false`): "pinned" commands trust on first use instead. */
  unpinned?: boolean;
}

export interface SshCommandOptions {
  /** Path of the private key the commands use (`-i`). */
  identityFile: string;
  /** Known-hosts file for this pod. Default: `<identityFile's directory>/known_hosts_runpod_<podId>`. */
  knownHostsFile?: string;
  /** Default "pinned" (see the file comment). "off" disables host-key checking (explicit opt-in). */
  hostKeyChecking?: HostKeyChecking;
  /** Name of the `Host` entry in the config block. Default `runpod-<podId>`. */
  hostAlias?: string;
  /** The pod id, used in default names. */
  podId: string;
}

export interface SshCommands {
  /** `ssh` over the direct path, or the reason there is none. */
  sshCommand: string;
  /** `ssh` through Runpod's proxy (interactive shell; add `-tt` to pipe commands), or the reason there is none. */
  proxySshCommand: string;
  /** `scp` prefix: append `SRC user@host:DST` (upload) or `user@host:SRC DST` (download). */
  scpCommand: string;
  /** `sftp` session command. */
  sftpCommand: string;
  /** `rsync` prefix: append `SRC user@host:DST`. */
  rsyncCommand: string;
  /** `user@host` for scp/rsync targets, or the reason there is none. */
  sshTarget: string;
  /** A `Host` block for `~/.ssh/config`, or a comment with the reason there is none. */
  sshConfig: string;
  /** True when scp/sftp/rsync commands are usable (the pod has a direct path). */
  directPathAvailable: boolean;
}

/** Quotes one word for a POSIX shell. Plain words stay as they are; a leading `~/` stays unquoted. */
export function shellQuote(word: string): string {
  if (word === "") return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  if (word.startsWith("~/")) return `~/${shellQuote(word.slice(2))}`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quotes a value for `~/.ssh/config` (double quotes when it has spaces; `~` is expanded by ssh itself). */
export function sshConfigQuote(value: string): string {
  if (/[\s"]/.test(value)) return `"${value.replace(/(["\\])/g, "\\$1")}"`;
  return value;
}

/** Default per-pod known-hosts file, next to the identity file. */
export function defaultKnownHostsFile(identityFile: string, podId: string): string {
  const slash = identityFile.lastIndexOf("/");
  const dir = slash === -1 ? "." : slash === 0 ? "/" : identityFile.slice(0, slash);
  return `${dir === "/" ? "" : dir}/known_hosts_runpod_${podId}`;
}

/** The program a pinned command runs to print its known_hosts line (an absolute path, as OpenSSH requires). */
export const PINNED_ECHO = "/bin/echo";

type HostKeyTarget = Pick<SshTarget, "host" | "port" | "hostKeys" | "unpinned">;

/** The host-key settings as `[option, value]` pairs, shared by the commands (`-o`) and the config block. */
export function hostKeySettings(options: SshCommandOptions, target: HostKeyTarget): string[][] {
  const requested = options.hostKeyChecking ?? "pinned";
  // A key is pinned to an address: without a host there is nothing to pin it to (no command uses these then).
  const pinned = target.host ? pinnedHostKey(target.hostKeys) : undefined;
  const checking = requested === "pinned" && !pinned && target.unpinned ? "accept-new" : requested;
  const known = options.knownHostsFile ?? defaultKnownHostsFile(options.identityFile, options.podId);
  switch (checking) {
    case "off":
      return [["StrictHostKeyChecking", "no"], ["UserKnownHostsFile", "/dev/null"]];
    case "pinned": {
      // No key recorded (and no opt-out): fail closed, ssh refuses any key.
      if (!pinned) {
        return [
          ["StrictHostKeyChecking", "yes"],
          ["UserKnownHostsFile", "/dev/null"],
          ["GlobalKnownHostsFile", "/dev/null"],
        ];
      }
      const line = knownHostsLine(target.host ?? "", target.port ?? 22, pinned);
      return [
        ["StrictHostKeyChecking", "yes"],
        ["UserKnownHostsFile", "/dev/null"],
        ["GlobalKnownHostsFile", "/dev/null"],
        ["HostKeyAlgorithms", hostKeyAlgorithmsFor(pinned)],
        ["KnownHostsCommand", `${PINNED_ECHO} ${line}`],
      ];
    }
    default:
      return [["StrictHostKeyChecking", checking === "strict" ? "yes" : "accept-new"], ["UserKnownHostsFile", known]];
  }
}

/** The `-o` options every command shares (as separate argv words, unquoted). */
export function sshOptionWords(options: SshCommandOptions, target: HostKeyTarget): string[] {
  const words = ["-o", "IdentitiesOnly=yes"];
  for (const [name, value] of hostKeySettings(options, target)) words.push("-o", `${name}=${value}`);
  return words;
}

function join(words: string[]): string {
  return words.map(shellQuote).join(" ");
}

/** The reason scp/sftp/rsync are not offered, for outputs that would otherwise hold a command. */
export const NO_DIRECT_PATH_REASON =
  "unavailable: this pod has no public IP/port for 22/tcp, so only Runpod's SSH proxy works, and the proxy " +
  "carries an interactive shell only (no scp, sftp, rsync or port forwarding). Use cloud SECURE, or a pod with a public IP.";

/** The reason every command output gives while the pod is stopped. */
export const STOPPED_REASON =
  "unavailable: the pod is stopped (running: false, or stopped outside Pulumi), so nothing answers SSH. Set running " +
  "to true (or remove running: false) and run `pulumi up` to start it; the port and the host key change at every " +
  "start.";

function unavailable(reason: string, alias: string, proxySshCommand: string, sshCommand = reason): SshCommands {
  return {
    sshCommand,
    proxySshCommand,
    scpCommand: reason,
    sftpCommand: reason,
    rsyncCommand: reason,
    sshTarget: reason,
    sshConfig: `# ${alias}: ${reason}`,
    directPathAvailable: false,
  };
}

/** Builds every command and the config block for one pod. */
export function buildSshCommands(target: SshTarget, options: SshCommandOptions): SshCommands {
  assertSshPath(options.podId, target);
  const identity = ["-i", options.identityFile];
  const alias = options.hostAlias ?? `runpod-${options.podId}`;
  if (target.stopped) return unavailable(STOPPED_REASON, alias, STOPPED_REASON);
  const opts = sshOptionWords(options, target);
  const direct = target.host !== null && target.port !== null && target.user !== null;
  const proxySshCommand =
    target.proxyUser && target.proxyHost
      ? join(["ssh", ...identity, "-o", "IdentitiesOnly=yes", `${target.proxyUser}@${target.proxyHost}`])
      : "unavailable: the pod has no machine assigned yet, so Runpod reports no proxy user.";
  if (!direct) {
    const sshCommand = `${NO_DIRECT_PATH_REASON} Proxy: ${proxySshCommand}`;
    return unavailable(NO_DIRECT_PATH_REASON, alias, proxySshCommand, sshCommand);
  }
  const port = String(target.port);
  const userHost = `${target.user}@${target.host}`;
  const rshWords = ["ssh", "-p", port, ...identity, ...opts];
  const sshConfig = [
    `Host ${alias}`,
    `  HostName ${target.host}`,
    `  Port ${port}`,
    `  User ${target.user}`,
    `  IdentityFile ${sshConfigQuote(options.identityFile)}`,
    "  IdentitiesOnly yes",
    // KnownHostsCommand takes the rest of its line as the command, so it is written as it is.
    ...hostKeySettings(options, target).map(([name, value]) =>
      name === "KnownHostsCommand" ? `  ${name} ${value}` : `  ${name} ${sshConfigQuote(value)}`,
    ),
  ].join("\n");
  return {
    sshCommand: join(["ssh", "-p", port, ...identity, ...opts, userHost]),
    proxySshCommand,
    scpCommand: join(["scp", "-P", port, ...identity, ...opts]),
    sftpCommand: join(["sftp", "-P", port, ...identity, ...opts, userHost]),
    rsyncCommand: `rsync -avz --no-owner --no-group -e ${shellQuote(join(rshWords))}`,
    sshTarget: userHost,
    sshConfig,
    directPathAvailable: true,
  };
}

/** Password mode's commands (SshPod `passwordLogin`). */
export interface PasswordCommands {
  /** `ssh` that asks for the password, with the same host-key options as the key commands. */
  ssh: string;
  /** `scp` prefix that asks for the password: append `SRC root@host:DST`. */
  scp: string;
}

/**
 * The password-login commands: the host-key options of `hostKeyChecking` (as every other command), the host
 * checked and quoted, and `PreferredAuthentications=password` so ssh asks for the password.
 */
export function buildPasswordCommands(target: SshTarget, options: SshCommandOptions): PasswordCommands {
  assertSshPath(options.podId, target);
  if (target.stopped) return { ssh: STOPPED_REASON, scp: STOPPED_REASON };
  if (target.host === null || target.port === null) return { ssh: NO_DIRECT_PATH_REASON, scp: NO_DIRECT_PATH_REASON };
  const port = String(target.port);
  const opts = [...hostKeySettings(options, target).flatMap(([name, value]) => ["-o", `${name}=${value}`])];
  const auth = ["-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no"];
  return {
    ssh: join(["ssh", "-p", port, ...auth, ...opts, `root@${target.host}`]),
    scp: join(["scp", "-P", port, ...auth, ...opts]),
  };
}
