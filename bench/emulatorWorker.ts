/**
 * Child-process entry of the benchmark's emulator (see emulatorProcess.ts): runs `startEmulator` with the
 * options the parent sends, and answers its questions (the pods' `sshdReadyAt`, the request log) over IPC.
 *
 * It stops the emulator (and so every sshd) when told to, and also when the parent goes away (IPC
 * disconnect), so nothing outlives an interrupted benchmark.
 */
import * as fsp from "node:fs/promises";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../emulator";
import type { WorkerReply, WorkerRequest } from "./emulatorProcess";

let emulator: RunpodEmulator | undefined;
let stopping: Promise<void> | undefined;

function reply(message: WorkerReply): void {
  if (process.connected) process.send?.(message);
}

function shutdown(): Promise<void> {
  stopping ??= (async () => {
    await emulator?.stop();
    emulator = undefined;
  })();
  return stopping;
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case "start": {
      if (emulator) throw new Error("the emulator is already started");
      emulator = await startEmulator(request.options);
      return { url: emulator.url, apiKey: emulator.apiKey };
    }
    case "pods":
      return Promise.all(
        (emulator?.pods() ?? []).map(async (p) => ({
          id: p.id,
          name: p.name,
          sshdReadyAt: p.sshdReadyAt,
          sshPort: p.sshPort,
          // sshd writes its pid file right after binding its listen sockets.
          sshdPidFileAt: p.sshdReadyAt === null ? null : await fsp.stat(path.join(p.dir, "sshd.pid")).then((st) => st.mtimeMs, () => null),
        })),
      );
    case "requests":
      return (emulator?.requests ?? []).map((r) => ({ method: r.method, path: r.path, status: r.status, at: r.at }));
    case "stop":
      await shutdown();
      return null;
  }
}

process.on("message", (request: WorkerRequest) => {
  handle(request).then(
    (data) => {
      reply({ id: request.id, ok: true, data });
      if (request.op === "stop") process.disconnect();
    },
    (error: unknown) => reply({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});

process.on("disconnect", () => {
  void shutdown().finally(() => process.exit(0));
});
