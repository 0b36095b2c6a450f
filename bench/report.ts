/**
 * Turns the benchmark's measurements into targets with PASS/FAIL verdicts and one plain-text table.
 *
 * Targets (ours): readiness latency median < 1 s and p95 < 2 s real at every size; 0 resources failed and 0
 * 429s on status polls at every size; at 50 pods and more, ≤ 4 API requests per pod and wall time ≤ 1.15 ×
 * the floor; a preview makes 0 HTTP calls; each serialized provider < 16 KB; requiring the package costs at
 * most 1.2 × requiring @pulumi/pulumi alone. Durations are measured in the scaled run, so the latency
 * thresholds are scaled the same way (1 s real = 1000 × scale ms here).
 */
import type { FleetResult } from "./fleet";
import type { ImportCost, PreviewCalls } from "./once";
import type { ProviderKind } from "../sdk/providers/providerShims";
import { bootMs, quotaWaitMs, type BenchSettings } from "./settings";

export interface FleetTriple {
  size: number;
  ours: FleetResult;
  naiveLimited: FleetResult;
  naiveUnlimited: FleetResult;
}

export interface BenchResults {
  settings: BenchSettings;
  fleets: FleetTriple[];
  preview: PreviewCalls;
  providerBytes: Record<ProviderKind, number>;
  importCost: ImportCost;
  /** Whole benchmark, in seconds. */
  runSeconds: number;
}

export interface TargetVerdict {
  /** Stable key, e.g. `latency-median@50`. */
  id: string;
  target: string;
  value: string;
  /** null: not applicable in this run (e.g. no fleet of 50 pods). */
  pass: boolean | null;
}

/** Sizes at which the "at 50 pods" targets are judged. */
export const AT_SCALE = 50;

const PROVIDER_LIMIT = 16 * 1024;
const IMPORT_LIMIT = 1.2;
const WALL_LIMIT = 1.15;
const REQUESTS_LIMIT = 4;

function ms(value: number): string {
  if (!Number.isFinite(value)) return "-";
  return Math.abs(value) >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function seconds(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}

function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "-";
}

function verdict(pass: boolean | null): string {
  return pass === null ? "n/a" : pass ? "PASS" : "FAIL";
}

function latencyLimits(settings: BenchSettings): { median: number; p95: number } {
  return { median: 1000 * settings.scale, p95: 2000 * settings.scale };
}

/** Every target with its verdict, in table order. */
export function judge(results: BenchResults): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const limits = latencyLimits(results.settings);
  for (const { size, ours } of results.fleets) {
    const at = (what: string): string => `${size} pod${size === 1 ? "" : "s"}: ${what}`;
    const atScale = size >= AT_SCALE;
    out.push(
      { id: `latency-median@${size}`, target: at(`readiness latency median < ${ms(limits.median)}`), value: ms(ours.latencyMedianMs), pass: ours.latencyMedianMs < limits.median },
      { id: `latency-p95@${size}`, target: at(`readiness latency p95 < ${ms(limits.p95)}`), value: ms(ours.latencyP95Ms), pass: ours.latencyP95Ms < limits.p95 },
      { id: `failed@${size}`, target: at("0 resources failed"), value: String(ours.failed), pass: ours.failed === 0 },
      { id: `poll429@${size}`, target: at("0 429s on status polls"), value: String(ours.poll429), pass: ours.poll429 === 0 },
      { id: `requests@${size}`, target: at(`API requests per pod ≤ ${REQUESTS_LIMIT}`), value: ours.requestsPerPod.toFixed(2), pass: atScale ? ours.requestsPerPod <= REQUESTS_LIMIT : null },
      { id: `wall@${size}`, target: at(`wall time ≤ ${WALL_LIMIT} × floor`), value: times(ours.wallOverFloor), pass: atScale ? ours.wallOverFloor <= WALL_LIMIT : null },
    );
  }
  if (!results.fleets.some((f) => f.size >= AT_SCALE)) {
    out.push({ id: "at-scale", target: `requests per pod and wall time at ${AT_SCALE} pods`, value: "no fleet that large in this run", pass: null });
  }
  out.push({ id: "preview", target: "preview: 0 HTTP calls", value: String(results.preview.requests), pass: results.preview.requests === 0 && results.preview.diffsAsExpected });
  for (const [kind, bytes] of Object.entries(results.providerBytes)) {
    out.push({ id: `provider-bytes:${kind}`, target: `serialized provider ${kind} < 16 KB`, value: `${bytes} B`, pass: bytes < PROVIDER_LIMIT });
  }
  out.push({ id: "import", target: `import cost ≤ ${IMPORT_LIMIT}× @pulumi/pulumi`, value: times(results.importCost.ratio), pass: results.importCost.ratio <= IMPORT_LIMIT });
  return out;
}

