/**
 * `npm run demo`: the quickstart, start to finish, offline.
 *
 * Starts the local Runpod emulator, runs `pulumi up` on the root project (examples/quickstart) against it with a
 * local state backend in a temp directory, runs the `sshCommand` output, then `pulumi destroy` and stops the
 * emulator. It needs the Pulumi CLI: from PATH, or from the `pulumi` npm package (`npx pulumi`, which downloads
 * the CLI on first use); where neither works it says so and stops before starting anything.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startEmulator } from "../emulator";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");

export interface DemoResult {
  sshOutput: string;
  outputs: Record<string, unknown>;
}

/** The Pulumi CLI to use, or undefined with the reason. */
export async function findPulumiCli(): Promise<{ command: string; args: string[]; version: string } | { missing: string }> {
  const candidates: Array<{ command: string; args: string[]; label: string }> = [
    { command: "pulumi", args: [], label: "pulumi on PATH" },
    { command: path.join(ROOT, "node_modules", ".bin", "pulumi"), args: [], label: "the pulumi npm package" },
  ];
  const reasons: string[] = [];
  for (const c of candidates) {
    try {
      const { stdout } = await run(c.command, [...c.args, "version"], { timeout: 120_000 });
      return { command: c.command, args: c.args, version: stdout.trim() };
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      reasons.push(`${c.label}: ${err.code === "ENOENT" ? "not found" : (err.stderr?.trim().split("\n").pop() ?? err.message)}`);
    }
  }
  return {
    missing:
      `The Pulumi CLI is not available (${reasons.join("; ")}). Install it (https://www.pulumi.com/docs/install/) ` +
      "or `npm install --save-dev pulumi` where the network allows its download, then run `npm run demo` again.",
  };
}

function pulumiRunner(cli: { command: string; args: string[] }, env: NodeJS.ProcessEnv, log: (line: string) => void) {
  return (args: string[], input?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      log(`$ pulumi ${args.join(" ")}`);
      const child = spawn(cli.command, [...cli.args, ...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        for (const line of d.toString().split("\n")) if (line.trim()) log(`  ${line}`);
      });
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(input ?? "");
      child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`pulumi ${args[0]} failed (${code}): ${stderr.trim()}`))));
    });
}

/** Runs the demo; throws with a clear message on failure. Everything it started is stopped. */
export async function runDemo(cli: { command: string; args: string[] }, log: (line: string) => void = console.log): Promise<DemoResult> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "runpod-ssh-demo-"));
  const emulator = await startEmulator({ timings: { provisioningMs: 500, startingMs: 500, sshdStartMs: 500 } });
  log(`emulator: ${emulator.url} (ssh mode ${emulator.sshMode})`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "runpod-ssh-demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_HOME: path.join(work, "pulumi-home"),
    RUNPOD_API_KEY: "",
  };
  fs.mkdirSync(path.join(work, "state"));
  const pulumi = pulumiRunner(cli, env, log);
  let stackCreated = false;
  try {
    await pulumi(["stack", "init", "demo", "--non-interactive"]);
    stackCreated = true;
    await pulumi(["config", "set", "runpod:apiUrl", emulator.url]);
    await pulumi(["config", "set", "--secret", "runpod:token"], emulator.apiKey);
    await pulumi(["config", "set", "privateKeyFile", path.join(work, "keys", "quickstart")]);
    await pulumi(["preview", "--non-interactive"]);
    await pulumi(["up", "--yes", "--skip-preview", "--non-interactive"]);
    const outputs = JSON.parse(await pulumi(["stack", "output", "--json", "--show-secrets"])) as Record<string, unknown>;
    const sshCommand = String(outputs.sshCommand);
    log(`$ ${sshCommand} 'echo hello from $RUNPOD_POD_ID'`);
    const { stdout } = await run("sh", ["-c", `${sshCommand} 'echo hello from $RUNPOD_POD_ID'`], { timeout: 60_000 });
    log(`  ${stdout.trim()}`);
    return { sshOutput: stdout.trim(), outputs };
  } finally {
    try {
      if (stackCreated) {
        await pulumi(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
        await pulumi(["stack", "rm", "--yes", "demo"]);
      }
    } finally {
      await emulator.stop();
      fs.rmSync(work, { recursive: true, force: true });
      log("emulator stopped");
    }
  }
}

async function main(): Promise<void> {
  const cli = await findPulumiCli();
  if ("missing" in cli) {
    // Nothing was started; this is a missing tool, not a failure of the demo.
    console.error(`npm run demo: ${cli.missing}\nStopping here. (The same flow runs without the CLI in npm test: test/e2e.)`);
    return;
  }
  console.log(`using ${cli.version}`);
  const result = await runDemo(cli);
  console.log(`\nDemo done: ${result.sshOutput}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`npm run demo failed: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
