#!/usr/bin/env node
/**
 * Standalone Runpod emulator: `runpod-emulator [options]` (or `node dist/emulator/cli.js`).
 *
 * Once listening it prints exactly two lines to stdout, ready for `eval`/`export`:
 *
 * ```
 * RUNPOD_API_URL=http://127.0.0.1:PORT
 * RUNPOD_API_KEY=KEY
 * ```
 *
 * Everything else goes to stderr. SIGINT/SIGTERM stop it cleanly (every sshd killed,
 * temp dirs removed). Invalid flags exit with code 2, start failures with code 1.
 */
import { parseArgs } from "node:util";
import { startEmulator } from "./emulator";
import type { EmulatorOptions, RateLimitWindow, RunpodEmulator } from "./types";

const USAGE = `Usage: runpod-emulator [options]

Local emulator of the Runpod REST v2 API (ssh keys and pods) whose pods run a real sshd.
Prints RUNPOD_API_URL=... and RUNPOD_API_KEY=... on stdout once listening.

Options:
  --host HOST              listen address (default 127.0.0.1)
  --port N                 listen port (default 0 = any free port)
  --api-key KEY            bearer key clients must send (default: random rpa_...)
  --ssh-mode MODE          image: sshd reads PUBLIC_KEY only (like Runpod's /start.sh)
                           override: SSH_PUBLIC_KEY wins over PUBLIC_KEY (default image)
  --provisioning-ms N      PROVISIONING -> STARTING delay (default 400)
  --starting-ms N          STARTING -> RUNNING delay (default 400)
  --sshd-start-ms N        RUNNING -> sshd listening delay (default 200)
  --host-key-log-ms N      sshd listening -> "SSH host keys:" lines in the pod log (default 0)
  --rate-limit SPEC        windows as name=quota/seconds, comma separated
                           (default minute=60/60,hour=3000/3600,day=50000/86400)
  --no-rate-limit          no limit and no RateLimit headers
  --account-key KEY        initial account SSH key (repeatable)
  --key-set-limit N        max total characters of the account key set (default 65000)
  --no-sshd                never run sshd (ssh.direct is still reported)
  --validate-responses     check every response against the spec (violations on stderr)
  -v, --verbose            diagnostics on stderr
  -h, --help               show this help

Admin routes (bearer key required, not rate limited): POST /_emulator/faults,
GET /_emulator/state, POST /_emulator/pods/{id}/reset.
`;

/** A command-line mistake: reported with exit code 2. */
class UsageError extends Error {}

function nonNegativeInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} expects a non-negative integer, got '${value}'`);
  return Number(value);
}

/** Parse `minute=60/60,hour=3000/3600`. */
export function parseRateLimit(spec: string): RateLimitWindow[] {
  return spec.split(",").map((part) => {
    const match = /^\s*([A-Za-z0-9_-]+)=(\d+)\/(\d+)\s*$/.exec(part);
    if (!match) throw new UsageError(`--rate-limit: '${part}' is not name=quota/seconds (e.g. minute=60/60)`);
    const window = { name: match[1], quota: Number(match[2]), windowSeconds: Number(match[3]) };
    if (window.quota < 1 || window.windowSeconds < 1) throw new UsageError(`--rate-limit: quota and seconds must be positive in '${part}'`);
    return window;
  });
}

/** Turn argv (without node and script) into options; `undefined` means --help. */
export function parseCommandLine(argv: string[]): EmulatorOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        "api-key": { type: "string" },
        "ssh-mode": { type: "string" },
        "provisioning-ms": { type: "string" },
        "starting-ms": { type: "string" },
        "sshd-start-ms": { type: "string" },
        "host-key-log-ms": { type: "string" },
        "rate-limit": { type: "string" },
        "no-rate-limit": { type: "boolean" },
        "account-key": { type: "string", multiple: true },
        "key-set-limit": { type: "string" },
        "no-sshd": { type: "boolean" },
        "validate-responses": { type: "boolean" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values;
  if (values.help) return undefined;
  const options: EmulatorOptions = {};
  if (values.host !== undefined) options.host = values.host;
  const port = nonNegativeInt("--port", values.port);
  if (port !== undefined) {
    if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
    options.port = port;
  }
  if (values["api-key"] !== undefined) {
    if (!/^\S+$/.test(values["api-key"])) throw new UsageError("--api-key must be non-empty and contain no whitespace");
    options.apiKey = values["api-key"];
  }
  const mode = values["ssh-mode"];
  if (mode !== undefined) {
    if (mode !== "image" && mode !== "override") throw new UsageError(`--ssh-mode must be 'image' or 'override', got '${mode}'`);
    options.sshMode = mode;
  }
  const timings = {
    provisioningMs: nonNegativeInt("--provisioning-ms", values["provisioning-ms"]),
    startingMs: nonNegativeInt("--starting-ms", values["starting-ms"]),
    sshdStartMs: nonNegativeInt("--sshd-start-ms", values["sshd-start-ms"]),
    hostKeyLogMs: nonNegativeInt("--host-key-log-ms", values["host-key-log-ms"]),
  };
  options.timings = Object.fromEntries(Object.entries(timings).filter(([, value]) => value !== undefined));
  if (values["no-rate-limit"] && values["rate-limit"] !== undefined) throw new UsageError("--rate-limit and --no-rate-limit exclude each other");
  if (values["no-rate-limit"]) options.rateLimit = false;
  if (values["rate-limit"] !== undefined) options.rateLimit = parseRateLimit(values["rate-limit"]);
  if (values["account-key"]) options.accountKeys = values["account-key"];
  const keySetLimit = nonNegativeInt("--key-set-limit", values["key-set-limit"]);
  if (keySetLimit !== undefined) {
    if (keySetLimit < 1) throw new UsageError("--key-set-limit must be positive");
    options.keySetLimit = keySetLimit;
  }
  if (values["no-sshd"]) options.sshd = false;
  if (values["validate-responses"]) options.validateResponses = true;
  if (values.verbose || values["validate-responses"]) options.log = (line) => process.stderr.write(`[runpod-emulator] ${line}\n`);
  return options;
}

async function main(argv: string[]): Promise<void> {
  let options: EmulatorOptions | undefined;
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`runpod-emulator: ${error.message}\nRun 'runpod-emulator --help' for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (!options) {
    process.stdout.write(USAGE);
    return;
  }

  let emulator: RunpodEmulator;
  try {
    emulator = await startEmulator(options);
  } catch (error) {
    process.stderr.write(`runpod-emulator: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`runpod-emulator: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    process.stderr.write(`runpod-emulator: ${signal}, stopping\n`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`runpod-emulator: error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);

  process.stdout.write(`RUNPOD_API_URL=${emulator.url}\nRUNPOD_API_KEY=${emulator.apiKey}\n`);
  process.stderr.write(`runpod-emulator: listening on ${emulator.url} (ssh mode ${emulator.sshMode}); Ctrl-C stops it\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`runpod-emulator: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