type Row = string[] | "rule" | { heading: string };

function render(header: string[], rows: Row[]): string {
  const cells = [header, ...rows.filter((r): r is string[] => Array.isArray(r))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const total = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const rule = "-".repeat(total);
  const text = [line(header), rule];
  for (const r of rows) {
    if (r === "rule") text.push(rule);
    else if (Array.isArray(r)) text.push(line(r));
    else text.push(r.heading);
  }
  return text.join("\n");
}

function loopDelay(r: FleetResult): string {
  return `${Math.round(r.eventLoopDelayP99Ms)}/${Math.round(r.eventLoopDelayMaxMs)} ms`;
}

/** naive ÷ ours, or "-" when it means nothing (a zero). */
function ratio(naive: number, ours: number): string {
  return ours > 0 && Number.isFinite(naive) && Number.isFinite(ours) ? times(naive / ours) : "-";
}

/** The whole printed report. */
export function renderReport(results: BenchResults, verdicts: TargetVerdict[]): string {
  const s = results.settings;
  const t = s.timings;
  const limits = latencyLimits(s);
  const mark = (id: string): string => {
    const v = verdicts.find((x) => x.id === id);
    return v ? verdict(v.pass) : "";
  };

  const header = ["figure", "ours", "naive+lim", "÷ours", "naive", "÷ours", "target", "verdict"];
  const rows: Row[] = [];
  for (const { size, ours, naiveLimited: nl, naiveUnlimited: nu } of results.fleets) {
    rows.push({ heading: `${size} pod${size === 1 ? "" : "s"}: floor ${seconds(ours.floorMs)} = boot ${seconds(bootMs(s))} + quota wait ${seconds(quotaWaitMs(s, size))}` });
    rows.push([
      "  readiness latency, median",
      ms(ours.latencyMedianMs), ms(nl.latencyMedianMs), ratio(nl.latencyMedianMs, ours.latencyMedianMs), ms(nu.latencyMedianMs), ratio(nu.latencyMedianMs, ours.latencyMedianMs),
      `< ${ms(limits.median)}`, mark(`latency-median@${size}`),
    ]);
    rows.push([
      "  readiness latency, p95",
      ms(ours.latencyP95Ms), ms(nl.latencyP95Ms), ratio(nl.latencyP95Ms, ours.latencyP95Ms), ms(nu.latencyP95Ms), ratio(nu.latencyP95Ms, ours.latencyP95Ms),
      `< ${ms(limits.p95)}`, mark(`latency-p95@${size}`),
    ]);
    rows.push([
      "  API requests per pod",
      ours.requestsPerPod.toFixed(2), nl.requestsPerPod.toFixed(2), ratio(nl.requestsPerPod, ours.requestsPerPod), nu.requestsPerPod.toFixed(2), ratio(nu.requestsPerPod, ours.requestsPerPod),
      size >= AT_SCALE ? `≤ ${REQUESTS_LIMIT}` : "", mark(`requests@${size}`),
    ]);
    rows.push([
      "  wall time",
      seconds(ours.wallMs), seconds(nl.wallMs), ratio(nl.wallMs, ours.wallMs), seconds(nu.wallMs), ratio(nu.wallMs, ours.wallMs),
      "", "",
    ]);
    rows.push([
      "  wall time ÷ floor",
      times(ours.wallOverFloor), times(nl.wallOverFloor), "", times(nu.wallOverFloor), "",
      size >= AT_SCALE ? `≤ ${WALL_LIMIT}×` : "", mark(`wall@${size}`),
    ]);
    rows.push([
      "  last sshd listening (emulator) ÷ floor",
      times(ours.lastSshdMs / ours.floorMs), times(nl.lastSshdMs / nl.floorMs), "", times(nu.lastSshdMs / nu.floorMs), "",
      "", "",
    ]);
    rows.push([
      "  wall time ÷ last sshd listening (client's share)",
      times(ours.wallMs / ours.lastSshdMs), times(nl.wallMs / nl.lastSshdMs), "", times(nu.wallMs / nu.lastSshdMs), "",
      "", "",
    ]);
    rows.push([
      "  emulator's sshdReadyAt late by (max)",
      ms(ours.sshdReadyAtLateMs), ms(nl.sshdReadyAtLateMs), "", ms(nu.sshdReadyAtLateMs), "",
      "", "",
    ]);
    rows.push([
      "  event-loop delay p99 / max (host load)",
      loopDelay(ours), loopDelay(nl), "", loopDelay(nu), "",
      "", "",
    ]);
    rows.push(["  429 responses", String(ours.status429), String(nl.status429), "", String(nu.status429), "", "", ""]);
    rows.push([
      "  429 responses on status polls",
      String(ours.poll429), String(nl.poll429), "", String(nu.poll429), "",
      "0", mark(`poll429@${size}`),
    ]);
    rows.push([
      "  resources failed",
      String(ours.failed), String(nl.failed), "", String(nu.failed), "",
      "0", mark(`failed@${size}`),
    ]);
  }
  rows.push("rule");
  rows.push({ heading: "once" });
  rows.push(["  preview HTTP calls (check + diff, Pod and AccountSshKey)", String(results.preview.requests), "", "", "", "", "0", mark("preview")]);
  for (const [kind, bytes] of Object.entries(results.providerBytes)) {
    rows.push([`  serialized provider bytes: ${kind}`, String(bytes), "", "", "", "", "< 16384", mark(`provider-bytes:${kind}`)]);
  }
  const ic = results.importCost;
  rows.push([`  require package (median of ${ic.packageMs.length})`, ms(ic.packageMedianMs), "", "", "", "", "", ""]);
  rows.push([`  require @pulumi/pulumi alone (median of ${ic.pulumiMs.length})`, ms(ic.pulumiMedianMs), "", "", "", "", "", ""]);
  rows.push(["  import cost: package ÷ @pulumi/pulumi", times(ic.ratio), "", "", "", "", `≤ ${IMPORT_LIMIT}×`, mark("import")]);

  const problems = results.fleets.flatMap((f) =>
    [f.ours, f.naiveLimited, f.naiveUnlimited].flatMap((r) => [
      ...r.errors.map((e) => `  ${r.size} pods, ${r.variant}: ${e}`),
      ...(r.leftAfterDelete > 0 ? [`  ${r.size} pods, ${r.variant}: ${r.leftAfterDelete} pods were still there after the deletes`] : []),
    ]),
  );
  const passed = verdicts.filter((v) => v.pass === true).length;
  const failed = verdicts.filter((v) => v.pass === false);
  const lines = [
    `pulumi-runpod-ssh fleet benchmark: scale ${s.scale} (boot ${t.provisioningMs} + ${t.startingMs} + ${t.sshdStartMs} ms, ` +
      `quota ${s.window.quota} requests per ${s.window.windowSeconds} s, poll floor ${s.pollIntervalMs} ms)`,
    "",
    render(header, rows),
    "",
    "ours       Pod dynamic provider (check + create) as Pulumi's host runs it, all pods at once; one account-wide watcher.",
    `naive+lim  per pod: createPod, GET /v2/pods/{id} every ${s.pollIntervalMs} ms until RUNNING with ssh.direct, then a banner read every ${s.pollIntervalMs} ms;`,
    "           through its own client-side limiter (holds requests back instead of collecting 429s).",
    "naive      the same with rateLimiter: false; its client still sleeps out each 429's Retry-After and retries it (up to 8 times),",
    "           where the real naive tools have no retry at all.",
    "÷ours      naive figure divided by ours (above 1: ours is better).",
    `Readiness latency = create returned - when the pod's sshd listened: the emulator's sshdReadyAt, or the mtime of sshd's pid`,
    `file (written right after it binds) when earlier; a loaded emulator reads sshd's "listening" line late (row "late by").`,
    ...(s.scale === 1
      ? []
      : [
          `Times are measured in the scaled run; the latency targets (1 s and 2 s on the real platform) are scaled alike. SDK constants`,
          `that no setting scales (200 ms between banner probes, the key exchange that reads the host keys, 250 ms limiter`,
          `margin after a window reset, whole-second Retry-After) weigh ${(1 / s.scale).toFixed(1)}× more here than on the platform:`,
          `check a latency FAIL at small sizes with --scale 1.`,
        ]),
    `Requests: every API request received from the start until the last create returned (429s included, admin paths not).`,
    `Floor: boot time + max(0, ceil(N / quota) - 1) × window (the creates alone; the API has no batch create).`,
    `"last sshd listening" is when the emulator's last sshd of the fleet listened, from the start: the boot this machine`,
    `achieved. Above 1× the host itself (spawning many sshd at once) held the pods back, whatever the client did.`,
    `The emulator runs in a child process; "event-loop delay" is the client's process: tens of ms or more mean the host`,
    `(2 cores shared by client, emulator and every sshd) set the pace, not the client.`,
    ...(problems.length > 0 ? ["", "Failures:", ...problems] : []),
    "",
    `Targets (ours): ${passed} PASS, ${failed.length} FAIL${failed.length ? ":" : "."}`,
    ...failed.map((v) => `  FAIL ${v.target}: ${v.value}`),
    `Run time: ${results.runSeconds.toFixed(0)} s.`,
  ];
  return lines.join("\n");
}
