/**
 * The compiled emulator CLI, runnable by another (non-root) user wherever the checkout sits. A checkout in a folder
 * only root can read (a clone under /root, or in `mktemp -d`) is out of that user's reach, so the emulator's files
 * (dist/emulator, its API contract and the node modules it loads) are copied into a temporary directory every
 * user can read. When even that cannot work (the node binary itself is out of reach), the reason is returned.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const RUNUSER = "/usr/sbin/runuser";

/** The checkout's root, from this file's compiled place (dist/test/helpers). */
export const CHECKOUT_ROOT = path.resolve(__dirname, "..", "..", "..");

/** Everything the emulator needs at run time, relative to a checkout's root. */
function emulatorFiles(root: string): string[] {
  const modules = moduleClosure(root, "ajv").map((name) => path.join("node_modules", name));
  return [path.join("dist", "emulator"), path.join("emulator", "openapi-v2.json"), ...modules];
}

/** `name` and the packages it depends on, transitively, as installed (hoisted) under `root`/node_modules. */
function moduleClosure(root: string, name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) moduleClosure(root, dependency, seen);
  return [...seen];
}

/** Copies the emulator's run-time files from the checkout at `from` to `to` (same layout). */
export function copyEmulatorFiles(from: string, to: string): void {
  for (const relative of emulatorFiles(from)) {
    fs.cpSync(path.join(from, relative), path.join(to, relative), { recursive: true, dereference: true });
  }
}

/** True when `user` can run `script` with this node binary (every folder on the way searchable, files readable). */
function userCanLoad(user: string, script: string): boolean {
  const probe = `require(${JSON.stringify(path.join(path.dirname(script), "index.js"))}); ` +
    `require(${JSON.stringify(path.join(path.dirname(script), "specValidator.js"))}).loadSpecValidator()` +
    ".then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });";
  return spawnSync(RUNUSER, ["-u", user, "--", process.execPath, "-e", probe], { cwd: "/", stdio: "ignore" }).status === 0;
}

export type EmulatorForUser = { cliPath: string; copied: boolean; cleanup(): void } | { skip: string };

/**
 * The CLI path `user` can run: the checkout's own when `user` can read it, else a copy in a fresh temporary
 * directory every user can read (removed by `cleanup`). `root` is the checkout to run from.
 */
export function emulatorForUser(user: string, root: string = CHECKOUT_ROOT): EmulatorForUser {
  if (spawnSync(RUNUSER, ["-u", user, "--", process.execPath, "-e", "0"], { cwd: "/", stdio: "ignore" }).status !== 0) {
    return { skip: `skipped: ${user} cannot run ${process.execPath} (the node binary is out of that user's reach)` };
  }
  const inPlace = path.join(root, "dist", "emulator", "cli.js");
  if (userCanLoad(user, inPlace)) return { cliPath: inPlace, copied: false, cleanup: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-for-user-"));
  const cleanup = (): void => fs.rmSync(dir, { recursive: true, force: true });
  try {
    copyEmulatorFiles(root, dir);
    fs.chmodSync(dir, 0o755);
    const cliPath = path.join(dir, "dist", "emulator", "cli.js");
    if (userCanLoad(user, cliPath)) return { cliPath, copied: true, cleanup };
    cleanup();
    return { skip: `skipped: ${user} can read neither the checkout (${root}) nor a copy of the emulator in ${os.tmpdir()}` };
  } catch (e) {
    cleanup();
    throw e;
  }
}
