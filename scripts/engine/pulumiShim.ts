/**
 * A `pulumi` command for the shells of the offline tests, so that a test can run a user's shell lines exactly as
 * written (`pulumi up --yes`, `eval "$(pulumi stack output sshCommand)"`, ...).
 *
 * STAND-IN: it stands in for the CLI's Node.js, Python and Go language hosts, which the Go module proxy does not
 * serve (see programHost.ts). Every command goes to the real CLI with its arguments unchanged; only for the
 * commands that run the program (up, preview, refresh, destroy) of a Node.js, Python or Go project does it first
 * start the program's host (programHost.ts, pythonProgramHost.py, goProgramHost.ts) and append `--client`, as
 * workspace.ts does. A TypeScript project is compiled with `tsc -p` first (the real Node.js host compiles it with
 * ts-node; type errors fail here as they do there). YAML programs go to the CLI untouched: its real YAML host
 * runs them. stdin, stdout and stderr are the shell's own, so `$(pulumi stack output ...)` reads what a user's
 * would.
 *
 * Settings come from the environment variable RUNPOD_SSH_PULUMI_SHIM, JSON of ShimSettings.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { hostProgram } from "./workspace";

export interface ShimSettings {
  /** The real CLI. */
  pulumi: string;
  /** A Node.js project's compiled entry module, when its folder holds no program of its own (the examples). */
  program?: string;
  /** The virtualenv python for Python projects. */
  python?: string;
  /** The compiled program of a Go project. */
  goBinary?: string;
}

export const SHIM_SETTINGS_VARIABLE = "RUNPOD_SSH_PULUMI_SHIM";
const PROGRAM_COMMANDS = new Set(["up", "update", "preview", "refresh", "destroy"]);

/** Writes `<dir>/pulumi`, a shell script that runs this shim with Node.js. Returns `dir`. */
export function installPulumiShim(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, "pulumi");
  fs.writeFileSync(script, `#!/bin/sh\n# Stand-in language hosts for offline tests (pulumiShim.ts).\nexec "${process.execPath}" "${__filename}" "$@"\n`);
  fs.chmodSync(script, 0o755);
  return dir;
}

/** The project's runtime name, `main` and Python `virtualenv` option from its Pulumi.yaml (only these keys). */
export function readProject(cwd: string): { runtime: string; main?: string; virtualenv?: string } {
  const text = fs.readFileSync(path.join(cwd, "Pulumi.yaml"), "utf8");
  const runtime = /^runtime:\s*(\w+)\s*$/m.exec(text)?.[1] ?? /^runtime:\s*\n\s+name:\s*(\w+)/m.exec(text)?.[1];
  if (!runtime) throw new Error(`${cwd}/Pulumi.yaml names no runtime`);
  const main = /^main:\s*(\S+)\s*$/m.exec(text)?.[1];
  const virtualenv = /^\s+virtualenv:\s*(\S+)\s*$/m.exec(text)?.[1];
  return { runtime, main, virtualenv };
}

/** Builds a Go project's program with `go build`, as the real Go host does before running it. */
function goProgram(cwd: string): string {
  const binary = path.join(cwd, ".pulumi-shim-build", "program");
  const built = spawnSync("go", ["build", "-o", binary, "."], { cwd, encoding: "utf8", env: { ...process.env, CGO_ENABLED: "0" } });
  if (built.status !== 0) {
    process.stderr.write(`error: go build failed:\n${built.stdout}${built.stderr}${built.error?.message ?? ""}`);
    process.exit(1);
  }
  return binary;
}

/** The Node.js program's entry module, compiling a TypeScript project first. */
function nodeEntry(cwd: string, main: string | undefined): string {
  if (main) return path.resolve(cwd, main);
  if (!fs.existsSync(path.join(cwd, "index.ts"))) return path.join(cwd, "index.js");
  const out = path.join(cwd, ".pulumi-shim-build");
  const tsc = require.resolve("typescript/bin/tsc");
  const args = fs.existsSync(path.join(cwd, "tsconfig.json"))
    ? [tsc, "-p", cwd, "--outDir", out, "--noEmit", "false"]
    : [tsc, "--outDir", out, "--module", "commonjs", "--target", "ES2022", "--esModuleInterop", "--skipLibCheck", "--strict", path.join(cwd, "index.ts")];
  const built = spawnSync(process.execPath, args, { cwd, encoding: "utf8" });
  if (built.status !== 0) {
    process.stderr.write(`error: TypeScript compilation failed:\n${built.stdout}${built.stderr}`);
    process.exit(1);
  }
  return path.join(out, "index.js");
}

function hostCommand(cwd: string, settings: ShimSettings): string[] | undefined {
  const project = readProject(cwd);
  switch (project.runtime) {
    case "nodejs":
      return [process.execPath, path.join(__dirname, "programHost.js"), settings.program ?? nodeEntry(cwd, project.main)];
    case "python": {
      // The project's virtualenv (its `virtualenv` option, as the real Python host reads it), else the given one.
      const venv = project.virtualenv && path.join(path.resolve(cwd, project.virtualenv), "bin", "python");
      const python = venv && fs.existsSync(venv) ? venv : settings.python;
      if (!python) throw new Error("the pulumi shim has no python for this Python project (no virtualenv)");
      return [python, path.join(__dirname, "..", "..", "..", "scripts", "engine", "pythonProgramHost.py"), cwd];
    }
    case "go":
      return [process.execPath, path.join(__dirname, "goProgramHost.js"), settings.goBinary ?? goProgram(cwd)];
    default:
      return undefined; // yaml: the CLI's own host
  }
}

/** The folder `pulumi` works in: `--cwd`/`-C` when given, else the current one. */
function workingDir(args: string[]): string {
  const i = args.findIndex((a) => a === "--cwd" || a === "-C");
  if (i !== -1 && args[i + 1]) return path.resolve(args[i + 1]);
  const eq = args.find((a) => a.startsWith("--cwd="));
  return eq ? path.resolve(eq.slice("--cwd=".length)) : process.cwd();
}

async function main(): Promise<void> {
  const raw = process.env[SHIM_SETTINGS_VARIABLE];
  if (!raw) throw new Error(`${SHIM_SETTINGS_VARIABLE} is not set`);
  const settings = JSON.parse(raw) as ShimSettings;
  const args = process.argv.slice(2);
  const cwd = workingDir(args);
  const command = PROGRAM_COMMANDS.has(args[0]) ? hostCommand(cwd, settings) : undefined;
  const host = command ? await hostProgram(command, process.env, cwd) : undefined;
  const child = spawn(settings.pulumi, host ? [...args, `--client=${host.address}`] : args, { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("close", (code, signal) => {
    host?.stop();
    process.exitCode = code ?? (signal ? 128 : 1);
  });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`pulumi shim: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
