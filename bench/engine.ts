/**
 * The benchmark's real-engine figures: the same programs a user runs, under the real `pulumi` CLI
 * (scripts/toolchain.ts), with the engine's DEFAULT parallelism, against the emulator at the benchmark's time scale.
 *
 * - `pulumi up` for 1 pod (examples/quickstart) and N pods (examples/fleet), beside a trivial program with the same
 *   number of resources (bench/programs/trivial: dynamic resources whose provider does nothing, the engine's own
 *   floor). Judged: wall ÷ (platform floor + the trivial program's up), where the platform floor is the emulator's
 *   boot plus what the quota forces (settings.ts).
 * - requests per pod: every HTTP request the emulator received during the up, over the pods.
 * - `pulumi destroy` of the same stack beside the trivial program's destroy (plus the quota's wait for the deletes),
 *   on a fresh quota window (a destroy right after a 50-pod up would otherwise wait for the up's window).
 * - the engine's overhead per resource: the up's wall time minus the time in which at least one of our providers
 *   was working (the `PULUMI_RUNPOD_SSH_TIMING_LOG` hook), over the resources.
 * - the emulator's own lateness: how much later than planned each pod's sshd listened (created + boot), and the
 *   largest event-loop lag measured in the emulator's process during the up.
 * - one critical-path timeline (engineTimeline.ts), from a separate `-v=7` run so the verbose log costs nothing in
 *   the measured runs.
 * - `pulumi preview` of the quickstart beside the trivial program with as many resources (median of 3 each).
 */
import fs from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startEmulator, type RunpodEmulator } from "../emulator";
import { ensureToolchain, type Toolchain } from "../scripts/toolchain";
import { createWorkspace, pulumiOk, type EngineWorkspace } from "../scripts/engine/workspace";
import { bootMs, floorMs, quotaWaitMs, type BenchSettings } from "./settings";
import { median } from "./stats";
import { buildTimeline, engineAsks, renderTimeline, type TimedCall, type Timeline } from "./engineTimeline";

const ROOT = path.resolve(__dirname, "..", "..");
const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];

export interface EngineUpFigure {
  pods: number;
  wallMs: number;
  /** The platform floor: boot + the quota's wait for the creates. */
  floorMs: number;
  resources: number;
  /** `pulumi up` of the trivial program with the same number of resources. */
  trivialUpMs: number;
  providerBusyMs: number;
  overheadPerResourceMs: number;
  /** HTTP requests the emulator received during the up. */
  requests: number;
  destroyMs: number;
  trivialDestroyMs: number;
  /** The trivial program's destroy + the quota's wait for the deletes. */
  destroyFloorMs: number;
  /** The emulator's own lateness: sshd listening after created + boot (median, max), and its event-loop lag. */
  latenessMedianMs: number;
  latenessMaxMs: number;
  loopLagMaxMs: number;
}

export interface EngineFigures {
  pulumiVersion: string;
  ups: EngineUpFigure[];
  previewQuickstartMs: number;
  previewTrivialMs: number;
  previewResources: number;
  timeline?: { pods: number; timeline: Timeline };
}

