/**
 * Outputs an IDE and a notebook can use, built from the same target and options as the ssh commands
 * (sshCommands.ts), so they pin the same host key and fail the same way:
 *
 * - `vscodeUri`: `vscode://vscode-remote/ssh-remote+<alias><folder>`. VS Code's Remote-SSH resolves `<alias>`
 *   through `~/.ssh/config`, so the URI works once the pod's `sshConfig` block is in a file that config includes
 *   (the alias carries the address, the key and the pinned host key; nothing else is needed).
 * - `tunnels`: for each HTTP port the pod exposes (`"8888/http"`: Jupyter and the like), a ready
 *   `ssh -N -L <local>:localhost:<port>` over the pinned direct path. Runpod's public HTTP proxy times out
 *   requests at about 100 s; a tunnel has no such limit and needs no public URL. `ExitOnForwardFailure=yes` makes
 *   the command fail at once when the local port is taken instead of running without a forward.
 * - `tunnelCommand`: every forward in one command.
 *
 * Without a direct path (proxy only: Runpod's proxy carries no port forwarding) or while the pod is stopped, each
 * output holds the reason instead, like the ssh commands.
 */
import { NO_DIRECT_PATH_REASON, STOPPED_REASON, shellQuote, sshOptionWords, type SshCommandOptions, type SshTarget } from "./sshCommands";
import { assertSshPath } from "./sshAddress";

/** Default folder the VS Code URI opens: Runpod's volume mount. */
export const DEFAULT_VSCODE_FOLDER = "/workspace";

export interface IdeOutputOptions extends SshCommandOptions {
  /** The `Host` alias of the `sshConfig` block (SshPod's `hostAlias`, default its name). */
  hostAlias: string;
  /** Folder VS Code opens (absolute). Default `/workspace`. */
  vscodeFolder?: string;
  /** The pod's `ports` input (`"N/http"`, `"N/tcp"`); the HTTP ones get a tunnel. */
  ports?: readonly string[];
  /** Local port per pod port (`{"8888": 18888}`); default the same number. */
  tunnelLocalPorts?: Readonly<Record<string, number>>;
}

export interface IdeOutputs {
  /** `vscode://vscode-remote/ssh-remote+<alias><folder>`, or the reason there is none. */
  vscodeUri: string;
  /** Pod port (as text) → `ssh -N -L ...` command, or → the reason there is none. */
  tunnels: Record<string, string>;
  /** One `ssh -N` command with every forward, or the reason there is none. */
  tunnelCommand: string;
}

/** The HTTP ports among the `ports` input, in order, without repeats. */
export function httpPorts(ports: readonly string[] | undefined): number[] {
  const out: number[] = [];
  for (const entry of ports ?? []) {
    const m = /^\s*(\d+)\/http\s*$/.exec(entry);
    if (!m) continue;
    const port = Number(m[1]);
    if (port >= 1 && port <= 65535 && !out.includes(port)) out.push(port);
  }
  return out;
}

/** Problems with `tunnelLocalPorts` (keys must be exposed HTTP ports, values ports 1..65535, no local port twice). */
export function tunnelLocalPortProblems(map: unknown, ports: readonly string[] | undefined): string[] {
  if (map === undefined) return [];
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    return ['tunnelLocalPorts must be a map from pod port to local port, e.g. {"8888": 18888}.'];
  }
  const problems: string[] = [];
  const http = ports === undefined ? undefined : httpPorts(ports);
  const seen = new Map<number, string>();
  for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
    if (!/^\d+$/.test(key) || Number(key) < 1 || Number(key) > 65535) {
      problems.push(`tunnelLocalPorts key ${JSON.stringify(key)} must be a pod port number such as "8888".`);
    } else if (http && !http.includes(Number(key))) {
      problems.push(`tunnelLocalPorts["${key}"]: port ${key} is not exposed as HTTP; add "${key}/http" to ports, or remove the entry.`);
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
      problems.push(`tunnelLocalPorts["${key}"] must be a local port number 1..65535, got ${JSON.stringify(value)}.`);
    } else if (seen.has(value)) {
      problems.push(`tunnelLocalPorts["${key}"] uses local port ${value}, already used for pod port ${seen.get(value)}; pick another.`);
    } else {
      seen.set(value, key);
    }
  }
  return problems;
}

/** Problems with `vscodeFolder` (an absolute path, one line). */
export function vscodeFolderProblems(folder: unknown): string[] {
  if (folder === undefined) return [];
  if (typeof folder !== "string" || !folder.startsWith("/") || /[\r\n]/.test(folder)) {
    return [`vscodeFolder must be an absolute folder path in the pod such as "/workspace", got ${JSON.stringify(folder)}.`];
  }
  return [];
}

/** `vscode://vscode-remote/ssh-remote+<alias><folder>`, the alias and folder percent-encoded where needed. */
export function vscodeUri(alias: string, folder = DEFAULT_VSCODE_FOLDER): string {
  const path = folder.split("/").map(encodeURIComponent).join("/");
  return `vscode://vscode-remote/ssh-remote+${encodeURIComponent(alias)}${path}`;
}

/** The `-L` forwards, in the order of the HTTP ports. */
function forwards(ports: number[], local: Readonly<Record<string, number>> | undefined): Array<[number, string]> {
  return ports.map((port) => [port, `${local?.[String(port)] ?? port}:localhost:${port}`]);
}

/** Builds `vscodeUri`, `tunnels` and `tunnelCommand` for one pod. */
export function buildIdeOutputs(target: SshTarget, options: IdeOutputOptions): IdeOutputs {
  assertSshPath(options.podId, target);
  const ports = httpPorts(options.ports);
  const unavailable = (reason: string): IdeOutputs => ({
    vscodeUri: reason,
    tunnels: Object.fromEntries(ports.map((p) => [String(p), reason])),
    tunnelCommand: reason,
  });
  if (target.stopped) return unavailable(STOPPED_REASON);
  if (target.host === null || target.port === null || target.user === null) return unavailable(NO_DIRECT_PATH_REASON);
  const base = ["ssh", "-N", "-p", String(target.port), "-i", options.identityFile, ...sshOptionWords(options, target)];
  const tail = ["-o", "ExitOnForwardFailure=yes", `${target.user}@${target.host}`];
  const command = (fw: string[]): string => [...base, ...fw.flatMap((f) => ["-L", f]), ...tail].map(shellQuote).join(" ");
  const fws = forwards(ports, options.tunnelLocalPorts);
  return {
    vscodeUri: vscodeUri(options.hostAlias, options.vscodeFolder ?? DEFAULT_VSCODE_FOLDER),
    tunnels: Object.fromEntries(fws.map(([port, fw]) => [String(port), command([fw])])),
    tunnelCommand:
      fws.length > 0
        ? command(fws.map(([, fw]) => fw))
        : 'none: the pod exposes no HTTP port. Add one to ports (e.g. "8888/http" for Jupyter) to get a tunnel.',
  };
}
