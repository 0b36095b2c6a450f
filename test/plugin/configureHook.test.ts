/**
 * The plugin reads its configuration by wrapping the Configure method when @pulumi/pulumi's provider server
 * registers its service with @grpc/grpc-js (providerConfig.ts). When the wrapper cannot take effect (npm gave
 * @pulumi/pulumi its own copy of @grpc/grpc-js), the plugin must stop with the fix, not serve without its API key.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";

const PLUGIN = path.resolve(__dirname, "..", "..", "sdk", "plugin");
/** The repository root: where `require("@grpc/grpc-js")` in the child resolves, as the plugin's own does. */
const ROOT = path.resolve(__dirname, "..", "..", "..");

function runNode(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ["-e", script], { timeout: 30_000, cwd: ROOT }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

test("a Configure hook that @pulumi/pulumi's server does not go through stops the plugin, saying how to fix it", async () => {
  // The hook is installed, then @grpc/grpc-js's addService is put back as a second copy would have it.
  const script = `
    const grpc = require("@grpc/grpc-js");
    const original = grpc.Server.prototype.addService;
    require(${JSON.stringify(path.join(PLUGIN, "providerConfig.js"))}).captureConfigure();
    grpc.Server.prototype.addService = original;
    require(${JSON.stringify(path.join(PLUGIN, "main.js"))}).servePlugin([]).then(
      () => { console.error("served without its configuration"); process.exit(0); },
      (e) => { console.error(e.message); process.exit(3); },
    );`;
  const result = await runNode(script);
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /cannot read its configuration: .*another copy of @grpc\/grpc-js.*npm dedupe/s);
});

test("with one shared @grpc/grpc-js the hook takes effect and the plugin serves", async () => {
  const script = `
    require(${JSON.stringify(path.join(PLUGIN, "main.js"))}).servePlugin([]).then(
      () => { console.error("serving"); process.exit(0); },
      (e) => { console.error(e.message); process.exit(3); },
    );`;
  const result = await runNode(script);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^\d+\n$/, "printed the port it serves on");
});
