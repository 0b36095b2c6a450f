/**
 * Reads a server's SSH host key by running the first steps of an SSH connection, as a client does before it
 * authenticates (RFC 4253 sections 4.2, 6, 7 and 8, with curve25519-sha256 from RFC 8731): the version lines,
 * KEXINIT both ways and the ECDH exchange, then the check that matters: the server's signature over the exchange
 * hash must verify with the host key it sent, so the server holds that key's private half. Nothing more is sent
 * (no NEWKEYS, no authentication) and the connection is closed.
 *
 * All cryptography is Node's own (X25519, SHA-2, Ed25519/ECDSA/RSA signature checks); the host key's wire format
 * is read by keyBlob.ts, the parser AccountSshKey uses. One connection yields one key: the first algorithm of
 * `algorithms` the server has.
 */
import {
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  verify,
  type KeyObject,
} from "node:crypto";
import net from "node:net";
import { hostKeyObject, KeyBlobError } from "./keyBlob";
import { mpint, packet, sshString, uint32, withoutLeadingZeros, WireReader } from "./wire";

const CLIENT_VERSION = "SSH-2.0-pulumi_runpod_ssh_hostkey";
const MSG_DISCONNECT = 1;
const MSG_IGNORE = 2;
const MSG_DEBUG = 4;
const MSG_KEXINIT = 20;
const MSG_KEX_ECDH_INIT = 30;
const MSG_KEX_ECDH_REPLY = 31;
const KEX = ["curve25519-sha256", "curve25519-sha256@libssh.org"];
// Offered only so that the server accepts the proposal: the exchange stops before any of them is used.
const CIPHERS = ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr", "aes256-gcm@openssh.com"];
const MACS = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"];
/** Largest packet accepted before the exchange ends (RFC 4253 requires 35000; a KEXINIT is far smaller). */
const MAX_PACKET = 64 * 1024;

export interface HostKeyExchange {
  /** The host key as `type base64`, when the exchange completed and the signature verified. */
  key?: string;
  /** The host key algorithms the server offered in its KEXINIT (empty when none arrived). */
  serverAlgorithms: string[];
  /** Why there is no key (empty when there is one). */
  detail: string;
  /**
   * True when the server sent a host key and a signature that does not verify with it (or a key of another type
   * than agreed): it presents a key it does not hold. Every other failure is false.
   */
  forged?: boolean;
}

/** A reason the exchange failed, as a clause for messages. */
class ExchangeError extends Error {
  constructor(
    message: string,
    readonly forged = false,
  ) {
    super(message);
  }
}

/** A wire-format reader whose short reads fail the exchange. */
function reader(payload: Buffer): WireReader {
  return new WireReader(payload, () => new ExchangeError("the server sent a truncated message"));
}

function kexinit(algorithms: string[]): Buffer {
  const lists = [KEX, algorithms, CIPHERS, CIPHERS, MACS, MACS, ["none"], ["none"], [], []];
  return Buffer.concat([
    Buffer.from([MSG_KEXINIT]),
    randomBytes(16),
    ...lists.map((l) => sshString(l.join(","))),
    Buffer.from([0]),
    uint32(0),
  ]);
}

const ECDSA: Record<string, { hash: string; bytes: number }> = {
  "ecdsa-sha2-nistp256": { hash: "sha256", bytes: 32 },
  "ecdsa-sha2-nistp384": { hash: "sha384", bytes: 48 },
  "ecdsa-sha2-nistp521": { hash: "sha512", bytes: 66 },
};

/** The key type a host key algorithm signs with (`rsa-sha2-*` use `ssh-rsa` keys). */
export function keyTypeOfAlgorithm(algorithm: string): string {
  return algorithm.startsWith("rsa-sha2-") ? "ssh-rsa" : algorithm;
}

/** An ECDSA signature's `mpint` r or s as a big-endian number of `bytes` bytes (one half of IEEE P1363). */
function fixedWidth(value: Buffer, bytes: number): Buffer {
  const magnitude = withoutLeadingZeros(value);
  if (magnitude.length > bytes) throw new ExchangeError("the server's ECDSA signature is malformed", true);
  return Buffer.concat([Buffer.alloc(bytes - magnitude.length), magnitude]);
}

