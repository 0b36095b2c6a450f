/**
 * The programs the tests run the way users do (ssh, scp, sftp, rsync, ssh-keygen) and the sshd of the emulator's
 * pods, with the Debian package that provides each. A missing one is reported by name with the command that
 * installs it, before a test runs it: never as a spawn `ENOENT`, a shell's "not found" buried in an assertion, or
 * an uncaught `EPIPE` from writing to the stdin of a command that could not start.
 */
import fs from "node:fs";
import path from "node:path";

/** Each program, and the Debian/Ubuntu package it comes in. */
export const TOOL_PACKAGES = {
  ssh: "openssh-client",
  scp: "openssh-client",
  sftp: "openssh-client",
  "ssh-keygen": "openssh-client",
  sshd: "openssh-server",
  rsync: "rsync",
  curl: "curl",
} as const;

export type Tool = keyof typeof TOOL_PACKAGES;

/** Where sshd lives when it is not on PATH (it is in sbin, often not on a user's PATH). */
const SBIN = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

/** The executable file of `tool` on `PATH` (and, for sshd, in the sbin folders), or undefined. */
export function findTool(tool: Tool, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
  if (tool === "sshd") dirs.push(...SBIN);
  for (const dir of dirs) {
    const file = path.join(dir, tool);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The tools a shell command line runs: each known program named as a word of it (`rsync ... -e "ssh ..."`). */
export function toolsIn(commandLine: string): Tool[] {
  return (Object.keys(TOOL_PACKAGES) as Tool[]).filter((tool) =>
    new RegExp(`(^|[\\s"'(;|&])${tool.replace("-", "\\-")}(?=$|[\\s"';|&)])`).test(commandLine),
  );
}

/** The message for missing tools: each by name, and one `apt-get install` line for all of them. */
export function missingToolsMessage(missing: Tool[]): string {
  const packages = [...new Set(missing.map((tool) => TOOL_PACKAGES[tool]))];
  const where = missing.includes("sshd") ? "on PATH or in /usr/sbin" : "on PATH";
  return (
    `Missing test prerequisite${missing.length > 1 ? "s" : ""}: ${missing.join(", ")} (not found ${where}). The tests ` +
    `run ${missing.length > 1 ? "them" : "it"} as users do. Install with: apt-get install ${packages.join(" ")} ` +
    "(Debian/Ubuntu; .ci/run installs them on a clean machine)."
  );
}

/** Throws one error naming every missing tool of `tools` and the packages to install. */
export function requireTools(...tools: Tool[]): void {
  const missing = tools.filter((tool) => findTool(tool) === undefined);
  if (missing.length > 0) throw new Error(missingToolsMessage(missing));
}

/** Every tool the suite runs (ssh, scp, sftp, rsync, ssh-keygen, sshd; curl for the pods' watchdog and a docs block). */
export const ALL_TOOLS = Object.keys(TOOL_PACKAGES) as Tool[];
