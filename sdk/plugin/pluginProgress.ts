/**
 * Progress lines (pod boot, rate-limit waits) from inside the plugin: sent to the engine's Log service at the
 * address the engine gave the plugin, so they appear under the resource in `pulumi up`, as the dynamic
 * providers' lines do. Without an engine address (a plugin started by hand) they go to stderr.
 */
import { createRequire } from "node:module";
import { addProgressSink, type ProgressOptions } from "../providers/progress";

interface LogRequestMessage {
  setSeverity(s: number): void;
  setMessage(m: string): void;
  setUrn(u: string): void;
  setEphemeral(e: boolean): void;
}

/** The engine address among the plugin's arguments (flags such as `--logtostderr`, `-v=9`, `--tracing X` skipped). */
export function engineAddressOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--tracing") i++;
    else if (!args[i].startsWith("-")) return args[i];
  }
  return undefined;
}

export function connectProgressToEngine(args: string[]): void {
  const address = engineAddressOf(args);
  if (!address) return;
  const besidePulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
  const grpc = besidePulumi("@grpc/grpc-js") as { credentials: { createInsecure(): unknown } };
  const enginePb = besidePulumi("@pulumi/pulumi/proto/engine_pb") as {
    LogRequest: new () => LogRequestMessage;
    LogSeverity: { INFO: number };
  };
  const engineGrpc = besidePulumi("@pulumi/pulumi/proto/engine_grpc_pb") as {
    EngineClient: new (
      address: string,
      credentials: unknown,
    ) => { log(req: unknown, cb: (err: unknown) => void): void };
  };
  const client = new engineGrpc.EngineClient(address, grpc.credentials.createInsecure());
  addProgressSink((message: string, options: ProgressOptions) => {
    const req = new enginePb.LogRequest();
    req.setSeverity(enginePb.LogSeverity.INFO);
    req.setMessage(message);
    if (options.urn) req.setUrn(options.urn);
    req.setEphemeral(options.ephemeral ?? false);
    client.log(req, (err) => {
      if (err) process.stderr.write(`[pulumi-runpod-ssh] ${message}\n`);
    });
  });
}