/** Checks the server's signature over the exchange hash `h` with the host key it sent; returns the key's type. */
function checkSignature(algorithm: string, keyBlob: Buffer, signatureBlob: Buffer, h: Buffer): string {
  let host: ReturnType<typeof hostKeyObject>;
  try {
    host = hostKeyObject(keyBlob);
  } catch (e) {
    if (e instanceof KeyBlobError) throw new ExchangeError(`the server's host key cannot be used: ${e.detail}`);
    throw e;
  }
  if (host.type !== keyTypeOfAlgorithm(algorithm)) {
    throw new ExchangeError(`the server sent a ${host.type} key for the ${algorithm} algorithm`, true);
  }
  const signature = reader(signatureBlob);
  const signedWith = signature.text();
  const data = signature.string();
  if (signedWith !== algorithm) throw new ExchangeError(`the server signed with ${signedWith}, not ${algorithm}`, true);
  let valid: boolean;
  if (algorithm === "ssh-ed25519") {
    valid = verify(null, h, host.key, data);
  } else if (algorithm.startsWith("rsa-sha2-")) {
    valid = verify(algorithm === "rsa-sha2-512" ? "sha512" : "sha256", h, host.key, data);
  } else {
    const curve = ECDSA[algorithm];
    const rs = reader(data);
    const signatureValue = Buffer.concat([fixedWidth(rs.string(), curve.bytes), fixedWidth(rs.string(), curve.bytes)]);
    valid = verify(curve.hash, h, { key: host.key, dsaEncoding: "ieee-p1363" }, signatureValue);
  }
  if (!valid) {
    throw new ExchangeError(
      "the server's signature over the key exchange does not verify with the host key it sent, so it does not " +
        "hold that key",
      true,
    );
  }
  return host.type;
}

/** The ECDH shared secret with the server's 32-byte X25519 key `qs`. */
function sharedSecret(privateKey: KeyObject, qs: Buffer): Buffer {
  if (qs.length !== 32) throw new ExchangeError("the server's X25519 key is not 32 bytes");
  const publicKey = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: qs.toString("base64url") }, format: "jwk" });
  const k = diffieHellman({ privateKey, publicKey });
  if (k.every((b) => b === 0)) throw new ExchangeError("the server's X25519 key gives an all-zero secret");
  return k;
}

/**
 * Connects to host:port and reads one host key, of the first of `algorithms` the server offers. Never throws: a
 * failure comes back as no key and the reason.
 */
