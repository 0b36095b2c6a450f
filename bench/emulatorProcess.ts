/**
 * The benchmark's emulator, run by `startEmulator` in a child process of its own (emulatorWorker.ts).
 *
 * Why not in the benchmark's process: the emulator spawns an ssh-keygen, a shell and an sshd per pod, and
 * Node spawns synchronously, so with 50 pods it blocks its event loop for up to a second at a time. Sharing
 * that loop would charge those stalls to the client under test (Pulumi's dynamic-provider host never shares
 * a process with Runpod). Here the client's process only runs the client; what the emulator reports
 * (`sshdReadyAt`, each request's arrival time) uses the same wall clock, so the figures line up.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { EmulatorOptions, RecordedRequest } from "../emulator";

/** One pod as the benchmark needs it. */
export interface PodReadiness {
  id: string;
  name: string;
  /** The emulator's `sshdReadyAt`: when it read sshd's "Server listening" line (epoch ms), `null` when not listening. */
  sshdReadyAt: number | null;
  /**
   * When sshd wrote its pid file, which it does right after binding its listen sockets (file mtime, epoch ms).
   * Unlike `sshdReadyAt` it does not depend on when the emulator's busy event loop got to read sshd's output.
   */
  sshdPidFileAt: number | null;
  /** The public port mapped to 22/tcp now, `null` when none. */
  sshPort: number | null;
}

/** One request of the emulator's log (headers and body left out). */
export type RequestRecord = Pick<RecordedRequest, "method" | "path" | "status" | "at">;

/** Messages to the worker. */
export type WorkerRequest =
  | { id: number; op: "start"; options: EmulatorOptions }
  | { id: number; op: "pods" | "requests" | "stop" };

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** Messages from the worker. */
export type WorkerReply = { id: number; ok: true; data: unknown } | { id: number; ok: false; error: string };

export interface EmulatorProcess {
  readonly url: string;
  readonly apiKey: string;
  /** Every live pod. */
  pods(): Promise<PodReadiness[]>;
  /** Every request received so far, in arrival order. */
  requests(): Promise<RequestRecord[]>;
  /** Stops the emulator (every sshd with it) and the child process. Idempotent. */
  stop(): Promise<void>;
}

/** Starts an emulator in a child process; `options` must be plain data (no `log` function). */
export async function startEmulatorProcess(options: EmulatorOptions): Promise<EmulatorProcess> {
  const child: ChildProcess = fork(path.join(__dirname, "emulatorWorker.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      for (const { reject } of pending.values()) reject(new Error(`the emulator process exited (${signal ?? `code ${String(code)}`})`));
      pending.clear();
      resolve();
    });
  });
  child.on("message", (message: WorkerReply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.data);
    else waiter.reject(new Error(`emulator: ${message.error}`));
  });
  const call = <T>(request: WithoutId<WorkerRequest>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited || !child.connected) return reject(new Error("the emulator process is gone"));
      const id = nextId++;
      pending.set(id, { resolve: (data) => resolve(data as T), reject });
      child.send({ ...request, id });
    });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exited) {
        try {
          await call({ op: "stop" });
        } catch {
          // already gone: its exit hooks killed the sshd
        }
      }
      const timer = setTimeout(() => child.kill("SIGTERM"), 10_000);
      await exit;
      clearTimeout(timer);
    })();
    return stopping;
  };

  try {
    const { url, apiKey } = await call<{ url: string; apiKey: string }>({ op: "start", options });
    return {
      url,
      apiKey,
      pods: () => call<PodReadiness[]>({ op: "pods" }),
      requests: () => call<RequestRecord[]>({ op: "requests" }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
