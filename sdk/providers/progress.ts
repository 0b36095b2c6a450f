/**
 * Progress lines for long waits (pod boot, rate-limit waits), shown in `pulumi up`.
 *
 * Inside Pulumi's dynamic-provider host the engine's address is the host's first argument; we send each line
 * to the engine's Log service there, so it appears in the update's output. Elsewhere (tests, plain scripts)
 * lines go to stderr. Tests can add their own sink. Lines must never contain secrets: callers pass pod names,
 * ids, statuses and timings only.
 */

/** Where a line belongs and how it is shown. */
export interface ProgressOptions {
  /** The resource the line is about (Pulumi shows it under that resource). */
  urn?: string;
  /**
   * A status line that replaces the previous one in the progress display instead of piling up in the
   * diagnostics (waits of a whole fleet stay readable).
   */
  ephemeral?: boolean;
}

export type ProgressSink = (message: string, options: ProgressOptions) => void;

const sinks = new Set<ProgressSink>();

/** Adds a sink (for tests or embedding programs); returns a function that removes it. */
export function addProgressSink(sink: ProgressSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

interface EngineLogger {
  log(message: string, options: ProgressOptions): void;
}

let engineLogger: EngineLogger | null | undefined;

/** Connects to the Pulumi engine when running inside the dynamic-provider host; null elsewhere. */
function engine(): EngineLogger | null {
  if (engineLogger !== undefined) return engineLogger;
  engineLogger = null;
  const script = process.argv[1] ?? "";
  const address = process.argv[2] ?? "";
  if (!/dynamic-provider/.test(script) || !/^[\w.[\]:-]+:\d+$/.test(address)) return engineLogger;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
    const enginePb = require("@pulumi/pulumi/proto/engine_pb") as {
      LogRequest: new () => {
        setSeverity(s: number): void;
        setMessage(m: string): void;
        setUrn(u: string): void;
        setEphemeral(e: boolean): void;
      };
      LogSeverity: { INFO: number };
    };
    const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as {
      EngineClient: new (address: string, credentials: unknown) => { log(req: unknown, cb: (err: unknown) => void): void };
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    const client = new engineGrpc.EngineClient(address, grpc.credentials.createInsecure());
    engineLogger = {
      log(message: string, options: ProgressOptions) {
        const req = new enginePb.LogRequest();
        req.setSeverity(enginePb.LogSeverity.INFO);
        req.setMessage(message);
        if (options.urn) req.setUrn(options.urn);
        req.setEphemeral(options.ephemeral ?? false);
        client.log(req, () => undefined);
      },
    };
  } catch {
    engineLogger = null;
  }
  return engineLogger;
}

/** Reports one progress line. */
export function reportProgress(message: string, options: ProgressOptions = {}): void {
  for (const sink of sinks) sink(message, options);
  const e = engine();
  if (e) e.log(message, options);
  else if (sinks.size === 0) process.stderr.write(`[pulumi-runpod-ssh] ${message}\n`);
}
