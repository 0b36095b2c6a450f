/**
 * Fault injection: failing creates, misbehaving pods, unavailable GPUs and slow
 * responses. Used programmatically (`emulator.faults`) and over HTTP
 * (`POST /_emulator/faults`, see {@link FaultInjector.applyAdminRequest}).
 */
import { ApiError } from "./problem";
import type { CreateFault, EmulatorFaults, PodFault, RequestFault } from "./types";

export const CREATE_FAULTS: readonly CreateFault[] = [
  "no-capacity",
  "insufficient-balance",
  "forbidden",
  "server-error",
  "created-then-500",
];
export const POD_FAULTS: readonly PodFault[] = ["error", "no-public-port", "stuck-provisioning", "sshd-never"];
/** Statuses `failNextRequests` can answer instead of the API. */
export const REQUEST_FAULT_STATUSES: readonly number[] = [429, 500, 502, 503, 504];

/** A queued request fault with its match compiled. */
interface PendingRequestFault {
  fault: RequestFault;
  method?: string;
  path?: RegExp;
  remaining: number;
}

/** `/v2/pods/{id}` -> /^\/v2\/pods\/[^/]+$/ (a `{...}` segment matches any one segment). */
function pathPattern(template: string): RegExp {
  const escaped = template.split(/\{[^}/]*\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join("[^/]+")}$`);
}

/** Pending faults, as reported by `GET /_emulator/state`. */
export interface FaultSnapshot {
  createFaults: CreateFault[];
  podFaults: PodFault[];
  unavailableGpus: string[];
  slowResponses: { ms: number; remaining: number | "unlimited" };
  requestFaults: Array<RequestFault & { remaining: number | "unlimited" }>;
}

/** The answer of a status request fault: a 429 with `Retry-After` (default 1 s), or the 5xx. */
export function requestFaultError(status: number, retryAfterSeconds = 1): ApiError {
  if (status === 429) {
    return new ApiError(429, "rate limit exceeded (injected fault)", undefined, { "Retry-After": String(retryAfterSeconds) });
  }
  return new ApiError(status, `injected fault: ${status}`);
}

function checkCount(count: number, what: string): void {
  if (count !== Infinity && (!Number.isInteger(count) || count < 1)) {
    throw new RangeError(`${what}: count must be a positive integer, got ${String(count)}`);
  }
}

/** Queues of pending faults; the server consumes them. */
export class FaultInjector implements EmulatorFaults {
  private createQueue: CreateFault[] = [];
  private podQueue: PodFault[] = [];
  private readonly unavailableGpus = new Set<string>();
  private slow = { ms: 0, remaining: 0 };
  private requestQueue: PendingRequestFault[] = [];

  failNextCreates(kind: CreateFault, count = 1): void {
    if (!CREATE_FAULTS.includes(kind)) {
      throw new RangeError(`failNextCreates: unknown create fault '${String(kind)}' (expected ${CREATE_FAULTS.join(", ")})`);
    }
    checkCount(count, "failNextCreates");
    for (let i = 0; i < count; i++) this.createQueue.push(kind);
  }

  markGpuUnavailable(gpuId: string, unavailable = true): void {
    if (typeof gpuId !== "string" || gpuId === "") throw new TypeError("markGpuUnavailable: gpuId must be a non-empty string");
    if (unavailable) this.unavailableGpus.add(gpuId);
    else this.unavailableGpus.delete(gpuId);
  }

  nextPods(kind: PodFault, count = 1): void {
    if (!POD_FAULTS.includes(kind)) {
      throw new RangeError(`nextPods: unknown pod fault '${String(kind)}' (expected ${POD_FAULTS.join(", ")})`);
    }
    checkCount(count, "nextPods");
    for (let i = 0; i < count; i++) this.podQueue.push(kind);
  }

  slowResponses(ms: number, count = Infinity): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`slowResponses: ms must be a non-negative number, got ${ms}`);
    checkCount(count, "slowResponses");
    this.slow = ms === 0 ? { ms: 0, remaining: 0 } : { ms, remaining: count };
  }

  failNextRequests(fault: RequestFault): void {
    if (fault === null || typeof fault !== "object") throw new TypeError("failNextRequests: expected {answer, method?, path?, count?}");
    const { answer, method, path, count = 1, retryAfterSeconds, lateMs } = fault;
    if (answer !== "lost" && answer !== "late" && !REQUEST_FAULT_STATUSES.includes(answer)) {
      throw new RangeError(`failNextRequests: answer must be "lost", "late" or one of ${REQUEST_FAULT_STATUSES.join(", ")}, got ${String(answer)}`);
    }
    if (lateMs !== undefined && (!Number.isFinite(lateMs) || lateMs < 0)) {
      throw new RangeError(`failNextRequests: lateMs must be a non-negative number of ms, got ${String(lateMs)}`);
    }
    if (method !== undefined && (typeof method !== "string" || !/^[A-Za-z]+$/.test(method))) {
      throw new TypeError(`failNextRequests: method must be an HTTP method such as "POST", got ${String(method)}`);
    }
    if (path !== undefined && (typeof path !== "string" || !path.startsWith("/"))) {
      throw new TypeError(`failNextRequests: path must start with "/" (e.g. "/v2/pods/{id}"), got ${String(path)}`);
    }
    if (retryAfterSeconds !== undefined && (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0)) {
      throw new RangeError(`failNextRequests: retryAfterSeconds must be a non-negative integer, got ${String(retryAfterSeconds)}`);
    }
    checkCount(count, "failNextRequests");
    this.requestQueue.push({
      fault: { ...fault, count },
      method: method?.toUpperCase(),
      path: path === undefined ? undefined : pathPattern(path),
      remaining: count,
    });
  }

  clear(): void {
    this.requestQueue = [];
    this.createQueue = [];
    this.podQueue = [];
    this.unavailableGpus.clear();
    this.slow = { ms: 0, remaining: 0 };
  }

  /** Consume the next create fault, if any. */
  takeCreateFault(): CreateFault | undefined {
    return this.createQueue.shift();
  }

  /** Consume the next pod fault, if any. */
  takePodFault(): PodFault | undefined {
    return this.podQueue.shift();
  }

  isGpuUnavailable(gpuId: string): boolean {
    return this.unavailableGpus.has(gpuId);
  }

  /** Delay to apply to the response being sent (consumes one slow response). */
  takeResponseDelay(): number {
    if (this.slow.remaining <= 0) return 0;
    this.slow.remaining -= 1;
    return this.slow.ms;
  }

  /**
   * Consume one request fault matching this API request, if any (the earliest queued that matches). The server
   * answers its status before the request takes effect, or, for "lost", lets it take effect and then drops the
   * connection without an answer, or, for "late", lets it take effect and answers after `lateMs`.
   */
  takeRequestFault(method: string, path: string): RequestFault | undefined {
    const index = this.requestQueue.findIndex(
      (q) => (q.method === undefined || q.method === method.toUpperCase()) && (q.path === undefined || q.path.test(path)),
    );
    if (index < 0) return undefined;
    const pending = this.requestQueue[index];
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.requestQueue.splice(index, 1);
    return pending.fault;
  }

  snapshot(): FaultSnapshot {
    return {
      createFaults: [...this.createQueue],
      podFaults: [...this.podQueue],
      unavailableGpus: [...this.unavailableGpus],
      slowResponses: {
        ms: this.slow.remaining > 0 ? this.slow.ms : 0,
        remaining: this.slow.remaining === Infinity ? "unlimited" : this.slow.remaining,
      },
      requestFaults: this.requestQueue.map((q) => ({ ...q.fault, remaining: q.remaining === Infinity ? "unlimited" : q.remaining })),
    };
  }

  /**
   * Apply a `POST /_emulator/faults` body. Recognized members (all optional, combinable):
   * `{"clear": true}`, `{"createFault": kind, "count": n}`, `{"podFault": kind, "count": n}`,
   * `{"gpuUnavailable": id, "unavailable": bool}`, `{"slowResponsesMs": ms, "count": n}`,
   * `{"requestFault": {"answer": 503|"lost"|"late", "method"?, "path"?, "retryAfterSeconds"?, "lateMs"?}, "count": n}`.
   * `clear` is applied first. Throws a 400 {@link ApiError} for a malformed body.
   */
  applyAdminRequest(body: unknown): void {
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new ApiError(400, "fault request must be a JSON object");
    }
    const request = body as Record<string, unknown>;
    const known = ["clear", "createFault", "podFault", "count", "gpuUnavailable", "unavailable", "slowResponsesMs", "requestFault"];
    const unknown = Object.keys(request).filter((key) => !known.includes(key));
    if (unknown.length > 0) throw new ApiError(400, `unknown fault request member(s): ${unknown.join(", ")}`);
    const count = request.count;
    if (count !== undefined && (typeof count !== "number" || !Number.isInteger(count) || count < 1)) {
      throw new ApiError(400, "'count' must be a positive integer");
    }
    const kinds = [request.createFault, request.podFault, request.slowResponsesMs, request.requestFault].filter((v) => v !== undefined);
    if (kinds.length > 1 && count !== undefined) {
      throw new ApiError(400, "'count' is ambiguous with more than one of createFault, podFault, slowResponsesMs, requestFault");
    }
    try {
      if (request.clear === true) this.clear();
      if (request.createFault !== undefined) this.failNextCreates(request.createFault as CreateFault, count);
      if (request.podFault !== undefined) this.nextPods(request.podFault as PodFault, count);
      if (request.gpuUnavailable !== undefined) {
        if (request.unavailable !== undefined && typeof request.unavailable !== "boolean") {
          throw new TypeError("'unavailable' must be a boolean");
        }
        this.markGpuUnavailable(request.gpuUnavailable as string, request.unavailable !== false);
      }
      if (request.slowResponsesMs !== undefined) {
        if (typeof request.slowResponsesMs !== "number") throw new TypeError("'slowResponsesMs' must be a number");
        this.slowResponses(request.slowResponsesMs, count);
      }
      if (request.requestFault !== undefined) {
        if (request.requestFault === null || typeof request.requestFault !== "object" || Array.isArray(request.requestFault)) {
          throw new TypeError("'requestFault' must be an object like {\"answer\": 503, \"method\": \"POST\", \"path\": \"/v2/pods\"}");
        }
        const extra = Object.keys(request.requestFault).filter((k) => !["answer", "method", "path", "retryAfterSeconds", "lateMs"].includes(k));
        if (extra.length > 0) throw new TypeError(`unknown requestFault member(s): ${extra.join(", ")}`);
        this.failNextRequests({ ...(request.requestFault as RequestFault), count });
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(400, (error as Error).message);
    }
  }
}
