/**
 * Shared pieces of the reliability suite: key generation, worker processes (optionally killed), and the
 * collector of every text the suite saw, which the secrets scenario scans at the end.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** One line of the suite's table. */
export interface ScenarioResult {
  scenario: string;
  trials: number;
  failures: number;
  /** The figures that must be zero, by name. */
  mustBeZero: Record<string, number>;
  /** Other figures worth printing. */
  notes?: Record<string, number | string>;
}

export interface SuiteSize {
  name: "small" | "full";
  keyProcesses: number;
  keyRepetitions: number;
  /** Rounds of the key lifecycle run concurrently with other people's lines for the same keys around. */
  foreignSequences: number;
  faultRuns: number;
  crashRuns: number;
  stormPods: number;
}

export const SIZES: Record<"small" | "full", SuiteSize> = {
  small: { name: "small", keyProcesses: 8, keyRepetitions: 2, foreignSequences: 1, faultRuns: 1, crashRuns: 2, stormPods: 8 },
  full: { name: "full", keyProcesses: 8, keyRepetitions: 20, foreignSequences: 5, faultRuns: 5, crashRuns: 10, stormPods: 20 },
};

/** Everything the suite saw that must not contain a secret. */
export class Transcript {
  readonly texts: Array<{ where: string; text: string }> = [];
  /** API keys of the emulators used: the secrets scan looks for them. */
  readonly apiKeys: string[] = [];
  secret(apiKey: string): void {
    this.apiKeys.push(apiKey);
  }
  add(where: string, text: unknown): void {
    if (text === undefined || text === null) return;
    this.texts.push({ where, text: typeof text === "string" ? text : JSON.stringify(text) });
  }
}

export interface KeyPair {
  publicKey: string;
  privateKey: string;
}

/** Fresh ed25519 key pairs from ssh-keygen. */
export function makeKeys(count: number, label: string): KeyPair[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reliability-keys-"));
  try {
    return Array.from({ length: count }, (_, i) => {
      const file = path.join(dir, `k${i}`);
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${label}-${i}`, "-f", file]);
      return { publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim(), privateKey: fs.readFileSync(file, "utf8") };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface WorkerResult {
  ok: boolean;
  killed: boolean;
  id?: string;
  outs?: Record<string, unknown>;
  error?: string;
  stdout: string;
  stderr: string;
}

const WORKER = path.join(__dirname, "worker.js");

/** Runs one provider operation in a child process; with `killAfterMs`, SIGKILLs it then. */
export function runWorker(env: Record<string, string>, killAfterMs?: number): Promise<WorkerResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WORKER], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs !== undefined ? setTimeout(() => {
      killed = child.exitCode === null;
      child.kill("SIGKILL");
    }, killAfterMs) : undefined;
    child.on("close", () => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").pop() ?? "";
      let parsed: Partial<WorkerResult> = {};
      try {
        parsed = JSON.parse(last) as Partial<WorkerResult>;
      } catch {
        parsed = { ok: false };
      }
      resolve({ ok: parsed.ok === true, killed, id: parsed.id, outs: parsed.outs, error: parsed.error, stdout, stderr });
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
