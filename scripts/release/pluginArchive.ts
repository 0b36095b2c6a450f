/**
 * The provider plugin as Pulumi plugin archives: `pulumi-resource-runpod-ssh-v<version>-<os>-<arch>.tar.gz`, each
 * with the executable `pulumi-resource-runpod-ssh` (`.cmd` on Windows) at its root, beside one bundled script
 * holding the provider and every dependency (esbuild, from the compiled dist/), and the LICENSE.
 *
 * Why a bundle plus a launcher that needs Node.js >= 20 on PATH, and not a single executable with Node inside
 * (Node SEA, pkg): the script is the same on every platform, so one machine builds all six archives (a SEA needs
 * the Node binary of each target platform, which only Node's own download site serves); an archive is ~2 MB
 * instead of ~40 MB; and Node is already on the machine of every user of a Pulumi TypeScript program. The cost:
 * Python, Go and YAML users need Node.js >= 20 too (the launcher says so when it is missing).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const PLUGIN_NAME = "runpod-ssh";
export const EXECUTABLE = `pulumi-resource-${PLUGIN_NAME}`;
export const BUNDLE = `${EXECUTABLE}.js`;
export const PLATFORMS = ["linux", "darwin", "windows"] as const;
export const ARCHITECTURES = ["amd64", "arm64"] as const;
export type Platform = `${(typeof PLATFORMS)[number]}-${(typeof ARCHITECTURES)[number]}`;

export function allPlatforms(): Platform[] {
  return PLATFORMS.flatMap((os) => ARCHITECTURES.map((arch): Platform => `${os}-${arch}`));
}

/** The archive's file name, as `pulumi plugin install` downloads it. */
export function archiveName(version: string, platform: Platform): string {
  return `${EXECUTABLE}-v${version}-${platform}.tar.gz`;
}

const SH_LAUNCHER = `#!/bin/sh
# The runpod-ssh Pulumi resource plugin: runs the provider bundled beside this file with Node.js >= 20 from PATH.
if ! command -v node >/dev/null 2>&1; then
  echo "pulumi-resource-runpod-ssh needs Node.js 20 or newer on PATH (node was not found)." >&2
  exit 1
fi
exec node "$(dirname "$0")/${BUNDLE}" "$@"
`;

const CMD_LAUNCHER = `@echo off\r
rem The runpod-ssh Pulumi resource plugin: runs the provider bundled beside this file with Node.js >= 20 from PATH.\r
node "%~dp0${BUNDLE}" %*\r
`;

/**
 * Bundles the compiled plugin (dist/) into `outFile`: one script, minified, with the version of `version` written
 * in (sdk/version.js reads package.json beside dist/ otherwise, which a bundle does not have).
 */
export async function bundlePlugin(root: string, version: string, outFile: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  const versionModule = path.join(root, "dist", "sdk", "version.js");
  const result = await esbuild.build({
    entryPoints: [path.join(root, "dist", "scripts", "release", "pluginEntry.js")],
    bundle: true,
    minify: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile: outFile,
    legalComments: "none",
    logLevel: "silent",
    // pluginEntry.ts answers this one at run time.
    logOverride: { "require-resolve-not-external": "silent" },
    plugins: [
      {
        name: "package-version",
        setup(build) {
          build.onLoad({ filter: /[\\/]dist[\\/]sdk[\\/]version\.js$/ }, (args) =>
            args.path === versionModule
              ? { contents: `exports.PACKAGE_VERSION = ${JSON.stringify(version)};`, loader: "js" }
              : undefined,
          );
        },
      },
    ],
  });
  if (result.errors.length > 0)
    throw new Error(`bundling the plugin failed: ${result.errors.map((e) => e.text).join("; ")}`);
}

/** Writes one archive per platform into `outDir` from a built bundle; returns their paths. */
export function writeArchives(
  bundleFile: string,
  licenseFile: string,
  version: string,
  outDir: string,
  platforms: Platform[] = allPlatforms(),
): string[] {
  const written: string[] = [];
  for (const platform of platforms) {
    const stage = fs.mkdtempSync(path.join(outDir, ".stage-"));
    try {
      const launcher = platform.startsWith("windows") ? `${EXECUTABLE}.cmd` : EXECUTABLE;
      fs.writeFileSync(path.join(stage, launcher), platform.startsWith("windows") ? CMD_LAUNCHER : SH_LAUNCHER, {
        mode: 0o755,
      });
      fs.copyFileSync(bundleFile, path.join(stage, BUNDLE));
      fs.copyFileSync(licenseFile, path.join(stage, "LICENSE"));
      const archive = path.join(outDir, archiveName(version, platform));
      // Entries at the archive's root (no leading "./"), as Pulumi's own plugin archives have them.
      execFileSync("tar", ["-czf", archive, "-C", stage, launcher, BUNDLE, "LICENSE"]);
      written.push(archive);
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  }
  return written;
}
