/**
 * The real-engine suite's shared pieces: the toolchain (built on first use, see scripts/toolchain.ts), an
 * isolated workspace per test, a stack of one of the example programs configured against an emulator, and the
 * shell that runs a generated command the way a user pastes it.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator, type SshMode } from "../../emulator";
import { ensureToolchain, type Toolchain } from "../../scripts/toolchain";
import { ensureYamlHost, type YamlHost } from "../../scripts/toolchainYaml";
import { createVirtualenv } from "../../scripts/toolchainPython";
import { ensureSdkGenerator, generateSdk } from "../../scripts/sdkgen";
import { buildGoProgram } from "../../scripts/toolchainGo";
import { runUserShellOk, userShellEnv, type ShellName, type ShellResult } from "./userShell";
import type { ShimSettings } from "../../scripts/engine/pulumiShim";
import { requireTools, toolsIn } from "../helpers/prerequisites";
import {
  createWorkspace,
  pulumi,
  pulumiOk,
  type EngineWorkspace,
  type PulumiOptions,
  type PulumiResult,
} from "../../scripts/engine/workspace";

/** dist/test/engine -> repository root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const EXAMPLES_SOURCE = path.join(ROOT, "examples");
export const EXAMPLES_BUILT = path.join(ROOT, "dist", "examples");
/** Project folders of engine runs (git-ignored). */
export const RUNS_DIR = path.join(ROOT, ".engine-runs");
/** A cold toolchain build takes minutes; the first test waits for it. */
export const TOOLCHAIN_TIMEOUT_MS = 40 * 60_000;

let toolchain: Promise<Toolchain> | undefined;

/** The toolchain, built once per process; progress goes to stderr so a long first build is visible. */
export function getToolchain(): Promise<Toolchain> {
  toolchain ??= ensureToolchain((line) => process.stderr.write(`[toolchain] ${line}\n`));
  return toolchain;
}

let yamlHost: Promise<YamlHost> | undefined;

/** A virtualenv with `pulumi` from PyPI and this package's generated Python SDK (scripts/toolchainPython.ts). */
export interface PythonEnv {
  python: string;
  /** The folder holding the virtualenv and the generated SDK; remove it when done. */
  dir: string;
}

/** Python program host (the Python SDK's Automation API language server). */
export const PYTHON_HOST_SCRIPT = path.join(ROOT, "scripts", "engine", "pythonProgramHost.py");
export const SCHEMA_FILE = path.join(ROOT, "sdk", "plugin", "schema.json");

/**
 * Does what `pulumi package add` does for a Python program, with the pieces these machines have: generates the
 * Python SDK from the plugin's schema with Pulumi's own generator and installs it, with `pulumi` from PyPI, into
 * a new virtualenv.
 */
