/**
 * `SshPod`: from `pulumi up` to a working ssh command. Creates (or shares) the key, registers it on the account
 * before the pod exists (the account's keys reach only pods created afterwards), creates the pod with the key
 * as `SSH_PUBLIC_KEY` and `PUBLIC_KEY` and `22/tcp` exposed, waits until sshd answers, and hands back
 * ready-made commands as flat outputs for `pulumi stack output`.
 *
 * Three ways in, as Runpod documents them:
 * - full SSH over the pod's public IP and mapped port (`sshCommand`, and the only path for scp/sftp/rsync);
 * - basic SSH through Runpod's proxy (`proxySshCommand`; an interactive shell only);
 * - password login (`passwordLogin: true`; less safe than keys: anyone who gets the password is in).
 * Images without sshd get a bootstrap start command (`sshdMode: "bootstrap"`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { Pod, PodArgs } from "../resources/pod";
import type { PodReadiness } from "../resources/podReadiness";
import { defaultPrivateKeyFile, SshKey, type PodKey } from "./sshKey";
import { childResourceClasses } from "./childResources";
import type { Integer } from "../resources/integer";
import { buildPasswordCommands, buildSshCommands, type HostKeyChecking } from "../ssh/sshCommands";
import { podConnection, type SshPodConnection } from "../ssh/connection";
import { buildIdeOutputs } from "../ssh/ideOutputs";
import { PASSWORD_HASH_ENV, startArgs, startScript } from "../ssh/startScript";
import { podNameFor } from "../pod/podName";
import { validateSshPodInputs } from "./sshPodInputs";

/** How sshd gets started in the pod. */
export type SshdMode = "image" | "bootstrap";

export interface SshPodArgs extends Omit<PodArgs, "sshPublicKeys" | "deferReadiness"> {
  /**
   * A shared key (one `SshKey` can serve many pods). Default: a new `SshKey` child named `<name>-key`
   * (ED25519, registered on the account). Changing it replaces the pod.
   */
  sshKey?: SshKey;
  /** More public keys allowed to log in (e.g. teammates'), each validated at preview. Changing them replaces the pod. */
  extraPublicKeys?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Path of the private key the output commands use (`-i`). Default: the file the key is written to, so the
   * commands work as they are on the machine that ran `pulumi up`: `privateKeyFile` (SshPod's own key), the shared
   * `sshKey`'s `privateKeyFile`, or `~/.ssh/id_ed25519` for a public key you brought. Set it (without
   * `privateKeyFile`) to provide the file yourself, e.g. on another machine:
   * `pulumi stack output --show-secrets privateKeyOpenssh > key && chmod 600 key` with `identityFile: "key"`;
   * SshPod's own key is then not written. Changing it changes the outputs, and whether SshPod's own key is written.
   */
  identityFile?: string;
  /**
   * Where SshPod's own generated private key is written at `pulumi up` (mode 0600, in a 0700 directory; `~/` is
   * expanded), on the machine that runs it, and removed on destroy. Default `~/.ssh/runpod-<project>-<stack>-<name>`,
   * unless `identityFile` is set (then nothing is written). A file there that holds another key is never
   * overwritten (`pulumi up` fails and says so). Only when SshPod creates its own key; for a shared `sshKey`, set
   * `privateKeyFile` on the `SshKey`. Changing it moves the file.
   */
  privateKeyFile?: string;
  /**
   * Host-key checking in the commands. "pinned" (default): only the host key `pulumi up` read from the pod is
   * accepted, from the very first connection, with nothing to set up (the key travels in the command as
   * `-o KnownHostsCommand=/bin/echo <knownHostsLine>`, which needs OpenSSH 8.5 or later); `pulumi up` fails
   * rather than pin nothing when the key cannot be read, and only `waitForSsh: false` (an explicit opt-out, with a
   * warning) makes these commands trust on first use instead. See `hostKeyProof` for how the key is proven.
   * "accept-new": trust on first use, with a per-pod known-hosts file. "strict": the key must already be in that
   * file (for clients older than 8.5: append `knownHostsLine` to it). "off": no checking (an explicit, less safe
   * choice). Changes outputs only.
   */
  hostKeyChecking?: HostKeyChecking;
  /**
   * Known-hosts file the "accept-new" and "strict" commands use. Default `known_hosts_runpod_<podId>` next to
   * `identityFile`. "pinned" commands use no file. Changes outputs only.
   */
  knownHostsFile?: string;
  /** The `Host` name in `sshConfig`. Default `<name>`. */
  hostAlias?: string;
  /**
   * "image" (default): the image starts sshd from `PUBLIC_KEY` (all Runpod images do). "bootstrap": for images
   * without sshd; the start command installs openssh-server, writes the key to `~/.ssh/authorized_keys`, starts
   * sshd, then runs `startCommand`. Turning it on resets the container; turning it off replaces the pod (the API
   * cannot give the image its own start command back).
   */
  sshdMode?: SshdMode;
  /** Bootstrap mode: your own start command, run after sshd starts (in place of `sleep infinity`). Any text is safe. */
  startCommand?: string;
  /**
   * Also allow password login for root with a generated password (secret output `password`). Less safe than
   * keys; needs the direct path (public IP). Default false. Turning it on resets the container; turning it off
   * replaces the pod (its start command is removed, and the API cannot give the image its own back).
   */
  passwordLogin?: boolean;
  /** Folder the `vscodeUri` output opens in the pod, an absolute path. Default `/workspace`. Changes outputs only. */
  vscodeFolder?: string;
  /**
   * Local port per pod port for the `tunnels` outputs, e.g. `{"8888": 18888}` when 8888 is taken on your machine.
   * Keys must be ports exposed as HTTP (`"8888/http"` in `ports`). Default: the same number locally. Changes
   * outputs only.
   */
  tunnelLocalPorts?: Record<string, Integer>;
  /**
   * A password for the image's Jupyter (set as `JUPYTER_PASSWORD`, which Runpod's images read), returned as the
   * secret output `jupyterPassword`. Pass a secret (`config.requireSecret(...)`); Runpod still returns env to
   * anyone with the API key. Default: none (a `JUPYTER_PASSWORD` in `env` is returned the same way). Changing it
   * resets the container.
   * @secret
   */
  jupyterPassword?: pulumi.Input<string>;
}

