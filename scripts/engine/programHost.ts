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

interface GrpcServer {
  addService(service: unknown, implementation: unknown): void;
  bindAsync(address: string, credentials: unknown, callback: (error: Error | null, port: number) => void): void;
  forceShutdown(): void;
}

function main(): void {
  const programMain = process.argv[2];
  if (!programMain) {
    console.error("usage: programHost <program main .js>");
    process.exit(2);
  }
  const entry = path.resolve(programMain);
   
  // The grpc-js copy @pulumi/pulumi itself uses, so the service definitions and the server agree.
  const sdkRequire = createRequire(require.resolve("@pulumi/pulumi"));
  const grpc = sdkRequire("@grpc/grpc-js") as {
    Server: new (options?: object) => GrpcServer;
    ServerCredentials: { createInsecure(): unknown };
  };
  const { LanguageServer } = sdkRequire("./automation/server") as {
    LanguageServer: new (program: () => Promise<Record<string, unknown>>) => { onPulumiExit(hasError: boolean): void };
  };
  const languageService = sdkRequire("./proto/language_grpc_pb") as { LanguageRuntimeService: unknown };
  const { grpcChannelOptions } = sdkRequire("./runtime/settings") as { grpcChannelOptions?: object };
   

  const program = async (): Promise<Record<string, unknown>> => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(entry) as Record<string, unknown>;
    return { ...exported };
  };
  const server = new grpc.Server(grpcChannelOptions ?? {});
  server.addService(languageService.LanguageRuntimeService, new LanguageServer(program));
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      console.error(`programHost: cannot listen: ${error.message}`);
      process.exit(1);
    }
    process.stdout.write(`PORT=${port}\n`);
  });
  const stop = () => {
    server.forceShutdown();
    process.exit(0);
  };
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}

main();
