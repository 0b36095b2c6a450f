/**
 * Progress lines for long waits (pod boot, rate-limit waits), shown in `pulumi up`.
 *
 * Inside Pulumi's dynamic-provider host the engine's address is the host's first argument; we send each line
 * to the engine's Log service there, so it appears in the update's output (`connectEngineLogger` guards that
 * reach into @pulumi/pulumi's private stubs). Elsewhere (tests, plain scripts) lines go to stderr. Tests can add
 * their own sink. Lines must never contain secrets: callers pass pod names, ids, statuses and timings only.
 */
import { createRequire } from "node:module";

/** Where a line belongs and how it is shown. */
export interface ProgressOptions {
  /** The resource the line is about (Pulumi shows it under that resource). */
  urn?: string;
  /**
   * A status line that replaces the previous one in the progress display instead of piling up in the
   * diagnostics (waits of a whole fleet stay readable).
   */
  ephemeral?: boolean;
  /** Shown as a WARNING (engine severity warning), for what the user should act on; default INFO. */
  warning?: boolean;
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

/** Loads a module by name; tests pass their own to exercise the fallback. */
export type ModuleLoader = (name: string) => unknown;

/**
 * Loads a module as @pulumi/pulumi itself resolves it. The engine's gRPC stubs ship inside @pulumi/pulumi
 * (`proto/engine_*_pb`, not part of its public API) and `@grpc/grpc-js` is its own dependency, not ours: loading
 * both from its location keeps them from one copy, which gRPC's credential checks need.
 */
export function loadBesidePulumi(name: string): unknown {
  return createRequire(require.resolve("@pulumi/pulumi/package.json"))(name);
}

interface GrpcModule {
  credentials: { createInsecure(): unknown };
}
interface LogRequestMessage {
  setSeverity(s: number): void;
  setMessage(m: string): void;
  setUrn(u: string): void;
  setEphemeral(e: boolean): void;
}
interface EnginePbModule {
  LogRequest: new () => LogRequestMessage;
  LogSeverity: { INFO: number; WARNING: number };
}
interface EngineGrpcModule {
  EngineClient: new (address: string, credentials: unknown) => { log(req: unknown, cb: (err: unknown) => void): void };
}

const LOG_REQUEST_SETTERS = ["setSeverity", "setMessage", "setUrn", "setEphemeral"] as const;

/**
 * A client of the engine's Log service at `address`, or `null` with the reason when the pieces it needs are
 * missing or not shaped as expected (a @pulumi/pulumi that moved or changed its private stubs). Lines then go to
 * stderr instead, and nothing fails. A log call that throws or is answered with an error also switches to stderr.
 */
export function connectEngineLogger(address: string, load: ModuleLoader = loadBesidePulumi): { logger: EngineLogger | null; reason?: string } {
  let grpc: GrpcModule;
  let enginePb: EnginePbModule;
  let engineGrpc: EngineGrpcModule;
  try {
    grpc = load("@grpc/grpc-js") as GrpcModule;
    enginePb = load("@pulumi/pulumi/proto/engine_pb") as EnginePbModule;
    engineGrpc = load("@pulumi/pulumi/proto/engine_grpc_pb") as EngineGrpcModule;
  } catch (e) {
    return { logger: null, reason: `cannot load the engine's gRPC stubs (${(e as Error).message.split("\n")[0]})` };
  }
  const proto = (enginePb?.LogRequest as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const shaped =
    typeof grpc?.credentials?.createInsecure === "function" &&
    typeof engineGrpc?.EngineClient === "function" &&
    typeof enginePb?.LogSeverity?.INFO === "number" &&
    typeof enginePb?.LogSeverity?.WARNING === "number" &&
    proto !== undefined &&
    LOG_REQUEST_SETTERS.every((name) => typeof proto[name] === "function");
  if (!shaped) return { logger: null, reason: "the engine's gRPC stubs are not shaped as this package expects" };
  let client: InstanceType<EngineGrpcModule["EngineClient"]>;
  try {
    client = new engineGrpc.EngineClient(address, grpc.credentials.createInsecure());
  } catch (e) {
    return { logger: null, reason: `cannot reach the engine at ${address} (${(e as Error).message})` };
  }
  let broken = false;
  const toStderr = (message: string): void => void process.stderr.write(`[pulumi-runpod-ssh] ${message}\n`);
  const logger: EngineLogger = {
    log(message: string, options: ProgressOptions) {
      if (broken) return toStderr(message);
      try {
        const req = new enginePb.LogRequest();
        req.setSeverity(options.warning ? enginePb.LogSeverity.WARNING : enginePb.LogSeverity.INFO);
        req.setMessage(message);
        if (options.urn) req.setUrn(options.urn);
        req.setEphemeral((options.ephemeral ?? false) && !options.warning);
        client.log(req, (err) => {
          if (!err) return;
          broken = true;
          toStderr(message);
        });
      } catch {
        broken = true;
        toStderr(message);
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
  else if (sinks.size === 0) process.stderr.write(`[pulumi-runpod-ssh] ${options.warning ? "warning: " : ""}${message}\n`);
}
