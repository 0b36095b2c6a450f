/**
 * `npm run release [-- --out <dir>]`: builds every artifact of the version in package.json into one folder
 * (default `artifacts/`, git-ignored), from the compiled dist/ and the committed schema and SDKs:
 *
 * - `pulumi-runpod-ssh-<v>.tgz`: the npm package (`npm pack`);
 * - `pulumi-resource-runpod-ssh-v<v>-<os>-<arch>.tar.gz` for linux, darwin, windows x amd64, arm64
 *   (pluginArchive.ts);
 * - `pulumi_runpod_ssh-<v>-py3-none-any.whl` and `pulumi_runpod_ssh-<v>.tar.gz`: the Python SDK (sdk/python);
 * - `go/runpodssh/`: the Go module as the tag `sdk/go/runpodssh/v<v>` serves it (sdk/go/runpodssh);
 * - `checksums.txt`: SHA-256 of every file above.
 *
 * The version comes from package.json alone: the schema, the SDKs and the plugin carry it from there, and this
 * refuses to build when one of them was generated from another version (run `npm run schema && npm run sdks`).
 */
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { pythonCommand } from "../toolchainPython";
import { toolchainCacheDir, ToolchainError, type Log } from "../toolchain";
import { allPlatforms, archiveName, bundlePlugin, writeArchives, BUNDLE } from "./pluginArchive";
import { GO_SDK_DIR, PYTHON_SDK_DIR, ROOT } from "./sdks";

const run = promisify(execFile);

export const DEFAULT_OUT_DIR = path.join(ROOT, "artifacts");

export function packageVersion(root = ROOT): string {
  return (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
}

/** The file names a release of `version` holds at its top level (the Go module folder aside). */
export function releaseFiles(version: string): string[] {
  return [
    `pulumi-runpod-ssh-${version}.tgz`,
    ...allPlatforms().map((p) => archiveName(version, p)),
    `pulumi_runpod_ssh-${version}-py3-none-any.whl`,
    `pulumi_runpod_ssh-${version}.tar.gz`,
    "checksums.txt",
  ];
}

/** Every place that must carry package.json's version, and the version it carries. */
function carriedVersions(root: string): Array<[string, string | undefined]> {
  const json = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as { version?: string };
  const pyproject = fs.readFileSync(path.join(root, PYTHON_SDK_DIR, "pyproject.toml"), "utf8");
  return [
    ["sdk/plugin/schema.json", json("sdk/plugin/schema.json").version],
    [`${PYTHON_SDK_DIR}/pyproject.toml`, /^\s*version = "([^"]+)"/m.exec(pyproject)?.[1]],
    [
      `${PYTHON_SDK_DIR}/pulumi_runpod_ssh/pulumi-plugin.json`,
      json(`${PYTHON_SDK_DIR}/pulumi_runpod_ssh/pulumi-plugin.json`).version,
    ],
    [`${GO_SDK_DIR}/pulumi-plugin.json`, json(`${GO_SDK_DIR}/pulumi-plugin.json`).version],
  ];
}

export function checkVersions(root = ROOT): string {
  const version = packageVersion(root);
  const stale = carriedVersions(root).filter(([, v]) => v !== version);
  if (stale.length > 0) {
    throw new Error(
      `package.json says ${version} but ${stale.map(([f, v]) => `${f} says ${v ?? "nothing"}`).join(", ")}; ` +
        "run `npm run schema && npm run sdks` and commit the result.",
    );
  }
  return version;
}

/** A virtualenv with PyPA's `build` in the toolchain cache, made once; returns its python. */
async function pythonBuilder(log: Log): Promise<string> {
  const dir = path.join(toolchainCacheDir(), "python-build-venv");
  const python = path.join(dir, "bin", "python");
  try {
    await run(python, ["-c", "import build"], { timeout: 60_000 });
    return python;
  } catch {
    log(`making a virtualenv with PyPA's build in ${dir}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  await run(await pythonCommand(), ["-m", "venv", dir], { timeout: 120_000 });
  try {
    await run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "build"], {
      timeout: 10 * 60_000,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new ToolchainError(`pip could not install PyPA's build into ${dir}: ${(err.stderr || err.message).trim()}`);
  }
  return python;
}

async function step<T>(label: string, log: Log, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const value = await action();
  log(`${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return value;
}

/** Builds the release of package.json's version into `outDir` (emptied first); returns the version. */
export async function buildRelease(outDir = DEFAULT_OUT_DIR, log: Log = (l) => console.error(l)): Promise<string> {
  const version = checkVersions(ROOT);
  if (!fs.existsSync(path.join(ROOT, "dist", "scripts", "release", "pluginEntry.js"))) {
    throw new Error("dist/ is not built: run `npm run build` first (`npm run release` does).");
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "runpod-ssh-release-"));
  try {
    await step("npm package", log, () =>
      run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", outDir], { cwd: ROOT }),
    );
    const bundle = path.join(scratch, BUNDLE);
    await step("plugin bundled", log, () => bundlePlugin(ROOT, version, bundle));
    await step("plugin archives", log, async () => writeArchives(bundle, path.join(ROOT, "LICENSE"), version, outDir));
    // PyPA's build writes build/ and *.egg-info beside the sources: build from a copy.
    const pythonSource = path.join(scratch, "python");
    fs.cpSync(path.join(ROOT, PYTHON_SDK_DIR), pythonSource, { recursive: true });
    // pyproject.toml's `readme = "README.md"` (the project page on PyPI) and the license, as Pulumi's providers add them.
    for (const file of ["LICENSE", "README.md"]) fs.copyFileSync(path.join(ROOT, file), path.join(pythonSource, file));
    const python = await pythonBuilder(log);
    await step("Python wheel and sdist", log, () =>
      run(python, ["-m", "build", "--sdist", "--wheel", "--outdir", outDir, pythonSource], { timeout: 10 * 60_000 }),
    );
    fs.cpSync(path.join(ROOT, GO_SDK_DIR), path.join(outDir, "go", path.basename(GO_SDK_DIR)), { recursive: true });
    const sums = releaseFiles(version)
      .filter((f) => f !== "checksums.txt")
      .map(
        (f) =>
          `${crypto
            .createHash("sha256")
            .update(fs.readFileSync(path.join(outDir, f)))
            .digest("hex")}  ${f}`,
      );
    fs.writeFileSync(path.join(outDir, "checksums.txt"), `${sums.join("\n")}\n`);
    const missing = releaseFiles(version).filter((f) => !fs.existsSync(path.join(outDir, f)));
    if (missing.length > 0) throw new Error(`the release is missing ${missing.join(", ")}`);
    return version;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const at = process.argv.indexOf("--out");
  const outDir = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : DEFAULT_OUT_DIR;
  buildRelease(outDir).then(
    (version) => {
      for (const f of releaseFiles(version)) console.log(path.join(outDir, f));
    },
    (e: unknown) => {
      console.error(`npm run release failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
