/**
 * SHA-512 crypt (`$6$salt$hash`, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"), the format
 * `chpasswd -e` and /etc/shadow accept. Password mode puts only this hash in the pod's env (Runpod returns env
 * in full to anyone with the API key), never the password itself.
 */
import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ROUNDS_DEFAULT = 5000;

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return h.digest();
}

function repeatToLength(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = source[i % source.length];
  return out;
}

function encode64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = "";
  for (let i = 0; i < n; i++) {
    out += ALPHABET[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

/** Hashes `password` with SHA-512 crypt. `salt` (at most 16 characters) defaults to a random one. */
export function sha512Crypt(password: string, salt?: string, rounds = ROUNDS_DEFAULT): string {
  const saltText = (salt ?? [...randomBytes(16)].map((b) => ALPHABET[b % 64]).join("")).slice(0, 16);
  const p = Buffer.from(password, "utf8");
  const s = Buffer.from(saltText, "utf8");

  const b = sha512(p, s, p);
  const aParts: Buffer[] = [p, s];
  let len = p.length;
  for (; len > 64; len -= 64) aParts.push(b);
  aParts.push(b.subarray(0, len));
  for (let i = p.length; i > 0; i >>= 1) aParts.push(i & 1 ? b : p);
  const a = sha512(...aParts);

  const dp = repeatToLength(sha512(...Array.from({ length: p.length }, () => p)), p.length);
  const ds = repeatToLength(sha512(...Array.from({ length: 16 + a[0] }, () => s)), s.length);

  let c = a;
  for (let i = 0; i < rounds; i++) {
    const parts: Buffer[] = [];
    parts.push(i & 1 ? dp : c);
    if (i % 3) parts.push(ds);
    if (i % 7) parts.push(dp);
    parts.push(i & 1 ? c : dp);
    c = sha512(...parts);
  }

  const order = [
    [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
    [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
    [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
  ];
  let hash = "";
  for (const [x, y, z] of order) hash += encode64(c[x], c[y], c[z], 4);
  hash += encode64(0, 0, c[63], 2);
  const roundsPart = rounds === ROUNDS_DEFAULT ? "" : `rounds=${rounds}$`;
  return `$6$${roundsPart}${saltText}$${hash}`;
}
