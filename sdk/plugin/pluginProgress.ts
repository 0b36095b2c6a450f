/**
 * Progress lines (pod boot, rate-limit waits) from inside the plugin: sent to the engine's Log service at the
 * address the engine gave the plugin, so they appear under the resource in `pulumi up`, as the dynamic
 * providers' lines do (same client, providers/progress.ts). Without an engine address (a plugin started by hand)
 * or when the engine cannot be reached, they go to stderr.
 */
import { addProgressSink, connectEngineLogger, type ProgressOptions } from "../providers/progress";

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
  const { logger, reason } = connectEngineLogger(address);
  if (!logger) {
    process.stderr.write(`[pulumi-runpod-ssh] progress lines go to stderr: ${reason}\n`);
    return;
  }
  addProgressSink((message: string, options: ProgressOptions) => logger.log(message, options));
}
