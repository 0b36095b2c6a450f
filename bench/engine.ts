/**
 * The benchmark's real-engine figures: the same programs a user runs, under the real `pulumi` CLI
 * (scripts/toolchain.ts), against the emulator at the benchmark's time scale.
 *
 * - `pulumi up` wall time ÷ floor, for 1 pod (examples/quickstart) and 10 pods (examples/fleet): the floor is
 *   the emulator's boot time plus what the quota forces (settings.ts), as for the fleets.
 * - the engine's overhead per resource: the up's wall time minus the time in which at least one of our
 *   providers was working (their calls timed by the `PULUMI_RUNPOD_SSH_TIMING_LOG` hook), divided by the number
 *   of resources in the stack. It holds CLI and plugin start-up, running the program, the engine's steps and
 *   state writes.
 * - `pulumi preview` of the quickstart beside a program with one trivial resource (median of 3 each).
 */
import fs from "node:fs";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../emulator";
import { ensureToolchain, type Toolchain } from "../scripts/toolchain";
import { createWorkspace, pulumiOk, type EngineWorkspace } from "../scripts/engine/workspace";
import { floorMs, type BenchSettings } from "./settings";
import { median } from "./stats";

const ROOT = path.resolve(__dirname, "..", "..");

export interface EngineUpFigure {
  pods: number;
  wallMs: number;
  floorMs: number;
  resources: number;
  providerBusyMs: number;
  overheadPerResourceMs: number;
}

export interface EngineFigures {
  pulumiVersion: string;
  ups: EngineUpFigure[];
  previewQuickstartMs: number;
  previewTrivialMs: number;
}

interface Project {
  ws: EngineWorkspace;
  emulator: RunpodEmulator;
  cwd: string;
  program: string;
  timingLog: string;
  run(args: string[]): Promise<string>;
  close(): Promise<void>;
}

async function openProject(
  toolchain: Toolchain,
  settings: BenchSettings,
  source: string,
  built: string,
  config: (workspaceDir: string) => Record<string, string>,
): Promise<Project> {
  const emulator = await startEmulator({ timings: settings.timings, rateLimit: [settings.window] });
  const ws = createWorkspace(toolchain, "runpod-ssh-bench-engine-");
  const cwd = path.join(ws.dir, "project");
  fs.mkdirSync(cwd);
  fs.copyFileSync(path.join(source, "Pulumi.yaml"), path.join(cwd, "Pulumi.yaml"));
  const timingLog = path.join(ws.dir, "timing.jsonl");
  const program = path.join(built, "index.js");
  const env = {
    NODE_PATH: path.join(ROOT, "node_modules"),
    PULUMI_RUNPOD_SSH_TIMING_LOG: timingLog,
    RUNPOD_SSH_POLL_INTERVAL_MS: String(settings.pollIntervalMs),
    RUNPOD_SSH_KEY_SETTLE_MS: String(settings.keySettleMs),
  };
  const run = async (args: string[]) => (await pulumiOk(ws, args, { cwd, program, env })).stdout;
  await run(["stack", "init", "bench", "--non-interactive"]);
  await run(["config", "set", "runpod:apiUrl", emulator.url]);
  await run(["config", "set", "--secret", "runpod:token", emulator.apiKey]);
  for (const [k, v] of Object.entries(config(ws.dir))) await run(["config", "set", k, v]);
  return {
    ws,
    emulator,
    cwd,
    program,
    timingLog,
    run,
    async close() {
      try {
        await run(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
      } finally {
        await emulator.stop();
        ws.remove();
      }
    },
  };
}

/** Length of the union of [start, end] intervals, in ms. */
export function busyMs(intervals: Array<{ start: number; end: number }>): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let currentStart = -Infinity;
  let currentEnd = -Infinity;
  for (const { start, end } of sorted) {
    if (start > currentEnd) {
      if (currentEnd > currentStart) total += currentEnd - currentStart;
      currentStart = start;
      currentEnd = end;
    } else {
      currentEnd = Math.max(currentEnd, end);
    }
  }
  if (currentEnd > currentStart) total += currentEnd - currentStart;
  return total;
}

