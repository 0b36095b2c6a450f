/**
 * Durations for the watchdog inputs (`maxLifetime`, `idleTimeout`): a whole number with a unit, or several
 * (`"90s"`, `"30m"`, `"2h"`, `"1d"`, `"1h30m"`). A unit is required: a bare `"30"` could mean seconds or
 * minutes, and guessing wrong either stops a pod mid-job or lets it bill for a weekend.
 */

/** Seconds per unit. */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const UNIT_NAMES = "s (seconds), m (minutes), h (hours) or d (days)";

/** Bounds of one duration input, in seconds. */
export interface DurationBounds {
  min: number;
  max: number;
}

/** Longest allowed duration: 30 days (longer is no guardrail). */
export const MAX_DURATION_SECONDS = 30 * 86_400;

/** A duration as text: the largest units first, e.g. 5400 -> "1h30m". */
export function formatDuration(seconds: number): string {
  let rest = Math.round(seconds);
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/**
 * Parses `text` into seconds, or returns the clause that says what is wrong and how to fix it (to follow the
 * input's name: `maxLifetime <clause>.`).
 */
export function parseDuration(text: unknown, bounds: DurationBounds): { seconds: number } | { problem: string } {
  if (typeof text !== "string") {
    const hint = typeof text === "number" ? `; write it with a unit, e.g. "${text}m" or "${text}h"` : "";
    return { problem: `must be a duration string such as "30m" or "2h", got ${typeof text === "number" ? text : JSON.stringify(text) ?? String(text)}${hint}` };
  }
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "") return { problem: 'must not be empty; give a duration such as "30m" or "2h", or leave it out' };
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return { problem: `"${text}" has no unit; write it with one, e.g. "${trimmed}m" (minutes) or "${trimmed}h" (hours)` };
  }
  const parts = trimmed.replace(/\s+/g, "").match(/\d+[a-z]+/g);
  if (!parts || parts.join("") !== trimmed.replace(/\s+/g, "")) {
    return { problem: `"${text}" is not a duration; use whole numbers with a unit of ${UNIT_NAMES}, e.g. "45m", "2h" or "1h30m"` };
  }
  let seconds = 0;
  const seen = new Set<string>();
  for (const part of parts) {
    const [, digits, unit] = /^(\d+)([a-z]+)$/.exec(part) as RegExpExecArray;
    const size = UNITS[unit];
    if (size === undefined) {
      return { problem: `"${text}" uses the unknown unit "${unit}"; use ${UNIT_NAMES}, e.g. "45m" or "2h"` };
    }
    if (seen.has(unit)) return { problem: `"${text}" gives the unit "${unit}" twice; write each unit once, e.g. "1h30m"` };
    seen.add(unit);
    seconds += Number(digits) * size;
  }
  if (seconds < bounds.min) {
    return { problem: `is ${formatDuration(seconds)}, below the minimum of ${formatDuration(bounds.min)} (the watchdog checks about every 30 s); use at least "${formatDuration(bounds.min)}"` };
  }
  if (seconds > bounds.max) {
    return { problem: `is ${formatDuration(seconds)}, above the maximum of ${formatDuration(bounds.max)}; use at most "${formatDuration(bounds.max)}", or leave it out for no limit` };
  }
  return { seconds };
}
