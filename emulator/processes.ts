/**
 * Process helpers for the sshd children: signalling, finding a process tree, and
 * running synchronous cleanups when the emulator's process exits or is signalled.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

/** Send a signal, ignoring processes that are already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function childrenFromProc(): Map<number, number[]> | undefined {
  let names: string[];
  try {
    names = fs.readdirSync("/proc");
  } catch {
    return undefined;
  }
  const children = new Map<number, number[]>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Format: pid (comm) state ppid ...; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  return children;
}

function childrenFromPgrep(pid: number): number[] {
  const result = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" });
  if (result.error || typeof result.stdout !== "string") return [];
  return result.stdout.split(/\s+/).filter(Boolean).map(Number);
}

/** Every descendant of `pid` (children, grandchildren, ...), parents before children. */
export function listDescendants(pid: number): number[] {
  const table = childrenFromProc();
  const lookup = table ? (p: number) => table.get(p) ?? [] : childrenFromPgrep;
  const result: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift() as number;
    for (const child of lookup(current)) {
      if (!result.includes(child)) {
        result.push(child);
        queue.push(child);
      }
    }
  }
  return result;
}

type Cleanup = () => void;
const cleanups = new Set<Cleanup>();
const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let installed = false;

function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanups();
  // If nobody else handles the signal, behave as if we had not installed a handler.
  if (process.listenerCount(signal) === 1) {
    uninstall();
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runCleanups);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", runCleanups);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/**
 * Run `cleanup` synchronously if the process exits or receives SIGINT/SIGTERM/SIGHUP
 * while registered. Returns the function that unregisters it. Signal handlers are only
 * installed while at least one cleanup is registered, and re-raise the signal when no
 * other handler exists, so the default "terminate" behaviour is kept.
 */
export function onProcessExit(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  install();
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) uninstall();
  };
}
