/**
 * The SSH wire format (RFC 4251 section 5, RFC 4253 section 6), written and read in one place: `uint32`,
 * `string`, `mpint`, name-lists and the unencrypted binary packet. The key parser (keyBlob.ts), the host-key
 * exchange (hostKeyExchange.ts) and the tests' scripted SSH server all use these.
 */
import { randomBytes } from "node:crypto";

/** A big-endian `uint32`. */
export function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** An SSH `string`: a `uint32` length, then the bytes (text as latin1, one byte per character). */
export function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "latin1") : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

/** An unsigned big-endian number as an SSH `mpint` (no leading zeros, a zero byte before a set top bit). */
export function mpint(unsigned: Buffer): Buffer {
  const magnitude = withoutLeadingZeros(unsigned);
  return sshString(
    magnitude.length > 0 && magnitude[0] & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude,
  );
}

/** The bytes of a big-endian number without its leading zero bytes. */
export function withoutLeadingZeros(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** An unencrypted binary packet (block size 8, at least 4 bytes of random padding). */
export function packet(payload: Buffer): Buffer {
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  return Buffer.concat([uint32(1 + payload.length + padding), Buffer.from([padding]), payload, randomBytes(padding)]);
}

/**
 * Reads wire-format values from a buffer, never past its end: a read that would is reported through `short`,
 * which names what was being read and returns the error to throw (each caller words it for its own messages).
 */
export class WireReader {
  private offset = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly short: (what: string, inside: boolean) => Error,
  ) {}

  byte(what = "byte"): number {
    if (this.offset >= this.buf.length) throw this.short(what, false);
    return this.buf[this.offset++];
  }

  skip(count: number, what = "data"): void {
    if (this.offset + count > this.buf.length) throw this.short(what, false);
    this.offset += count;
  }

  uint32(what = "number"): number {
    this.skip(4, what);
    return this.buf.readUInt32BE(this.offset - 4);
  }

  string(what = "string"): Buffer {
    if (this.offset + 4 > this.buf.length) throw this.short(what, false);
    const length = this.buf.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.buf.length) throw this.short(what, true);
    this.offset = start + length;
    return this.buf.subarray(start, start + length);
  }

  /** A string as latin1 text. */
  text(what = "text"): string {
    return this.string(what).toString("latin1");
  }

  /** A comma-separated name-list. */
  nameList(what = "name-list"): string[] {
    const text = this.text(what);
    return text === "" ? [] : text.split(",");
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.buf.length - this.offset;
  }
}
