/**
 * The critical-path timeline of one real-engine `pulumi up`: for each of our resources, when the engine asked
 * (the CLI's `-v=7` log: `Provider[...].Create(<urn>) executing`, sub-millisecond times), when our provider started and
 * finished the call (the `PULUMI_RUNPOD_SSH_TIMING_LOG` hook, which names the resource), and for each pod the
 * requests that reached the emulator (its create POST, its log read) and when its sshd listened. From those, each
 * pod's seconds are split into waits: the engine (ask after the dependency finished), the quota and settle time
 * before the create reached Runpod, the boot, and what came after sshd listened (the status poll's lag, the banner
 * probe, the key exchange, the log proof).
 */
import type { RecordedRequest } from "../emulator";

/** One provider call from the timing log. */
export interface TimedCall {
  kind: string;
  op: string;
  start: number;
  end: number;
  urn?: string;
}

/**
 * Engine asks: URN -> ms since the epoch of the CLI's `Provider[...].Create(<urn>) executing` log line. The CLI logs
 * JSON lines (`{"time":"2026-12-05T05:30:31.005686342Z","msg":"...","v":7}`); glog text lines are read too.
 */
export function engineAsks(cliLog: string, year = new Date().getUTCFullYear()): Map<string, number> {
  const asks = new Map<string, number>();
  const create = /Provider\[[^\]]*\]\.Create\((urn:pulumi:[^)]+)\) executing/;
  const glog = /^[IWE](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6})\s/;
  for (const l of cliLog.split("\n")) {
    let at: number | undefined;
    let msg = l;
    if (l.startsWith("{")) {
      try {
        const entry = JSON.parse(l) as { time?: string; msg?: string };
        msg = entry.msg ?? "";
        at = entry.time ? Date.parse(entry.time) : undefined;
      } catch {
        continue;
      }
    } else {
      const m = glog.exec(l);
      if (m) at = Date.UTC(year, Number(m[1]) - 1, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) + Math.round(Number(m[6]) / 1000);
    }
    const c = create.exec(msg);
    if (c && at !== undefined && !asks.has(c[1])) asks.set(c[1], at);
  }
  return asks;
}

/** A pod of the run, as the emulator saw it. */
export interface PodRecord {
  id: string;
  name: string;
  createdAt: string;
  sshdReadyAt: number | null;
}

/** One pod's path through `pulumi up`, in ms since the up started. */
export interface PodTimeline {
  name: string;
  podAsk?: number;
  podStart?: number;
  createPost?: number;
  podEnd?: number;
  readyAsk?: number;
  readyStart?: number;
  sshd?: number;
  logRead?: number;
  readyEnd?: number;
  /** The waits, in ms. */
  waits: { engineBeforeCreate?: number; quotaAndSettle?: number; engineBetween?: number; boot?: number; afterSshd?: number };
}

export interface Timeline {
  upStart: number;
  upEnd: number;
  /** The account key's create (the pods wait for it): ask, start, end, in ms since the up started. */
  accountKey?: { ask?: number; start: number; end: number };
  pods: PodTimeline[];
  /** The pod whose readiness ended last (the critical path), and what followed it until the up ended, in ms. */
  last?: PodTimeline;
  tailMs?: number;
}

const rel = (t: number | undefined, base: number): number | undefined => (t === undefined ? undefined : t - base);
const diff = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a - b);

