/**
 * Pod log lines and their Server-Sent-Events form (`GET /v2/pods/{id}/logs`).
 *
 * Each pod keeps up to {@link MAX_LOG_LINES} lines from two sources: `system`
 * (host lifecycle: machine assigned, image pulled, container started/stopped/reset)
 * and `container` (the start script and sshd's own stderr). An event looks like
 *
 * ```
 * id: 2026-06-01T12:02:03.123Z/000000000001
 * data: {"ts":"2026-06-01T12:02:03.123Z","source":"container","line":"Server listening on ..."}
 * ```
 */
import type { ServerResponse } from "node:http";

export type LogSource = "container" | "system";
export const LOG_SOURCES: readonly LogSource[] = ["container", "system"];

/** Lines kept per pod (the spec's maximum `tail`). */
export const MAX_LOG_LINES = 5000;

export interface LogEntry {
  /** Per-pod sequence number, from 1. */
  seq: number;
  /** RFC 3339 timestamp. */
  ts: string;
  source: LogSource;
  line: string;
}

/** Where a stream starts: the last `tail` lines, or everything after a cursor. */
export interface LogCursor {
  source?: LogSource;
  tail?: number;
  /** Only lines with a later timestamp (from `since` or a timestamp `Last-Event-ID`). */
  sinceMs?: number;
  /** Only lines with a higher sequence (from a `<ts>/<seq>` `Last-Event-ID`). */
  afterSeq?: number;
}

/**
 * The lines Runpod's start script (and this package's bootstrap) prints once sshd runs: `SSH host keys:`, then
 * per key `Key: <path>` and the output of `ssh-keygen -lf <path>`.
 */
export function hostKeyLogLines(entries: ReadonlyArray<{ path: string; keygenLine: string }>): string[] {
  return ["SSH host keys:", ...entries.flatMap((e) => [`Key: ${e.path}`, e.keygenLine])];
}

type Listener = (entry: LogEntry) => void;

/** The log of one pod: a bounded buffer plus live subscribers. */
export class PodLog {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly closeListeners = new Set<() => void>();
  private nextSeq = 1;
  private closed = false;

  /** Add a line (ignored once closed). Multi-line text becomes several entries. */
  append(source: LogSource, text: string): void {
    if (this.closed) return;
    for (const line of text.split(/\r?\n/)) {
      if (line === "") continue;
      const entry: LogEntry = { seq: this.nextSeq++, ts: new Date().toISOString(), source, line };
      this.entries.push(entry);
      if (this.entries.length > MAX_LOG_LINES) this.entries.shift();
      for (const listener of this.listeners) listener(entry);
    }
  }

  /** Lines for the start of a stream, oldest first. */
  backfill(cursor: LogCursor): LogEntry[] {
    let selected = this.entries.filter((entry) => !cursor.source || entry.source === cursor.source);
    if (cursor.afterSeq !== undefined) {
      const after = cursor.afterSeq;
      return selected.filter((entry) => entry.seq > after);
    }
    if (cursor.sinceMs !== undefined) {
      const since = cursor.sinceMs;
      return selected.filter((entry) => Date.parse(entry.ts) > since);
    }
    const tail = cursor.tail ?? 100;
    selected = tail === 0 ? [] : selected.slice(-tail);
    return selected;
  }

  /** How many live streams receive new lines now. */
  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** True once the pod is gone. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Receive new lines until unsubscribed; `onClose` fires when the pod is gone. */
  subscribe(listener: Listener, onClose: () => void): () => void {
    if (this.closed) {
      onClose();
      return () => undefined;
    }
    this.listeners.add(listener);
    this.closeListeners.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closeListeners.delete(onClose);
    };
  }

  /** The pod is gone: end every stream. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const callbacks = [...this.closeListeners];
    this.listeners.clear();
    this.closeListeners.clear();
    for (const callback of callbacks) callback();
  }
}

/** SSE event id: `<ts>/<12-digit seq>`. */
export function eventId(entry: LogEntry): string {
  return `${entry.ts}/${String(entry.seq).padStart(12, "0")}`;
}

/** One SSE event, terminated by a blank line. */
export function formatSseEvent(entry: LogEntry): string {
  const data = JSON.stringify({ ts: entry.ts, source: entry.source, line: entry.line });
  return `id: ${eventId(entry)}\ndata: ${data}\n\n`;
}

/**
 * Parse a `Last-Event-ID`: our own `<ts>/<seq>` ids resume by sequence, a bare
 * RFC 3339 timestamp resumes by time. Returns `undefined` when unparseable.
 */
export function parseLastEventId(value: string): Pick<LogCursor, "afterSeq" | "sinceMs"> | undefined {
  const match = /^(.+)\/(\d{1,15})$/.exec(value.trim());
  if (match) return { afterSeq: Number(match[2]) };
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : { sinceMs: ms };
}

/** Interval of SSE comment heartbeats that keep idle proxies from closing the stream. */
const HEARTBEAT_MS = 15_000;

/**
 * Stream a pod's log to an HTTP response whose SSE headers were already written:
 * backfill, then live lines until the client disconnects or the pod is gone.
 * `check` (optional) inspects every event payload, for response validation.
 */
export function pipeLogToResponse(
  log: PodLog,
  cursor: LogCursor,
  response: ServerResponse,
  check?: (entry: LogEntry) => void,
): void {
  const send = (entry: LogEntry): void => {
    if (cursor.source && entry.source !== cursor.source) return;
    check?.(entry);
    response.write(formatSseEvent(entry));
  };
  for (const entry of log.backfill(cursor)) send(entry);
  if (log.isClosed) {
    response.end();
    return;
  }
  const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  const finish = (): void => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  const unsubscribe = log.subscribe(send, () => {
    finish();
    response.end();
  });
  response.on("close", finish);
}