/** A Runpod pod that is SSH-ready when `pulumi up` returns, with its commands as outputs. */
export class SshPod extends pulumi.ComponentResource {
  /** The underlying Pod resource (created with `deferReadiness`: its address outputs stay empty). */
  public readonly pod: Pod;
  /** The wait for the pod's SSH: the address and pinned host keys the commands use. */
  public readonly readiness: PodReadiness;
  /** The key used (given or created). */
  public readonly sshKey: SshKey;
  /** The Runpod pod id. */
  public readonly podId: pulumi.Output<string>;
  /** The data center the pod landed in, e.g. `EU-RO-1` (with `allowUnpinnedFallback`, possibly none of `dataCenterIds`). */
  public readonly dataCenterId: pulumi.Output<string | null>;
  /** Public IP of the direct path (null with proxy-only access). */
  public readonly host: pulumi.Output<string | null>;
  /** Mapped port of 22/tcp (null with proxy-only access). Changes on every container reset. */
  public readonly port: pulumi.Output<Integer | null>;
  /** Login user on the direct path (`root`). */
  public readonly user: pulumi.Output<string | null>;
  /** `ssh` over the direct path, ready to run (or why there is none). */
  public readonly sshCommand: pulumi.Output<string>;
  /** `ssh <podHostId>@ssh.runpod.io` through Runpod's proxy (interactive shell; `-tt` for piped commands). */
  public readonly proxySshCommand: pulumi.Output<string>;
  /** `scp` prefix: append `SRC user@host:DST` or `user@host:SRC DST` (or why there is none). */
  public readonly scpCommand: pulumi.Output<string>;
  /** `sftp` session command (or why there is none). */
  public readonly sftpCommand: pulumi.Output<string>;
  /** `rsync` prefix with `--no-owner --no-group`: append `SRC user@host:DST` (or why there is none). */
  public readonly rsyncCommand: pulumi.Output<string>;
  /** `user@host` for scp/rsync targets. */
  public readonly sshTarget: pulumi.Output<string>;
  /** A `Host` block for `~/.ssh/config`. */
  public readonly sshConfig: pulumi.Output<string>;
  /** The private-key path the commands use. */
  public readonly identityFile: pulumi.Output<string>;
  /** The public key the pod accepts, one OpenSSH line. */
  public readonly publicKeyOpenssh: pulumi.Output<string>;
  /** The key's `SHA256:...` fingerprint, as `ssh-keygen -lf` prints it. */
  public readonly fingerprint: pulumi.Output<string>;
  /**
   * The generated private key (secret); undefined for a public key you brought.
   * @secret
   */
  public readonly privateKeyOpenssh: pulumi.Output<string | undefined>;
  /**
   * Password mode: the root password (secret).
   * @secret
   */
  public readonly password: pulumi.Output<string | undefined>;
  /** Password mode: `ssh -p PORT <host-key options> root@IP` (asks for the password). */
  public readonly passwordSshCommand: pulumi.Output<string | undefined>;
  /** Password mode: `scp -P PORT` prefix. */
  public readonly passwordScpCommand: pulumi.Output<string | undefined>;
  /** The pod's SSH host keys (`type base64`, ed25519 first) as read from its sshd; empty when not read. */
  public readonly hostKeys: pulumi.Output<string[]>;
  /** The pinned key as a `known_hosts` line, `[host]:port type base64`, or null when there is none. */
  public readonly knownHostsLine: pulumi.Output<string | null>;
  /**
   * How the pinned host key was proven: "api-log" (the pod's start script printed its fingerprint, read from the
   * pod log over the authenticated API; Runpod images and `sshdMode: "bootstrap"`) or "first-contact" (the image
   * prints none: the key read at `pulumi up`); null without a key.
   */
  public readonly hostKeyProof: pulumi.Output<"api-log" | "first-contact" | null>;
  /**
   * The direct SSH path shaped like `@pulumi/command`'s `remote.ConnectionArgs` (host, port, user, the private
   * key, and the pinned `hostKey`): `new command.remote.Command("x", { connection: pod.connection, ... })`. A
   * secret as a whole when it carries the generated private key. Without a direct path (stopped, proxy only),
   * `host` holds the reason.
   */
  public readonly connection: pulumi.Output<SshPodConnection>;
  /**
   * Opens the pod in VS Code (Remote-SSH) at `vscodeFolder`: `vscode://vscode-remote/ssh-remote+<hostAlias>/workspace`.
   * It goes through the `sshConfig` host alias: write `sshConfig` to a file your `~/.ssh/config` includes, then
   * open the URI. Or the reason there is none (stopped, proxy only).
   */
  public readonly vscodeUri: pulumi.Output<string>;
  /**
   * For each HTTP port in `ports` (e.g. `"8888/http"` for Jupyter), keyed by the port: an `ssh -N -L
   * <local>:localhost:<port>` command over the pinned direct path, so the service is at `http://localhost:<local>`
   * without Runpod's public HTTP proxy (which times out requests at about 100 s). Or the reason there is none.
   */
  public readonly tunnels: pulumi.Output<Record<string, string>>;
  /** One `ssh -N` command forwarding every HTTP port of `tunnels` at once (or why there is none). */
  public readonly tunnelCommand: pulumi.Output<string>;
  /**
   * The Jupyter password (`jupyterPassword`, or `JUPYTER_PASSWORD` in `env`), secret; undefined when none is set.
   * @secret
   */
  public readonly jupyterPassword: pulumi.Output<string | undefined>;
  /**
   * USD per hour Runpod bills for the pod now: its own `cost` field (0 while stopped). Authoritative, unlike the
   * catalog's list price: it reflects the cloud, the GPU count and the account.
   */
  public readonly costPerHour: pulumi.Output<number | null>;
  /** USD per month the pod costs while stopped (its volume disk at $0.20/GB/month; a network volume is billed to the volume). */
  public readonly stoppedStorageCostPerMonth: pulumi.Output<number>;
  /** USD the pod has cost so far, from its billing records, read at `pulumi refresh` / `pulumi up --refresh`; null before. */
  public readonly spend: pulumi.Output<number | null>;
  /**
   * When the pod's watchdog stops it (ISO time): its start plus `maxLifetime`, or the `maxSpend` deadline, whichever
   * comes first; null without either. See docs/watchdog.md.
   */
  public readonly stopsAt: pulumi.Output<string | null>;
  /** Why the watchdog stopped the pod ("maxLifetime", "idleTimeout" or "maxSpend", read at refresh), else null. */
  public readonly stopReason: pulumi.Output<"maxLifetime" | "idleTimeout" | "maxSpend" | null>;

