/**
 * A typed client for the Runpod REST v2 API (the calls this package needs).
 *
 * - Auth: `Authorization: Bearer <key>` only; the key never goes in a URL, a log line or an error message.
 * - Every request takes a slot from the account's shared rate limiter first (see `rateLimiter.ts`).
 * - Every response body is parsed with the zod schemas in `schemas.ts`; errors become typed
 *   `RunpodApiError`s (see `errors.ts`); retries follow `retryPolicy.ts`.
 *
 * Usable without Pulumi:
 * ```ts
 * const client = new RunpodClient();               // RUNPOD_API_KEY, RUNPOD_API_URL from the environment
 * const pods = await client.listPods();
 * ```
 */
import os from "node:os";
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from "axios";
import type { Readable } from "node:stream";
import type { z } from "zod";
import {
  RunpodApiError,
  RunpodRateLimitedError,
  RunpodResponseError,
  RunpodTransientError,
  errorForStatus,
  redactSecrets,
  type RunpodProblem,
} from "./errors";
import { parseRateLimit, parseRateLimitPolicy, rateLimitWaitSeconds } from "./rateLimitHeaders";
import { AccountRateLimiter, rateLimiterFor, type RequestPriority } from "./rateLimiter";
import { DEFAULT_RETRY_POLICY, backoffDelayMs, sleep, type RetryPolicy } from "./retryPolicy";
import { requestTimeoutMs } from "./requestTimeout";
import {
  describeIssues,
  listPodsSchema,
  podSchema,
  problemSchema,
  sshKeysSchema,
  type CreatePodRequest,
  type Pod,
  type PodAction,
  type PodLogLine,
  type UpdatePodRequest,
} from "./schemas";
import { requireApiKey, resolveApiKey, resolveApiUrl } from "./settings";
import { readAll, readSseLines } from "./sseStream";
import { PACKAGE_VERSION } from "../version";

/** Something the client did that a caller may want to show (retries and waits on long operations). */
export interface ClientEvent {
  type: "retry";
  operation: string;
  reason: "rate-limited" | "transient";
  /** Retry number, 1-based. */
  attempt: number;
  delayMs: number;
  /** What went wrong, already free of secrets. */
  message: string;
}

export interface RunpodClientOptions {
  /** API key. Default: `RUNPOD_API_KEY`. Required by the first call, not by the constructor. */
  apiKey?: string;
  /** API base URL. Default: `RUNPOD_API_URL`, else `https://api.runpod.io`. */
  apiUrl?: string;
  /** Timeout of one HTTP request in ms. Default `RUNPOD_SSH_REQUEST_TIMEOUT_MS`, else 30000. */
  timeoutMs?: number;
  /** Appended to our User-Agent, for example `my-platform/1.2`. */
  userAgentSuffix?: string;
  /** Overrides of the retry policy. */
  retry?: Partial<RetryPolicy>;
  /** The rate limiter to use. Default: the process-wide limiter of this account. `false` disables limiting. */
  rateLimiter?: AccountRateLimiter | false;
  /** Called on each retry or rate-limit wait, for progress output. */
  onEvent?: (event: ClientEvent) => void;
}

/** Options of `getPodLogs`. */
export interface PodLogsOptions {
  /** Lines of history to fetch (the API's `tail`; 0 to 5000). Default 100. */
  tail?: number;
  /** Only one source: `container` (the pod's stdout/stderr) or `system` (host lifecycle). Default both. */
  source?: "container" | "system";
  /** Stop reading once the stream has been quiet this long, in ms. Default 500. */
  idleMs?: number;
  /** Stop reading after this long in any case, in ms. Default 5000. */
  maxMs?: number;
  /** Stop reading ~30 ms after the lines read so far satisfy this (e.g. a complete block was seen). */
  doneWhen?: (lines: PodLogLine[]) => boolean;
  /** Called with the answer's `Date` header (the API's clock, ms) and our clock at that moment. */
  onServerDate?: (serverMs: number, localMs: number) => void;
}

export interface CallOptions<T> {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  schema?: z.ZodType<T>;
  /** Repeat after 5xx/network failures. False for non-idempotent calls (pod create). */
  retryTransient: boolean;
  priority?: RequestPriority;
}

/** The User-Agent we send (Cloudflare in front of the API rejects some default ones). */
export function userAgent(suffix?: string): string {
  const base = `pulumi-runpod-ssh/${PACKAGE_VERSION} (node ${process.versions.node}; ${os.platform()}; ${os.arch()})`;
  return suffix ? `${base} ${suffix}` : base;
}

