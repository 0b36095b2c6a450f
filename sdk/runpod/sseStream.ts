/**
 * The log stream's reading (`GET /v2/pods/{id}/logs` answers Server-Sent Events on a connection that stays open),
 * beside client.ts, which calls it.
 */
import type { Readable } from "node:stream";
import { podLogLineSchema, type PodLogLine } from "./schemas";

export async function readAll(stream: Readable, limit: number): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    text += Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk);
    if (text.length >= limit) break;
  }
  stream.destroy();
  return text;
}

/** Reads `data:` events from an SSE stream until it is quiet, `maxMs` passed, or `maxLines` were read. */
export function readSseLines(
  stream: Readable,
  controller: AbortController,
  limits: { idleMs: number; maxMs: number; maxLines: number; doneWhen?: (lines: PodLogLine[]) => boolean },
): Promise<PodLogLine[]> {
  return new Promise((resolve) => {
    const lines: PodLogLine[] = [];
    let buffer = "";
    let done = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(idleTimer);
      clearTimeout(maxTimer);
      controller.abort();
      stream.destroy();
      resolve(lines);
    };
    const armIdle = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(finish, limits.idleMs);
    };
    const maxTimer = setTimeout(finish, limits.maxMs);
    armIdle();
    stream.on("data", (chunk: Buffer | string) => {
      buffer += typeof chunk === "string" ? chunk : chunk.toString("utf8");
      buffer = buffer.replace(/\r\n?/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data) continue;
        try {
          const parsed = podLogLineSchema.safeParse(JSON.parse(data));
          if (parsed.success) lines.push(parsed.data);
        } catch {
          // a malformed event is skipped, not fatal
        }
        if (limits.maxLines > 0 && lines.length >= limits.maxLines) return finish();
      }
      armIdle();
      if (limits.doneWhen?.(lines)) idleTimer = setTimeout(finish, Math.min(30, limits.idleMs));
    });
    stream.on("end", finish);
    stream.on("error", finish);
    stream.on("close", finish);
    if (limits.maxLines === 0) finish();
  });
}
