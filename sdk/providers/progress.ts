/**
 * Progress lines for long waits (pod boot, rate-limit waits), shown in `pulumi up`.
 *
 * Inside Pulumi's dynamic-provider host (and the provider plugin) the engine's address is known; we send each
 * line to the engine's Log service there, so it appears in the update's output. Elsewhere (tests, plain scripts)
 * lines go to stderr. Tests can add their own sink. Lines must never contain secrets: callers pass pod names,
 * ids, statuses and timings only.
 *
 * The engine client uses only public pieces: `@grpc/grpc-js` (a declared dependency of this package, the library
 * @pulumi/pulumi itself talks to the engine with) and the engine's gRPC contract, `pulumirpc.Engine/Log` with its
 * five-field `LogRequest` (pulumi/proto/pulumi/engine.proto), encoded here. `pulumi.log` cannot serve: outside a
 * program or a `construct` call (in create/update, where the waits happen) it has no engine address, and it
 * cannot send a line for a resource known only by its URN.
 */
import * as grpc from "@grpc/grpc-js";
/** Where a line belongs and how it is shown. */
export interface ProgressOptions {
  /** The resource the line is about (Pulumi shows it under that resource). */
  urn?: string;
  /**
   * A status line that replaces the previous one in the progress display instead of piling up in the
   * diagnostics (waits of a whole fleet stay readable).
   */
  ephemeral?: boolean;
  /** "warning": shown as a warning (engine severity WARNING). Default "info". */
  severity?: "info" | "warning";
}

export type ProgressSink = (message: string, options: ProgressOptions) => void;

const sinks = new Set<ProgressSink>();

/** Adds a sink (for tests or embedding programs); returns a function that removes it. */
export function addProgressSink(sink: ProgressSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

export interface EngineLogger {
  log(message: string, options: ProgressOptions): void;
}

/** The engine's Log method and its severities (engine.proto: `LogSeverity`). */
export const ENGINE_LOG_METHOD = "/pulumirpc.Engine/Log";
const SEVERITY = { info: 1, warning: 2 } as const;

/** A protobuf varint. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = value >>> 0;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

/**
 * `pulumirpc.LogRequest` in protobuf wire format: severity (1, enum), message (2), urn (3), streamId (4, left
 * at 0), ephemeral (5, bool; never for a warning, which must stay on screen). Default values are left out.
 */
export function encodeLogRequest(message: string, options: ProgressOptions): Buffer {
  const parts: Buffer[] = [];
  const field = (number: number, wireType: number): number[] => varint((number << 3) | wireType);
  const text = (number: number, value: string): void => {
    const bytes = Buffer.from(value, "utf8");
    parts.push(Buffer.from([...field(number, 2), ...varint(bytes.length)]), bytes);
  };
  parts.push(Buffer.from([...field(1, 0), ...varint(SEVERITY[options.severity ?? "info"])]));
  if (message) text(2, message);
  if (options.urn) text(3, options.urn);
  if (options.ephemeral && options.severity !== "warning") parts.push(Buffer.from([...field(5, 0), 1]));
  return Buffer.concat(parts);
}

/**
 * A client of the engine's Log service at `address`, or `null` with the reason when no client can be made.
 * A log call that throws or is answered with an error switches this logger to stderr, and nothing fails.
 */
export function connectEngineLogger(address: string): { logger: EngineLogger | null; reason?: string } {
  let client: grpc.Client;
  try {
    client = new grpc.Client(address, grpc.credentials.createInsecure());
  } catch (e) {
    return { logger: null, reason: `cannot reach the engine at ${address} (${(e as Error).message})` };
  }
  let broken = false;
  const toStderr = (message: string, options: ProgressOptions): void =>
    void process.stderr.write(`[pulumi-runpod-ssh] ${options.severity === "warning" ? "warning: " : ""}${message}\n`);
  const logger: EngineLogger = {
    log(message: string, options: ProgressOptions) {
      if (broken) return toStderr(message, options);
      try {
        client.makeUnaryRequest(
          ENGINE_LOG_METHOD,
          (request: Buffer) => request,
          (reply: Buffer) => reply,
          encodeLogRequest(message, options),
          (err) => {
            if (!err) return;
            broken = true;
            toStderr(message, options);
          },
        );
      } catch {
        broken = true;
        toStderr(message, options);
      }
    },
  };
  return { logger };
}

let engineLogger: EngineLogger | null | undefined;

/** Connects to the Pulumi engine when running inside the dynamic-provider host; null elsewhere. */
function engine(): EngineLogger | null {
  if (engineLogger !== undefined) return engineLogger;
  engineLogger = null;
  const script = process.argv[1] ?? "";
  const address = process.argv[2] ?? "";
  if (!/dynamic-provider/.test(script) || !/^[\w.[\]:-]+:\d+$/.test(address)) return engineLogger;
  const { logger, reason } = connectEngineLogger(address);
  if (!logger) process.stderr.write(`[pulumi-runpod-ssh] progress lines go to stderr: ${reason}\n`);
  engineLogger = logger;
  return engineLogger;
}

/** Reports one progress line. */
export function reportProgress(message: string, options: ProgressOptions = {}): void {
  for (const sink of sinks) sink(message, options);
  const e = engine();
  if (e) e.log(message, options);
  else if (sinks.size === 0) {
    process.stderr.write(`[pulumi-runpod-ssh] ${options.severity === "warning" ? "warning: " : ""}${message}\n`);
  }
}
