/**
 * When and how long the client retries.
 *
 * - 429: wait what the API says (`Retry-After`, or the longest reset among exhausted `RateLimit` windows),
 *   then try again, up to `maxRateLimitRetries` times and `maxRateLimitWaitMs` of waiting in total.
 * - 5xx and network failures: exponential backoff with jitter, up to `maxTransientRetries` times, but only
 *   for calls that are safe to repeat. `POST /v2/pods` is not: a create can succeed and still answer 5xx, so
 *   its caller must look the pod up by name before creating again.
 * - Anything else (400, 401, 402, 403, 404, 409, 422) is never retried.
 */

export interface RetryPolicy {
  /** Retries after a 5xx or network failure, for repeatable calls. Default 4. */
  maxTransientRetries: number;
  /** First backoff step in ms; doubles each retry. Default 500. */
  baseDelayMs: number;
  /** Ceiling of one backoff step in ms. Default 15000. */
  maxDelayMs: number;
  /**
   * Retries after a 429. Default 60: with the short `Retry-After` of a storm (1 s) a smaller count gives up long
   * before `maxRateLimitWaitMs` (8 retries failed a `pulumi up` during a 10 s storm; docs/reliability.md).
   */
  maxRateLimitRetries: number;
  /** Total time one call may spend waiting out 429s, in ms. Default 180000 (3 minutes). */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxTransientRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxRateLimitRetries: 60,
  maxRateLimitWaitMs: 180_000,
};

/**
 * Backoff before transient retry number `attempt` (1-based): half of the exponential step fixed, half
 * random ("equal jitter"), so that many clients failing together do not retry in lockstep.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