function podPath(id: string, suffix = ""): string {
  if (typeof id !== "string" || id.trim() === "") {
    throw new TypeError("pod id must be a non-empty string");
  }
  return `/v2/pods/${encodeURIComponent(id)}${suffix}`;
}

function headerValue(response: AxiosResponse, name: string): string | undefined {
  const v: unknown = (response.headers as Record<string, unknown>)[name.toLowerCase()];
  if (Array.isArray(v)) return v.join(", ");
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

function parseProblem(text: unknown): RunpodProblem | undefined {
  if (typeof text !== "string" || text.trim() === "") return undefined;
  try {
    const parsed = problemSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through and show the start of the text
  }
  return { detail: text.slice(0, 300) };
}

/** Network error codes for which the server certainly never saw the request. */
const NEVER_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ERR_INVALID_URL"]);

/** Client for the Runpod REST v2 API. Cheap to construct; share one per account where convenient. */
export class RunpodClient {
  readonly apiUrl: string;
  private readonly apiKey: string | undefined;
  private readonly http: AxiosInstance;
  private readonly retry: RetryPolicy;
  private readonly limiterOption: AccountRateLimiter | false | undefined;
  private readonly onEvent?: (event: ClientEvent) => void;
  /** HTTP requests sent by this client (each retry counts), for measurements. */
  requestCount = 0;

  constructor(options: RunpodClientOptions = {}) {
    this.apiUrl = resolveApiUrl(options.apiUrl);
    this.apiKey = resolveApiKey(options.apiKey);
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.limiterOption = options.rateLimiter;
    this.onEvent = options.onEvent;
    this.http = axios.create({
      baseURL: this.apiUrl,
      timeout: requestTimeoutMs(options.timeoutMs),
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      headers: { "User-Agent": userAgent(options.userAgentSuffix), Accept: "application/json" },
    });
  }

  /** The rate limiter this client uses (the shared one of its account unless one was given). */
  get rateLimiter(): AccountRateLimiter | undefined {
    if (this.limiterOption === false) return undefined;
    if (this.limiterOption) return this.limiterOption;
    return rateLimiterFor(this.apiUrl, requireApiKey(this.apiKey));
  }

  /** `GET /v2/account/ssh-keys`: the account's registered SSH public keys, one line each. */
  async getSshKeys(): Promise<string[]> {
    const res = await this.call("GET", "/v2/account/ssh-keys", { schema: sshKeysSchema, retryTransient: true });
    return res.keys;
  }

  /** `PUT /v2/account/ssh-keys`: replaces the WHOLE set (read, merge and write; see AccountSshKey). */
  async putSshKeys(keys: string[]): Promise<string[]> {
    const res = await this.call("PUT", "/v2/account/ssh-keys", {
      body: { keys },
      schema: sshKeysSchema,
      retryTransient: true,
    });
    return res.keys;
  }

  /**
   * `POST /v2/pods`. Not retried after a 5xx or timeout, because the pod may exist anyway: the error then
   * has `maybeCommitted: true` and the caller should look the pod up by name before creating again.
   * A 429 is retried (the request was refused before it was processed).
   */
  async createPod(body: CreatePodRequest): Promise<Pod> {
    return this.call("POST", "/v2/pods", { body, schema: podSchema, retryTransient: false });
  }

  /** `GET /v2/pods`: every pod of the account, in one call. */
  async listPods(options: { priority?: RequestPriority } = {}): Promise<Pod[]> {
    const res = await this.call("GET", "/v2/pods", {
      schema: listPodsSchema,
      retryTransient: true,
      priority: options.priority,
    });
    return res.pods;
  }

  /** `GET /v2/pods/{id}`. Throws `RunpodNotFoundError` when the pod does not exist (any more). */
  async getPod(id: string, options: { priority?: RequestPriority } = {}): Promise<Pod> {
    return this.call("GET", podPath(id), { schema: podSchema, retryTransient: true, priority: options.priority });
  }

  /** `PATCH /v2/pods/{id}`. `env`, when given, replaces the whole env: always send every variable. */
  async updatePod(id: string, body: UpdatePodRequest): Promise<Pod> {
    return this.call("PATCH", podPath(id), { body, schema: podSchema, retryTransient: true });
  }

  /** `DELETE /v2/pods/{id}`: terminates the pod. Throws `RunpodNotFoundError` once it is gone. */
  async deletePod(id: string): Promise<void> {
    await this.call("DELETE", podPath(id), { retryTransient: true });
  }

  /**
   * `POST /v2/pods/{id}/action`. Returns the updated pod, or undefined for `terminate` (204).
   * Throws `RunpodConflictError` (409) when the action is not allowed in the pod's current status.
   */
  async podAction(id: string, action: PodAction): Promise<Pod | undefined> {
    const result = await this.call<unknown>("POST", podPath(id, "/action"), { body: { action }, retryTransient: true });
    if (result === undefined) return undefined;
    return this.parse(`POST ${podPath(id, "/action")}`, podSchema, result);
  }

  /**
   * `GET /v2/pods/{id}/logs`: reads the pod's recent log lines. The endpoint is a Server-Sent Events stream
   * that stays open; we read the backfill and stop once the stream is quiet (`idleMs`) or `maxMs` passed.
   */
  async getPodLogs(id: string, options: PodLogsOptions = {}): Promise<PodLogLine[]> {
    const tail = Math.max(0, Math.min(5000, Math.floor(options.tail ?? 100)));
    const path = podPath(id, "/logs");
    const idleMs = options.idleMs ?? 500;
    const maxMs = options.maxMs ?? 5000;
    const query: Record<string, string | number> = { tail };
    if (options.source) query.source = options.source;

    const controller = new AbortController();
    const response = await this.send<Readable>("GET", path, {
      request: { params: query, responseType: "stream", signal: controller.signal, headers: { Accept: "text/event-stream" } },
      retryTransient: true,
      errorBody: (res) => readAll(res.data, 64 * 1024),
    });
    const serverMs = Date.parse(String(response.headers?.date ?? ""));
    if (!Number.isNaN(serverMs)) options.onServerDate?.(serverMs, Date.now());
    return readSseLines(response.data, controller, { idleMs, maxMs, maxLines: tail, doneWhen: options.doneWhen });
  }

  /** One JSON call for the API modules beside this file (e.g. networkVolumes.ts): same limiter, retries, errors. */
  async request<T>(method: string, path: string, options: CallOptions<T>): Promise<T> {
    return this.call(method, path, options);
  }

  private async acquire(priority: RequestPriority): Promise<() => void> {
    const limiter = this.rateLimiter;
    if (!limiter) return () => undefined;
    return limiter.acquire(priority);
  }

  private observe(response: AxiosResponse): void {
    const limiter = this.rateLimiter;
    if (!limiter) return;
    limiter.observe(
      parseRateLimitPolicy(headerValue(response, "RateLimit-Policy")),
      parseRateLimit(headerValue(response, "RateLimit")),
    );
  }

  private parse<T>(operation: string, schema: z.ZodType<T>, data: unknown): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new RunpodResponseError({
        operation,
        problem: { detail: `the response does not match the API schema: ${describeIssues(parsed.error).join("; ")}` },
      });
    }
    return parsed.data;
  }

  private networkError(operation: string, error: unknown, method: string): RunpodTransientError {
    const e = error as { code?: string; message?: string };
    const code = e.code ?? "";
    const timedOut = code === "ECONNABORTED" || code === "ETIMEDOUT" || /timeout/i.test(e.message ?? "");
    const detail = timedOut ? `no answer within the request timeout (${e.message ?? code})` : (e.message ?? String(error));
    // Deliberately not attaching the axios error as `cause`: it carries the request headers (the key).
    return new RunpodTransientError({
      operation,
      problem: { detail: redactSecrets(detail) },
      maybeCommitted: method !== "GET" && !NEVER_SENT_CODES.has(code),
    });
  }

  private async waitTransient(operation: string, attempt: number, message: string): Promise<void> {
    const delayMs = backoffDelayMs(attempt, this.retry);
    this.onEvent?.({ type: "retry", operation, reason: "transient", attempt, delayMs, message });
    await sleep(delayMs);
  }

  /**
   * Decides what a non-2xx answer means: returns "retry-transient" (after waiting) or "retry-rate-limit"
   * (after waiting), or the error to throw.
   */
  private async handleFailure(
    operation: string,
    response: AxiosResponse,
    text: unknown,
    options: { retryTransient: boolean },
    transientAttempts: number,
    rateLimitAttempts: number,
    rateLimitWaitedMs = 0,
  ): Promise<"retry-transient" | "retry-rate-limit" | RunpodApiError> {
    const status = response.status;
    const problem = parseProblem(text);
    if (status === 429) {
      const seconds = rateLimitWaitSeconds(headerValue(response, "Retry-After"), headerValue(response, "RateLimit"));
      const waitMs = seconds !== undefined ? Math.ceil(seconds * 1000) : backoffDelayMs(rateLimitAttempts + 1, this.retry);
      this.rateLimiter?.pauseUntil(Date.now() + waitMs);
      if (rateLimitAttempts < this.retry.maxRateLimitRetries && rateLimitWaitedMs + waitMs <= this.retry.maxRateLimitWaitMs) {
        const message = redactSecrets(problem?.detail ?? "rate limited");
        this.onEvent?.({ type: "retry", operation, reason: "rate-limited", attempt: rateLimitAttempts + 1, delayMs: waitMs, message });
        await sleep(waitMs);
        return "retry-rate-limit";
      }
      return new RunpodRateLimitedError({
        operation,
        status,
        problem,
        retryAfterSeconds: seconds,
        note: `gave up after ${rateLimitAttempts + 1} rate-limited attempts`,
      });
    }
    if (status >= 500 && options.retryTransient && transientAttempts < this.retry.maxTransientRetries) {
      await this.waitTransient(operation, transientAttempts + 1, `${status} ${problem?.detail ?? ""}`.trim());
      return "retry-transient";
    }
    const note = status >= 500 && options.retryTransient ? `after ${transientAttempts + 1} attempts` : undefined;
    return errorForStatus({ operation, status, problem, note });
  }

  private async call<T>(method: string, path: string, options: CallOptions<T>): Promise<T> {
    const operation = `${method} ${path}`;
    const response = await this.send<string>(method, path, {
      request: {
        params: options.query,
        data: options.body === undefined ? undefined : JSON.stringify(options.body),
        headers: options.body === undefined ? {} : { "Content-Type": "application/json" },
      },
      retryTransient: options.retryTransient,
      priority: options.priority,
      errorBody: async (res) => res.data,
    });
    if (response.status === 204 || response.data === "" || response.data === undefined) {
      return undefined as T;
    }
    let json: unknown;
    try {
      json = JSON.parse(response.data);
    } catch {
      throw new RunpodResponseError({
        operation,
        status: response.status,
        problem: { detail: `the response is not JSON: ${String(response.data).slice(0, 200)}` },
      });
    }
    return options.schema ? this.parse(operation, options.schema, json) : (json as T);
  }

  /**
   * Sends one call with the limiter, the retries and the error typing; resolves with the 2xx response.
   * `errorBody` reads a failed response's body (a string, or a stream for the logs endpoint).
   */
  private async send<R>(
    method: string,
    path: string,
    options: {
      request: Omit<AxiosRequestConfig, "method" | "url">;
      retryTransient: boolean;
      priority?: RequestPriority;
      errorBody: (response: AxiosResponse<R>) => Promise<unknown>;
    },
  ): Promise<AxiosResponse<R>> {
    const operation = `${method} ${path}`;
    const key = requireApiKey(this.apiKey);
    let transientAttempts = 0;
    let rateLimitAttempts = 0;
    let rateLimitWaitedMs = 0;
    for (;;) {
      const release = await this.acquire(options.priority ?? "foreground");
      let response: AxiosResponse<R>;
      try {
        this.requestCount++;
        response = await this.http.request<R>({
          ...options.request,
          method,
          url: path,
          headers: { ...(options.request.headers as Record<string, string> | undefined), Authorization: `Bearer ${key}` },
        });
      } catch (error) {
        release();
        const err = this.networkError(operation, error, method);
        if (options.retryTransient && transientAttempts < this.retry.maxTransientRetries) {
          transientAttempts++;
          await this.waitTransient(operation, transientAttempts, err.message);
          continue;
        }
        throw err;
      }
      this.observe(response);
      release();
      if (response.status >= 200 && response.status < 300) return response;

      const started = Date.now();
      const outcome = await this.handleFailure(
        operation,
        response,
        await options.errorBody(response),
        options,
        transientAttempts,
        rateLimitAttempts,
        rateLimitWaitedMs,
      );
      if (outcome === "retry-transient") {
        transientAttempts++;
        continue;
      }
      if (outcome === "retry-rate-limit") {
        rateLimitAttempts++;
        rateLimitWaitedMs += Date.now() - started;
        continue;
      }
      throw outcome;
    }
  }
}
