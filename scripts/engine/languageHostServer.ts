/**
 * What every program host of ours (programHost.ts, goProgramHost.ts) does with its language-runtime gRPC server:
 * serve one service on a free loopback port, print `PORT=<n>` for the caller (which passes
 * `--client=127.0.0.1:<n>` to the CLI), and exit when its stdin closes or on SIGTERM.
 */
import { createRequire } from "node:module";
import type * as grpcTypes from "@grpc/grpc-js";

/** The grpc-js copy @pulumi/pulumi itself uses, so its service definitions and our server agree. */
export const grpcBesidePulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"))(
  "@grpc/grpc-js",
) as typeof grpcTypes;

export function serveLanguageRuntime(
  label: string,
  service: grpcTypes.ServiceDefinition,
  implementation: object,
  options: object = {},
): void {
  const grpc = grpcBesidePulumi;
  const server = new grpc.Server(options);
  server.addService(service, implementation as grpcTypes.UntypedServiceImplementation);
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      console.error(`${label}: cannot listen: ${error.message}`);
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
