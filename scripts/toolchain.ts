/**
 * `npm run toolchain`: a real Pulumi CLI for the tests, the demo and the benchmark.
 *
 * - The `pulumi` on PATH is used when it is recent enough (>= 3.141, the first with source-based plugins and
 *   `--client`).
 * - Otherwise one is built with `go` from the published Go modules `github.com/pulumi/pulumi/pkg/v3` and
 *   `sdk/v3` at one pinned version (nearer served versions are tried when the proxy refuses it), into a cache
 *   folder outside git (`PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR`, default `~/.cache/pulumi-runpod-ssh/toolchain`).
 *   Nothing of Pulumi's code and no binary is committed. A warm cache answers in milliseconds.
 * - `pulumi-resource-pulumi-nodejs` (the dynamic-provider plugin, a script shipped by `@pulumi/pulumi` on npm)
 *   is placed beside the binary, where the CLI looks for bundled plugins.
 *
 * The Node.js language host cannot be taken from the Go module proxy here (it refuses
 * `github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3` at every pseudo-version), so programs run
 * through the language server `@pulumi/pulumi` itself ships for the Automation API (see engine/programHost.ts).
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The Pulumi version built when no recent CLI is on PATH, then the served versions tried in its place. */
export const PINNED_PULUMI_VERSION = "3.274.1";
export const FALLBACK_PULUMI_VERSIONS = ["3.274.0", "3.260.0", "3.252.0"];
/** The oldest CLI this package's engine runs accept (source-based plugins, `--client`). */
export const MINIMUM_PULUMI_VERSION = "3.141.0";
/** Free space a cold build needs: module downloads (~0.5 GB) and Go's build cache (~3 GB). */
export const REQUIRED_FREE_BYTES = 4 * 1024 ** 3;
/** The one replace line of pkg/v3's go.mod a module that requires it must repeat. */
const CLIPBOARD_REPLACE = "github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e";

export interface Toolchain {
  /** Absolute path of the `pulumi` binary. */
  pulumi: string;
  /** Its folder, put first on PATH for runs (bundled plugins live there). */
  binDir: string;
  /** The version it reports, without the leading v. */
  version: string;
  source: "path" | "cache" | "built";
}

export class ToolchainError extends Error {
  override name = "ToolchainError";
}

export type Log = (line: string) => void;

export function toolchainCacheDir(): string {
  const fromEnv = process.env.PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR?.trim();
  if (fromEnv) return path.resolve(fromEnv);
  const cacheHome = process.env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), ".cache");
  return path.join(cacheHome, "pulumi-runpod-ssh", "toolchain");
}

/** Compares dotted versions numerically; a leading "v" and any pre-release suffix are ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/^v/, "").split(/[-+]/)[0].split(".").map((n) => Number(n) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

async function versionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(binary, ["version"], {
      timeout: 60_000,
      env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    const match = /v?(\d+\.\d+\.\d+\S*)/.exec(stdout.trim());
    return match?.[1];
  } catch {
    return undefined;
  }
}

/** True when `file` exists and this user may execute it. */
export function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `command` on PATH, or undefined. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && executable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

/** The directory of the installed `@pulumi/pulumi` (its package root ships the dynamic-provider plugin script). */
function pulumiSdkRoot(): string {
  return path.dirname(require.resolve("@pulumi/pulumi/package.json"));
}

/** Puts `pulumi-resource-pulumi-nodejs` beside the CLI (bundled-plugin lookup) unless one is already there. */
export function placeDynamicProviderPlugin(binDir: string): void {
  const target = path.join(binDir, "pulumi-resource-pulumi-nodejs");
  if (fs.existsSync(target)) return;
  fs.copyFileSync(path.join(pulumiSdkRoot(), "pulumi-resource-pulumi-nodejs"), target);
  fs.chmodSync(target, 0o755);
}

function buildDir(version: string): string {
  return path.join(toolchainCacheDir(), `v${version}`);
}

function cachedBinary(version: string): string | undefined {
  const bin = path.join(buildDir(version), "bin", "pulumi");
  return fs.existsSync(path.join(buildDir(version), "bin", "BUILD-INFO.json")) && fs.existsSync(bin) ? bin : undefined;
}

