/**
 * Entry of the plugin bundle (pluginArchive.ts bundles it with esbuild into one script,
 * `pulumi-resource-runpod-ssh.js`, with every dependency inside). Two parts of the plugin load gRPC and Pulumi's
 * stubs the way @pulumi/pulumi itself resolves them (`createRequire(require.resolve("@pulumi/pulumi/package.json"))`,
 * so they share its one copy of @grpc/grpc-js). A bundle has no node_modules, so here those lookups are answered
 * with the copies bundled with @pulumi/pulumi: the same objects the provider server uses. Nothing is ever
 * resolved from disk outside the bundle (the release test checks the plugin opens no path outside its folder).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import Module from "node:module";

const major = Number(process.versions.node.split(".")[0]);
if (major < 20) {
  console.error(`pulumi-resource-runpod-ssh needs Node.js 20 or newer on PATH; found ${process.version}.`);
  process.exit(1);
}

/** Modules looked up beside @pulumi/pulumi, answered from the bundle. */
const BUNDLED: Record<string, () => unknown> = {
  "@grpc/grpc-js": () => require("@grpc/grpc-js") as unknown,
  "@pulumi/pulumi/proto/provider_grpc_pb": () => require("@pulumi/pulumi/proto/provider_grpc_pb") as unknown,
  "@pulumi/pulumi/proto/provider_pb": () => require("@pulumi/pulumi/proto/provider_pb") as unknown,
  "@pulumi/pulumi/proto/engine_pb": () => require("@pulumi/pulumi/proto/engine_pb") as unknown,
  "@pulumi/pulumi/proto/engine_grpc_pb": () => require("@pulumi/pulumi/proto/engine_grpc_pb") as unknown,
  "@pulumi/pulumi/proto/plugin_pb": () => require("@pulumi/pulumi/proto/plugin_pb") as unknown,
};

interface ModuleInternals {
  _load: (this: unknown, request: string, parent: unknown, isMain: boolean) => unknown;
  _resolveFilename: (this: unknown, request: string, ...rest: unknown[]) => string;
}
const internals = Module as unknown as ModuleInternals;
const load = internals._load;
internals._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  const bundled = Object.prototype.hasOwnProperty.call(BUNDLED, request) ? BUNDLED[request] : undefined;
  return bundled ? bundled() : load.call(this, request, parent, isMain);
};
const resolveFilename = internals._resolveFilename;
internals._resolveFilename = function (request: string, ...rest: unknown[]): string {
  // `createRequire` needs a file to resolve from: the bundle itself, whose requires land in `_load` above.
  if (request === "@pulumi/pulumi/package.json") return __filename;
  return resolveFilename.call(this, request, ...rest);
};

const plugin = require("../../sdk/plugin/main") as typeof import("../../sdk/plugin/main");
plugin.servePlugin(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`The runpod-ssh plugin could not start: ${(e as Error).message}`);
  process.exit(1);
});
