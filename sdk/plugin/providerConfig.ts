/**
 * The plugin's configuration: `pulumi config set --secret runpod-ssh:token <key>` (and `runpod-ssh:apiUrl`), or
 * an explicit provider's `token` / `apiUrl`, else the `RUNPOD_API_KEY` / `RUNPOD_API_URL` environment variables.
 * (The TypeScript library's dynamic providers read `runpod:token` / `runpod:apiUrl` instead; both reach the same
 * client settings, providerContext.ts.)
 *
 * `pulumi.provider.main` (in @pulumi/pulumi 3.248) answers the engine's Configure call itself and does not hand
 * the request to the provider object. `captureConfigure` therefore wraps the Configure method of the provider
 * service when the plugin's gRPC server registers it, reads the settings, then lets the original answer.
 */
import { createRequire } from "node:module";
import type * as pulumi from "@pulumi/pulumi";
import { setProviderSettings } from "../providers/providerContext";
import { revealSecrets } from "./secretValues";

/** The provider's configuration, as the schema shows it to every language. */
export interface ProviderConfigArgs {
  /**
   * The Runpod API key (secret). Set it with `pulumi config set --secret runpod-ssh:token <key>`. Default: the
   * `RUNPOD_API_KEY` environment variable. Never printed, never stored in clear text.
   * @secret
   */
  token?: pulumi.Input<string>;
  /**
   * The Runpod API base URL. Default: the `RUNPOD_API_URL` environment variable, else Runpod's own,
   * `https://api.runpod.io`. Set it to run against another endpoint, such as the local emulator.
   */
  apiUrl?: pulumi.Input<string>;
}

/** The settings as plain values, read from a Configure request. */
export interface ProviderSettings {
  token?: string;
  apiUrl?: string;
}

/** The settings found in a Configure request: its `args` first, then its `variables`. */
export function settingsFromConfigure(
  args: unknown,
  variables: Map<string, string> | Record<string, string>,
): ProviderSettings {
  const fromArgs = revealSecrets(args ?? {}).values;
  const vars = variables instanceof Map ? Object.fromEntries(variables) : variables;
  const pick = (key: keyof ProviderSettings): string | undefined => {
    const candidates = [fromArgs[key], vars[`runpod-ssh:config:${key}`], vars[`runpod-ssh:${key}`], vars[key]];
    for (const value of candidates) {
      if (typeof value === "string" && value.trim() !== "") return value.trim();
    }
    return undefined;
  };
  return { token: pick("token"), apiUrl: pick("apiUrl") };
}

interface ConfigureRequestMessage {
  getArgs(): { toJavaScript(): unknown } | undefined;
  getVariablesMap(): { entries(): IterableIterator<[string, string]> };
}
type UnaryHandler = (
  call: { request: ConfigureRequestMessage },
  callback: (error: unknown, value?: unknown) => void,
) => void;
type AddService = (this: unknown, service: unknown, implementation: Record<string, unknown>) => void;
interface GrpcServerClass {
  prototype: { addService: AddService };
}

let captured = false;

/**
 * Makes the plugin's provider server apply the engine's Configure request to this process's Runpod settings.
 * Call once, before `pulumi.provider.main`.
 */
export function captureConfigure(): void {
  if (captured) return;
  captured = true;
  // The gRPC library and service definition exactly as @pulumi/pulumi's provider server loads them.
  const besidePulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
  const grpc = besidePulumi("@grpc/grpc-js") as { Server: GrpcServerClass };
  const providerService = (
    besidePulumi("@pulumi/pulumi/proto/provider_grpc_pb") as { ResourceProviderService: unknown }
  ).ResourceProviderService;
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, implementation) {
    if (service === providerService && typeof implementation.configure === "function") {
      const configure = implementation.configure as UnaryHandler;
      const original: UnaryHandler = (call, callback) => configure.call(implementation, call, callback);
      const withSettings: UnaryHandler = (call, callback) => {
        try {
          const request = call.request;
          const variables = new Map(request.getVariablesMap().entries());
          setProviderSettings(settingsFromConfigure(request.getArgs()?.toJavaScript(), variables));
        } catch (e) {
          callback(new Error(`The runpod-ssh provider could not read its configuration: ${(e as Error).message}`));
          return;
        }
        original(call, callback);
      };
      implementation.configure = withSettings;
    }
    return addService.call(this, service, implementation);
  };
}