/** Throws a ToolchainError saying what to do when `dir`'s disk has less than `required` bytes free. */
export function checkFreeDisk(dir: string, required = REQUIRED_FREE_BYTES): void {
  fs.mkdirSync(dir, { recursive: true });
  const stats = fs.statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  if (free < required) {
    throw new ToolchainError(
      `Building the Pulumi CLI needs about ${(required / 1024 ** 3).toFixed(0)} GB free for Go's module and build ` +
        `caches, but ${dir} has ${(free / 1024 ** 3).toFixed(1)} GB free. Free some space, or point ` +
        "PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR (and GOCACHE/GOMODCACHE) at a larger disk, or install the Pulumi CLI " +
        `(>= ${MINIMUM_PULUMI_VERSION}) on PATH.`,
    );
  }
}

export async function goVersion(): Promise<string> {
  try {
    const { stdout } = await run("go", ["version"], { timeout: 60_000 });
    return stdout.trim();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ToolchainError(
      err.code === "ENOENT"
        ? "No Pulumi CLI >= 3.141 is on PATH and `go` is not installed, so none can be built. Install Go 1.26 or newer " +
          "(https://go.dev/dl/), or install the Pulumi CLI (https://www.pulumi.com/docs/install/), then run again."
        : `\`go version\` failed: ${err.message}`,
    );
  }
}

/** Runs a go command, streaming a progress line now and then; rejects with go's own last lines. */
export function goStep(args: string[], cwd: string, env: NodeJS.ProcessEnv, label: string, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn("go", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let downloads = 0;
    const onData = (d: Buffer) => {
      const text = d.toString();
      output += text;
      downloads += (text.match(/^go: downloading /gm) ?? []).length;
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const ticker = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      log(`  ${label}: ${seconds} s${downloads > 0 ? `, ${downloads} modules downloaded` : ""}`);
    }, 30_000);
    child.on("error", (e) => {
      clearInterval(ticker);
      reject(new ToolchainError(`go ${args[0]} could not start: ${e.message}`));
    });
    child.on("close", (code) => {
      clearInterval(ticker);
      if (code === 0) return resolve();
      const tail = output.trim().split("\n").slice(-15).join("\n");
      reject(new ToolchainError(`\`go ${args.join(" ")}\` failed (exit ${code}) in ${cwd}:\n${tail}`));
    });
  });
}

/** True when go's error says the proxy does not serve that version (try another one). */
export function isNotServed(message: string): boolean {
  return /not available|403 Forbidden|404 Not Found|410 Gone|unknown revision|invalid version/.test(message);
}

export interface GoMainBuild {
  /** The cache folder of this build: the module goes to `<dir>/module`, nothing outside `dir` is written. */
  dir: string;
  /** The module path of our small build module (its go.mod's `module` line). */
  moduleName: string;
  /** Files of ours to write into the module (e.g. a main.go), by name. */
  files?: Record<string, string>;
  /** What `go get` adds, each `module[/package]@version`. */
  require: string[];
  /** `go build` arguments after `-trimpath` (flags, `-o <binary>`, the package). */
  buildArgs: string[];
  log: Log;
}

/**
 * Builds one main package from published Go modules in a fresh module of ours, in `dir/module`: go.mod (with the
 * one replace line pkg/v3 needs), `go get`, `go build -trimpath` with CGO off, each step with progress lines.
 * Returns the build time in seconds.
 */
export async function buildGoMain(build: GoMainBuild): Promise<number> {
  const moduleDir = path.join(build.dir, "module");
  fs.rmSync(moduleDir, { recursive: true, force: true });
  fs.mkdirSync(moduleDir, { recursive: true });
  fs.writeFileSync(path.join(moduleDir, "go.mod"), `module ${build.moduleName}\n\ngo 1.26\n\nreplace ${CLIPBOARD_REPLACE}\n`);
  for (const [name, text] of Object.entries(build.files ?? {})) fs.writeFileSync(path.join(moduleDir, name), text);
  const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
  const started = Date.now();
  build.log(`  step 1/2: resolving ${build.require.join(", ")} through the Go module proxy`);
  await goStep(["get", ...build.require], moduleDir, env, "resolving", build.log);
  build.log("  step 2/2: compiling (CGO_ENABLED=0, -trimpath)");
  await goStep(["build", "-trimpath", ...build.buildArgs], moduleDir, env, "compiling", build.log);
  return Math.round((Date.now() - started) / 1000);
}

