/**
 * The real-engine reliability suite: the scenarios of scenarios.ts through the real `pulumi` CLI against the
 * emulator, one table in the format of the provider-level suite (../suite.ts), exit code non-zero when a figure
 * that must be zero is not.
 *
 *   npm run reliability -- --engine [--size small|full] [--seed <n>]
 */
import { allZero, formatTable } from "../suite";
import type { ScenarioResult } from "../support";
import { engineConcurrency, engineFaults, engineKills, ENGINE_SIZES, type EngineSize } from "./scenarios";

export async function runEngineSuite(size: EngineSize, seed: number, log: (line: string) => void = () => undefined): Promise<ScenarioResult[]> {
  const rows: ScenarioResult[] = [];
  const scenarios: Array<[string, () => Promise<ScenarioResult>]> = [
    ["engine: API faults", () => engineFaults(size, log)],
    ["engine: SIGKILL + recovery", () => engineKills(size, seed, log)],
    ["engine: concurrent stacks", () => engineConcurrency(size, log)],
  ];
  for (const [name, run] of scenarios) {
    const t0 = Date.now();
    log(`running: ${name} ...`);
    try {
      const row = await run();
      row.notes = { ...row.notes, "time s": Math.round((Date.now() - t0) / 100) / 10 };
      rows.push(row);
    } catch (e) {
      log((e as Error).stack ?? String(e));
      rows.push({ scenario: name, trials: 0, failures: 1, mustBeZero: { "scenario crashed": 1 }, notes: { error: (e as Error).message.slice(0, 300) } });
    }
  }
  return rows;
}

/** `--name value`, the last one given (npm's script already passes `--size full`; a user's later one wins). */
export function lastOption(argv: string[], name: string): string | undefined {
  const at = argv.lastIndexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

export async function engineMain(argv: string[]): Promise<number> {
  const sizeName = lastOption(argv, "--size") ?? "full";
  if (sizeName !== "small" && sizeName !== "full") {
    console.error(`--size must be small or full, got ${sizeName}`);
    return 2;
  }
  const seedText = lastOption(argv, "--seed") ?? String(Date.now() % 100_000);
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) {
    console.error(`--seed must be a non-negative integer, got ${seedText}`);
    return 2;
  }
  const t0 = Date.now();
  const rows = await runEngineSuite(ENGINE_SIZES[sizeName], seed, (l) => console.error(l));
  console.log(`\nReal-engine reliability suite (${sizeName}, seed ${seed}), ${Math.round((Date.now() - t0) / 1000)} s\n`);
  console.log(formatTable(rows));
  const ok = allZero(rows);
  console.log(`\n${ok ? "every figure that must be zero is zero" : "FAILED: some figure that must be zero is not"}`);
  return ok ? 0 : 1;
}
