/**
 * How long the client waits for one HTTP answer: the `timeoutMs` option, else `RUNPOD_SSH_REQUEST_TIMEOUT_MS` (a
 * positive integer; for tests and slow networks, e.g. to see a slow answer past the timeout without waiting 30 s),
 * else 30000. A value that is not a positive integer is ignored (the default applies), like the other
 * `RUNPOD_SSH_*_MS` overrides.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function requestTimeoutMs(explicit?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (explicit !== undefined) return explicit;
  const fromEnv = Number(env.RUNPOD_SSH_REQUEST_TIMEOUT_MS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_REQUEST_TIMEOUT_MS;
}
