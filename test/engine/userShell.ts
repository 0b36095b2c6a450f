/**
 * A user's shell for the real-engine suite: bash or sh running a script exactly as written, in the project
 * folder, with `pulumi` on PATH. That `pulumi` is the shim of scripts/engine/pulumiShim.ts: the real CLI, with
 * STAND-IN language hosts for Node.js, Python and Go programs (the Go module proxy serves none of the real ones;
 * YAML programs run on the real YAML host). So output commands reach the shell the way users get them:
 * `eval "$(pulumi stack output sshCommand)"`, not a string the test assembled.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { EngineWorkspace } from "../../scripts/engine/workspace";
import { installPulumiShim, SHIM_SETTINGS_VARIABLE, type ShimSettings } from "../../scripts/engine/pulumiShim";

export type ShellName = "bash" | "sh";

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface UserShellOptions {
  cwd: string;
  /** The shell; default bash. `sh` is the system's POSIX shell (dash on Debian). */
  shell?: ShellName;
  /** Written to the script's stdin (for example an API key a prompt asks for). */
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The environment of a user's shell in this workspace: the shim first on PATH. */
export function userShellEnv(ws: EngineWorkspace, settings: Omit<ShimSettings, "pulumi">): NodeJS.ProcessEnv {
  const bin = installPulumiShim(path.join(ws.dir, "user-bin"));
  return {
    ...ws.env,
    PATH: `${bin}${path.delimiter}${ws.env.PATH ?? ""}`,
    [SHIM_SETTINGS_VARIABLE]: JSON.stringify({ pulumi: ws.toolchain.pulumi, ...settings }),
  };
}

/** Runs `script` with `<shell> -e -c` (every line must succeed); resolves whatever the exit code. */
export function runUserShell(script: string, env: NodeJS.ProcessEnv, options: UserShellOptions): Promise<ShellResult> {
  if (!fs.existsSync(options.cwd)) throw new Error(`no folder ${options.cwd}`);
  return new Promise((resolve, reject) => {
    const child = spawn(options.shell ?? "bash", ["-e", "-c", script], {
      cwd: options.cwd,
      env: { ...env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.on("error", () => undefined); // a script that never reads its stdin
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like runUserShell, but throws with the script and its output unless it exits 0. */
export async function runUserShellOk(script: string, env: NodeJS.ProcessEnv, options: UserShellOptions): Promise<ShellResult> {
  const result = await runUserShell(script, env, options);
  if (result.code !== 0) {
    throw new Error(`${options.shell ?? "bash"} exited ${result.code} running:\n${script}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}
