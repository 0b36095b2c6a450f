/**
 * `npm run bench`: how fast and how cheaply fleets of SSH-ready pods come up, against the local emulator.
 *
 * For each fleet size (default 1, 10, 50) and each variant (ours: the Pod dynamic provider as Pulumi's host
 * runs it; two naive per-pod pollers for comparison), a fresh emulator with time-scaled boot delays and quota
 * (settings.ts) serves N concurrent creates. Measured: readiness latency (median, p95), API requests per pod,
 * wall time against the floor, 429s (and how many hit status polls), resources failed (fleet.ts). Once per
 * run: HTTP calls made by a preview, serialized provider bytes, import cost (once.ts). Prints one table with
 * PASS/FAIL per target (report.ts), and writes everything as JSON with `--json <path>`.
 *
 *   node dist/bench/bench.js [--sizes 1,10,50] [--scale 0.1] [--json out.json]
 *   node dist/bench/bench.js --engine --scale 1 --engine-sizes 1,10,50   (real engine only, platform timing)
 *
 * Everything it starts is stopped before it exits, also on SIGINT/SIGTERM: each emulator process (and so every
 * sshd) and the temp key dir.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runFleet, type FleetResult, type Variant } from "./fleet";
import { engineFigures, engineVerdicts, renderEngineReport, type EngineFigures } from "./engine";
import { importCost, previewCalls, providerBytes } from "./once";
import { judge, renderReport, type BenchResults, type FleetTriple } from "./report";
import { scaledSettings } from "./settings";

const USAGE = `Usage: node dist/bench/bench.js [options]   (npm run bench -- [options])

Creates fleets of SSH-ready pods against the local Runpod emulator and prints one table of figures
with PASS/FAIL per target.

Options:
  --sizes <list>   fleet sizes, comma-separated positive integers (default 1,10,50)
  --scale <x>      time scale of boot delays, quota window and poll floor; 1 = the real platform
                   (30 s boot, 60 requests a minute), default 0.1
  --json <path>    also write every figure as JSON to <path>
  --no-engine      skip the real-engine figures (pulumi up/preview under the real CLI)
  --engine         only the real-engine figures (skips the provider-level fleets and the once-per-run figures)
  --engine-sizes <list>  pod counts of the real-engine ups (default 1,10; add 50 for the fleet targets)
  --timeline-pods <n>    pods in the extra -v=7 run drawn as the critical-path timeline (default 10, 0: none)
  --help           show this help
`;

/** How many timed requires of each module the import-cost figure takes (plus one warm-up each). */
const IMPORT_RUNS = 9;

interface Options {
  sizes: number[];
  scale: number;
  json?: string;
  engine: boolean;
  engineOnly: boolean;
  engineSizes: number[];
  timelinePods: number;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options | "help" {
  const options: Options = { sizes: [1, 10, 50], scale: 0.1, engine: true, engineOnly: false, engineSizes: [1, 10], timelinePods: 10 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--help":
      case "-h":
        return "help";
      case "--sizes": {
        const raw = value();
        const sizes = raw.split(",").map((part) => Number(part.trim()));
        if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 500)) {
          throw new UsageError(`--sizes must be comma-separated integers from 1 to 500, got ${JSON.stringify(raw)}`);
        }
        options.sizes = sizes;
        break;
      }
      case "--scale": {
        const raw = value();
        const scale = Number(raw);
        if (!Number.isFinite(scale) || scale < 0.02 || scale > 1) throw new UsageError(`--scale must be a number from 0.02 to 1, got ${JSON.stringify(raw)}`);
        options.scale = scale;
        break;
      }
      case "--json":
        options.json = path.resolve(value());
        break;
      case "--no-engine":
        options.engine = false;
        break;
      case "--engine":
        options.engineOnly = true;
        break;
      case "--engine-sizes": {
        const raw = value();
        const sizes = raw.split(",").map((part) => Number(part.trim()));
        if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) {
          throw new UsageError(`--engine-sizes must be comma-separated integers from 1 to 200, got ${JSON.stringify(raw)}`);
        }
        options.engineSizes = sizes;
        break;
      }
      case "--timeline-pods": {
        const raw = value();
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 0 || n > 200) throw new UsageError(`--timeline-pods must be an integer from 0 to 200, got ${JSON.stringify(raw)}`);
        options.timelinePods = n;
        break;
      }
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return options;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** A fresh ed25519 key pair made with ssh-keygen; returns the public line and the dir to remove. */
function makeKey(): { publicKey: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runpod-bench-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "runpod-bench", "-f", path.join(dir, "id")]);
  return { publicKey: fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim(), dir };
}

