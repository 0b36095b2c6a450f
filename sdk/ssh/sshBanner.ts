/**
 * Reads an SSH server's identification banner (`SSH-2.0-...`, RFC 4253 section 4.2) from host:port.
 *
 * Runpod publishes a pod's port mapping before sshd listens, so "the port is open" is not "SSH works": a pod
 * is ready only once a banner comes back. This makes no API call and sends nothing but a TCP connect.
 */
import net from "node:net";

export interface BannerResult {
  ok: boolean;
  /** The banner line when ok, else why not (refused, timed out, closed, not SSH). */
  detail: string;
}

/** Connects and waits up to `timeoutMs` for a line starting with `SSH-2.0-` (or `SSH-1.99-`). */
export function readSshBanner(host: string, port: number, timeoutMs = 3000): Promise<BannerResult> {
  return new Promise((resolve) => {
    let settled = false;
    let received = "";
    const socket = net.connect({ host, port });
    const done = (result: BannerResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `no SSH banner within ${timeoutMs} ms` }), timeoutMs);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      // Servers may send other lines before the version line; look at each complete line.
      const lines = received.split("\n");
      for (const l of lines.slice(0, -1)) {
        const line = l.replace(/\r$/, "");
        if (line.startsWith("SSH-2.0-") || line.startsWith("SSH-1.99-")) return done({ ok: true, detail: line });
      }
      if (received.length > 8192) done({ ok: false, detail: "the server sent data but no SSH banner (is something else listening on this port?)" });
    });
    socket.on("error", (err: NodeJS.ErrnoException) => done({ ok: false, detail: err.code ?? err.message }));
    socket.on("close", () => done({ ok: false, detail: received ? "connection closed before a full SSH banner" : "connection closed without a banner" }));
  });
}
