/**
 * `npm run toolchain:yaml`: Pulumi's YAML language host (`pulumi-language-yaml`) for running YAML programs,
 * such as examples/yaml, under the real CLI of scripts/toolchain.ts.
 *
 * - A `pulumi-language-yaml` beside the CLI or on PATH is used as it is (a normal Pulumi install ships one).
 * - Otherwise it is built with `go` from the published module `github.com/pulumi/pulumi-yaml` at one pinned
 *   version into the toolchain cache (`<cache>/language-yaml-v<version>/bin`, outside git, and copied beside a
 *   CLI the cache holds, where the CLI looks for bundled language hosts first), with the same rules
 *   as the CLI: progress lines while it builds, a clear stop when `go` or disk space is missing, nothing of
 *   Pulumi's code or any binary committed. A warm cache answers at once.
 *
 * YAML programs need no generated SDK: the YAML host reads the schema of each package a program uses from the
 * provider plugin itself, which is what makes it the one non-TypeScript language these machines can run.
 */
import fs from "node:fs";
import path from "node:path";
import {
  ToolchainError,
  buildGoMain,
  checkFreeDisk,
  ensureToolchain,
  executable,
  goVersion,
  onPath,
  toolchainCacheDir,
  writeBuildInfo,
  type Toolchain,
  type Log,
} from "./toolchain";

export const PINNED_YAML_VERSION = "1.25.0";
const YAML_MODULE = "github.com/pulumi/pulumi-yaml";
const YAML_MAIN = `${YAML_MODULE}/cmd/pulumi-language-yaml`;

export interface YamlHost {
  /** Absolute path of `pulumi-language-yaml`. */
  binary: string;
  /** Its folder; put it on PATH for runs, so the CLI finds the host. */
  binDir: string;
  source: "beside-cli" | "path" | "cache" | "built";
}

export function yamlHostDir(version = PINNED_YAML_VERSION): string {
  return path.join(toolchainCacheDir(), `language-yaml-v${version}`);
}

async function buildYamlHost(version: string, log: Log): Promise<string> {
  const dir = yamlHostDir(version);
  const binDir = path.join(dir, "bin");
  fs.mkdirSync(binDir, { recursive: true });
  let go: string;
  try {
    go = await goVersion();
  } catch {
    throw new ToolchainError(
      "Pulumi's YAML language host (pulumi-language-yaml) is neither beside the Pulumi CLI nor on PATH, and `go` is " +
        "not installed, so it cannot be built. Install Go 1.26 or newer (https://go.dev/dl/), or install the Pulumi " +
        "CLI (https://www.pulumi.com/docs/install/), which ships the YAML host.",
    );
  }
  log(
    `building Pulumi's YAML language host v${version} with ${go} into ${binDir} ` +
      "(about a minute with warm Go caches)",
  );
  const binary = path.join(binDir, "pulumi-language-yaml");
  const seconds = await buildGoMain({
    dir,
    moduleName: "pulumi-runpod-ssh/toolchain-yaml",
    require: [`${YAML_MAIN}@v${version}`],
    buildArgs: ["-ldflags", `-s -w -X ${YAML_MODULE}/pkg/version.Version=v${version}`, "-o", binary, YAML_MAIN],
    log,
  });
  writeBuildInfo(binDir, version, seconds);
  log(`built pulumi-language-yaml v${version} in ${seconds} s`);
  return binary;
}

/** The YAML language host for `toolchain`: beside the CLI, on PATH, cached, or freshly built. */
export async function ensureYamlHost(toolchain: Toolchain, log: Log = (l) => console.error(l)): Promise<YamlHost> {
  const beside = path.join(toolchain.binDir, "pulumi-language-yaml");
  if (executable(beside)) return { binary: beside, binDir: toolchain.binDir, source: "beside-cli" };
  const fromPath = process.env.PULUMI_RUNPOD_SSH_IGNORE_PATH_CLI ? undefined : onPath("pulumi-language-yaml");
  if (fromPath) return { binary: fromPath, binDir: path.dirname(fromPath), source: "path" };
  const binDir = path.join(yamlHostDir(), "bin");
  let binary = path.join(binDir, "pulumi-language-yaml");
  let source: YamlHost["source"] = "cache";
  if (!executable(binary) || !fs.existsSync(path.join(binDir, "BUILD-INFO.json"))) {
    checkFreeDisk(toolchainCacheDir());
    binary = await buildYamlHost(PINNED_YAML_VERSION, log);
    source = "built";
  }
  // Beside a CLI of our own cache, where the CLI looks for bundled language hosts first (no "from $PATH" warning).
  if (toolchain.source !== "path") {
    fs.copyFileSync(binary, beside);
    fs.chmodSync(beside, 0o755);
    return { binary: beside, binDir: toolchain.binDir, source };
  }
  return { binary, binDir, source };
}

async function main(): Promise<void> {
  const started = Date.now();
  const toolchain = await ensureToolchain((line) => console.log(line));
  const host = await ensureYamlHost(toolchain, (line) => console.log(line));
  console.log(`pulumi-language-yaml (${host.source}): ${host.binary} [${Date.now() - started} ms]`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`npm run toolchain:yaml failed: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
