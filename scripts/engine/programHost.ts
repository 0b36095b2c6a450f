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
  // The program's own @pulumi/pulumi (the one its `require`s get: in a user's project, its node_modules), so the
  // language server and the program share one copy of the SDK's runtime state.
  const sdkRequire = createRequire(createRequire(entry).resolve("@pulumi/pulumi"));
  const { LanguageServer } = sdkRequire("./automation/server") as {
    LanguageServer: new (program: () => Promise<Record<string, unknown>>) => { onPulumiExit(hasError: boolean): void };
  };
  const languageService = sdkRequire("./proto/language_grpc_pb") as {
    LanguageRuntimeService: grpcTypes.ServiceDefinition;
  };
  const { grpcChannelOptions } = sdkRequire("./runtime/settings") as { grpcChannelOptions?: object };

  const program = async (): Promise<Record<string, unknown>> => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(entry) as Record<string, unknown>;
    return { ...exported };
  };
  const languageServer = new LanguageServer(program);
  serveLanguageRuntime("programHost", languageService.LanguageRuntimeService, languageServer, grpcChannelOptions);
}

main();
