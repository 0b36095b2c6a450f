/**
 * The watchdog inputs (`maxLifetime`, `idleTimeout`, `onExpiry`, `maxSpend`) as the Pod provider uses them:
 * their check, the one env variable that configures the watchdog in the pod (sdk/ssh/watchdogScript.ts), the
 * start command that starts it (sdk/ssh/watchdogStart.ts), and the deadline (`stopsAt`). What the pod did is in
 * podExpiry.ts.
 */
import { WATCHDOG_ENV } from "../ssh/watchdogScript";
import { isWatchdogArgs, watchdogArgs } from "../ssh/watchdogStart";
import { formatDuration, MAX_DURATION_SECONDS, parseDuration } from "./duration";

/** The watchdog inputs of a Pod. */
export interface WatchdogInputs {
  maxLifetime?: string;
  idleTimeout?: string;
  onExpiry?: "stop" | "terminate";
  maxSpend?: number;
}

/** Inputs whose change rewrites the watchdog's env variable (an in-place update). */
export const WATCHDOG_INPUTS = ["maxLifetime", "idleTimeout", "onExpiry", "maxSpend"] as const;

export const LIFETIME_BOUNDS = { min: 60, max: MAX_DURATION_SECONDS };
export const IDLE_BOUNDS = { min: 60, max: 7 * 86_400 };
/** Largest `maxSpend`, in USD (an account's default spend limit is $80/hr; this is a guardrail, not a budget tool). */
export const MAX_SPEND_USD = 100_000;

/** The watchdog settings in seconds and USD, or undefined when no limit is set. */
export interface WatchdogSettings {
  lifetimeSeconds?: number;
  idleSeconds?: number;
  onExpiry: "stop" | "terminate";
  maxSpend?: number;
}

/** Every problem of the watchdog inputs, as `[input, sentence]` pairs (sentences name the input and the fix). */
export function watchdogProblems(spec: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const duration = (name: "maxLifetime" | "idleTimeout", bounds: { min: number; max: number }): void => {
    if (spec[name] === undefined || spec[name] === null) return;
    const parsed = parseDuration(spec[name], bounds);
    if ("problem" in parsed) out.push([name, `${name} ${parsed.problem}.`]);
  };
  duration("maxLifetime", LIFETIME_BOUNDS);
  duration("idleTimeout", IDLE_BOUNDS);
  const onExpiry = spec.onExpiry;
  if (onExpiry !== undefined && onExpiry !== null && onExpiry !== "stop" && onExpiry !== "terminate") {
    out.push(["onExpiry", `onExpiry must be "stop" (keeps the disk) or "terminate" (deletes the pod), got ${JSON.stringify(onExpiry)}.`]);
  }
  const spend = spec.maxSpend;
  if (spend !== undefined && spend !== null) {
    if (typeof spend !== "number" || !Number.isFinite(spend)) {
      out.push(["maxSpend", `maxSpend must be a number of US dollars, e.g. 25, got ${JSON.stringify(spend)}.`]);
    } else if (spend <= 0) {
      out.push(["maxSpend", `maxSpend must be more than 0 (US dollars), got ${spend}; leave it out for no spend limit.`]);
    } else if (spend > MAX_SPEND_USD) {
      out.push(["maxSpend", `maxSpend is ${spend}, above the maximum of ${MAX_SPEND_USD} (US dollars); leave it out for no spend limit.`]);
    }
  }
  if (onExpiry !== undefined && onExpiry !== null && ![spec.maxLifetime, spec.idleTimeout, spec.maxSpend].some((v) => v !== undefined && v !== null)) {
    out.push(["onExpiry", "onExpiry is set but no limit is: add maxLifetime, idleTimeout or maxSpend, or leave onExpiry out."]);
  }
  return out;
}

/** The settings of valid inputs, or undefined when no limit is set. */
export function watchdogSettings(spec: WatchdogInputs): WatchdogSettings | undefined {
  const seconds = (text: string | undefined, bounds: { min: number; max: number }): number | undefined => {
    if (text === undefined || text === null) return undefined;
    const parsed = parseDuration(text, bounds);
    return "seconds" in parsed ? parsed.seconds : undefined;
  };
  const settings: WatchdogSettings = {
    lifetimeSeconds: seconds(spec.maxLifetime, LIFETIME_BOUNDS),
    idleSeconds: seconds(spec.idleTimeout, IDLE_BOUNDS),
    onExpiry: spec.onExpiry ?? "stop",
    maxSpend: typeof spec.maxSpend === "number" && spec.maxSpend > 0 ? spec.maxSpend : undefined,
  };
  if (settings.lifetimeSeconds === undefined && settings.idleSeconds === undefined && settings.maxSpend === undefined) return undefined;
  return settings;
}

/**
 * The value of `PULUMI_RUNPOD_WATCHDOG`: `start` (epoch seconds, the pod's start as this provider set it), the
 * limits, the action, the cost per hour (for maxSpend; absent until the pod exists) and the API base URL.
 */
export function watchdogEnvValue(settings: WatchdogSettings, startMs: number, apiUrl: string, costPerHr?: number | null): string {
  const parts = [`start=${Math.floor(startMs / 1000)}`];
  if (settings.lifetimeSeconds !== undefined) parts.push(`lifetime=${settings.lifetimeSeconds}`);
  if (settings.idleSeconds !== undefined) parts.push(`idle=${settings.idleSeconds}`);
  parts.push(`expiry=${settings.onExpiry}`);
  if (settings.maxSpend !== undefined) parts.push(`spend=${settings.maxSpend}`);
  if (settings.maxSpend !== undefined && costPerHr !== undefined && costPerHr !== null && costPerHr > 0) parts.push(`cost=${costPerHr}`);
  parts.push(`api=${apiUrl.replace(/\/+$/, "")}`);
  return parts.join(";");
}

/** The env variable as `{ name: value }`, or `{}` without limits. */
export function watchdogEnv(settings: WatchdogSettings | undefined, startMs: number, apiUrl: string, costPerHr?: number | null): Record<string, string> {
  return settings ? { [WATCHDOG_ENV]: watchdogEnvValue(settings, startMs, apiUrl, costPerHr) } : {};
}

/** The start command: wrapped in the launcher when a limit is set or the launcher is already there. */
export function argsWithWatchdog(args: string | undefined, settings: WatchdogSettings | undefined, installed = false): string | undefined {
  if (isWatchdogArgs(args)) return args;
  return settings || installed ? watchdogArgs(args) : args;
}

/** The hard deadline (lifetime or spend, whichever comes first), or undefined when only idleTimeout is set. */
export function deadline(
  settings: WatchdogSettings | undefined,
  startMs: number,
  costPerHr: number | null | undefined,
): { atMs: number; reason: "maxLifetime" | "maxSpend"; text: string } | undefined {
  if (!settings) return undefined;
  const options: Array<{ atMs: number; reason: "maxLifetime" | "maxSpend"; text: string }> = [];
  if (settings.lifetimeSeconds !== undefined) {
    options.push({ atMs: startMs + settings.lifetimeSeconds * 1000, reason: "maxLifetime", text: `maxLifetime ${formatDuration(settings.lifetimeSeconds)}` });
  }
  if (settings.maxSpend !== undefined && costPerHr && costPerHr > 0) {
    const seconds = Math.floor((settings.maxSpend / costPerHr) * 3600);
    options.push({
      atMs: startMs + seconds * 1000,
      reason: "maxSpend",
      text: `maxSpend $${settings.maxSpend} at $${costPerHr}/hr (${formatDuration(seconds)})`,
    });
  }
  return options.sort((a, b) => a.atMs - b.atMs)[0];
}
