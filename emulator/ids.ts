/** Random identifiers shaped like Runpod's. */
import { randomBytes, randomInt } from "node:crypto";
import * as net from "node:net";

const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A lowercase alphanumeric id such as `7h9k2m4n6p`. */
export function randomPodId(length = 10): string {
  let id = "";
  for (let i = 0; i < length; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return id;
}

/** Proxy user name of a pod: `<id>-<8 hex>`. */
export function podHostId(podId: string): string {
  return `${podId}-${randomBytes(4).toString("hex")}`;
}

/** An API key like Runpod's: `rpa_` + 32 upper-case hex characters. */
export function randomApiKey(): string {
  return `rpa_${randomBytes(16).toString("hex").toUpperCase()}`;
}

/** A random password (for the injected `JUPYTER_PASSWORD`). */
export function randomPassword(): string {
  return randomBytes(12).toString("base64url");
}

/** A free TCP port on 127.0.0.1, found by binding to port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not determine a free port"))));
    });
  });
}
