/**
 * Services "inside" an emulated pod, for tests of tunnels (`ssh -N -L <local>:localhost:<port>`).
 *
 * An emulated pod's sshd runs on this machine's loopback, so the pod's `localhost` is this machine's: a listener
 * on 127.0.0.1:<port> is what the pod's own Jupyter on <port> would be. `startPodListener` starts one (a small
 * HTTP server that says which service answered and counts its connections), on the port given or a free one;
 * give the pod that port as `"<port>/http"` and its tunnel command reaches it. A client that reaches it through
 * the tunnel connects to the local forward's port, never to this one, so the bytes it gets went through sshd.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface PodListenerOptions {
  /** Port in the pod (default: a free one). */
  port?: number;
  /** What the service calls itself in its answers. Default "jupyter". */
  name?: string;
}

export interface PodListener {
  /** The port it listens on (what the pod exposes as `"<port>/http"`). */
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Requests answered so far (method and path). */
  readonly requests: Array<{ method: string; url: string }>;
  close(): Promise<void>;
}

/** Starts a fake service (e.g. Jupyter) on 127.0.0.1: it answers every request with JSON naming itself. */
export async function startPodListener(options: PodListenerOptions = {}): Promise<PodListener> {
  const name = options.name ?? "jupyter";
  const requests: Array<{ method: string; url: string }> = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/" });
    const body = JSON.stringify({ service: name, url: req.url, note: `answered by the ${name} listener inside the pod` });
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  });
  server.on("connection", () => (connections += 1));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
