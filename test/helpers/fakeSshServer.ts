/**
 * A scripted SSH server for the host-key tests: speaks the server side of the version exchange, KEXINIT and the
 * curve25519-sha256 ECDH reply, with an ed25519 host key, and can misbehave on purpose: sign the exchange with a
 * key other than the one it presents (an impostor showing a key it does not hold), send a cut-short signature after
 * its key, offer no curve25519, or close after its banner. Not an SSH server beyond that: it never gets to NEWKEYS.
 */
import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import net from "node:net";
import { mpint, packet, sshString } from "../../sdk/ssh/wire";

export type FakeBehaviour =
  | "honest"
  | "signs-with-another-key"
  | "malformed-signature"
  | "no-curve25519"
  | "banner-only";

export interface FakeSshServer {
  port: number;
  /** The host key it presents, `ssh-ed25519 base64`. */
  hostKey: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

const VERSION = "SSH-2.0-FakeServer_1.0";

function ed25519Pair() {
  const pair = generateKeyPairSync("ed25519");
  const raw = Buffer.from(pair.publicKey.export({ format: "jwk" }).x!, "base64url");
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(raw)]);
  return { privateKey: pair.privateKey, blob };
}

export async function startFakeSshServer(behaviour: FakeBehaviour): Promise<FakeSshServer> {
  const presented = ed25519Pair();
  const signer = behaviour === "signs-with-another-key" ? ed25519Pair() : presented;
  const kex = behaviour === "no-curve25519" ? "diffie-hellman-group14-sha256" : "curve25519-sha256";
  const names = [
    kex,
    "ssh-ed25519",
    "aes128-ctr",
    "aes128-ctr",
    "hmac-sha2-256",
    "hmac-sha2-256",
    "none",
    "none",
    "",
    "",
  ];
  const serverKexinit = Buffer.concat([
    Buffer.from([20]),
    randomBytes(16),
    ...names.map((n) => sshString(n)),
    Buffer.from([0, 0, 0, 0, 0]),
  ]);
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.write(`${VERSION}\r\n`);
    if (behaviour === "banner-only") {
      socket.once("data", () => socket.end());
      return;
    }
    socket.write(packet(serverKexinit));
    let buffer = Buffer.alloc(0);
    let clientVersion: string | undefined;
    let clientKexinit: Buffer | undefined;
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!clientVersion) {
        const end = buffer.indexOf(0x0a);
        if (end === -1) return;
        clientVersion = buffer.subarray(0, end).toString("latin1").replace(/\r$/, "");
        buffer = buffer.subarray(end + 1);
      }
      while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
        const length = buffer.readUInt32BE(0);
        const payload = buffer.subarray(5, 4 + length - buffer[4]);
        buffer = buffer.subarray(4 + length);
        if (payload[0] === 20) clientKexinit = payload;
        if (payload[0] !== 30 || !clientKexinit) continue;
        const qc = payload.subarray(5, 5 + payload.readUInt32BE(1));
        const ecdh = generateKeyPairSync("x25519");
        const qs = Buffer.from(ecdh.publicKey.export({ format: "jwk" }).x!, "base64url");
        const clientKey = createPublicKey({
          key: { kty: "OKP", crv: "X25519", x: qc.toString("base64url") },
          format: "jwk",
        });
        const k = diffieHellman({ privateKey: ecdh.privateKey, publicKey: clientKey });
        const h = createHash("sha256")
          .update(Buffer.concat([sshString(clientVersion), sshString(VERSION), sshString(clientKexinit)]))
          .update(Buffer.concat([sshString(serverKexinit), sshString(presented.blob), sshString(qc), sshString(qs)]))
          .update(mpint(k))
          .digest();
        const signature =
          behaviour === "malformed-signature"
            ? Buffer.concat([sshString("ssh-ed25519"), Buffer.from([0, 0, 0, 64, 1, 2, 3])])
            : Buffer.concat([sshString("ssh-ed25519"), sshString(sign(null, h, signer.privateKey))]);
        socket.write(
          packet(Buffer.concat([Buffer.from([31]), sshString(presented.blob), sshString(qs), sshString(signature)])),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hostKey: `ssh-ed25519 ${presented.blob.toString("base64")}`,
    get connections() {
      return state.connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