export function exchangeHostKey(
  host: string,
  port: number,
  algorithms: string[],
  timeoutMs = 5000,
): Promise<HostKeyExchange> {
  return new Promise((resolve) => {
    const ecdh = generateKeyPairSync("x25519");
    const qc = Buffer.from(ecdh.publicKey.export({ format: "jwk" }).x!, "base64url");
    const clientKexinit = kexinit(algorithms);
    let buffer = Buffer.alloc(0);
    let serverVersion: string | undefined;
    let serverKexinit: Buffer | undefined;
    let serverAlgorithms: string[] = [];
    let algorithm = "";
    let settled = false;
    const socket = net.connect({ host, port });
    const finish = (result: Omit<HostKeyExchange, "serverAlgorithms">): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, serverAlgorithms });
    };
    const timer = setTimeout(() => finish({ detail: `no complete key exchange within ${timeoutMs} ms` }), timeoutMs);

    const nextPacket = (): Buffer | undefined => {
      if (buffer.length < 4) return undefined;
      const length = buffer.readUInt32BE(0);
      if (length < 5 || length > MAX_PACKET) throw new ExchangeError(`the server sent a packet of ${length} bytes`);
      if (buffer.length < 4 + length) return undefined;
      const padding = buffer[4];
      if (padding + 1 > length) throw new ExchangeError("the server sent a malformed packet");
      const payload = buffer.subarray(5, 4 + length - padding);
      buffer = buffer.subarray(4 + length);
      return payload;
    };

    const readVersion = (): boolean => {
      for (;;) {
        const end = buffer.indexOf(0x0a);
        if (end === -1) {
          if (buffer.length > 8192) throw new ExchangeError("the server sent no SSH version line");
          return false;
        }
        const line = buffer.subarray(0, end).toString("latin1").replace(/\r$/, "");
        buffer = buffer.subarray(end + 1);
        if (!line.startsWith("SSH-")) continue;
        if (!line.startsWith("SSH-2.0-") && !line.startsWith("SSH-1.99-")) {
          throw new ExchangeError(`the server speaks ${line.slice(0, 40)}, not SSH 2`);
        }
        serverVersion = line;
        return true;
      }
    };

    const onServerKexinit = (payload: Buffer): void => {
      serverKexinit = payload;
      const init = reader(payload);
      init.byte();
      init.skip(16);
      const kex = init.nameList();
      serverAlgorithms = init.nameList();
      if (!KEX.some((k) => kex.includes(k))) {
        const offered = kex.join(", ");
        throw new ExchangeError(`the server offers no curve25519-sha256 key exchange (it offers ${offered})`);
      }
      algorithm = algorithms.find((a) => serverAlgorithms.includes(a)) ?? "";
      if (!algorithm) throw new ExchangeError(`the server has no host key for ${algorithms.join(", ")}`);
      socket.write(packet(Buffer.concat([Buffer.from([MSG_KEX_ECDH_INIT]), sshString(qc)])));
    };

    const onReply = (payload: Buffer): void => {
      const reply = reader(payload);
      reply.byte();
      const keyBlob = reply.string();
      // From here on the server has presented a host key: a reply it cannot back with a valid signature, whatever
      // is wrong with it, is treated as forged (never as "unreadable", which could weaken the checking).
      try {
        finish({ key: verifiedKey(reply, keyBlob), detail: "" });
      } catch (e) {
        const reason = e instanceof ExchangeError ? e.message : `the key exchange failed: ${(e as Error).message}`;
        throw new ExchangeError(reason, true);
      }
    };

    const verifiedKey = (reply: WireReader, keyBlob: Buffer): string => {
      const qs = reply.string();
      const signature = reply.string();
      const k = sharedSecret(ecdh.privateKey, qs);
      const h = createHash("sha256")
        .update(sshString(CLIENT_VERSION))
        .update(sshString(serverVersion!))
        .update(sshString(clientKexinit))
        .update(sshString(serverKexinit!))
        .update(sshString(keyBlob))
        .update(sshString(qc))
        .update(sshString(qs))
        .update(mpint(k))
        .digest();
      const type = checkSignature(algorithm, keyBlob, signature, h);
      return `${type} ${keyBlob.toString("base64")}`;
    };

    const step = (): void => {
      if (!serverVersion && !readVersion()) return;
      for (let payload = nextPacket(); payload && !settled; payload = nextPacket()) {
        const type = payload[0];
        if (type === MSG_IGNORE || type === MSG_DEBUG) continue;
        if (type === MSG_DISCONNECT) {
          const disconnect = reader(payload);
          disconnect.byte();
          disconnect.skip(4);
          throw new ExchangeError(`the server ended the connection: ${disconnect.text().slice(0, 200)}`);
        }
        if (!serverKexinit && type === MSG_KEXINIT) onServerKexinit(payload);
        else if (serverKexinit && type === MSG_KEX_ECDH_REPLY) onReply(payload);
        else throw new ExchangeError(`the server sent message ${type} out of turn`);
      }
    };

    socket.setNoDelay(true);
    socket.on("connect", () =>
      socket.write(Buffer.concat([Buffer.from(`${CLIENT_VERSION}\r\n`), packet(clientKexinit)])),
    );
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        step();
      } catch (e) {
        // Anything Node's crypto refuses (a malformed key or point) fails the exchange like a protocol error.
        if (e instanceof ExchangeError) finish({ detail: e.message, forged: e.forged });
        else finish({ detail: `the key exchange failed: ${(e as Error).message}` });
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => finish({ detail: err.code ?? err.message }));
    socket.on("close", () =>
      finish({
        detail: serverVersion
          ? "the server closed the connection during the key exchange"
          : "connection closed without an SSH banner",
      }),
    );
  });
}
