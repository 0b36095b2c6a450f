/**
 * Shared helpers for tests that talk to the Runpod emulator over raw HTTP (no SDK client),
 * generate SSH keys and run the system ssh client.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { ApiPod } from "../../emulator/podJson";
import type { ProblemDetails } from "../../emulator/problem";
import type { PodStatus, PodTimings, RunpodEmulator } from "../../emulator/types";
import { findTool, missingToolsMessage, TOOL_PACKAGES, type Tool } from "./prerequisites";

export type { ApiPod, ProblemDetails };

const execFileAsync = promisify(execFile);

/** Runpod's exact (misleading) capacity answer, spelled out so tests pin the text. */
export const NO_INSTANCES_DETAIL =
  "There are no longer any instances available with the requested specifications. Please refresh and try again.";

/** Lifecycle delays small enough for tests but large enough to observe each status. */
export const FAST_TIMINGS: PodTimings = { provisioningMs: 60, startingMs: 60, sshdStartMs: 40 };

/** A reply from the emulator. */
export interface Reply<T> {
  status: number;
  headers: Headers;
  /** Parsed JSON (or `undefined` for an empty body). */
  body: T;
  text: string;
}

/** Minimal HTTP client for the emulator. */
export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  static for(emulator: Pick<RunpodEmulator, "url" | "apiKey">): Api {
    return new Api(emulator.url, emulator.apiKey);
  }

  /** Send a request; `body` is JSON-encoded unless it is a string (sent raw). */
  async request<T = unknown>(method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const allHeaders: Record<string, string> = { "User-Agent": "runpod-emulator-tests", ...headers };
    if (this.apiKey !== undefined && allHeaders.Authorization === undefined) allHeaders.Authorization = `Bearer ${this.apiKey}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      allHeaders["Content-Type"] ??= "application/json";
    }
    const response = await fetch(`${this.baseUrl}${pathAndQuery}`, { method, headers: allHeaders, body: payload });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text === "" ? undefined : JSON.parse(text)) as T, text };
  }

  get<T = unknown>(p: string): Promise<Reply<T>> {
    return this.request<T>("GET", p);
  }
  post<T = unknown>(p: string, body?: unknown): Promise<Reply<T>> {
    return this.request<T>("POST", p, body);
  }
  put<T = unknown>(p: string, body?: unknown): Promise<Reply<T>> {
    return this.request<T>("PUT", p, body);
  }
  patch<T = unknown>(p: string, body?: unknown): Promise<Reply<T>> {
    return this.request<T>("PATCH", p, body);
  }
  delete<T = unknown>(p: string): Promise<Reply<T>> {
    return this.request<T>("DELETE", p);
  }

  /** Create a pod, asserting 201. */
  async createPod(body: Record<string, unknown>): Promise<ApiPod> {
    const reply = await this.post<ApiPod>("/v2/pods", body);
    if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  async getPod(id: string): Promise<ApiPod> {
    const reply = await this.get<ApiPod>(`/v2/pods/${id}`);
    if (reply.status !== 200) throw new Error(`get pod ${id} failed: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  /** Poll until the pod reaches `status` (and `extra` holds); returns that pod. */
  async waitForPod(id: string, status: PodStatus, extra: (pod: ApiPod) => boolean = () => true, timeoutMs = 5000): Promise<ApiPod> {
    return waitFor(`pod ${id} to be ${status}`, async () => {
      const pod = await this.getPod(id);
      return pod.status === status && extra(pod) ? pod : undefined;
    }, timeoutMs);
  }
}

/** A GPU pod body that the emulator accepts. */
export function gpuPodBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "test-pod",
    image: "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
    gpu: { id: "NVIDIA GeForce RTX 4090", count: 1 },
    ports: ["22/tcp"],
    ...overrides,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `probe` until it returns something other than undefined/null/false. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 5000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A fresh temporary directory. */
export function tempDir(prefix = "emulator-test-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** An ED25519 key pair made with ssh-keygen. */
export interface KeyPair {
  privateKeyPath: string;
  /** The public key line, without trailing newline. */
  publicKey: string;
}

export async function makeKeyPair(dir: string, name: string): Promise<KeyPair> {
  const privateKeyPath = path.join(dir, name);
  await execFileAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${name}@emulator-test`, "-f", privateKeyPath]);
  const publicKey = (await fs.readFile(`${privateKeyPath}.pub`, "utf8")).trim();
  return { privateKeyPath, publicKey };
}

/** Options every non-interactive test ssh/scp call uses. */
export function sshOptions(keyPath: string): string[] {
  return [
    "-i",
    keyPath,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=5",
    "-o",
    "LogLevel=ERROR",
  ];
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to completion (never rejects on a non-zero exit). */
export function run(program: string, args: string[], timeoutMs = 15000): Promise<CommandResult> {
  // ssh, scp, ...: a missing one is named with its package, not reported as a spawn ENOENT.
  const tool = program in TOOL_PACKAGES ? (program as Tool) : undefined;
  if (tool && !findTool(tool)) return Promise.reject(new Error(missingToolsMessage([tool])));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `ssh -i key -p port user@127.0.0.1 command` with the system client. */
export function runSsh(keyPath: string, user: string, port: number, command: string): Promise<CommandResult> {
  return run("ssh", [...sshOptions(keyPath), "-p", String(port), `${user}@127.0.0.1`, command]);
}

/** True when a TCP connection to 127.0.0.1:port is accepted. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Pids (excluding zombies) whose command line contains `text` (like `pgrep -f`). */
export async function pgrep(text: string): Promise<number[]> {
  const result = await run("pgrep", ["-f", text]);
  const pids = result.stdout.split(/\s+/).filter(Boolean).map(Number);
  const live: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
      if (/^State:\s+Z/m.test(status)) continue;
    } catch {
      continue; // gone
    }
    live.push(pid);
  }
  return live;
}

/** One server-sent event. */
export interface SseEvent {
  id?: string;
  data?: string;
}

/** An open SSE connection collecting events. */
export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SseEvent[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Wait until at least `count` events arrived (or `predicate` holds). */
  waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Open `GET pathAndQuery` as an SSE stream. */
export function openSse(emulator: Pick<RunpodEmulator, "url" | "apiKey">, pathAndQuery: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${emulator.url}${pathAndQuery}`, { headers: { Authorization: `Bearer ${emulator.apiKey}`, Accept: "text/event-stream", ...headers } }, (response) => {
      const events: SseEvent[] = [];
      let buffer = "";
      const ended = new Promise<void>((done) => {
        response.once("end", done);
        response.once("close", done);
      });
      response.on("error", () => undefined); // "aborted" after close()
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        buffer += chunk;
        let index: number;
        while ((index = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, index);
          buffer = buffer.slice(index + 2);
          const event: SseEvent = {};
          for (const line of block.split("\n")) {
            if (line.startsWith("id: ")) event.id = line.slice(4);
            else if (line.startsWith("data: ")) event.data = line.slice(6);
          }
          if (event.id !== undefined || event.data !== undefined) events.push(event);
        }
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        ended,
        waitFor: (predicate, timeoutMs = 5000) => waitFor("SSE events", () => predicate(events), timeoutMs).then(() => undefined),
        close: () => request.destroy(),
      });
    });
    request.on("error", reject); // after close() this may fire again; reject is then a no-op
  });
}