export function buildTimeline(input: {
  upStart: number;
  upEnd: number;
  calls: TimedCall[];
  asks: Map<string, number>;
  requests: RecordedRequest[];
  pods: PodRecord[];
}): Timeline {
  const { upStart, upEnd, calls, asks, requests, pods } = input;
  const creates = calls.filter((c) => c.op === "create" && c.urn && c.start >= upStart);
  const byUrn = (pred: (urn: string) => boolean) => creates.filter((c) => pred(c.urn!));
  const key = byUrn((u) => u.includes("runpod-ssh:AccountSshKey::"))[0];
  const timeline: Timeline = {
    upStart,
    upEnd,
    accountKey: key ? { ask: rel(asks.get(key.urn!), upStart), start: key.start - upStart, end: key.end - upStart } : undefined,
    pods: [],
  };
  for (const podCall of byUrn((u) => u.includes("runpod-ssh:Pod::"))) {
    const urn = podCall.urn!;
    const resourceName = urn.slice(urn.lastIndexOf("::") + 2);
    const base = resourceName.replace(/-pod$/, "");
    const readyCall = byUrn((u) => u.endsWith(`runpod-ssh:PodReadiness::${base}-ready`))[0];
    const post = requests.find((r) => r.method === "POST" && r.path === "/v2/pods" && r.at >= podCall.start && r.at <= podCall.end + 5 && (r.body ?? "").includes(`"${urn}"`));
    const record = post ? pods.find((p) => Math.abs(Date.parse(p.createdAt) - post.at) < 1000 && (post.body ?? "").includes(`"${p.name}"`)) : undefined;
    const logRead = record ? requests.find((r) => r.method === "GET" && r.path === `/v2/pods/${record.id}/logs` && r.at >= (readyCall?.start ?? 0)) : undefined;
    const t: PodTimeline = {
      name: base,
      podAsk: rel(asks.get(urn), upStart),
      podStart: podCall.start - upStart,
      createPost: rel(post?.at, upStart),
      podEnd: podCall.end - upStart,
      readyAsk: rel(readyCall ? asks.get(readyCall.urn!) : undefined, upStart),
      readyStart: rel(readyCall?.start, upStart),
      sshd: rel(record?.sshdReadyAt ?? undefined, upStart),
      logRead: rel(logRead?.at, upStart),
      readyEnd: rel(readyCall?.end, upStart),
      waits: {},
    };
    const depEnd = timeline.accountKey?.end;
    t.waits = {
      engineBeforeCreate: diff(t.podStart, depEnd),
      quotaAndSettle: diff(t.createPost, t.podStart),
      engineBetween: diff(t.readyStart, t.podEnd),
      boot: t.sshd !== undefined && t.createPost !== undefined ? t.sshd - t.createPost : undefined,
      afterSshd: diff(t.readyEnd, t.sshd),
    };
    timeline.pods.push(t);
  }
  timeline.pods.sort((a, b) => (a.readyEnd ?? 0) - (b.readyEnd ?? 0));
  timeline.last = timeline.pods[timeline.pods.length - 1];
  if (timeline.last?.readyEnd !== undefined) timeline.tailMs = upEnd - upStart - timeline.last.readyEnd;
  return timeline;
}

const s = (ms: number | undefined): string => (ms === undefined ? "–" : (ms / 1000).toFixed(2));

function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
}

/** The timeline as markdown: the account key, the first and last pods row by row, and the waits over all pods. */
export function renderTimeline(t: Timeline, label: string): string {
  const rows = [t.pods[0], t.last].filter((p, i, all): p is PodTimeline => p !== undefined && all.indexOf(p) === i);
  const lines = [
    `Critical-path timeline, ${label} (seconds since \`pulumi up\` started; up took ${s(t.upEnd - t.upStart)} s):`,
    "",
    t.accountKey
      ? `- AccountSshKey (the pods depend on it): engine asked ${s(t.accountKey.ask)}, provider ${s(t.accountKey.start)} → ${s(t.accountKey.end)}`
      : "- (no AccountSshKey create in this run)",
    "",
    "| pod | Pod: engine asked | provider start | create POST | provider end | PodReadiness: engine asked | provider start | sshd listening | log read | provider end |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (p) =>
        `| ${p.name}${p === t.last ? " (last)" : ""} | ${s(p.podAsk)} | ${s(p.podStart)} | ${s(p.createPost)} | ${s(p.podEnd)} | ${s(p.readyAsk)} | ` +
        `${s(p.readyStart)} | ${s(p.sshd)} | ${s(p.logRead)} | ${s(p.readyEnd)} |`,
    ),
    "",
    `Waits over all ${t.pods.length} pods (median / max, seconds):`,
    "",
    "| wait | median | max |",
    "| --- | --- | --- |",
  ];
  const names: Array<[keyof PodTimeline["waits"], string]> = [
    ["engineBeforeCreate", "engine: account key done → Pod create started"],
    ["quotaAndSettle", "quota, orphan check and settle: Pod create started → POST reached Runpod"],
    ["engineBetween", "engine: Pod create done → PodReadiness started"],
    ["boot", "boot: POST → sshd listening (the platform)"],
    ["afterSshd", "after sshd: status poll lag, banner, key exchange, log proof"],
  ];
  for (const [k, text] of names) {
    const values = t.pods.map((p) => p.waits[k]).filter((v): v is number => v !== undefined);
    lines.push(`| ${text} | ${s(quantile(values, 0.5))} | ${s(quantile(values, 1))} |`);
  }
  if (t.tailMs !== undefined) lines.push("", `After the last readiness ended, the engine took ${s(t.tailMs)} s more (outputs, state, exit).`);
  return lines.join("\n");
}
