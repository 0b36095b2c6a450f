/**
 * Route handlers: the Runpod v2 operations the emulator implements, and the emulator's
 * own admin routes.
 *
 * Runpod API (bodies validated against the spec before a handler runs):
 *   GET|PUT /v2/account/ssh-keys, GET|POST /v2/pods, GET|PATCH|DELETE /v2/pods/{id},
 *   POST /v2/pods/{id}/action, GET /v2/pods/{id}/logs (Server-Sent Events); GET|POST /v2/network-volumes,
 *   GET|PATCH|DELETE /v2/network-volumes/{id} (volumes.ts); GET /v2/catalog/gpus[/{id}] (capacity.ts).
 *
 * Admin (not part of the Runpod API; bearer key required; never rate limited):
 *   POST /_emulator/faults            body: any of
 *        {"createFault": "no-capacity"|"insufficient-balance"|"forbidden"|"server-error"|"created-then-500", "count": n}
 *        {"podFault": "error"|"no-public-port"|"stuck-provisioning"|"sshd-never", "count": n}
 *        {"gpuUnavailable": "<gpu id>", "unavailable": true|false}
 *        {"slowResponsesMs": ms, "count": n}
 *        {"requestFault": {"answer": 429|500|502|503|504|"lost"|"late", "method"?, "path"?: "/v2/pods/{id}", "lateMs"?}, "count": n}
 *        {"clear": true}
 *      answers 200 with the pending faults.
 *   GET  /_emulator/state             answers {accountKeys, pods (internal views), faults, requestCount, sshMode, ...}
 *   POST /_emulator/pods/{id}/reset   simulates a container reset/migration; answers the pod's internal view.
 *   POST /_emulator/capacity          free GPUs per GPU type × data center (capacity.ts).
 */
import type { FaultInjector } from "./faults";
import { LOG_SOURCES, type LogCursor, type LogSource, parseLastEventId, pipeLogToResponse } from "./logs";
import { renderPod } from "./podJson";
import { applyCreateFlags, type CreatePodBody, placePod, resolveCreate, resolvePatch, type UpdatePodBody } from "./podRules";
import type { Pod, PodAction, PodStore } from "./pods";
import { ApiError, noCapacity, validationFailed } from "./problem";
import type { Route, RouteResult } from "./server";
import { isDateTime } from "./specValidator";
import { type CapacityBook, capacityAdminRoute, catalogRoutes } from "./capacity";
import { type VolumeStore, volumeRoutes } from "./volumes";

/** What the handlers need from the emulator. */
export interface EmulatorCore {
  store: PodStore;
  faults: FaultInjector;
  /** Network volumes (volumes.ts). */
  volumes: VolumeStore;
  /** Free GPUs per GPU type × data center (capacity.ts). */
  capacity: CapacityBook;
  sshUser: string;
  keySetLimit: number;
  getAccountKeys(): string[];
  setAccountKeys(keys: string[]): void;
  /** Internal state for `GET /_emulator/state`. */
  state(): unknown;
  /** `emulator.resetPod`, returning the pod's internal view. */
  resetPod(id: string): Promise<unknown>;
  /** Record a response violation (SSE payload checks). `undefined` when validation is off. */
  reportViolation?: (violation: string) => void;
}

function findPod(core: EmulatorCore, id: string): Pod {
  const pod = core.store.get(id);
  if (!pod) throw new ApiError(404, `pod '${id}' not found`);
  return pod;
}

function json(status: number, body?: unknown): RouteResult {
  return { status, body };
}

async function createPod(core: EmulatorCore, body: CreatePodBody): Promise<RouteResult> {
  const { config, startSsh, startJupyter } = resolveCreate(body);
  const fault = core.faults.takeCreateFault();
  switch (fault) {
    case "no-capacity":
      throw noCapacity();
    case "insufficient-balance":
      throw new ApiError(402, "insufficient balance: your account balance is too low to create this pod; add funds and try again");
    case "forbidden":
      throw new ApiError(403, "access denied");
    case "server-error":
      throw new ApiError(500, "internal server error");
    default:
      break;
  }
  // A volume pins the pod to its data center; only data centers with room for the GPUs are offered.
  const centers = core.capacity.allowedCenters(config, core.volumes.checkMount(config));
  const placement = placePod({ ...config, dataCenterIds: centers }, core.faults);
  applyCreateFlags(config, { startSsh, startJupyter }, core.getAccountKeys());
  const pod = core.store.create(config, placement, core.faults.takePodFault() ?? null);
  if (fault === "created-then-500") throw new ApiError(500, "internal server error");
  return json(201, renderPod(pod, core.sshUser));
}

