/**
 * An isolated, offline place to run the real `pulumi` CLI: a file backend in a temp folder, a passphrase for
 * secrets, a private PULUMI_HOME (with the stand-in `tls` plugin installed), no update checks, no plugin
 * downloads. `pulumi()` runs one CLI command; for the commands that run or need a Node.js program (up, preview,
 * refresh, destroy) it hosts the program (programHost.ts) and passes `--client`. YAML programs are run by the
 * CLI's own YAML language host (scripts/toolchainYaml.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Toolchain } from "../toolchain";

const HOST_SCRIPT = path.join(__dirname, "programHost.js");
const TLS_STAND_IN_SCRIPT = path.join(__dirname, "tlsStandInPlugin.js");
const PROGRAM_COMMANDS = new Set(["up", "update", "preview", "refresh", "destroy"]);

export interface EngineWorkspace {
  dir: string;
  toolchain: Toolchain;
  env: NodeJS.ProcessEnv;
  /** Stops processes left by this workspace's runs, then deletes the folder. */
  remove(): void;
}

/**
 * Plugins a SIGKILLed `pulumi` leaves behind (the engine cannot stop them) are recognised by this workspace's
 * PULUMI_HOME in their environment, and killed. Linux only (reads /proc); elsewhere it does nothing.
 */
export function killLeftoverProcesses(ws: Pick<EngineWorkspace, "dir">): number[] {
  const marker = `PULUMI_HOME=${path.join(ws.dir, "pulumi-home")}`;
  const killed: number[] = [];
  let pids: string[] = [];
  try {
    pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return killed;
  }
  for (const pid of pids) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      if (!environ.includes(marker)) continue;
      process.kill(Number(pid), "SIGKILL");
      killed.push(Number(pid));
    } catch {
      // gone already, or not ours to read
    }
  }
  return killed;
}

export interface PulumiResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

export interface PulumiOptions {
  /** The project folder (holding Pulumi.yaml). */
  cwd: string;
  /**
   * The program's compiled main module; needed for up, preview, refresh and destroy of a Node.js program,
   * which this module hosts. Leave it out for a program the CLI runs with its own language host (YAML).
   */
  program?: string;
  /** The CLI runs the program with the language host its Pulumi.yaml names (YAML), not through `--client`. */
  cliHostsProgram?: boolean;
  /**
   * The command that hosts the program instead of programHost.js (e.g. a Python program's
   * pythonProgramHost.py); it must print `PORT=<n>` once listening and exit when its stdin closes.
   */
  programHost?: string[];
  /** Written to the CLI's stdin. */
  input?: string;
  /** Called with each output line as it arrives. */
  onLine?: (line: string) => void;
  /** Called once the CLI process exists (to signal it, for example). */
  onSpawn?: (child: ChildProcess) => void;
  /** Extra environment for this command. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Installs the stand-in tls plugin at the version `@pulumi/tls` asks for, in this workspace's PULUMI_HOME. */
function installTlsStandIn(pulumiHome: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require("@pulumi/tls/package.json") as { pulumi?: { version?: string }; version: string });
  const dir = path.join(pulumiHome, "plugins", `resource-tls-v${version.pulumi?.version ?? version.version}`);
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, "pulumi-resource-tls");
  fs.writeFileSync(script, `#!/bin/sh\n# Stand-in tls plugin (offline test runs only).\nexec "${process.execPath}" "${TLS_STAND_IN_SCRIPT}" "$@"\n`);
  fs.chmodSync(script, 0o755);
}

export function createWorkspace(toolchain: Toolchain, prefix = "runpod-ssh-engine-"): EngineWorkspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const state = path.join(dir, "state");
  const home = path.join(dir, "pulumi-home");
  fs.mkdirSync(state);
  fs.mkdirSync(home);
  installTlsStandIn(home);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${toolchain.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "runpod-ssh-offline-runs",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    NO_COLOR: "1",
    RUNPOD_API_KEY: "",
  };
  const ws: EngineWorkspace = {
    dir,
    toolchain,
    env,
    remove: () => {
      killLeftoverProcesses(ws);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return ws;
}

export interface HostedProgram {
  address: string;
  stop(): void;
}

/** Starts a program host (it prints `PORT=<n>` once listening) and resolves with its address. */
export function hostProgram(command: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<HostedProgram> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const port = /PORT=(\d+)/.exec(stdout)?.[1];
      if (port) resolve({ address: `127.0.0.1:${port}`, stop: () => child.stdin.end() });
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`program host exited (${code}) before listening: ${stderr.trim()}`)));
  });
}

/** Runs `pulumi <args>` in the workspace; resolves with its exit status and output (never rejects on exit code). */
export async function pulumi(ws: EngineWorkspace, args: string[], options: PulumiOptions): Promise<PulumiResult> {
  const env = { ...ws.env, ...options.env };
  const needsProgram = PROGRAM_COMMANDS.has(args[0]) && !options.cliHostsProgram;
  if (needsProgram && !options.program && !options.programHost) throw new Error(`pulumi ${args[0]} needs the program's main module`);
  const hostCommand = options.programHost ?? [process.execPath, HOST_SCRIPT, options.program!];
  const host = needsProgram ? await hostProgram(hostCommand, env, options.cwd) : undefined;
  const fullArgs = host ? [...args, `--client=${host.address}`] : args;
  try {
    return await new Promise<PulumiResult>((resolve, reject) => {
      const child = spawn(ws.toolchain.pulumi, fullArgs, { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
      options.onSpawn?.(child);
      const result: PulumiResult = { code: null, signal: null, stdout: "", stderr: "", output: "" };
      let pending = "";
      const take = (which: "stdout" | "stderr") => (d: Buffer) => {
        const text = d.toString();
        result[which] += text;
        result.output += text;
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) options.onLine?.(line);
      };
      child.stdout.on("data", take("stdout"));
      child.stderr.on("data", take("stderr"));
      child.stdin.end(options.input ?? "");
      const timer = options.timeoutMs
        ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs)
        : undefined;
      child.on("error", reject);
      child.on("close", (code, signal) => {
        if (timer) clearTimeout(timer);
        if (pending) options.onLine?.(pending);
        resolve({ ...result, code, signal });
      });
    });
  } finally {
    host?.stop();
  }
}

/** Like `pulumi()`, but throws with the command's output when it exits non-zero. */
export async function pulumiOk(ws: EngineWorkspace, args: string[], options: PulumiOptions): Promise<PulumiResult> {
  const result = await pulumi(ws, args, options);
  if (result.code !== 0) {
    throw new Error(`\`pulumi ${args.join(" ")}\` exited ${result.code ?? result.signal}:\n${result.output.trim()}`);
  }
  return result;
}
