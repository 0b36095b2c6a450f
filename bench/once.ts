/**
 * Figures measured once per benchmark run (not per fleet size):
 *
 * - preview HTTP calls: a `pulumi preview` runs only `check` and `diff` of each resource. We run both, through
 *   the serialized providers of Pod and AccountSshKey, for a new resource (check only) and for existing ones
 *   (diff against the outputs of a real create: identical inputs, an in-place change, a replacing change), and
 *   count the requests the emulator receives meanwhile. Target: 0.
 * - serialized provider bytes: the text Pulumi stores in state for each resource kind (`__provider`).
 * - import cost: time to `require` the package's main entry point against `@pulumi/pulumi` alone, each in a
 *   fresh `node -e` process (the package requires @pulumi/pulumi itself, so its figure includes it).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { addProgressSink } from "../sdk/providers/progress";
import type { ProviderKind } from "../sdk/providers/providerShims";
import { sleep } from "../sdk/runpod";
import { hostProvider } from "../test/providers/dynamicHost";
import { podInputs, stackConfig, startScaledEmulator } from "./fleet";
import type { BenchSettings } from "./settings";
import { apiRequests, median } from "./stats";

/** The repository root (this file runs from dist/bench/). */
export const ROOT = path.resolve(__dirname, "..", "..");

export const PROVIDER_KINDS: readonly ProviderKind[] = ["pod", "accountSshKey", "localKeyFile", "password"];

/** Serialized size of each provider kind, in bytes of text. */
export async function providerBytes(): Promise<Record<ProviderKind, number>> {
  const sizes = {} as Record<ProviderKind, number>;
  for (const kind of PROVIDER_KINDS) sizes[kind] = (await hostProvider(kind)).text.length;
  return sizes;
}

export interface ImportCost {
  /** Absolute paths required. */
  packagePath: string;
  pulumiPath: string;
  packageMs: number[];
  pulumiMs: number[];
  packageMedianMs: number;
  pulumiMedianMs: number;
  /** packageMedianMs / pulumiMedianMs. */
  ratio: number;
}

/** Milliseconds one fresh node process spends in `require(target)`. */
function timeRequire(target: string): number {
  const code =
    "const t = process.hrtime.bigint(); require(" +
    JSON.stringify(target) +
    "); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));";
  const out = execFileSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  const ms = Number(out.trim().split("\n").pop());
  if (!Number.isFinite(ms)) throw new Error(`could not time require(${target}): ${out}`);
  return ms;
}

/**
 * Times `runs` requires of each, alternating so that drift in machine load hits both alike, after one
 * discarded warm-up of each (file-system cache).
 */
export function importCost(runs: number): ImportCost {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { main: string };
  const packagePath = path.join(ROOT, manifest.main);
  const pulumiPath = require.resolve("@pulumi/pulumi", { paths: [ROOT] });
  timeRequire(pulumiPath);
  timeRequire(packagePath);
  const packageMs: number[] = [];
  const pulumiMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    pulumiMs.push(timeRequire(pulumiPath));
    packageMs.push(timeRequire(packagePath));
  }
  const packageMedianMs = median(packageMs);
  const pulumiMedianMs = median(pulumiMs);
  return { packagePath, pulumiPath, packageMs, pulumiMs, packageMedianMs, pulumiMedianMs, ratio: packageMedianMs / pulumiMedianMs };
}

export interface PreviewCalls {
  /** API requests received while the check and diff calls ran (and shortly after). */
  requests: number;
  /** The calls made, with what each diff answered. */
  calls: Array<{ call: string; answer: string }>;
  /** True when every diff answered as expected (identical: no change; update: no replace; replace: replaces). */
  diffsAsExpected: boolean;
}

/**
 * Creates one pod and one account key (to have real outputs to diff against), then runs the check and diff
 * calls a preview makes and counts the emulator's requests; deletes both and stops the emulator.
 */
export async function previewCalls(settings: BenchSettings, publicKey: string, run: string): Promise<PreviewCalls> {
  const emulator = await startScaledEmulator(settings);
  // Progress lines of the creates (long waits at scale 1) are not figures: keep them off stderr.
  const removeSink = addProgressSink(() => undefined);
  try {
    const pod = (await hostProvider("pod", stackConfig(emulator))).provider;
    const key = (await hostProvider("accountSshKey", stackConfig(emulator))).provider;

    const podRaw = podInputs(run, 0, publicKey);
    const podChecked = (await pod.check({}, podRaw)).inputs as Record<string, unknown>;
    const podCreated = await pod.create(podChecked);
    const keyRaw = { publicKey };
    const keyChecked = (await key.check({}, keyRaw)).inputs as Record<string, unknown>;
    const keyCreated = await key.create(keyChecked);

    // Let anything the creates started (a last watcher tick) finish before counting.
    await sleep(5 * settings.pollIntervalMs);
    const mark = Date.now();
    const calls: PreviewCalls["calls"] = [];
    let asExpected = true;
    const note = (call: string, answer: string, ok = true): void => {
      calls.push({ call, answer });
      if (!ok) asExpected = false;
    };

    const failures = (r: { failures?: unknown[] }): string => `${r.failures?.length ?? 0} failures`;
    const describe = (d: { changes?: boolean; replaces?: string[] }): string =>
      `changes=${String(d.changes)} replaces=[${(d.replaces ?? []).join(",")}]`;

    const podNew = await pod.check({}, podInputs(run, 1, publicKey));
    note("pod check (new resource)", failures(podNew), (podNew.failures ?? []).length === 0);
    const podAgain = await pod.check(podChecked, podRaw);
    note("pod check (existing)", failures(podAgain), (podAgain.failures ?? []).length === 0);
    const podNews = podAgain.inputs as Record<string, unknown>;
    const same = await pod.diff(podCreated.id, podCreated.outs, podNews);
    note("pod diff (identical inputs)", describe(same), same.changes === false);
    const env = await pod.diff(podCreated.id, podCreated.outs, { ...podNews, env: { BENCH: "1" } });
    note("pod diff (env changed)", describe(env), env.changes === true && (env.replaces ?? []).length === 0);
    const gpu = await pod.diff(podCreated.id, podCreated.outs, { ...podNews, gpu: { id: "NVIDIA A40" } });
    note("pod diff (gpu changed)", describe(gpu), (gpu.replaces ?? []).includes("gpu"));

    const keyNew = await key.check({}, keyRaw);
    note("accountSshKey check (new resource)", failures(keyNew), (keyNew.failures ?? []).length === 0);
    const keyAgain = await key.check(keyChecked, keyRaw);
    note("accountSshKey check (existing)", failures(keyAgain), (keyAgain.failures ?? []).length === 0);
    const keyNews = keyAgain.inputs as Record<string, unknown>;
    const keySame = await key.diff(keyCreated.id, keyCreated.outs, keyNews);
    note("accountSshKey diff (identical inputs)", describe(keySame), keySame.changes === false);
    const comment = await key.diff(keyCreated.id, keyCreated.outs, { ...keyNews, comment: "renamed" });
    note("accountSshKey diff (comment changed)", describe(comment), comment.changes === true && (comment.replaces ?? []).length === 0);

    // Anything a call started in the background would show up shortly after.
    await sleep(5 * settings.pollIntervalMs);
    const requests = apiRequests(await emulator.requests()).filter((r) => r.at >= mark).length;

    await pod.delete(podCreated.id, podCreated.outs);
    await key.delete(keyCreated.id, keyCreated.outs);
    return { requests, calls, diffsAsExpected: asExpected };
  } finally {
    removeSink();
    await emulator.stop();
  }
}
