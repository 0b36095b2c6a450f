/**
 * Reads the base64 part of an OpenSSH public key line (the "key blob", RFC 4253 section 6.6 wire format) the way
 * OpenSSH loads it, and refuses what OpenSSH refuses: a blob cut short or with bytes after the key, an embedded type
 * other than the declared one, an ECDSA curve name that does not match the type, a point not on the curve, an
 * ed25519 key that is not 32 bytes, an RSA modulus outside 1024..16384 bits.
 *
 * The key material is checked by Node's own crypto (OpenSSL): the RSA modulus and exponent, or the EC point, are
 * imported as a JWK, which fails for anything OpenSSL cannot use. Neither `sshpk` nor `ssh2` catches all of these
 * (see the project README, "Public keys"), so the wire format is read here, strictly, in a few dozen lines.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { withoutLeadingZeros, WireReader } from "./wire";

/** OpenSSH's smallest RSA modulus (`SSH_RSA_MINIMUM_MODULUS_SIZE`); smaller keys are refused when loaded. */
export const MIN_RSA_BITS = 1024;
/** OpenSSH's largest RSA modulus (`OPENSSL_RSA_MAX_MODULUS_BITS`). */
export const MAX_RSA_BITS = 16384;

/** What a well-formed blob holds. */
export interface KeyBlobInfo {
  /** The key type written inside the blob (equal to the declared one). */
  type: string;
  /** Key size in bits, as `ssh-keygen -l` prints it. */
  bits: number;
}

/** Why a blob cannot be loaded: `detail` is a clause about the key ("the key part ends early"), no input name. */
export class KeyBlobError extends Error {
  constructor(
    readonly detail: string,
    /** How the problem is best fixed: paste the line again (it was damaged), or make a new key (it is unusable). */
    readonly fix: "paste-again" | "new-key",
  ) {
    super(detail);
    this.name = "KeyBlobError";
  }
}

/** The wire-format reader (wire.ts) with OpenSSH's checks for key blobs, in this file's wording. */
class BlobReader {
  private readonly wire: WireReader;
  constructor(buf: Buffer) {
    this.wire = new WireReader(buf, (what, inside) =>
      damaged(inside ? `the key part ends inside its ${what}` : `the key part ends before its ${what}`),
    );
  }

  string(what: string): Buffer {
    return this.wire.string(what);
  }

  /** A string without NUL bytes (OpenSSH's `sshbuf_get_cstring`). */
  text(what: string): string {
    const bytes = this.string(what);
    if (bytes.includes(0)) throw damaged(`its ${what} holds a NUL byte`);
    return bytes.toString("latin1");
  }

  /** Refuses bytes after the key (OpenSSH does). */
  end(): void {
    const left = this.wire.remaining;
    if (left > 0) throw damaged(`the key part has ${left} extra byte${left === 1 ? "" : "s"} after the key`);
  }
}

function damaged(detail: string): KeyBlobError {
  return new KeyBlobError(detail, "paste-again");
}

/** An SSH `mpint` as OpenSSH reads it (`sshbuf_get_bignum2`): not negative, leading zeros dropped. */
function unsignedMpint(bytes: Buffer, what: string): Buffer {
  if (bytes.length > 0 && (bytes[0] & 0x80) !== 0) throw damaged(`its ${what} is negative`);
  return withoutLeadingZeros(bytes);
}

function bitLength(magnitude: Buffer): number {
  if (magnitude.length === 0) return 0;
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]));
}

function readRsa(reader: BlobReader): number {
  const e = unsignedMpint(reader.string("RSA exponent"), "RSA exponent");
  const n = unsignedMpint(reader.string("RSA modulus"), "RSA modulus");
  const bits = bitLength(n);
  if (bits < MIN_RSA_BITS) {
    throw new KeyBlobError(
      `it is a ${bits}-bit RSA key, and OpenSSH refuses RSA keys under ${MIN_RSA_BITS} bits`,
      "new-key",
    );
  }
  if (bits > MAX_RSA_BITS) {
    throw new KeyBlobError(
      `it is a ${bits}-bit RSA key, and OpenSSH refuses RSA keys over ${MAX_RSA_BITS} bits`,
      "new-key",
    );
  }
  if (e.length === 0) throw damaged("its RSA exponent is zero");
  try {
    createPublicKey({ key: { kty: "RSA", n: n.toString("base64url"), e: e.toString("base64url") }, format: "jwk" });
  } catch {
    throw damaged("its RSA numbers do not form a usable key");
  }
  return bits;
}

const CURVES: Record<string, { jwk: string; coordinateBytes: number; bits: number }> = {
  nistp256: { jwk: "P-256", coordinateBytes: 32, bits: 256 },
  nistp384: { jwk: "P-384", coordinateBytes: 48, bits: 384 },
  nistp521: { jwk: "P-521", coordinateBytes: 66, bits: 521 },
};