function summary(r: FleetResult): string {
  return `${(r.wallMs / 1000).toFixed(2)} s, ${r.requests} requests, latency median ${Math.round(r.latencyMedianMs)} ms, ${r.failed} failed`;
}

async function main(options: Options): Promise<BenchResults & { engine?: EngineFigures }> {
  const started = Date.now();
  const settings = scaledSettings(options.scale);
  // Read by the SDK when its watcher and key provider are first used: set before any provider call.
  process.env.RUNPOD_SSH_POLL_INTERVAL_MS = String(settings.pollIntervalMs);
  process.env.RUNPOD_SSH_KEY_SETTLE_MS = String(settings.keySettleMs);
  const run = randomBytes(3).toString("hex");
  const key = makeKey();
  const removeKey = (): void => fs.rmSync(key.dir, { recursive: true, force: true });
  // Interrupted: drop the key; each emulator process stops (with its sshd) when this process is gone.
  const onSignal = (signal: NodeJS.Signals): void => {
    removeKey();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`import cost: ${IMPORT_RUNS} fresh processes each for the package and @pulumi/pulumi`);
    const imports = importCost(IMPORT_RUNS);
    log("serialized provider sizes");
    const bytes = await providerBytes();
    log("preview: check and diff against a created pod and account key");
    const preview = await previewCalls(settings, key.publicKey, `${run}-preview`);

    const fleets: FleetTriple[] = [];
    for (const size of options.sizes) {
      const byVariant = {} as Record<Variant, FleetResult>;
      for (const variant of ["ours", "naive-limited", "naive-unlimited"] as const) {
        log(`${size} pods, ${variant}...`);
        byVariant[variant] = await runFleet(variant, size, settings, key.publicKey, `${run}-${size}`);
        log(`  ${summary(byVariant[variant])}`);
      }
      fleets.push({ size, ours: byVariant.ours, naiveLimited: byVariant["naive-limited"], naiveUnlimited: byVariant["naive-unlimited"] });
    }
    const engine = options.engine
      ? await engineFigures(settings, log, { sizes: options.engineSizes, timelinePods: options.timelinePods })
      : undefined;
    return { settings, fleets, preview, providerBytes: bytes, importCost: imports, engine, runSeconds: (Date.now() - started) / 1000 };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    removeKey();
  }
}

async function cli(): Promise<number> {
  let options: Options | "help";
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.engineOnly) {
    const settings = scaledSettings(options.scale);
    log(`real engine only, scale ${options.scale}, sizes ${options.engineSizes.join(",")}`);
    const engine = await engineFigures(settings, log, { sizes: options.engineSizes, timelinePods: options.timelinePods });
    process.stdout.write(`${renderEngineReport(engine)}\n`);
    if (options.json) fs.writeFileSync(options.json, `${JSON.stringify({ settings, engine, targets: engineVerdicts(engine) }, null, 2)}\n`);
    return 0;
  }
  const results = await main(options);
  const verdicts = judge(results);
  process.stdout.write(`${renderReport(results, verdicts)}\n`);
  if (results.engine) process.stdout.write(`\n${renderEngineReport(results.engine)}\n`);
  if (options.json) {
    fs.writeFileSync(options.json, `${JSON.stringify({ ...results, targets: verdicts }, null, 2)}\n`);
    log(`figures written to ${options.json}`);
  }
  return 0;
}

cli().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