interface Project {
  ws: EngineWorkspace;
  emulator: RunpodEmulator;
  cwd: string;
  timingLog: string;
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }>;
  close(destroy: boolean): Promise<void>;
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
  const run = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = await pulumiOk(ws, args, { cwd, program, env: { ...env, ...extra }, timeoutMs: 30 * 60_000 });
    return { stdout: r.stdout, stderr: r.stderr };
  };
  await run(["stack", "init", "bench", "--non-interactive"]);
  await run(["config", "set", "runpod:apiUrl", emulator.url]);
  await run(["config", "set", "--secret", "runpod:token", emulator.apiKey]);
  for (const [k, v] of Object.entries(config(ws.dir))) await run(["config", "set", k, v]);
  return {
    ws,
    emulator,
    cwd,
    timingLog,
    run,
    async close(destroy: boolean) {
      try {
        if (destroy) await run(DESTROY);
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

function readCalls(file: string): TimedCall[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as TimedCall);
}

async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = Date.now();
  const value = await call();
  return { ms: Date.now() - started, value };
}

function podProject(toolchain: Toolchain, settings: BenchSettings, pods: number): Promise<Project> {
  const example = pods === 1 ? "quickstart" : "fleet";
  return openProject(toolchain, settings, path.join(ROOT, "examples", example), path.join(ROOT, "dist", "examples", example), (dir) => ({
    privateKeyFile: path.join(dir, "key"),
    ...(pods === 1 ? {} : { count: String(pods) }),
  }));
}

function trivialProject(toolchain: Toolchain, settings: BenchSettings, count: number): Promise<Project> {
  const trivial = path.join("bench", "programs", "trivial");
  return openProject(toolchain, settings, path.join(ROOT, trivial), path.join(ROOT, "dist", trivial), () => ({ count: String(count) }));
}

/** Resources in the stack's state (the stack itself and its default providers included). */
async function resourceCount(project: Project): Promise<number> {
  const exported = JSON.parse((await project.run(["stack", "export"])).stdout) as { deployment: { resources?: unknown[] } };
  return (exported.deployment.resources ?? []).length;
}

async function upFigure(toolchain: Toolchain, settings: BenchSettings, pods: number, log: (l: string) => void): Promise<EngineUpFigure> {
  const project = await podProject(toolchain, settings, pods);
  let up: { ms: number };
  let resources: number;
  let providerBusy: number;
  let requests: number;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let lateness: number[];
  try {
    log(`pulumi up, ${pods} pod(s), default parallelism...`);
    const before = project.emulator.requests.length;
    const upStart = Date.now();
    lag.enable();
    up = await timed(() => project.run(UP));
    lag.disable();
    requests = project.emulator.requests.length - before;
    providerBusy = busyMs(readCalls(project.timingLog).filter((c) => c.start >= upStart));
    resources = await resourceCount(project);
    lateness = project.emulator
      .pods()
      .map((p) => (p.sshdReadyAt ?? NaN) - (Date.parse(p.createdAt) + bootMs(settings)))
      .filter((v) => Number.isFinite(v));
    log(`  ${(up.ms / 1000).toFixed(2)} s, ${requests} requests; pulumi destroy...`);
  } catch (e) {
    await project.close(true);
    throw e;
  }
  let destroy: { ms: number };
  try {
    // A destroy right after the up would inherit the up's spent quota window; a user destroys later. Measure it
    // on a fresh window when the up's requests and the deletes would not fit in one.
    if (requests + pods + 4 > settings.window.quota) {
      log(`  waiting one quota window (${settings.window.windowSeconds} s) so the destroy starts on a fresh one...`);
      await new Promise((r) => setTimeout(r, settings.window.windowSeconds * 1000));
    }
    destroy = await timed(() => project.run(DESTROY));
  } finally {
    await project.close(false);
  }
  // The trivial program: as many resources besides the stack and its one default provider.
  const trivial = await trivialProject(toolchain, settings, Math.max(1, resources - 2));
  let trivialUp: { ms: number };
  let trivialDestroy: { ms: number };
  try {
    log(`  trivial program with ${Math.max(1, resources - 2)} resources: up and destroy...`);
    trivialUp = await timed(() => trivial.run(UP));
    trivialDestroy = await timed(() => trivial.run(DESTROY));
  } finally {
    await trivial.close(false);
  }
  lateness.sort((a, b) => a - b);
  return {
    pods,
    wallMs: up.ms,
    floorMs: floorMs(settings, pods),
    resources,
    trivialUpMs: trivialUp.ms,
    providerBusyMs: providerBusy,
    overheadPerResourceMs: (up.ms - providerBusy) / resources,
    requests,
    destroyMs: destroy.ms,
    trivialDestroyMs: trivialDestroy.ms,
    destroyFloorMs: trivialDestroy.ms + quotaWaitMs(settings, pods),
    latenessMedianMs: lateness.length ? median(lateness) : 0,
    latenessMaxMs: lateness.length ? lateness[lateness.length - 1] : 0,
    loopLagMaxMs: lag.max / 1e6,
  };
}

/** A separate `pulumi up -v=7 --logtostderr` of N pods, for the critical-path timeline. */
async function timelineRun(toolchain: Toolchain, settings: BenchSettings, pods: number, log: (l: string) => void): Promise<Timeline> {
  const project = await podProject(toolchain, settings, pods);
  try {
    log(`timeline: pulumi up -v=7 of ${pods} pod(s)...`);
    const upStart = Date.now();
    const out = await project.run([...UP, "-v=7", "--logtostderr"]);
    const upEnd = Date.now();
    return buildTimeline({
      upStart,
      upEnd,
      calls: readCalls(project.timingLog),
      asks: engineAsks(out.stderr),
      requests: project.emulator.requests,
      pods: project.emulator.pods(),
    });
  } finally {
    await project.close(true);
  }
}

async function previewMs(project: Project): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) times.push((await timed(() => project.run(["preview", "--non-interactive"]))).ms);
  return median(times);
}

