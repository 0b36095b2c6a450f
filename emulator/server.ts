/**
 * The emulator's HTTP server: routing, bearer auth, rate limiting, JSON parsing,
 * request validation against the spec, problem+json errors, response validation,
 * slow-response faults and request recording. Route handlers live in `routes.ts`.
 *
 * Request pipeline for `/v2/...` (the Runpod API):
 *   record -> read body -> auth (401, no rate-limit headers) -> rate limit (429)
 *   -> route (404 / 405 + Allow) -> JSON (400) -> spec schema (422) -> handler.
 * `/_emulator/...` (admin) routes need the same bearer key but are never rate limited,
 * slowed or validated against the spec.
 */
import { timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { requestFaultError, type FaultInjector } from "./faults";
import { ApiError, type ProblemDetails, validationFailed } from "./problem";
import type { RateLimiter } from "./rateLimit";
import type { SpecValidator } from "./specValidator";
import type { RecordedRequest } from "./types";

/** What a handler receives. */
export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (routes with `jsonBody`), else `undefined`. */
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

/** What a handler returns: a JSON (or empty) response, or a stream that takes over after the headers. */
export type RouteResult =
  | { status: number; body?: unknown }
  | {
      /** Extra headers of the streaming response (Content-Type included). */
      streamHeaders: Record<string, string>;
      /** Write to the response until done; called after `writeHead(200)`. */
      stream: (request: http.IncomingMessage, response: http.ServerResponse) => void;
    };

/** One route. */
export interface Route {
  method: string;
  /** Path template as in the spec, e.g. `/v2/pods/{id}`. */
  path: string;
  /** `api`: part of the Runpod API; `admin`: emulator control (`/_emulator/...`). */
  kind: "api" | "admin";
  /** Parse the body as JSON (and, for `api` routes, validate it against the spec). */
  jsonBody?: boolean;
  handle(context: RouteContext): Promise<RouteResult> | RouteResult;
}

export interface ApiServerOptions {
  apiKey: string;
  /** Keys other than `apiKey` (pods' own keys, podWatchdog.ts): allowed, forbidden (403), or no answer at all. */
  podKeys?: { authorize(token: string, method: string, pathname: string): "allow" | "forbid" | "drop" | undefined };
  routes: Route[];
  validator: SpecValidator;
  /** `null`: no limit and no `RateLimit` headers. */
  limiter: RateLimiter | null;
  faults: FaultInjector;
  validateResponses: boolean;
  /** Shared arrays exposed by the emulator. */
  requests: RecordedRequest[];
  violations: string[];
  log: (line: string) => void;
}

/** Largest accepted request body. */
const MAX_BODY_BYTES = 1024 * 1024;

interface CompiledRoute extends Route {
  pattern: RegExp;
  paramNames: string[];
}

function compile(route: Route): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      paramNames.push(param[1]);
      return "([^/]+)";
    })
    .join("/");
  return { ...route, pattern: new RegExp(`^${source}$`), paramNames };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  if (flat.authorization !== undefined) {
    const scheme = /^(\S+)/.exec(flat.authorization)?.[1] ?? "";
    flat.authorization = `${scheme} ***`.trim();
  }
  return flat;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on("end", () => {
      if (tooLarge) reject(new ApiError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`));
      else resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", reject);
  });
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The HTTP server of one emulator. */
export class ApiServer {
  private readonly routes: CompiledRoute[];
  private readonly server: http.Server;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ApiServerOptions) {
    this.routes = options.routes.map(compile);
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        options.log(`unhandled error for ${request.method ?? "?"} ${request.url ?? "?"}: ${(error as Error).stack ?? String(error)}`);
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  /** Listen and return the bound address. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stop listening and drop every connection (including open log streams). Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const rawUrl = request.url ?? "/";
    const url = new URL(rawUrl, "http://emulator.invalid");
    const record: RecordedRequest = {
      method,
      url: rawUrl,
      path: url.pathname,
      status: 0,
      at: Date.now(),
      headers: flattenHeaders(request.headers),
    };
    this.options.requests.push(record);

    const isApi = url.pathname === "/v2" || url.pathname.startsWith("/v2/");
    const isAdmin = url.pathname.startsWith("/_emulator/");
    const candidates = this.routes.filter((route) => route.pattern.test(url.pathname));
    const route = candidates.find((candidate) => candidate.method === method);
    let rateHeaders: Record<string, string> = {};

    const respond = async (status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> => {
      if (isApi) {
        const ms = this.options.faults.takeResponseDelay();
        if (ms > 0) await delay(ms);
      }
      const isProblem = status >= 400;
      const allHeaders: Record<string, string> = { ...(status === 401 ? {} : rateHeaders), ...headers };
      let payload: string | undefined;
      if (body !== undefined && status !== 204) {
        payload = JSON.stringify(body);
        allHeaders["Content-Type"] = isProblem ? "application/problem+json" : "application/json";
        allHeaders["Content-Length"] = String(Buffer.byteLength(payload));
      }
      if (isApi && this.options.validateResponses) this.checkResponse(method, route ?? candidates[0], status, allHeaders, payload === undefined ? undefined : body);
      record.status = status;
      response.writeHead(status, allHeaders);
      response.end(payload);
    };
    const fail = (error: ApiError): Promise<void> => respond(error.status, error.toProblem(), error.headers);

    try {
      const raw = await readBody(request);
      if (raw !== "") record.body = raw;
      if (!isApi && !isAdmin) throw new ApiError(404, `no route for ${method} ${url.pathname}`);
      if (this.authenticate(request, method, url.pathname) === "drop") {
        request.socket.destroy();
        return;
      }
      if (isApi && this.options.limiter) {
        const decision = this.options.limiter.take();
        rateHeaders = decision.headers;
        if (!decision.allowed) {
          const windows = decision.exceeded.join(" and ");
          throw new ApiError(429, `rate limit exceeded for the ${windows} window${decision.exceeded.length > 1 ? "s" : ""}`, undefined, {
            "Retry-After": String(decision.retryAfterSeconds),
          });
        }
      }
      if (!route) {
        if (candidates.length === 0) throw new ApiError(404, `no route for ${method} ${url.pathname}`);
        const allow = [...new Set(candidates.map((candidate) => candidate.method))].join(", ");
        throw new ApiError(405, `The requested method is not allowed for this path. Allowed: ${allow}.`, undefined, { Allow: allow });
      }
      let body: unknown;
      if (route.jsonBody) {
        body = this.parseJson(raw);
        if (route.kind === "api") {
          const errors = this.options.validator.validateRequestBody(method, route.path, body);
          if (errors.length > 0) throw validationFailed(errors);
        }
      }
      const params: Record<string, string> = {};
      const match = route.pattern.exec(url.pathname) as RegExpExecArray;
      route.paramNames.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1] ?? "")));
      const requestFault = isApi ? this.options.faults.takeRequestFault(method, url.pathname) : undefined;
      if (typeof requestFault?.answer === "number") throw requestFaultError(requestFault.answer, requestFault.retryAfterSeconds);
      const result = await route.handle({ params, query: url.searchParams, body, headers: request.headers });
      if (requestFault?.answer === "lost") return void response.destroy(); // it took effect, the answer never comes
      if (requestFault?.answer === "late") await delay(requestFault.lateMs ?? 5000);
      if ("stream" in result) {
        if (isApi) {
          const ms = this.options.faults.takeResponseDelay();
          if (ms > 0) await delay(ms);
        }
        const headers = { ...rateHeaders, ...result.streamHeaders };
        if (isApi && this.options.validateResponses) this.checkResponse(method, route, 200, headers, undefined);
        record.status = 200;
        response.writeHead(200, headers);
        response.flushHeaders();
        result.stream(request, response);
        return;
      }
      await respond(result.status, result.body);
    } catch (error) {
      if (error instanceof ApiError) {
        await fail(error);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.options.log(`internal error on ${method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? message) : message}`);
      await fail(new ApiError(500, `internal emulator error: ${message}`));
    }
  }

  private authenticate(request: http.IncomingMessage, method: string, pathname: string): "ok" | "drop" {
    const header = request.headers.authorization;
    const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    const challenge = { "WWW-Authenticate": 'Bearer realm="runpod"' };
    if (!match) throw new ApiError(401, "missing bearer token", undefined, challenge);
    if (safeEqual(match[1], this.options.apiKey)) return "ok";
    const pod = this.options.podKeys?.authorize(match[1], method, pathname);
    if (pod === "allow" || pod === "drop") return pod === "allow" ? "ok" : "drop";
    if (pod === "forbid") throw new ApiError(403, "this pod-scoped key may only act on its own pod: POST /v2/pods/{its id}/action");
    throw new ApiError(401, "invalid bearer token", undefined, challenge);
  }

  private parseJson(raw: string): unknown {
    if (raw.trim() === "") throw new ApiError(400, "request body is required: send a JSON object");
    try {
      return JSON.parse(raw);
    } catch (error) {
      throw new ApiError(400, `malformed JSON body: ${(error as Error).message}`);
    }
  }

  /** Response validation (when enabled): violations go to the shared list. */
  private checkResponse(method: string, route: CompiledRoute | undefined, status: number, headers: Record<string, string>, body: unknown): void {
    const lower: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
    let violations: string[];
    if (route?.kind === "api" || status === 404 || status === 405) {
      violations = this.options.validator.validateResponse({
        method,
        pathTemplate: route?.kind === "api" ? route.path : undefined,
        status,
        contentType: lower["content-type"],
        body,
        headers: lower,
      });
    } else {
      // No operation to check against (e.g. 401 on an unknown path): at least the problem shape.
      violations = this.options.validator.validateSchema("ErrorResponse", body as ProblemDetails).map((line) => `${method} (unknown path) -> ${status}: ${line}`);
    }
    for (const violation of violations) {
      this.options.violations.push(violation);
      this.options.log(`response violation: ${violation}`);
    }
  }
}

