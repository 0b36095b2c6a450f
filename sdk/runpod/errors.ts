/**
 * Typed errors for the Runpod REST v2 API.
 *
 * Every failed call becomes one `RunpodApiError` subclass, chosen from the HTTP status (and, for network
 * failures, from the absence of one). The message always names the call (`POST /v2/pods`), the status and
 * the API's own `detail` (RFC 9457 problem+json), so a user reading a failed `pulumi up` knows which request
 * failed and why. Messages never contain the API key: it is scrubbed from every text we build.
 */

/** What kind of failure this is; stable strings a caller can switch on. */
export type RunpodErrorKind =
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "validation"
  | "rejected"
  | "insufficient-balance"
  | "rate-limited"
  | "transient"
  | "bad-response"
  | "configuration";

/** The RFC 9457 problem body the API sends with every error. */
export interface RunpodProblem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: string[];
}

/** Details shared by every API error. */
export interface RunpodApiErrorInit {
  /** The call, as `METHOD /path`, for example `GET /v2/pods/7h9k2m4n6p`. */
  operation: string;
  /** HTTP status, or undefined for network failures. */
  status?: number;
  problem?: RunpodProblem;
  /** Extra context appended to the message (for example what was retried). */
  note?: string;
  /** Seconds the API asked us to wait (429). */
  retryAfterSeconds?: number;
  /** True when the request may have been applied although no success answer arrived (5xx, timeout). */
  maybeCommitted?: boolean;
}

const SECRET_PLACEHOLDER = "[REDACTED]";

/** Values that must never appear in an error message; the client registers its API key here. */
const secretsToRedact = new Set<string>();

/** Registers a secret (such as the API key) so that no error message built here can contain it. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 4) secretsToRedact.add(secret);
}

/** Replaces every registered secret in `text`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of secretsToRedact) out = out.split(secret).join(SECRET_PLACEHOLDER);
  return out;
}

function describe(init: RunpodApiErrorInit, fallback: string): string {
  const p = init.problem ?? {};
  const statusText = init.status !== undefined ? `${init.status}${p.title ? ` ${p.title}` : ""}` : "no response";
  let text = `Runpod API ${init.operation} failed (${statusText}): ${p.detail ?? fallback}`;
  if (p.errors && p.errors.length > 0) text += `\n  - ${p.errors.join("\n  - ")}`;
  if (init.note) text += ` (${init.note})`;
  return redactSecrets(text);
}

/** Base class of every error raised by the Runpod client. */
export class RunpodApiError extends Error {
  readonly kind: RunpodErrorKind = "transient";
  readonly operation: string;
  readonly status: number | undefined;
  readonly title: string | undefined;
  /** The API's human-readable explanation. */
  readonly detail: string | undefined;
  /** Individual validation failures (422). */
  readonly errors: string[];
  readonly retryAfterSeconds: number | undefined;
  readonly maybeCommitted: boolean;

  constructor(init: RunpodApiErrorInit, fallbackDetail = "no detail given") {
    super(describe(init, fallbackDetail));
    this.name = new.target.name;
    this.operation = init.operation;
    this.status = init.status;
    this.title = init.problem?.title;
    this.detail = init.problem?.detail !== undefined ? redactSecrets(init.problem.detail) : undefined;
    this.errors = (init.problem?.errors ?? []).map(redactSecrets);
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.maybeCommitted = init.maybeCommitted ?? false;
  }
}

/** 401: the API key is missing, wrong, expired or revoked. */
export class RunpodUnauthorizedError extends RunpodApiError {
  override readonly kind = "unauthorized";
  constructor(init: RunpodApiErrorInit) {
    super({ ...init, note: init.note ?? "check RUNPOD_API_KEY or the runpod:token stack config" });
  }
}

/** 403: the key is valid but cannot access this resource, action or pool. */
export class RunpodForbiddenError extends RunpodApiError {
  override readonly kind = "forbidden";
}

/** 404: no such pod (or other resource) for this account. */
export class RunpodNotFoundError extends RunpodApiError {
  override readonly kind = "not-found";
}

/** 409: the action is not allowed in the resource's current state. */
export class RunpodConflictError extends RunpodApiError {
  override readonly kind = "conflict";
}

/** 422: the request body breaks the API contract; `errors` lists each violation. Never retried. */
export class RunpodValidationError extends RunpodApiError {
  override readonly kind = "validation";
}

/**
 * 400: the request matches the contract but was rejected: it breaks a cross-field rule, or (for a pod
 * create) the GPU and data center combination could not be placed ("no instances available").
 */
export class RunpodRejectedError extends RunpodApiError {
  override readonly kind = "rejected";
  /** True when the detail reads like a capacity shortage rather than a rule violation. */
  get looksLikeNoCapacity(): boolean {
    return /no longer any instances available|no instances available|not enough capacity|out of stock/i.test(
      this.detail ?? "",
    );
  }
}

/** 402: the account balance is too low to create or start this pod. */
export class RunpodInsufficientBalanceError extends RunpodApiError {
  override readonly kind = "insufficient-balance";
}

/** 429: the account's rate limit was exceeded and retries ran out. */
export class RunpodRateLimitedError extends RunpodApiError {
  override readonly kind = "rate-limited";
}

/** 5xx or a network failure (refused, reset, timed out) after the retries ran out. */
export class RunpodTransientError extends RunpodApiError {
  override readonly kind = "transient";
}

/** A 2xx answer whose body does not match the API schema we rely on. */
export class RunpodResponseError extends RunpodApiError {
  override readonly kind = "bad-response";
}

/** Missing or unusable client settings (no API key, malformed URL). Raised before any request. */
export class RunpodConfigurationError extends Error {
  readonly kind = "configuration" as const;
  constructor(message: string) {
    super(redactSecrets(message));
    this.name = "RunpodConfigurationError";
  }
}

/** Picks the error class for an HTTP status. */
export function errorForStatus(init: RunpodApiErrorInit & { status: number }): RunpodApiError {
  const s = init.status;
  if (s === 400) return new RunpodRejectedError(init);
  if (s === 401) return new RunpodUnauthorizedError(init);
  if (s === 402) return new RunpodInsufficientBalanceError(init);
  if (s === 403) return new RunpodForbiddenError(init);
  if (s === 404) return new RunpodNotFoundError(init);
  if (s === 409) return new RunpodConflictError(init);
  if (s === 422) return new RunpodValidationError(init);
  if (s === 429) return new RunpodRateLimitedError(init);
  if (s >= 500) return new RunpodTransientError({ ...init, maybeCommitted: init.maybeCommitted ?? true });
  return new RunpodApiError(init, `unexpected HTTP status ${s}`);
}

/** True for errors worth retrying with backoff: 5xx and network failures. */
export function isTransient(error: unknown): error is RunpodTransientError {
  return error instanceof RunpodTransientError;
}