function readEcdsa(reader: BlobReader, expectedCurve: string): number {
  const curveName = reader.text("curve name");
  if (curveName !== expectedCurve) {
    throw damaged(`its curve is "${curveName.slice(0, 20)}" although its type says ${expectedCurve}`);
  }
  const curve = CURVES[expectedCurve];
  const point = reader.string("EC point");
  if (point.length !== 1 + 2 * curve.coordinateBytes || point[0] !== 0x04) {
    throw damaged(`its EC point is not an uncompressed ${expectedCurve} point`);
  }
  const x = point.subarray(1, 1 + curve.coordinateBytes);
  const y = point.subarray(1 + curve.coordinateBytes);
  try {
    createPublicKey({
      key: { kty: "EC", crv: curve.jwk, x: x.toString("base64url"), y: y.toString("base64url") },
      format: "jwk",
    });
  } catch {
    throw damaged(`its EC point is not on the ${expectedCurve} curve`);
  }
  return curve.bits;
}

function readEd25519(reader: BlobReader): number {
  const key = reader.string("ed25519 key");
  if (key.length !== 32) throw damaged(`its ed25519 key is ${key.length} bytes long instead of 32`);
  return 256;
}

/**
 * Reads the first length-prefixed string of a blob: the key type it declares, when it looks like one. Used to
 * recognise a key pasted without its type prefix, and a type prefix that does not match the key.
 */
export function blobKeyType(base64: string): string | undefined {
  let type: string;
  try {
    type = new WireReader(Buffer.from(base64, "base64"), () => new Error("short")).text();
  } catch {
    return undefined;
  }
  return type.length <= 64 && /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/**
 * Loads the blob of a key declared as `declaredType`, as OpenSSH would, or throws a `KeyBlobError` saying why
 * OpenSSH would not. `declaredType` must be one this package supports (see publicKey.ts).
 */
export function readKeyBlob(declaredType: string, base64: string): KeyBlobInfo {
  const reader = new BlobReader(Buffer.from(base64, "base64"));
  const embedded = reader.text("key type");
  if (embedded !== declaredType) {
    throw damaged(`the key itself is "${embedded.slice(0, 40)}" although the line says "${declaredType}"`);
  }
  let bits: number;
  switch (declaredType) {
    case "ssh-ed25519":
      bits = readEd25519(reader);
      break;
    case "sk-ssh-ed25519@openssh.com":
      bits = readEd25519(reader);
      reader.text("security key application");
      break;
    case "ssh-rsa":
      bits = readRsa(reader);
      break;
    case "ecdsa-sha2-nistp256":
    case "ecdsa-sha2-nistp384":
    case "ecdsa-sha2-nistp521":
      bits = readEcdsa(reader, declaredType.slice("ecdsa-sha2-".length));
      break;
    case "sk-ecdsa-sha2-nistp256@openssh.com":
      bits = readEcdsa(reader, "nistp256");
      reader.text("security key application");
      break;
    default:
      throw new KeyBlobError(`keys of type "${declaredType}" are not supported`, "new-key");
  }
  reader.end();
  return { type: declaredType, bits };
}

/**
 * A host key blob as sent in a key exchange (`K_S`), as a key Node's crypto can verify signatures with: ed25519,
 * ECDSA (P-256, P-384, P-521) or RSA. Throws a `KeyBlobError` for anything else or anything malformed.
 */
export function hostKeyObject(blob: Buffer): { type: string; key: KeyObject } {
  const base64 = blob.toString("base64");
  const type = blobKeyType(base64) ?? "";
  if (!["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"].includes(type)) {
    throw new KeyBlobError(`host keys of type "${type.slice(0, 40)}" are not supported`, "new-key");
  }
  readKeyBlob(type, base64);
  const reader = new BlobReader(blob);
  reader.text("key type");
  if (type === "ssh-ed25519") {
    const x = reader.string("ed25519 key").toString("base64url");
    return { type, key: createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" }) };
  }
  if (type === "ssh-rsa") {
    const e = unsignedMpint(reader.string("RSA exponent"), "RSA exponent").toString("base64url");
    const n = unsignedMpint(reader.string("RSA modulus"), "RSA modulus").toString("base64url");
    return { type, key: createPublicKey({ key: { kty: "RSA", n, e }, format: "jwk" }) };
  }
  const curve = CURVES[reader.text("curve name")];
  const point = reader.string("EC point");
  const x = point.subarray(1, 1 + curve.coordinateBytes).toString("base64url");
  const y = point.subarray(1 + curve.coordinateBytes).toString("base64url");
  return { type, key: createPublicKey({ key: { kty: "EC", crv: curve.jwk, x, y }, format: "jwk" }) };
}
