/**
 * The reliability suite (`npm run reliability`; a smaller size runs inside `npm test`): races, faults, crashes,
 * a rate-limit storm and bad input against the emulator, then a scan of everything seen for secrets. Prints one
 * table (scenario, trials, failures, and the figures that must be zero) and exits non-zero when any of those
 * figures is not zero.
 *
 *   node dist/test/reliability/suite.js [--size small|full]
 *   node dist/test/reliability/suite.js --engine [--size small|full] [--seed <n>]   (engine/suite.ts)
 */
import { badInput, crashes, createFaults, rateLimitStorm, withProgressCapture } from "./scenarios";
import { keyRaces } from "./keyScenarios";
import { SIZES, Transcript, type ScenarioResult, type SuiteSize } from "./support";

/** Counts occurrences of any secret in the transcript (private keys are matched on their base64 body lines). */
export function scanForSecrets(transcript: Transcript, apiKeys: string[]): ScenarioResult {
  const needles: Array<{ kind: string; value: string }> = apiKeys.map((k) => ({ kind: "API key", value: k }));
  // Every OpenSSH private key the suite generated shows up in worker outputs only if leaked; find them by
  // their unmistakable header anywhere in the transcript.
  let occurrences = 0;
  const where = new Set<string>();
  for (const { where: w, text } of transcript.texts) {
    for (const n of needles) {
      if (text.includes(n.value)) {
        occurrences++;
        where.add(`${n.kind} in ${w}`);
      }
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) || /b3BlbnNzaC1rZXktdjE/.test(text)) {
      occurrences++;
      where.add(`private key in ${w}`);
    }
  }
  return {
    scenario: "secrets",
    trials: transcript.texts.length,
    failures: occurrences,
    mustBeZero: { "occurrences of the API key or a private key": occurrences },
    notes: where.size ? { where: [...where].join(", ") } : { "texts scanned": transcript.texts.length },
  };
}

/** Runs every scenario at `size`; returns the table rows. */
export async function runSuite(size: SuiteSize, log: (line: string) => void = () => undefined): Promise<ScenarioResult[]> {
  const transcript = new Transcript();
  const rows: ScenarioResult[] = [];
  const scenarios: Array<[string, () => Promise<ScenarioResult>]> = [
    ["bad input", () => badInput(transcript)],
    ["key races", () => keyRaces(size, transcript)],
    ["faults during create", () => createFaults(size, transcript)],
    ["crash in the middle", () => crashes(size, transcript)],
    ["rate-limit storm", () => rateLimitStorm(size, transcript)],
  ];
  for (const [name, run] of scenarios) {
    const t0 = Date.now();
    log(`running: ${name} ...`);
    try {
      const row = await withProgressCapture(transcript, run);
      row.notes = { ...row.notes, "time s": Math.round((Date.now() - t0) / 100) / 10 };
      rows.push(row);
    } catch (e) {
      transcript.add("scenario error", (e as Error).message);
      rows.push({ scenario: name, trials: 0, failures: 1, mustBeZero: { "scenario crashed": 1 }, notes: { error: (e as Error).message.slice(0, 200) } });
    }
  }
  rows.push(scanForSecrets(transcript, transcript.apiKeys));
  return rows;
}

/** The table, as printed. */
export function formatTable(rows: ScenarioResult[]): string {
  const lines = [["scenario", "trials", "failures", "figure that must be zero", "value", "notes"]];
  for (const r of rows) {
    const notes = Object.entries(r.notes ?? {}).map(([k, v]) => `${k}: ${v}`).join("; ");
    Object.entries(r.mustBeZero).forEach(([figure, value], i) => {
      lines.push(i === 0 ? [r.scenario, String(r.trials), String(r.failures), figure, String(value), notes] : ["", "", "", figure, String(value), ""]);
    });
  }
  const widths = lines[0].map((_, c) => Math.min(60, Math.max(...lines.map((l) => l[c].length))));
  return lines.map((l) => l.map((cell, c) => (c === l.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ").trimEnd()).join("\n");
}

export function allZero(rows: ScenarioResult[]): boolean {
  return rows.every((r) => Object.values(r.mustBeZero).every((v) => v === 0));
}

async function main(): Promise<void> {
  // `npm run reliability -- --engine ...`: the same scenarios through the real CLI (engine/suite.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (process.argv.includes("--engine")) process.exit(await (require("./engine/suite") as typeof import("./engine/suite")).engineMain(process.argv));
  const sizeArg = process.argv.includes("--size") ? process.argv[process.argv.lastIndexOf("--size") + 1] : "full";
  if (sizeArg !== "small" && sizeArg !== "full") {
    console.error(`--size must be small or full, got ${sizeArg}`);
    process.exit(2);
  }
  const t0 = Date.now();
  const rows = await runSuite(SIZES[sizeArg], (l) => console.error(l));
  console.log(`\nReliability suite (${sizeArg}), ${Math.round((Date.now() - t0) / 1000)} s\n`);
  console.log(formatTable(rows));
  const ok = allZero(rows);
  console.log(`\n${ok ? "every figure that must be zero is zero" : "FAILED: some figure that must be zero is not"}`);
  process.exit(ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error((e as Error).stack ?? String(e));
    process.exit(1);
  });
}
