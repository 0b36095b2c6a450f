/**
 * Run the standalone emulator (`dist/emulator/cli.js`) in a child process for tests.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import * as path from "node:path";
import type { Readable } from "node:stream";

/** Compiled CLI, next to this file's compiled form: dist/test/helpers -> dist/emulator/cli.js. */
export const CLI_PATH = path.join(__dirname, "..", "..", "emulator", "cli.js");

export interface CliRun {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ListeningCli extends CliRun {
  url: string;
  apiKey: string;
}

/** Spawn the CLI (optionally through a wrapper such as `runuser -u USER --`, and from another copy of it). */
export function spawnCli(args: string[], wrapper: string[] = [], cliPath: string = CLI_PATH): CliRun {
  const command = [...wrapper, process.execPath, cliPath, ...args];
  const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "pipe"], cwd: "/" });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Spawn the CLI and wait for its two stdout lines. */
export async function startCli(args: string[], wrapper: string[] = [], timeoutMs = 10000, cliPath: string = CLI_PATH): Promise<ListeningCli> {
  const run = spawnCli(args, wrapper, cliPath);
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (!/RUNPOD_API_KEY=\S+\n/.test(run.stdout())) {
    if (exited) throw new Error(`emulator CLI exited before listening: ${run.stderr()}`);
    if (Date.now() > deadline) {
      run.child.kill("SIGKILL");
      throw new Error(`emulator CLI did not print its lines within ${timeoutMs} ms: ${run.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const url = /^RUNPOD_API_URL=(\S+)$/m.exec(run.stdout())?.[1];
  const apiKey = /^RUNPOD_API_KEY=(\S+)$/m.exec(run.stdout())?.[1];
  if (!url || !apiKey) throw new Error(`unexpected CLI output: ${run.stdout()}`);
  return { ...run, url, apiKey };
}
