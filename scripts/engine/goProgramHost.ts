/**
 * A stand-in for Pulumi's Go language host (test support), which the Go module proxy here refuses to serve
 * (`github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3`). It hosts one compiled Pulumi Go program for one
 * `pulumi` command: the CLI connects with `--client=127.0.0.1:<port>`, and on Run this starts the program binary
 * with the environment the Go SDK's `pulumi.Run` reads (PULUMI_MONITOR, PULUMI_ENGINE, PULUMI_PROJECT,
 * PULUMI_STACK, PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS, PULUMI_DRY_RUN, PULUMI_PARALLEL, PULUMI_ORGANIZATION),
 * as the real host does after `go build`. Building the program is the caller's job.
 *
 *   node dist/scripts/engine/goProgramHost.js <compiled program>
 *
 * Prints `PORT=<n>` once listening and exits when its stdin closes.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as langTypes from "@pulumi/pulumi/proto/language_pb";
import { serveLanguageRuntime } from "./languageHostServer";

/** The exit status with which the Go SDK says it already logged the error to the engine. */
const EXIT_LOGGED_ERROR = 32;

const besidePulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const langGrpc = besidePulumi("@pulumi/pulumi/proto/language_grpc_pb") as {
  LanguageRuntimeService: grpcTypes.ServiceDefinition;
};
const langPb = besidePulumi("@pulumi/pulumi/proto/language_pb") as typeof langTypes;
const pluginPb = besidePulumi("@pulumi/pulumi/proto/plugin_pb") as typeof import("@pulumi/pulumi/proto/plugin_pb");

type Callback<T> = (error: Error | null, value?: T) => void;

/** The environment the Go SDK's `pulumi.Run` reads, from the engine's Run request. */
export function goProgramEnv(req: langTypes.RunRequest): NodeJS.ProcessEnv {
  const config: Record<string, string> = {};
  for (const [key, value] of req.getConfigMap().entries()) config[key] = value;
  return {
    PULUMI_MONITOR: req.getMonitorAddress(),
    PULUMI_ENGINE: req.getArgsList()[0] ?? "",
    PULUMI_PROJECT: req.getProject(),
    PULUMI_STACK: req.getStack(),
    PULUMI_ORGANIZATION: req.getOrganization(),
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
    PULUMI_DRY_RUN: String(req.getDryrun()),
    PULUMI_PARALLEL: String(req.getParallel()),
    PULUMI_ROOT_DIRECTORY: req.getInfo()?.getRootDirectory() || process.cwd(),
  };
}

function serve(program: string): void {
  const service = {
    getRequiredPlugins(_call: unknown, callback: Callback<langTypes.GetRequiredPluginsResponse>) {
      callback(null, new langPb.GetRequiredPluginsResponse());
    },
    getRequiredPackages(_call: unknown, callback: Callback<langTypes.GetRequiredPackagesResponse>) {
      callback(null, new langPb.GetRequiredPackagesResponse());
    },
    getPluginInfo(_call: unknown, callback: Callback<InstanceType<typeof pluginPb.PluginInfo>>) {
      callback(null, new pluginPb.PluginInfo());
    },
    run(call: { request: langTypes.RunRequest }, callback: Callback<langTypes.RunResponse>) {
      const child = spawn(program, [], {
        env: { ...process.env, ...goProgramEnv(call.request) },
        stdio: ["ignore", "inherit", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        process.stderr.write(d);
      });
      child.on("error", (e) => callback(e));
      child.on("close", (code, signal) => {
        const response = new langPb.RunResponse();
        if (code === EXIT_LOGGED_ERROR) response.setBail(true);
        else if (code !== 0) response.setError(`${path.basename(program)} exited ${code ?? signal}: ${stderr.trim()}`);
        callback(null, response);
      });
    },
  };
  serveLanguageRuntime("goProgramHost", langGrpc.LanguageRuntimeService, service);
}

if (require.main === module) {
  const program = process.argv[2];
  if (!program) {
    console.error("usage: goProgramHost <compiled Pulumi Go program>");
    process.exit(2);
  }
  serve(path.resolve(program));
}
