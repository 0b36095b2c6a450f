/**
 * The serialized part of each dynamic provider: a thin shim whose every method `require`s the runtime module
 * at call time and delegates to it. Pulumi stores this object's source text in each resource's state
 * (`__provider`) and its dynamic-provider host rebuilds it from that text, so it must capture nothing but
 * two strings: which provider it is, and where this package's runtime was when the program ran (used only
 * when the package cannot be found by name from the host's working directory).
 *
 * Never capture credentials, clients or schemas here: they would be frozen into state.
 */
import path from "node:path";
import type * as dynamic from "@pulumi/pulumi/dynamic";

export type ProviderKind = "accountSshKey" | "pod" | "localKeyFile" | "password" | "networkVolume" | "podReadiness";

/** The package-name path of the runtime module (see package.json "exports"). */
export const RUNTIME_MODULE = "pulumi-runpod-ssh/provider-runtime";

function makeShim(kind: ProviderKind, fallbackPath: string): dynamic.ResourceProvider {
  const moduleName = RUNTIME_MODULE;
  // Everything below is serialized: plain code, no imports, no captured objects.
  const load = (): {
    configure(config: unknown): void;
    providers: Record<string, Required<dynamic.ResourceProvider>>;
  } => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(moduleName) as ReturnType<typeof load>;
    } catch (e) {
      if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(fallbackPath) as ReturnType<typeof load>;
    }
  };
  return {
    async configure(req: dynamic.ConfigureRequest) {
      load().configure(req.config);
    },
    async check(olds: unknown, news: unknown) {
      return load().providers[kind].check(olds, news);
    },
    async diff(id: string, olds: unknown, news: unknown) {
      return load().providers[kind].diff(id, olds, news);
    },
    async create(inputs: unknown) {
      return load().providers[kind].create(inputs);
    },
    async read(id: string, props: unknown) {
      return load().providers[kind].read(id, props);
    },
    async update(id: string, olds: unknown, news: unknown) {
      return load().providers[kind].update(id, olds, news);
    },
    async delete(id: string, props: unknown) {
      return load().providers[kind].delete(id, props);
    },
  };
}

const shims = new Map<ProviderKind, dynamic.ResourceProvider>();

/** The shim for a provider kind; one object per kind, so Pulumi serializes it once per program. */
export function providerShim(kind: ProviderKind): dynamic.ResourceProvider {
  let shim = shims.get(kind);
  if (!shim) {
    shim = makeShim(kind, path.join(__dirname, "runtime.js"));
    shims.set(kind, shim);
  }
  return shim;
}
