/**
 * RFC 9457 problem details, the error format of the Runpod v2 API
 * (`application/problem+json`, `{title, status, detail, errors?}`).
 */

/** The body of every error response. */
export interface ProblemDetails {
  title: string;
  status: number;
  detail: string;
  errors?: string[];
}

/** The exact `detail` Runpod answers when a create cannot be placed (also for a `gpu` without `count`). */
export const NO_CAPACITY_DETAIL =
  "There are no longer any instances available with the requested specifications. Please refresh and try again.";

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Reason phrase used as the problem `title` for a status. */
export function problemTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? "Internal Server Error" : "Error");
}

/** Build a problem body. */
export function problem(status: number, detail: string, errors?: string[]): ProblemDetails {
  const body: ProblemDetails = { title: problemTitle(status), status, detail };
  if (errors !== undefined) body.errors = errors;
  return body;
}

/**
 * An error answered to the client as problem+json. Handlers throw it; the
 * server turns it into the response.
 */
export class ApiError extends Error {
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Human-readable `detail`. */
    readonly detail: string,
    /** Optional list of individual violations (`errors`). */
    readonly errors?: string[],
    /** Extra response headers (e.g. `Allow`, `Retry-After`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${problemTitle(status)}: ${detail}`);
    this.name = "ApiError";
  }

  /** The problem+json body of this error. */
  toProblem(): ProblemDetails {
    return problem(this.status, this.detail, this.errors);
  }
}

/** 400 with the misleading-but-real "no capacity" detail. */
export function noCapacity(): ApiError {
  return new ApiError(400, NO_CAPACITY_DETAIL);
}

/** 400 for a handler-layer rule violation. */
export function badRequest(detail: string): ApiError {
  return new ApiError(400, detail);
}

/** 422 for contract (schema) violations. */
export function validationFailed(errors: string[]): ApiError {
  return new ApiError(422, "Request validation failed.", errors);
}