function parseLogCursor(query: URLSearchParams, lastEventId: string | undefined): LogCursor {
  const errors: string[] = [];
  const cursor: LogCursor = {};
  const source = query.get("source");
  if (source !== null) {
    if ((LOG_SOURCES as readonly string[]).includes(source)) cursor.source = source as LogSource;
    else errors.push(`query.source: must be one of ${LOG_SOURCES.map((s) => JSON.stringify(s)).join(", ")}`);
  }
  const tail = query.get("tail");
  if (tail !== null) {
    const value = Number(tail);
    if (!/^\d+$/.test(tail) || value > 5000) errors.push("query.tail: must be an integer between 0 and 5000");
    else cursor.tail = value;
  }
  const since = query.get("since");
  if (since !== null) {
    if (!isDateTime(since)) errors.push("query.since: must be an RFC 3339 date-time");
    else cursor.sinceMs = Date.parse(since);
  }
  if (lastEventId !== undefined) {
    const resume = parseLastEventId(lastEventId);
    if (!resume) errors.push("header Last-Event-ID: must be an event id or an RFC 3339 date-time");
    else {
      delete cursor.sinceMs;
      Object.assign(cursor, resume);
    }
  }
  if (errors.length > 0) throw validationFailed(errors);
  return cursor;
}

function streamLogs(core: EmulatorCore, pod: Pod, cursor: LogCursor): RouteResult {
  const report = core.reportViolation;
  return {
    streamHeaders: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    },
    stream: (_request, response) =>
      pipeLogToResponse(
        pod.log,
        cursor,
        response,
        report &&
          ((entry) => {
            if (!isDateTime(entry.ts) || !LOG_SOURCES.includes(entry.source) || typeof entry.line !== "string") {
              report(`GET /v2/pods/{id}/logs: malformed event ${JSON.stringify(entry)}`);
            }
          }),
      ),
  };
}

/** The Runpod API routes. */
export function apiRoutes(core: EmulatorCore): Route[] {
  return [
    {
      method: "GET",
      path: "/v2/account/ssh-keys",
      kind: "api",
      handle: () => json(200, { keys: core.getAccountKeys() }),
    },
    {
      method: "PUT",
      path: "/v2/account/ssh-keys",
      kind: "api",
      jsonBody: true,
      handle: ({ body }) => {
        const keys = (body as { keys: string[] }).keys;
        const total = keys.reduce((sum, key) => sum + key.length, 0);
        if (total > core.keySetLimit) {
          throw new ApiError(
            400,
            `SSH key set too large: ${total} characters in ${keys.length} keys exceeds the limit of ${core.keySetLimit} characters; remove unused keys`,
          );
        }
        core.setAccountKeys([...keys]);
        return json(200, { keys: core.getAccountKeys() });
      },
    },
    {
      method: "GET",
      path: "/v2/pods",
      kind: "api",
      handle: () => json(200, { pods: core.store.list().map((pod) => renderPod(pod, core.sshUser)) }),
    },
    {
      method: "POST",
      path: "/v2/pods",
      kind: "api",
      jsonBody: true,
      handle: ({ body }) => createPod(core, body as CreatePodBody),
    },
    {
      method: "GET",
      path: "/v2/pods/{id}",
      kind: "api",
      handle: ({ params }) => json(200, renderPod(findPod(core, params.id), core.sshUser)),
    },
    {
      method: "PATCH",
      path: "/v2/pods/{id}",
      kind: "api",
      jsonBody: true,
      handle: async ({ params, body }) => {
        const pod = findPod(core, params.id);
        await core.store.update(pod, resolvePatch(pod.config, body as UpdatePodBody));
        return json(200, renderPod(pod, core.sshUser));
      },
    },
    {
      method: "DELETE",
      path: "/v2/pods/{id}",
      kind: "api",
      handle: async ({ params }) => {
        await core.store.terminate(findPod(core, params.id));
        return json(204);
      },
    },
    {
      method: "POST",
      path: "/v2/pods/{id}/action",
      kind: "api",
      jsonBody: true,
      handle: async ({ params, body }) => {
        const pod = findPod(core, params.id);
        const action = (body as { action: PodAction }).action;
        switch (action) {
          case "start":
            core.store.start(pod);
            break;
          case "stop":
            await core.store.stop(pod);
            break;
          case "restart":
            await core.store.restart(pod);
            break;
          case "terminate":
            await core.store.terminate(pod);
            return json(204);
        }
        return json(200, renderPod(pod, core.sshUser));
      },
    },
    {
      method: "GET",
      path: "/v2/pods/{id}/logs",
      kind: "api",
      handle: ({ params, query, headers }) => {
        const pod = findPod(core, params.id);
        const lastEventId = headers["last-event-id"];
        return streamLogs(core, pod, parseLogCursor(query, Array.isArray(lastEventId) ? lastEventId[0] : lastEventId));
      },
    },
    ...volumeRoutes(core.volumes),
    ...catalogRoutes(core.capacity),
  ];
}

/** The emulator's admin routes (see the module comment). */
export function adminRoutes(core: EmulatorCore): Route[] {
  return [
    {
      method: "POST",
      path: "/_emulator/faults",
      kind: "admin",
      jsonBody: true,
      handle: ({ body }) => {
        core.faults.applyAdminRequest(body);
        return json(200, core.faults.snapshot());
      },
    },
    {
      method: "GET",
      path: "/_emulator/state",
      kind: "admin",
      handle: () => json(200, core.state()),
    },
    {
      method: "POST",
      path: "/_emulator/pods/{id}/reset",
      kind: "admin",
      handle: async ({ params }) => {
        const id = params.id;
        findPod(core, id);
        try {
          return json(200, await core.resetPod(id));
        } catch (error) {
          throw new ApiError(409, (error as Error).message);
        }
      },
    },
    capacityAdminRoute(core.capacity),
  ];
}