async function upFigure(toolchain: Toolchain, settings: BenchSettings, pods: number, log: (l: string) => void): Promise<EngineUpFigure> {
  const example = pods === 1 ? "quickstart" : "fleet";
  const project = await openProject(
    toolchain,
    settings,
    path.join(ROOT, "examples", example),
    path.join(ROOT, "dist", "examples", example),
    (dir) => ({ privateKeyFile: path.join(dir, "key"), ...(pods === 1 ? {} : { count: String(pods) }) }),
  );
  try {
    log(`pulumi up, ${pods} pod(s) (examples/${example})...`);
    const started = Date.now();
    await project.run(["up", "--yes", "--skip-preview", "--non-interactive"]);
    const wallMs = Date.now() - started;
    const calls = fs
      .readFileSync(project.timingLog, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { start: number; end: number });
    const exported = JSON.parse(await project.run(["stack", "export"])) as { deployment: { resources?: unknown[] } };
    const resources = (exported.deployment.resources ?? []).length;
    const providerBusyMs = busyMs(calls.filter((c) => c.start >= started));
    return {
      pods,
      wallMs,
      floorMs: floorMs(settings, pods),
      resources,
      providerBusyMs,
      overheadPerResourceMs: (wallMs - providerBusyMs) / resources,
    };
  } finally {
    await project.close();
  }
}

async function previewMs(
  toolchain: Toolchain,
  settings: BenchSettings,
  source: string,
  built: string,
  config: (workspaceDir: string) => Record<string, string>,
): Promise<number> {
  const project = await openProject(toolchain, settings, source, built, config);
  try {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await project.run(["preview", "--non-interactive"]);
      times.push(Date.now() - started);
    }
    return median(times);
  } finally {
    await project.emulator.stop();
    project.ws.remove();
  }
}

export async function engineFigures(settings: BenchSettings, log: (line: string) => void): Promise<EngineFigures> {
  const toolchain = await ensureToolchain(log);
  const ups = [await upFigure(toolchain, settings, 1, log), await upFigure(toolchain, settings, 10, log)];
  log("pulumi preview: quickstart and a one-resource program, 3 each");
  const previewQuickstartMs = await previewMs(toolchain, settings, path.join(ROOT, "examples", "quickstart"), path.join(ROOT, "dist", "examples", "quickstart"), (dir) => ({
    privateKeyFile: path.join(dir, "key"),
  }));
  const trivial = path.join("bench", "programs", "trivial");
  const previewTrivialMs = await previewMs(toolchain, settings, path.join(ROOT, trivial), path.join(ROOT, "dist", trivial), () => ({}));
  return { pulumiVersion: toolchain.version, ups, previewQuickstartMs, previewTrivialMs };
}

export function renderEngineReport(figures: EngineFigures): string {
  const rows = figures.ups.map(
    (u) =>
      `| ${u.pods} | ${(u.wallMs / 1000).toFixed(2)} s | ${(u.floorMs / 1000).toFixed(2)} s | ${(u.wallMs / u.floorMs).toFixed(2)}× | ` +
      `${u.resources} | ${(u.providerBusyMs / 1000).toFixed(2)} s | ${Math.round(u.overheadPerResourceMs)} ms |`,
  );
  return [
    `Real engine (pulumi v${figures.pulumiVersion}):`,
    "",
    "| pods | pulumi up wall | floor | wall ÷ floor | resources | providers busy | engine overhead per resource |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `pulumi preview: quickstart ${Math.round(figures.previewQuickstartMs)} ms, one trivial resource ` +
      `${Math.round(figures.previewTrivialMs)} ms (${(figures.previewQuickstartMs / figures.previewTrivialMs).toFixed(2)}×), medians of 3.`,
  ].join("\n");
}
