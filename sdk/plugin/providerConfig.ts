/**
 * The plugin's configuration: `pulumi config set --secret runpod-ssh:token <key>` (and `runpod-ssh:apiUrl`), or
 * an explicit provider's `token` / `apiUrl`, else the `RUNPOD_API_KEY` / `RUNPOD_API_URL` environment variables.
 * (The TypeScript library's dynamic providers read `runpod:token` / `runpod:apiUrl` instead; both reach the same
 * client settings, providerContext.ts.)
 *
 * `pulumi.provider.main` (in @pulumi/pulumi 3.248, and every release of the peer range) answers the engine's
 * Configure call itself and does not hand the request to the provider object: no public API gives a provider
 * its configuration. `captureConfigure` therefore wraps the Configure method of the provider service when the
 * plugin's gRPC server registers it (recognised by its gRPC method path, `/pulumirpc.ResourceProvider/Configure`,
 * the engine's public contract), reads the settings, then lets the original answer. It patches the
 * `@grpc/grpc-js` this package declares as a dependency, which is the copy @pulumi/pulumi uses when npm shares
 * one (same major, overlapping range); `configureCaptured()` tells whether it saw the service, and the plugin
 * refuses to start when it did not, rather than run without its configuration.
 */
import * as grpc from "@grpc/grpc-js";
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
  getArgs?(): { toJavaScript(): unknown } | undefined;
  getVariablesMap?(): { entries(): IterableIterator<[string, string]> };
}
type UnaryHandler = (
  call: { request: ConfigureRequestMessage },
  callback: (error: unknown, value?: unknown) => void,
) => void;

/** The gRPC method path of the engine's Configure call to a provider. */
export const CONFIGURE_METHOD = "/pulumirpc.ResourceProvider/Configure";

let captured = false;
let seen = false;

/** Whether the provider service was registered with the Configure wrapper (after `pulumi.provider.main` started). */
export function configureCaptured(): boolean {
  return seen;
}

/** The settings of a Configure request, read through the request's protobuf accessors. */
function settingsOf(request: ConfigureRequestMessage): ProviderSettings {
  if (typeof request?.getVariablesMap !== "function" || typeof request.getArgs !== "function") {
    throw new Error("the Configure request has no args or variables (an unexpected @pulumi/pulumi release)");
  }
  const variables = new Map(request.getVariablesMap().entries());
  return settingsFromConfigure(request.getArgs()?.toJavaScript(), variables);
}

/**
 * Makes the plugin's provider server apply the engine's Configure request to this process's Runpod settings.
 * Call once, before `pulumi.provider.main`.
 */
export function captureConfigure(): void {
  if (captured) return;
  captured = true;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the server as `this`
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) {
    const configure = implementation.configure as UnaryHandler | undefined;
    if ((service as Record<string, { path?: string }>).configure?.path === CONFIGURE_METHOD && typeof configure === "function") {
      seen = true;
      const withSettings: UnaryHandler = (call, callback) => {
        try {
          setProviderSettings(settingsOf(call.request));
        } catch (e) {
          callback(new Error(`The runpod-ssh provider could not read its configuration: ${(e as Error).message}`));
          return;
        }
        configure.call(implementation, call, callback);
      };
      implementation.configure = withSettings as unknown as grpc.UntypedHandleCall;
    }
    return addService.call(this, service, implementation);
  };
}
