/**
 * The provider runtime: what the serialized shims (providerShims.ts) load at call time, by package name
 * (`pulumi-runpod-ssh/provider-runtime`). Everything heavy (axios, zod, the provider logic) lives behind this
 * module, so the text stored in each resource's state stays tiny, holds no secret, and a package upgrade
 * changes behaviour without rewriting state.
 *
 * Keep this interface stable: state written by older versions calls it.
 */
import { accountSshKeyProvider } from "./accountSshKeyProvider";
import { podProvider } from "./podProvider";
import { localKeyFileProvider } from "./localKeyFileProvider";
import { passwordProvider } from "./passwordProvider";
import { networkVolumeProvider } from "./networkVolumeProvider";
import { podReadinessProvider } from "./podReadinessProvider";
import { configureFromStack, type ConfigReader } from "./providerContext";
import { atDynamicBoundary } from "./dynamicBoundary";

/** Reads the stack's `runpod:token` / `runpod:apiUrl` (called from the shim's `configure`). */
export function configure(config: ConfigReader): void {
  configureFromStack(config);
}

export const providers = {
  accountSshKey: atDynamicBoundary("accountSshKey", accountSshKeyProvider),
  pod: atDynamicBoundary("pod", podProvider),
  localKeyFile: atDynamicBoundary("localKeyFile", localKeyFileProvider),
  password: atDynamicBoundary("password", passwordProvider),
  networkVolume: atDynamicBoundary("networkVolume", networkVolumeProvider),
  podReadiness: atDynamicBoundary("podReadiness", podReadinessProvider),
};
