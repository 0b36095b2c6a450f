/**
 * The plugin's entry point: `node dist/sdk/plugin/main.js [engine address]`, as the engine starts
 * `pulumi-resource-runpod-ssh` (bin/) or a source-based plugin (provider/PulumiPlugin.yaml). Prints the port
 * it serves on, and serves until the engine closes it.
 */
import * as pulumi from "@pulumi/pulumi";
import { setMissingKeyMessage } from "../providers/providerContext";
import { captureConfigure, configureCaptured } from "./providerConfig";
import { PluginProvider } from "./pluginProvider";
import { connectProgressToEngine } from "./pluginProgress";

export const PLUGIN_MISSING_API_KEY_MESSAGE =
  "No Runpod API key found. Run `pulumi config set --secret runpod-ssh:token <your key>`, or set the " +
  "RUNPOD_API_KEY environment variable (keys are created at Runpod console > Settings > API Keys).";

export async function servePlugin(args: string[]): Promise<void> {
  setMissingKeyMessage(PLUGIN_MISSING_API_KEY_MESSAGE);
  captureConfigure();
  connectProgressToEngine(args);
  await pulumi.provider.main(new PluginProvider(), args);
  if (!configureCaptured()) {
    // Two copies of @grpc/grpc-js (ours and @pulumi/pulumi's) that npm did not share: the Configure call would
    // go unread and every Runpod call would fail for want of the API key. Stop with the fix instead.
    throw new Error(
      "it cannot read its configuration: @pulumi/pulumi serves it with another copy of @grpc/grpc-js than this " +
        "package's. Run `npm dedupe` (or install a @pulumi/pulumi whose @grpc/grpc-js range matches).",
    );
  }
}

if (require.main === module) {
  servePlugin(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`The runpod-ssh plugin could not start: ${(e as Error).message}`);
    process.exit(1);
  });
}
