/**
 * `npm run demo`: the quickstart, start to finish, offline, under the real Pulumi CLI.
 *
 * Gets the CLI (scripts/toolchain.ts: the one on PATH when >= 3.141, else one built from the Go module proxy on
 * first use, with progress), starts the local Runpod emulator, runs `pulumi preview` and `pulumi up` of the root
 * project (examples/quickstart) against it with a local state backend in a temp directory, runs the `sshCommand`
 * output, then `pulumi destroy`, stops the emulator, and prints each step.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { startEmulator } from "../emulator";
import { ensureToolchain, type Toolchain } from "./toolchain";
import { createWorkspace, pulumiOk } from "./engine/workspace";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");
const PROGRAM = path.join(ROOT, "dist", "examples", "quickstart", "index.js");

export interface DemoResult {
  sshOutput: string;
  outputs: Record<string, unknown>;
  /** Wall time of each step, in ms. */
  timings: Record<string, number>;
}

/** Runs the demo; throws with a clear message on failure. Everything it started is stopped. */
export async function runDemo(toolchain: Toolchain, log: (line: string) => void = console.log): Promise<DemoResult> {
  const ws = createWorkspace(toolchain, "runpod-ssh-demo-");
  const emulator = await startEmulator({ timings: { provisioningMs: 500, startingMs: 500, sshdStartMs: 500 } });
  log(`emulator: ${emulator.url} (ssh mode ${emulator.sshMode}); state: ${ws.dir}`);
  const timings: Record<string, number> = {};
  const pulumi = async (args: string[], quiet = false): Promise<string> => {
    log(`$ pulumi ${args.join(" ")}`);
    const started = Date.now();
    const result = await pulumiOk(ws, args, {
      cwd: ROOT,
      program: PROGRAM,
      onLine: (line) => !quiet && line.trim() && log(`  ${line}`),
    });
    timings[args[0] === "stack" || args[0] === "config" ? `${args[0]} ${args[1]}` : args[0]] = Date.now() - started;
    return result.stdout;
  };
  let stackCreated = false;
  try {
    await pulumi(["stack", "init", "demo", "--non-interactive"]);
    stackCreated = true;
    await pulumi(["config", "set", "runpod:apiUrl", emulator.url]);
    await pulumi(["config", "set", "--secret", "runpod:token", emulator.apiKey]);
    await pulumi(["config", "set", "privateKeyFile", path.join(ws.dir, "keys", "quickstart")]);
    await pulumi(["preview", "--non-interactive"]);
    await pulumi(["up", "--yes", "--skip-preview", "--non-interactive"]);
    // Printed without secrets; the private key stays "[secret]" on screen.
    const outputs = JSON.parse(await pulumi(["stack", "output", "--json"])) as Record<string, unknown>;
    const sshCommand = String(outputs.sshCommand);
    log(`$ ${sshCommand} 'echo hello from $RUNPOD_POD_ID'`);
    const { stdout } = await run("sh", ["-c", `${sshCommand} 'echo hello from $RUNPOD_POD_ID'`], { timeout: 60_000 });
    log(`  ${stdout.trim()}`);
    return { sshOutput: stdout.trim(), outputs, timings };
  } finally {
    try {
      if (stackCreated) {
        await pulumi(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
        log(`pods left in the emulator: ${emulator.pods().length}`);
        await pulumi(["stack", "rm", "--yes", "demo"]);
      }
    } finally {
      await emulator.stop();
      ws.remove();
      const stackConfig = path.join(ROOT, "Pulumi.demo.yaml");
      if (fs.existsSync(stackConfig)) fs.rmSync(stackConfig);
      log("emulator stopped");
    }
  }
}

async function main(): Promise<void> {
  const toolchain = await ensureToolchain((line) => console.log(line));
  console.log(`using pulumi v${toolchain.version} (${toolchain.source}: ${toolchain.pulumi})`);
  const result = await runDemo(toolchain);
  console.log(`\nDemo done: pulumi up gave a working ssh command ("${result.sshOutput}"), and pulumi destroy removed the pod.`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`npm run demo failed: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
