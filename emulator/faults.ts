/**
 * Fault injection: failing creates, misbehaving pods, unavailable GPUs and slow
 * responses. Used programmatically (`emulator.faults`) and over HTTP
 * (`POST /_emulator/faults`, see {@link FaultInjector.applyAdminRequest}).
 */
import { ApiError } from "./problem";
import type { CreateFault, EmulatorFaults, PodFault } from "./types";

export const CREATE_FAULTS: readonly CreateFault[] = [
  "no-capacity",
  "insufficient-balance",
  "forbidden",
  "server-error",
  "created-then-500",
];
export const POD_FAULTS: readonly PodFault[] = ["error", "no-public-port", "stuck-provisioning", "sshd-never"];

/** Pending faults, as reported by `GET /_emulator/state`. */
export interface FaultSnapshot {
  createFaults: CreateFault[];
  podFaults: PodFault[];
  unavailableGpus: string[];
  slowResponses: { ms: number; remaining: number | "unlimited" };
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

  clear(): void {
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

  snapshot(): FaultSnapshot {
    return {
      createFaults: [...this.createQueue],
      podFaults: [...this.podQueue],
      unavailableGpus: [...this.unavailableGpus],
      slowResponses: {
        ms: this.slow.remaining > 0 ? this.slow.ms : 0,
        remaining: this.slow.remaining === Infinity ? "unlimited" : this.slow.remaining,
      },
    };
  }

  /**
   * Apply a `POST /_emulator/faults` body. Recognized members (all optional, combinable):
   * `{"clear": true}`, `{"createFault": kind, "count": n}`, `{"podFault": kind, "count": n}`,
   * `{"gpuUnavailable": id, "unavailable": bool}`, `{"slowResponsesMs": ms, "count": n}`.
   * `clear` is applied first. Throws a 400 {@link ApiError} for a malformed body.
   */
  applyAdminRequest(body: unknown): void {
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new ApiError(400, "fault request must be a JSON object");
    }
    const request = body as Record<string, unknown>;
    const known = ["clear", "createFault", "podFault", "count", "gpuUnavailable", "unavailable", "slowResponsesMs"];
    const unknown = Object.keys(request).filter((key) => !known.includes(key));
    if (unknown.length > 0) throw new ApiError(400, `unknown fault request member(s): ${unknown.join(", ")}`);
    const count = request.count;
    if (count !== undefined && (typeof count !== "number" || !Number.isInteger(count) || count < 1)) {
      throw new ApiError(400, "'count' must be a positive integer");
    }
    const kinds = [request.createFault, request.podFault, request.slowResponsesMs].filter((v) => v !== undefined);
    if (kinds.length > 1 && count !== undefined) {
      throw new ApiError(400, "'count' is ambiguous with more than one of createFault, podFault, slowResponsesMs");
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
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(400, (error as Error).message);
    }
  }
}