  constructor(name: string, args: SshPodArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runpod-ssh:index:SshPod", name, {}, opts);
    const parent = { parent: this };
    const {
      sshKey: givenKey,
      extraPublicKeys,
      identityFile: givenIdentity,
      privateKeyFile,
      hostKeyChecking,
      knownHostsFile,
      hostAlias,
      sshdMode,
      startCommand,
      passwordLogin,
      vscodeFolder,
      tunnelLocalPorts,
      jupyterPassword,
      ...podArgs
    } = args;
    validateSshPodInputs(name, args, podArgs);

    // SshPod's own key is written where its commands point (privateKeyFile, default the pod's own file), unless
    // identityFile says the user provides the file.
    this.sshKey =
      givenKey ??
      new SshKey(
        `${name}-key`,
        {
          privateKeyFile: privateKeyFile ?? defaultPrivateKeyFile(name),
          writePrivateKeyFile: privateKeyFile !== undefined || givenIdentity === undefined,
        },
        parent,
      );
    // An SshKey, or inside the provider plugin a reference to one another construct call made (a shared key).
    const key: PodKey = this.sshKey;
    const identityFile = pulumi.output(givenIdentity ?? key.podIdentityFile(name));
    // Dynamic resources in a TypeScript program; the plugin's own custom resources inside the plugin.
    const { Pod, SshPassword, PodReadiness } = childResourceClasses();

    // The key is registered on the account before the pod is created (the account's keys reach only pods
    // created afterwards).
    const dependsOn: pulumi.Resource[] = [];
    if (key.accountKey) dependsOn.push(key.accountKey);
    const password = passwordLogin ? new SshPassword(`${name}-password`, {}, parent) : undefined;

    let startArgsValue: pulumi.Input<string> | undefined = podArgs.args;
    if (sshdMode === "bootstrap" || passwordLogin) {
      const then = sshdMode === "bootstrap" ? (startCommand !== undefined ? { command: startCommand } : "sleep" as const) : "image-start" as const;
      startArgsValue = startArgs(startScript({ installSshd: sshdMode === "bootstrap", passwordLogin: passwordLogin ?? false, then }));
    }
    const withHash = password
      ? pulumi.all([podArgs.env ?? {}, password.hash]).apply(([e, hash]) => ({ ...(e as Record<string, string>), [PASSWORD_HASH_ENV]: hash }))
      : podArgs.env;
    const env =
      jupyterPassword !== undefined
        ? pulumi.all([withHash ?? {}, pulumi.secret(jupyterPassword)]).apply(([e, p]) => ({ ...(e as Record<string, string>), JUPYTER_PASSWORD: p }))
        : withHash;

    const sshPublicKeys = pulumi
      .all([key.publicKeyOpenssh, extraPublicKeys ?? []])
      .apply(([k, extra]) => [k, ...(extra as string[])]);

    // The Pod returns once Runpod accepted it (its engine slot is free at once: every pod of a fleet boots from
    // the start); `<name>-ready` waits for SSH and holds the address and pinned host keys (docs/performance.md).
    this.pod = new Pod(
      `${name}-pod`,
      { ...podArgs, hostKeyChecking, args: startArgsValue, env, sshPublicKeys, name: podArgs.name ?? podNameFor(pulumi.getProject(), pulumi.getStack(), name), deferReadiness: true },
      { parent: this, dependsOn },
    );
    this.readiness = new PodReadiness(
      `${name}-ready`,
      {
        podId: this.pod.podId,
        podName: this.pod.name,
        containerGeneration: this.pod.containerGeneration,
        // A pod its watchdog stopped stays stopped (podExpiry.ts): nothing to wait for until `running` changes.
        running: pulumi.all([podArgs.running, this.pod.stopReason]).apply(([running, stopReason]) => (stopReason ? false : (running ?? true))),
        allowProxyOnly: podArgs.allowProxyOnly,
        waitForSsh: podArgs.waitForSsh,
        hostKeyChecking,
        readinessTimeoutSeconds: podArgs.readinessTimeoutSeconds,
        keepOnFailure: podArgs.keepOnFailure,
      },
      parent,
    );
    const pod = this.readiness;

    this.podId = this.pod.podId;
    this.dataCenterId = this.readiness.dataCenterId; // the ready pod's (a deferred create may not know it yet)
    this.host = pod.publicIp;
    this.port = pod.sshPort;
    this.user = pod.sshUser;
    // Runpod reports EXITED for a stopped pod (running: false, or stopped outside Pulumi).
    const target = pulumi
      .all([pod.publicIp, pod.sshPort, pod.sshUser, pod.proxyUser, pod.proxyHost, pod.hostKeys, pod.status, podArgs.waitForSsh])
      .apply(([host, port, user, proxyUser, proxyHost, hostKeys, status, waitForSsh]) => ({
        host,
        port,
        user,
        proxyUser,
        proxyHost,
        hostKeys: hostKeys ?? [],
        stopped: status === "EXITED",
        // Checking turned down on purpose: no pin is expected (see sshCommands.ts and connection.ts).
        unpinned: waitForSsh === false || (hostKeyChecking ?? "pinned") !== "pinned",
      }));
    const commands = pulumi
      .all([pod.podId, target, identityFile])
      .apply(([podId, t, identityFile]) =>
        buildSshCommands(t, { podId, identityFile, knownHostsFile, hostKeyChecking, hostAlias: hostAlias ?? name }),
      );
    this.sshCommand = commands.sshCommand;
    this.proxySshCommand = commands.proxySshCommand;
    this.scpCommand = commands.scpCommand;
    this.sftpCommand = commands.sftpCommand;
    this.rsyncCommand = commands.rsyncCommand;
    this.sshTarget = commands.sshTarget;
    this.sshConfig = commands.sshConfig;
    this.identityFile = identityFile;
    this.publicKeyOpenssh = key.publicKeyOpenssh;
    this.fingerprint = key.fingerprint;
    this.privateKeyOpenssh = pulumi.secret(key.privateKeyOpenssh);
    this.password = password ? pulumi.secret(password.password) : pulumi.output(undefined);
    const passwordCommands = pulumi
      .all([pod.podId, target, identityFile])
      .apply(([podId, t, identityFile]) =>
        buildPasswordCommands(t, { podId, identityFile, knownHostsFile, hostKeyChecking }),
      );
    this.passwordSshCommand = password ? passwordCommands.ssh : pulumi.output(undefined);
    this.passwordScpCommand = password ? passwordCommands.scp : pulumi.output(undefined);
    this.hostKeys = target.hostKeys;
    this.knownHostsLine = pod.knownHostsLine;
    this.hostKeyProof = pod.hostKeyProof;
    const connection = pulumi
      .all([target, key.privateKeyOpenssh])
      .apply(([t, privateKey]) => podConnection(t, privateKey));
    // Secret as a whole when it carries a private key: a generated SshKey, or a key shared by reference (other
    // languages) that holds one; a public key the user brought leaves it plain, in every language.
    this.connection =
      key instanceof SshKey
        ? key.generated
          ? pulumi.secret(connection)
          : connection
        : (connection.apply((c) => (c.privateKey ? pulumi.secret(c) : c)) as unknown as pulumi.Output<SshPodConnection>);

    // IDE outputs: the same target and options as the ssh commands (ideOutputs.ts).
    const ide = pulumi
      .all([pod.podId, target, identityFile, podArgs.ports ?? []])
      .apply(([podId, t, identityFile, ports]) =>
        buildIdeOutputs(t, {
          podId,
          identityFile,
          knownHostsFile,
          hostKeyChecking,
          hostAlias: hostAlias ?? name,
          vscodeFolder,
          ports,
          tunnelLocalPorts,
        }),
      );
    this.vscodeUri = ide.vscodeUri;
    this.tunnels = ide.tunnels;
    this.tunnelCommand = ide.tunnelCommand;
    this.jupyterPassword = pulumi.secret(
      pulumi
        .all([jupyterPassword, podArgs.env ?? {}])
        .apply(([p, e]) => p ?? (e as Record<string, string | undefined>).JUPYTER_PASSWORD),
    );
    this.costPerHour = this.pod.costPerHr;
    this.stoppedStorageCostPerMonth = this.pod.stoppedStorageCostPerMonth;
    this.spend = this.pod.spend;

    this.stopsAt = this.pod.stopsAt;
    this.stopReason = this.pod.stopReason;
    this.registerOutputs({
      podId: this.podId,
      dataCenterId: this.dataCenterId,
      host: this.host,
      port: this.port,
      user: this.user,
      sshCommand: this.sshCommand,
      proxySshCommand: this.proxySshCommand,
      scpCommand: this.scpCommand,
      sftpCommand: this.sftpCommand,
      rsyncCommand: this.rsyncCommand,
      sshTarget: this.sshTarget,
      sshConfig: this.sshConfig,
      identityFile: this.identityFile,
      publicKeyOpenssh: this.publicKeyOpenssh,
      fingerprint: this.fingerprint,
      privateKeyOpenssh: this.privateKeyOpenssh,
      password: this.password,
      passwordSshCommand: this.passwordSshCommand,
      passwordScpCommand: this.passwordScpCommand,
      hostKeys: this.hostKeys,
      knownHostsLine: this.knownHostsLine,
      hostKeyProof: this.hostKeyProof,
      connection: this.connection,
      vscodeUri: this.vscodeUri,
      tunnels: this.tunnels,
      tunnelCommand: this.tunnelCommand,
      jupyterPassword: this.jupyterPassword,
      costPerHour: this.costPerHour,
      stoppedStorageCostPerMonth: this.stoppedStorageCostPerMonth,
      spend: this.spend,
      stopsAt: this.stopsAt,
      stopReason: this.stopReason,
    });
  }
}