export async function createPythonEnv(): Promise<PythonEnv> {
  const log = (line: string) => process.stderr.write(`[toolchain] ${line}\n`);
  const generator = await ensureSdkGenerator(await getToolchain(), log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runpod-ssh-python-"));
  try {
    const sdk = path.join(dir, "sdks", "runpod-ssh");
    await generateSdk(generator, "python", SCHEMA_FILE, sdk);
    const python = await createVirtualenv(path.join(dir, "venv"), [sdk], log);
    return { python, dir };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The stand-in Go language host (scripts/engine/goProgramHost.ts), compiled. */
export const GO_HOST_SCRIPT = path.join(ROOT, "dist", "scripts", "engine", "goProgramHost.js");

/** A compiled Go program of examples/ (or a test program folder) and the folder to remove when done. */
export interface GoProgram {
  binary: string;
  dir: string;
}

/** Does what `pulumi package add` and `go build` do for a Go program (scripts/toolchainGo.ts). */
export async function buildGoExample(programDir: string): Promise<GoProgram> {
  const log = (line: string) => process.stderr.write(`[toolchain] ${line}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runpod-ssh-go-"));
  try {
    return { binary: await buildGoProgram(await getToolchain(), SCHEMA_FILE, programDir, dir, log), dir };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Pulumi's YAML language host beside the toolchain's CLI, built once per process (scripts/toolchainYaml.ts). */
export function getYamlHost(): Promise<YamlHost> {
  yamlHost ??= getToolchain().then((tc) => ensureYamlHost(tc, (line) => process.stderr.write(`[toolchain] ${line}\n`)));
  return yamlHost;
}

export interface ExampleStack {
  ws: EngineWorkspace;
  emulator: RunpodEmulator;
  /** The example's folder (Pulumi.yaml) and its compiled program. */
  cwd: string;
  program: string;
  /** Runs a pulumi command in this stack; resolves whatever the exit code. */
  run(args: string[], options?: Partial<PulumiOptions>): Promise<PulumiResult>;
  /** Runs a pulumi command and throws with its output unless it exits 0. */
  ok(args: string[], options?: Partial<PulumiOptions>): Promise<PulumiResult>;
  outputs(): Promise<Record<string, unknown>>;
  /**
   * Runs a script in a user's shell in the project folder (userShell.ts: `pulumi` is the real CLI with the
   * stand-in language hosts); throws with its output unless every line succeeds.
   */
  sh(script: string, options?: { shell?: ShellName; input?: string; env?: NodeJS.ProcessEnv }): Promise<ShellResult>;
  /** Destroys (best effort), stops the emulator, removes the workspace. */
  close(): Promise<void>;
}

export interface StackOptions {
  /** The folder name under examples/ ("quickstart", "fleet", "custom-image"), or a label for `programDir`. */
  example: string;
  sshMode?: SshMode;
  config?: Record<string, string>;
  /** Account keys somebody else registered before the stack ran. */
  foreignKeys?: string[];
  timings?: { provisioningMs?: number; startingMs?: number; sshdStartMs?: number };
  /** The emulator runs the pods' watchdogs this many times faster (emulator/podWatchdog.ts). Default 1. */
  watchdogTimeScale?: number;
  /** A program folder other than examples/<example> (e.g. test programs), holding Pulumi.yaml; built copy in dist. */
  programDir?: { source: string; built: string };
  /**
   * "yaml": a YAML program using the provider plugin (bin/), run by the CLI's YAML host; "python": a Python
   * program (`__main__.py`) using the plugin through its generated SDK, hosted by `python` (createPythonEnv).
   * Both are configured with `runpod-ssh:*`. Default "nodejs": a TypeScript program hosted here, with `runpod:*`.
   */
  language?: "nodejs" | "yaml" | "python" | "go";
  /** The virtualenv python for a "python" program. */
  python?: string;
  /** The compiled binary of a "go" program (buildGoExample), hosted by the stand-in Go host. */
  goBinary?: string;
}

export async function openExampleStack(options: StackOptions): Promise<ExampleStack> {
  const tc = await getToolchain();
  const yaml = options.language === "yaml";
  const python = options.language === "python";
  const go = options.language === "go";
  if (yaml) await getYamlHost();
  if (python && !options.python) throw new Error("a Python stack needs the virtualenv python (createPythonEnv)");
  if (go && !options.goBinary) throw new Error("a Go stack needs the compiled program (buildGoExample)");
  const emulator = await startEmulator({
    sshMode: options.sshMode ?? "image",
    timings: { provisioningMs: 200, startingMs: 200, sshdStartMs: 300, ...options.timings },
    watchdogTimeScale: options.watchdogTimeScale,
  });
  const ws = createWorkspace(tc);
  // The project folder: a copy of the example's Pulumi.yaml inside the repository (so the dynamic-provider
  // plugin resolves @pulumi/pulumi from node_modules, as in a user's project) but outside the example, so
  // stack config files never land in examples/.
  const source = options.programDir?.source ?? path.join(EXAMPLES_SOURCE, options.example);
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  const cwd = fs.mkdtempSync(path.join(RUNS_DIR, `${path.basename(source)}-`));
  fs.copyFileSync(path.join(source, "Pulumi.yaml"), path.join(cwd, "Pulumi.yaml"));
  // Plugin programs use this clone's plugin (bin/), the way a contributor points a program at a clone; the
  // examples themselves name no path, as users install the released plugin (test/release runs that route).
  if ((yaml || python || go) && !/^\s*"?packages"?:/m.test(fs.readFileSync(path.join(cwd, "Pulumi.yaml"), "utf8"))) {
    fs.appendFileSync(path.join(cwd, "Pulumi.yaml"), `packages:\n  runpod-ssh: ${path.join(ROOT, "bin")}\n`);
  }
  if (python) fs.copyFileSync(path.join(source, "__main__.py"), path.join(cwd, "__main__.py"));
  const program = yaml || python || go ? "" : path.join(options.programDir?.built ?? path.join(EXAMPLES_BUILT, options.example), "index.js");
  const hosting: Partial<PulumiOptions> = yaml
    ? { cliHostsProgram: true }
    : python
      ? { programHost: [options.python!, PYTHON_HOST_SCRIPT, cwd] }
      : go
        ? { programHost: [process.execPath, GO_HOST_SCRIPT, options.goBinary!] }
        : { program };
  const stack = stackOf({
    ws,
    emulator,
    cwd,
    program,
    hosting,
    shell: { program: program || undefined, python: options.python, goBinary: options.goBinary },
    removeCwd: true,
  });
  const ok = (args: string[]) => stack.ok(args);
  try {
    if (options.foreignKeys) emulator.setAccountKeys(options.foreignKeys);
    await ok(["stack", "init", "engine", "--non-interactive"]);
    const namespace = yaml || python || go ? "runpod-ssh" : "runpod";
    await ok(["config", "set", `${namespace}:apiUrl`, emulator.url]);
    await ok(["config", "set", "--secret", `${namespace}:token`, emulator.apiKey]);
    for (const [key, value] of Object.entries(options.config ?? {})) await ok(["config", "set", key, value]);
  } catch (e) {
    await emulator.stop();
    ws.remove();
    fs.rmSync(cwd, { recursive: true, force: true });
    throw e;
  }
  return stack;
}

/** What a stack is made of: its workspace, emulator, project folder and how its program is hosted. */
export interface StackParts {
  ws: EngineWorkspace;
  emulator: RunpodEmulator;
  cwd: string;
  /** The compiled Node.js program, or "" when the CLI or another host runs it. */
  program: string;
  hosting: Partial<PulumiOptions>;
  /** How the user's shell (`sh`) hosts the program (pulumiShim.ts). */
  shell: Omit<ShimSettings, "pulumi">;
  /** `close` also deletes the project folder. */
  removeCwd: boolean;
}

/** The ExampleStack over `parts` (no stack is created yet): commands, outputs, a user's shell, close. */
export function stackOf(parts: StackParts): ExampleStack {
  const { ws, emulator, cwd, hosting } = parts;
  const env = { RUNPOD_SSH_KEY_SETTLE_MS: "200" };
  const run = (args: string[], extra: Partial<PulumiOptions> = {}) =>
    pulumi(ws, args, { cwd, ...hosting, ...extra, env: { ...env, ...extra.env } });
  const ok = (args: string[], extra: Partial<PulumiOptions> = {}) =>
    pulumiOk(ws, args, { cwd, ...hosting, ...extra, env: { ...env, ...extra.env } });
  const shellEnv = userShellEnv(ws, parts.shell);
  let closed = false;
  return {
    ws,
    emulator,
    cwd,
    program: parts.program,
    run,
    ok,
    async outputs() {
      const result = await ok(["stack", "output", "--json", "--show-secrets"]);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    },
    sh: (script, extra = {}) => runUserShellOk(script, { ...shellEnv, ...env, ...extra.env }, { cwd, ...extra }),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await run(["destroy", "--yes", "--skip-preview", "--non-interactive"], { timeoutMs: 180_000 });
      } finally {
        await emulator.stop();
        ws.remove();
        if (parts.removeCwd) fs.rmSync(cwd, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Runs a generated command line (plus extra shell words) the way a user pastes it into a shell. A program it
 * needs that is not installed (ssh, scp, sftp, rsync) fails first, by name, with the package to install.
 */
export async function shell(command: string, extra = "", input?: string): Promise<string> {
  requireTools(...toolsIn(command));
  const child = execFile("sh", ["-c", `${command} ${extra}`], { timeout: 60_000 });
  // A command that exits before reading its input closes the pipe: its exit code and stderr say why, not EPIPE.
  child.stdin?.on("error", () => undefined);
  child.stdin?.end(input ?? "");
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`\`${command} ${extra}\` exited ${code}: ${stderr}`);
  return stdout;
}

/** A throwaway ED25519 public key with a comment, as a teammate would have registered by hand. */
export function teammateKey(dir: string, comment: string): string {
  const file = path.join(dir, comment);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  return fs.readFileSync(`${file}.pub`, "utf8").trim();
}

/** `pulumi preview` of a fresh quickstart-like stack plans 8 resources and makes no HTTP call. */
export async function assertPreviewCreatesWithoutCalls(stack: ExampleStack): Promise<void> {
  const preview = await stack.ok(["preview", "--non-interactive"]);
  assert.match(preview.output, /\+ 8 to create/, preview.output);
  assert.equal(stack.emulator.requests.length, 0, "preview makes no HTTP call");
}

/**
 * The stack's `sshCommand` output runs a remote command on its `podId`, the way the README says to run it:
 * `eval "$(pulumi stack output sshCommand) '<remote command>'"` in bash and in sh. Resolves with every output.
 */
export async function assertSshCommandRuns(stack: ExampleStack): Promise<Record<string, unknown>> {
  const out = await stack.outputs();
  for (const shellName of ["bash", "sh"] as const) {
    const said = await stack.sh(`eval "$(pulumi stack output sshCommand) 'echo ok-from-\\$RUNPOD_POD_ID'"`, { shell: shellName });
    assert.equal(said.stdout.trim(), `ok-from-${String(out.podId)}`, `the sshCommand output runs a remote command (${shellName})`);
  }
  return out;
}

/** After `pulumi destroy`: no pod, exactly the account keys held before, the private key file gone. */
export function assertNothingLeft(stack: ExampleStack, foreignKeys: string[], keyFile: string): void {
  assert.deepEqual(stack.emulator.pods(), [], "no pod left");
  assert.deepEqual(stack.emulator.accountKeys(), foreignKeys, "exactly the keys the account held before");
  assert.equal(fs.existsSync(keyFile), false, "the private key file is gone");
}