/** Records a finished build beside its binary; a cache entry counts only with this file. */
export function writeBuildInfo(binDir: string, version: string, buildSeconds: number): void {
  fs.writeFileSync(
    path.join(binDir, "BUILD-INFO.json"),
    JSON.stringify({ version, builtAt: new Date().toISOString(), buildSeconds }, null, 2),
  );
}

async function buildVersion(version: string, log: Log): Promise<string> {
  const dir = buildDir(version);
  const binDir = path.join(dir, "bin");
  fs.mkdirSync(binDir, { recursive: true });
  log(`building the Pulumi CLI v${version} with ${await goVersion()} into ${binDir} (a cold build takes minutes)`);
  const seconds = await buildGoMain({
    dir,
    moduleName: "pulumi-runpod-ssh/toolchain",
    require: [`github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v${version}`, `github.com/pulumi/pulumi/sdk/v3@v${version}`],
    buildArgs: [
      "-tags",
      "osusergo,grpcnotrace",
      "-ldflags",
      `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`,
      "-o",
      path.join(binDir, "pulumi"),
      "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
    ],
    log,
  });
  writeBuildInfo(binDir, version, seconds);
  log(`built the Pulumi CLI v${version} in ${seconds} s`);
  return path.join(binDir, "pulumi");
}

/** The toolchain, from PATH, the cache, or a fresh build (with progress lines on `log`). */
export async function ensureToolchain(log: Log = (l) => console.error(l)): Promise<Toolchain> {
  const fromPath = process.env.PULUMI_RUNPOD_SSH_IGNORE_PATH_CLI ? undefined : onPath("pulumi");
  if (fromPath) {
    const version = await versionOf(fromPath);
    if (version && compareVersions(version, MINIMUM_PULUMI_VERSION) >= 0) {
      const binDir = path.dirname(fs.realpathSync(fromPath));
      if (!fs.existsSync(path.join(binDir, "pulumi-resource-pulumi-nodejs"))) {
        throw new ToolchainError(
          `The Pulumi CLI on PATH (${fromPath}, v${version}) has no pulumi-resource-pulumi-nodejs beside it; reinstall it ` +
            "from https://www.pulumi.com/docs/install/ or remove it from PATH so a CLI is built for these runs.",
        );
      }
      return { pulumi: fromPath, binDir, version, source: "path" };
    }
    log(`ignoring ${fromPath}: version ${version ?? "unknown"} is older than ${MINIMUM_PULUMI_VERSION}`);
  }
  for (const version of [PINNED_PULUMI_VERSION, ...FALLBACK_PULUMI_VERSIONS]) {
    const cached = cachedBinary(version);
    if (cached) {
      placeDynamicProviderPlugin(path.dirname(cached));
      return { pulumi: cached, binDir: path.dirname(cached), version, source: "cache" };
    }
  }
  checkFreeDisk(toolchainCacheDir());
  const refused: string[] = [];
  for (const version of [PINNED_PULUMI_VERSION, ...FALLBACK_PULUMI_VERSIONS]) {
    try {
      const binary = await buildVersion(version, log);
      placeDynamicProviderPlugin(path.dirname(binary));
      const reported = await versionOf(binary);
      if (reported !== version) {
        throw new ToolchainError(`The built CLI at ${binary} reports version ${reported ?? "none"}, expected ${version}.`);
      }
      return { pulumi: binary, binDir: path.dirname(binary), version, source: "built" };
    } catch (e) {
      const message = (e as Error).message;
      if (!isNotServed(message)) throw e;
      refused.push(`v${version}: ${message.split("\n").slice(-3).join(" ")}`);
      log(`  v${version} is not served by the Go module proxy; trying the next version`);
    }
  }
  throw new ToolchainError(`No Pulumi CLI version could be built; the Go module proxy refused each:\n${refused.join("\n")}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const toolchain = await ensureToolchain((line) => console.log(line));
  const ms = Date.now() - started;
  console.log(`pulumi v${toolchain.version} (${toolchain.source}): ${toolchain.pulumi} [${ms} ms]`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`npm run toolchain failed: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
