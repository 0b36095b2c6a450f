/**
 * A scripted HTTP server for client tests that need exact control over statuses and headers (the emulator
 * covers realistic behaviour; this covers edge cases such as several exhausted windows).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface StubReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Close the socket without answering (a network failure). */
  destroy?: boolean;
  delayMs?: number;
}

export interface StubRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface StubServer {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 that answers request N with `reply(N, request)`. */
export async function startStubServer(reply: (index: number, req: StubRequest) => StubReply): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const entry: StubRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, at: Date.now() };
      requests.push(entry);
      const r = reply(requests.length - 1, entry);
      const send = (): void => {
        if (r.destroy) {
          req.socket.destroy();
          return;
        }
        const isProblem = r.status >= 400;
        res.writeHead(r.status, {
          "Content-Type": isProblem ? "application/problem+json" : "application/json",
          ...r.headers,
        });
        res.end(r.body === undefined ? "" : typeof r.body === "string" ? r.body : JSON.stringify(r.body));
      };
      if (r.delayMs) setTimeout(send, r.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function problem(status: number, title: string, detail: string, errors?: string[]): StubReply {
  return { status, body: { title, status, detail, ...(errors ? { errors } : {}) } };
}
