/**
 * Real OpenSSH servers for emulated pods.
 *
 * Each running pod that publishes `22/tcp` (and whose start script would run sshd)
 * gets its own `sshd -D -e` listening on 127.0.0.1 at the pod's mapped port, with a
 * fresh ED25519 host key per container start (a reset wipes the container, so the host
 * key changes, as on Runpod), the pod's keys as `authorized_keys`, and the
 * `RUNPOD_*` variables set for sessions.
 *
 * No sshd may outlive the emulator. Every sshd runs under a small `sh` watchdog that
 * kills it (and its sessions) within about half a second once the emulator's process
 * is gone, even after a SIGKILL; the emulator also kills them on `stop()` and on
 * process exit/SIGINT/SIGTERM.
 */
import { type ChildProcessByStdio, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { listDescendants, signalProcess } from "./processes";

const execFileAsync = promisify(execFile);

/** Paths of the OpenSSH programs the emulator runs. */
export interface SshTools {
  sshd: string;
  sshKeygen: string;
}

function findExecutable(name: string, preferred: string[]): string | undefined {
  const pathDirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const candidates = [...preferred, ...pathDirs.map((dir) => path.join(dir, name))];
  for (const sbin of ["/usr/sbin", "/usr/local/sbin", "/sbin", "/opt/homebrew/sbin"]) candidates.push(path.join(sbin, name));
  return candidates.find((candidate) => {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

/** Locate sshd and ssh-keygen, or throw an error that says what to install. */
export function locateSshTools(): SshTools {
  const sshd = findExecutable("sshd", ["/usr/sbin/sshd"]);
  const sshKeygen = findExecutable("ssh-keygen", ["/usr/bin/ssh-keygen"]);
  if (!sshd) {
    throw new Error(
      "Runpod emulator: OpenSSH server not found (looked for /usr/sbin/sshd and sshd on PATH). " +
        "Install it (Debian/Ubuntu: 'apt-get install openssh-server', macOS: built in, Alpine: 'apk add openssh-server'), " +
        "or start the emulator with { sshd: false } / --no-sshd to report ssh.direct without running sshd.",
    );
  }
  if (!sshKeygen) {
    throw new Error("Runpod emulator: ssh-keygen not found on PATH. Install the OpenSSH client tools (Debian/Ubuntu: 'apt-get install openssh-client').");
  }
  return { sshd, sshKeygen };
}

/** The only user pods' sshd lets in: `root` when the emulator runs as root, else the current user. */
export function sshLoginUser(): string {
  return process.getuid?.() === 0 ? "root" : os.userInfo().username;
}

/** What to launch for one container start. */
export interface SshdLaunch {
  podId: string;
  /** Per-pod directory (created when missing). */
  dir: string;
  /** First port to try; on a bind failure further ports come from `nextPort` (else the manager's `pickPort`). */
  port: number;
  nextPort?: () => Promise<number>;
  /** authorized_keys content (one or more lines). */
  authorizedKeys: string;
  /** Extra variables for sessions (`SetEnv`), besides RUNPOD_POD_ID/PUBLIC_IP/TCP_PORT_22. */
  sessionEnv?: Record<string, string>;
  /** Every sshd stderr line. */
  onLine: (line: string) => void;
  /** sshd went away without `stop()` being called (after it was ready). */
  onUnexpectedExit: (description: string) => void;
}

/** A listening sshd. */
export interface SshdHandle {
  /** Pid of the sshd listener. */
  readonly pid: number;
  /** Pid of its watchdog shell. */
  readonly watchdogPid: number;
  /** Port it listens on (may differ from `SshdLaunch.port` after a bind retry). */
  readonly port: number;
  /** When "Server listening" was seen, ms since the epoch. */
  readonly readyAt: number;
  /** `ssh-keygen -lf` of each host public key: `{ path, keygenLine }`, as the start script prints them. */
  hostKeyFingerprints(): Promise<Array<{ path: string; keygenLine: string }>>;
  /** Kill sshd and every session; resolves once they are gone. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The watchdog: runs sshd in the background, kills it with its sessions when told to
 * (SIGTERM) or when the emulator process disappears, and reaps it so no zombie stays.
 * Arguments: sshd path, config path, emulator pid, pod directory.
 */
const WATCHDOG_SCRIPT = `
sshd_bin=$1; config=$2; parent=$3; dir=$4
"$sshd_bin" -D -e -f "$config" </dev/null &
child=$!
sleeper=
echo "sshd-pid $child"
killtree() {
  for c in $(pgrep -P "$1" 2>/dev/null); do killtree "$c"; done
  kill -9 "$1" 2>/dev/null
}
trap '[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; killtree "$child"; wait "$child" 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
  if ! kill -0 "$parent" 2>/dev/null; then
    killtree "$child"
    wait "$child" 2>/dev/null
    rm -rf "$dir"
    rmdir "$(dirname "$dir")" 2>/dev/null
    exit 0
  fi
  sleep 0.5 &
  sleeper=$!
  wait "$sleeper"
  sleeper=
done
wait "$child"
`;

/** How long sshd may take to start listening. */
const READY_TIMEOUT_MS = 15_000;
/** Bind retries with a new port. */
const MAX_BIND_ATTEMPTS = 5;

function quoteConfigValue(value: string): string {
  if (/[\s"\\#]/.test(value)) throw new Error(`value not representable in sshd_config: ${JSON.stringify(value)}`);
  return value;
}

function sshdConfig(launch: SshdLaunch, port: number, files: { hostKey: string; authorizedKeys: string; pidFile: string }): string {
  const user = sshLoginUser();
  const env: Record<string, string> = {
    RUNPOD_POD_ID: launch.podId,
    RUNPOD_PUBLIC_IP: "127.0.0.1",
    RUNPOD_TCP_PORT_22: String(port),
    ...launch.sessionEnv,
  };
  const setEnv = Object.entries(env)
    .filter(([name, value]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/[\s"\\#]/.test(value))
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  return [
    "# Generated by the Runpod emulator for one pod container.",
    "ListenAddress 127.0.0.1",
    `Port ${port}`,
    `HostKey ${quoteConfigValue(files.hostKey)}`,
    `AuthorizedKeysFile ${quoteConfigValue(files.authorizedKeys)}`,
    `PidFile ${quoteConfigValue(files.pidFile)}`,
    "StrictModes no",
    "UsePAM no",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "HostbasedAuthentication no",
    "PermitRootLogin prohibit-password",
    `AllowUsers ${user}`,
    "PrintMotd no",
    "X11Forwarding no",
    "Subsystem sftp internal-sftp",
    `SetEnv ${setEnv}`,
    "LogLevel VERBOSE",
    "",
  ].join("\n");
}

/** Failure of one launch attempt. */
class SshdStartError extends Error {
  constructor(
    message: string,
    readonly bindFailure: boolean,
  ) {
    super(message);
    this.name = "SshdStartError";
  }
}

/** One sshd under its watchdog. */
class SshdProcess implements SshdHandle {
  pid = 0;
  port: number;
  readyAt = 0;
  private stopping: Promise<void> | undefined;
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private readonly stderrTail: string[] = [];

  constructor(
    private readonly child: ChildProcessByStdio<null, Readable, Readable>,
    port: number,
    private readonly launch: SshdLaunch,
    private readonly onGone: (process: SshdProcess) => void,
    private readonly keygen: { sshKeygen: string; hostKey: string },
  ) {
    this.port = port;
    this.exitPromise = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exited = true;
        this.onGone(this);
        if (this.readyAt !== 0 && !this.stopping) {
          this.launch.onUnexpectedExit(`sshd exited (${signal ?? `code ${String(code)}`})`);
        }
        resolve();
      });
    });
  }

  /** The host key as the container would list it (`/etc/ssh/*.pub`), with `ssh-keygen -lf`'s line for it. */
  async hostKeyFingerprints(): Promise<Array<{ path: string; keygenLine: string }>> {
    const { stdout } = await execFileAsync(this.keygen.sshKeygen, ["-lf", `${this.keygen.hostKey}.pub`], { timeout: 15_000 });
    return [{ path: "/etc/ssh/ssh_host_ed25519_key.pub", keygenLine: stdout.trim() }];
  }

  get watchdogPid(): number {
    return this.child.pid ?? 0;
  }

  /** Resolve when listening; reject when sshd exits first or takes too long. */
  waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.stop();
        reject(new SshdStartError(`sshd did not start listening within ${READY_TIMEOUT_MS} ms`, false));
      }, READY_TIMEOUT_MS);
      const lines = (stream: Readable, onLine: (line: string) => void): void => {
        let buffered = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          buffered += chunk;
          const parts = buffered.split(/\r?\n/);
          buffered = parts.pop() ?? "";
          for (const part of parts) if (part !== "") onLine(part);
        });
      };
      lines(this.child.stdout, (line) => {
        const match = /^sshd-pid (\d+)$/.exec(line);
        if (match) this.pid = Number(match[1]);
      });
      lines(this.child.stderr, (line) => {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
        this.launch.onLine(line);
        if (this.readyAt === 0 && /Server listening on \S+ port \d+/.test(line)) {
          this.readyAt = Date.now();
          clearTimeout(timer);
          resolve();
        }
      });
      void this.exitPromise.then(() => {
        clearTimeout(timer);
        if (this.readyAt !== 0) return;
        const tail = this.stderrTail.join(" | ");
        const bindFailure = /Address already in use|Cannot bind any address/.test(tail);
        reject(new SshdStartError(`sshd exited before listening on port ${this.port}: ${tail || "(no output)"}`, bindFailure));
      });
    });
  }

  stop(): Promise<void> {
    this.stopping ??= this.kill();
    return this.stopping;
  }

  private async kill(): Promise<void> {
    if (this.exited) return;
    if (this.pid > 0) {
      // Sessions first (deepest first, so their parents can reap them), then the listener.
      const sessions = listDescendants(this.pid).reverse();
      for (const pid of sessions) signalProcess(pid, "SIGKILL");
      if (sessions.length > 0) await delay(30);
      signalProcess(this.pid, "SIGKILL");
    }
    // The watchdog's trap reaps sshd and exits.
    if (this.child.pid) signalProcess(this.child.pid, "SIGTERM");
    if (!(await settlesWithin(this.exitPromise, 3000)) && this.child.pid) {
      signalProcess(this.child.pid, "SIGKILL");
      await this.exitPromise;
    }
  }

  /** Synchronous last-resort kill (process exit). The watchdog reaps what it can. */
  killSync(): void {
    if (this.exited) return;
    if (this.pid > 0) {
      for (const pid of listDescendants(this.pid).reverse()) signalProcess(pid, "SIGKILL");
      signalProcess(this.pid, "SIGKILL");
    }
    if (this.child.pid) signalProcess(this.child.pid, "SIGTERM");
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when `promise` settles within `ms` (the timer never keeps the process alive). */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/** Starts and tracks every sshd of one emulator. */
export class SshdManager {
  private readonly live = new Set<SshdProcess>();
  private closed = false;

  constructor(
    private readonly tools: SshTools,
    /** Supplies a replacement port after a bind failure. */
    private readonly pickPort: () => Promise<number>,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Prepare the pod directory (new host key, authorized_keys, sshd_config) and start
   * sshd; resolves once it listens. Retries with another port when the port is taken.
   */
  async start(launch: SshdLaunch): Promise<SshdHandle> {
    this.assertOpen();
    await fsp.mkdir(launch.dir, { recursive: true, mode: 0o700 });
    const files = {
      hostKey: path.join(launch.dir, "ssh_host_ed25519_key"),
      authorizedKeys: path.join(launch.dir, "authorized_keys"),
      pidFile: path.join(launch.dir, "sshd.pid"),
      config: path.join(launch.dir, "sshd_config"),
    };
    await fsp.rm(files.hostKey, { force: true });
    await fsp.rm(`${files.hostKey}.pub`, { force: true });
    try {
      await execFileAsync(this.tools.sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", `pod-${launch.podId}`, "-f", files.hostKey], {
        timeout: 15_000,
      });
    } catch (error) {
      throw new Error(`Runpod emulator: ssh-keygen failed for pod ${launch.podId}: ${(error as Error).message}`);
    }
    await fsp.writeFile(files.authorizedKeys, launch.authorizedKeys.endsWith("\n") ? launch.authorizedKeys : `${launch.authorizedKeys}\n`, {
      mode: 0o600,
    });
    if (process.getuid?.() === 0) await fsp.mkdir("/run/sshd", { recursive: true, mode: 0o755 }).catch(() => undefined);

    let port = launch.port;
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      await fsp.writeFile(files.config, sshdConfig(launch, port, files), { mode: 0o600 });
      const child = spawn("sh", ["-c", WATCHDOG_SCRIPT, "runpod-emulator-sshd", this.tools.sshd, files.config, String(process.pid), launch.dir], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.once("error", (error) => this.log(`sshd watchdog for pod ${launch.podId} failed: ${error.message}`));
      const sshd = new SshdProcess(child, port, launch, (gone) => this.live.delete(gone), {
        sshKeygen: this.tools.sshKeygen,
        hostKey: files.hostKey,
      });
      this.live.add(sshd);
      try {
        await sshd.waitReady();
        if (this.closed) {
          await sshd.stop();
          throw new Error("Runpod emulator: stopped while sshd was starting");
        }
        return sshd;
      } catch (error) {
        await sshd.stop();
        if (error instanceof SshdStartError && error.bindFailure && attempt < MAX_BIND_ATTEMPTS) {
          this.log(`pod ${launch.podId}: port ${port} is taken, retrying sshd on another port`);
          port = await (launch.nextPort ?? this.pickPort)();
          continue;
        }
        throw new Error(`Runpod emulator: sshd for pod ${launch.podId} failed: ${(error as Error).message}`);
      }
    }
  }

  /** Kill every sshd; later `start` calls fail. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((sshd) => sshd.stop()));
  }

  /** Synchronous kill of every sshd (for process exit handlers). */
  killAllSync(): void {
    for (const sshd of this.live) sshd.killSync();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("Runpod emulator: stopped, not starting sshd");
  }
}