export async function engineFigures(
  settings: BenchSettings,
  log: (line: string) => void,
  options: { sizes?: number[]; timelinePods?: number } = {},
): Promise<EngineFigures> {
  const toolchain = await ensureToolchain(log);
  const ups: EngineUpFigure[] = [];
  for (const pods of options.sizes ?? [1, 10]) ups.push(await upFigure(toolchain, settings, pods, log));
  const timelinePods = options.timelinePods ?? 10;
  const timeline = timelinePods > 0 ? { pods: timelinePods, timeline: await timelineRun(toolchain, settings, timelinePods, log) } : undefined;
  log("pulumi preview: quickstart and the trivial program with as many resources, 3 each");
  const quickstart = await podProject(toolchain, settings, 1);
  let previewQuickstartMs: number;
  try {
    previewQuickstartMs = await previewMs(quickstart);
  } finally {
    await quickstart.close(false);
  }
  const previewResources = ups.find((u) => u.pods === 1)?.resources ?? 10;
  const trivial = await trivialProject(toolchain, settings, Math.max(1, previewResources - 2));
  let previewTrivialMs: number;
  try {
    previewTrivialMs = await previewMs(trivial);
  } finally {
    await trivial.close(false);
  }
  return { pulumiVersion: toolchain.version, ups, previewQuickstartMs, previewTrivialMs, previewResources, timeline };
}

/** The targets of issue 20, judged on these figures. */
export function engineVerdicts(f: EngineFigures): Array<{ target: string; value: string; pass: boolean }> {
  const out: Array<{ target: string; value: string; pass: boolean }> = [];
  for (const u of f.ups) {
    const limit = u.pods >= 50 ? 1.1 : 1.05;
    const ratio = u.wallMs / (u.floorMs + u.trivialUpMs);
    out.push({ target: `up of ${u.pods} pod(s) ≤ ${limit.toFixed(2)}× (floor + trivial up)`, value: `${ratio.toFixed(2)}×`, pass: ratio <= limit });
    if (u.pods >= 50) {
      const perPod = u.requests / u.pods;
      out.push({ target: `requests per pod at ${u.pods} ≤ 1.1`, value: perPod.toFixed(2), pass: perPod <= 1.1 });
      const d = u.destroyMs / u.destroyFloorMs;
      out.push({ target: `destroy of ${u.pods} pods ≤ 1.10× its floor`, value: `${d.toFixed(2)}×`, pass: d <= 1.1 });
    }
  }
  const p = f.previewQuickstartMs / f.previewTrivialMs;
  out.push({ target: "preview ≤ 1.15× the trivial program's", value: `${p.toFixed(2)}×`, pass: p <= 1.15 });
  return out;
}

export function renderEngineReport(f: EngineFigures): string {
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rows = f.ups.map(
    (u) =>
      `| ${u.pods} | ${sec(u.wallMs)} | ${sec(u.floorMs)} | ${sec(u.trivialUpMs)} | ${(u.wallMs / (u.floorMs + u.trivialUpMs)).toFixed(2)}× | ` +
      `${u.resources} | ${(u.requests / u.pods).toFixed(2)} | ${sec(u.destroyMs)} | ${sec(u.destroyFloorMs)} | ${(u.destroyMs / u.destroyFloorMs).toFixed(2)}× | ` +
      `${Math.round(u.overheadPerResourceMs)} ms | ${Math.round(u.latenessMedianMs)} / ${Math.round(u.latenessMaxMs)} ms, lag ≤ ${Math.round(u.loopLagMaxMs)} ms |`,
  );
  const verdicts = engineVerdicts(f).map((v) => `| ${v.target} | ${v.value} | ${v.pass ? "PASS" : "FAIL"} |`);
  return [
    `Real engine (pulumi v${f.pulumiVersion}, default parallelism):`,
    "",
    "| pods | up wall | platform floor | trivial up | wall ÷ (floor + trivial) | resources | requests/pod | destroy | destroy floor | destroy ÷ floor | engine overhead/resource | emulator lateness (median / max) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `pulumi preview: quickstart ${Math.round(f.previewQuickstartMs)} ms, trivial program with ${Math.max(1, f.previewResources - 2)} resources ` +
      `${Math.round(f.previewTrivialMs)} ms (${(f.previewQuickstartMs / f.previewTrivialMs).toFixed(2)}×), medians of 3.`,
    "",
    "| target | value | verdict |",
    "| --- | --- | --- |",
    ...verdicts,
    ...(f.timeline ? ["", renderTimeline(f.timeline.timeline, `${f.timeline.pods} pods`)] : []),
  ].join("\n");
}
