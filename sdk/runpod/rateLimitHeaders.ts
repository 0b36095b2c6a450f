/**
 * Parsing of the rate-limit headers the Runpod API sends on every authenticated response
 * (IETF ratelimit-headers draft, structured-field lists):
 *
 *   RateLimit:        "minute";r=0;t=12, "hour";r=2800;t=1812, "day";r=49500;t=45012
 *   RateLimit-Policy: "minute";q=60;w=60, "hour";q=3000;w=3600, "day";q=50000;w=86400
 *   Retry-After:      12            (whole seconds, on a 429; an HTTP date is accepted too)
 *
 * The parser is tolerant: members it cannot read are skipped rather than failing the call.
 */

/** One member of a structured-field list: its name and its integer parameters. */
export interface StructuredMember {
  name: string;
  params: Record<string, number>;
}

/** Live state of one quota window. */
export interface RateLimitState {
  name: string;
  /** Requests remaining in the window. */
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** Static policy of one quota window. */
export interface RateLimitPolicy {
  name: string;
  /** Requests allowed per window. */
  quota: number;
  /** Window length in seconds. */
  windowSeconds: number;
}

function splitTopLevel(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== "\\") quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Parses a structured-field list whose members carry integer parameters. */
export function parseStructuredList(header: string | undefined | null): StructuredMember[] {
  if (!header) return [];
  const members: StructuredMember[] = [];
  for (const raw of splitTopLevel(header, ",")) {
    const [first, ...paramParts] = splitTopLevel(raw, ";");
    if (!first) continue;
    const name = first.replace(/^"(.*)"$/, "$1").trim();
    if (!name) continue;
    const params: Record<string, number> = {};
    for (const p of paramParts) {
      const eq = p.indexOf("=");
      if (eq <= 0) continue;
      const key = p.slice(0, eq).trim();
      const num = Number(p.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"));
      if (Number.isFinite(num)) params[key] = num;
    }
    members.push({ name, params });
  }
  return members;
}

/** Reads the `RateLimit` header into one state per window (members without `r` and `t` are skipped). */
export function parseRateLimit(header: string | undefined | null): RateLimitState[] {
  return parseStructuredList(header)
    .filter((m) => m.params.r !== undefined && m.params.t !== undefined)
    .map((m) => ({ name: m.name, remaining: m.params.r, resetSeconds: m.params.t }));
}

/** Reads the `RateLimit-Policy` header into one policy per window (members without `q` and `w` are skipped). */
export function parseRateLimitPolicy(header: string | undefined | null): RateLimitPolicy[] {
  return parseStructuredList(header)
    .filter((m) => m.params.q !== undefined && m.params.w !== undefined && m.params.w > 0)
    .map((m) => ({ name: m.name, quota: m.params.q, windowSeconds: m.params.w }));
}

/** Reads `Retry-After` (whole seconds or an HTTP date) as seconds, or undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isFinite(date)) return Math.max(0, (date - now) / 1000);
  return undefined;
}

/**
 * How long to wait after a 429, in seconds: the `Retry-After` value, or, when the `RateLimit` header shows
 * several windows exhausted, the longest reset among them (whichever is larger). Undefined when neither
 * header says anything.
 */
export function rateLimitWaitSeconds(
  retryAfter: string | undefined | null,
  rateLimit: string | undefined | null,
  now = Date.now(),
): number | undefined {
  const fromRetryAfter = parseRetryAfter(retryAfter, now);
  const exhausted = parseRateLimit(rateLimit).filter((w) => w.remaining <= 0);
  const fromWindows = exhausted.length > 0 ? Math.max(...exhausted.map((w) => w.resetSeconds)) : undefined;
  if (fromRetryAfter === undefined) return fromWindows;
  if (fromWindows === undefined) return fromRetryAfter;
  return Math.max(fromRetryAfter, fromWindows);
}
