/**
 * Runs our dynamic providers the way Pulumi's dynamic-provider host does: serialize the provider object with
 * Pulumi's own closure serializer (what `pulumi.dynamic.Resource` stores as `__provider`), load that text as
 * a fresh module with `require-from-string`, call `.handler()`, then `configure` with the stack config.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { providerShim, type ProviderKind } from "../../sdk/providers/providerShims";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler(): dynamic.ResourceProvider };

export interface HostedProvider {
  /** The serialized text, as stored in state. */
  text: string;
  provider: Required<Pick<dynamic.ResourceProvider, "check" | "diff" | "create" | "read" | "update" | "delete">>;
}

/** Serializes the shim for `kind` and loads it back as the host would, configured with `config`. */
export async function hostProvider(kind: ProviderKind, config: Record<string, string> = {}): Promise<HostedProvider> {
  const shim = providerShim(kind);
  const serialized = await pulumi.runtime.serializeFunction(() => shim, { allowSecrets: true });
  const provider = requireFromString(serialized.text).handler();
  await provider.configure?.({ config: { get: (k: string) => config[k], require: (k: string) => config[k] } });
  return { text: serialized.text, provider: provider as HostedProvider["provider"] };
}
