/**
 * Hosts one Pulumi Node.js program for one `pulumi` command, through the language server that `@pulumi/pulumi`
 * ships for its Automation API (the same server `LocalWorkspace` starts for inline programs). The CLI connects to
 * it with `--client=127.0.0.1:<port>` instead of starting the `pulumi-language-nodejs` host, which the Go module
 * proxy here does not serve. The program is the real compiled example: its module is loaded when the engine asks
 * to run it, and its exports become the stack outputs, as with the Node.js host.
 *
 *   node dist/scripts/engine/programHost.js <program main .js>
 *
 * Prints `PORT=<n>` once listening and exits when its stdin closes or on SIGTERM.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";
import { serveLanguageRuntime } from "./languageHostServer";

function main(): void {
  const programMain = process.argv[2];
  if (!programMain) {
    console.error("usage: programHost <program main .js>");
    process.exit(2);
  }
  const entry = path.resolve(programMain);
  // The SDK the program itself loads (its project's node_modules, else this repository's): the language server
  // and the program must share one copy, whose runtime state the program's resources register through.
  const sdkRequire = createRequire(createRequire(entry).resolve("@pulumi/pulumi"));
  const { LanguageServer } = sdkRequire("./automation/server") as {
    LanguageServer: new (program: () => Promise<Record<string, unknown>>) => { onPulumiExit(hasError: boolean): void };
  };
  const languageService = sdkRequire("./proto/language_grpc_pb") as {
    LanguageRuntimeService: grpcTypes.ServiceDefinition;
  };
  const { grpcChannelOptions } = sdkRequire("./runtime/settings") as { grpcChannelOptions?: object };

  // One host serves every run of its CLI command (`pulumi up` without --skip-preview runs the program for the
  // preview, then again for the update). The real Node.js host starts a new process per run; here every module
  // but the SDK this server runs on (and its gRPC) is loaded afresh, so the second run registers its resources
  // again instead of returning the first run's cached exports.
  const sdkDir = path.dirname(sdkRequire.resolve("./package.json")) + path.sep;
  const program = async (): Promise<Record<string, unknown>> => {
    for (const key of Object.keys(require.cache)) {
      if (!key.startsWith(sdkDir) && !/[\\/](@grpc|google-protobuf|protobufjs)[\\/]/.test(key)) delete require.cache[key];
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(entry) as Record<string, unknown>;
    return { ...exported };
  };
  const languageServer = new LanguageServer(program);
  serveLanguageRuntime("programHost", languageService.LanguageRuntimeService, languageServer, grpcChannelOptions);
}

main();
