/**
 * OpenSSH public keys: parsing, validation with a specific message for each way users get them wrong, the
 * SHA256 fingerprint, and the identity used to compare keys (type + base64, comment ignored).
 *
 * The mistakes checked are Runpod's own troubleshooting list (each ends in a password prompt on connect) plus
 * what is seen in the wild: a `SHA256:` fingerprint pasted instead of the key, the key without its type prefix,
 * several keys in one input, a private key, PuTTY text, authorized_keys options before the key type, and CRLF
 * line ends (normalized, not refused). Messages never repeat a private key.
 *
 * Beyond the text, the key itself must load the way OpenSSH loads it (keyBlob.ts): a complete blob of the declared
 * type, an ed25519 key of 32 bytes, an ECDSA point on the named curve, an RSA modulus of 1024 to 16384 bits. A
 * control character anywhere in the line, the comment included, is refused. Every message is a full sentence that
 * starts with the input's name.
 */
import { createHash } from "node:crypto";
import { KeyBlobError, blobKeyType, readKeyBlob } from "./keyBlob";

/** Key types OpenSSH accepts in authorized_keys today. */
export const SUPPORTED_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

/** A parsed, normalized OpenSSH public key. */
export interface ParsedPublicKey {
  /** Key type, for example `ssh-ed25519`. */
  type: string;
  /** The base64 key blob. */
  base64: string;
  /** The comment after the key, or "" when there is none. */
  comment: string;
  /** `type base64 [comment]`, single spaces, no line end: what is registered and written to authorized_keys. */
  line: string;
  /** `type base64`: how two keys are compared (the comment does not make a key different). */
  identity: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

/** A public key input that cannot be used; `problem` is a full sentence naming the input and how to fix it. */
export class PublicKeyError extends Error {
  constructor(
    /** The input the key came from, for example `publicKey` or `sshPublicKeys[1]`. */
    readonly input: string,
    /** What is wrong and how to fix it, as a sentence that starts with the input's name. */
    readonly problem: string,
  ) {
    super(problem);
    this.name = "PublicKeyError";
  }
}

const KEY_TYPE_RE = /^(ssh|ecdsa|sk)-[A-Za-z0-9@._+-]+$/;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,3}$/;
/** Control characters (tab aside: it separates fields and is normalized to a space) and Unicode line breaks. */
const CONTROL_RE = /(?!\t)[\p{Cc}\u2028\u2029]/u;

/** `SHA256:` fingerprint of a base64 key blob, as OpenSSH prints it (unpadded base64). */
export function fingerprintOf(base64: string): string {
  const digest = createHash("sha256").update(Buffer.from(base64, "base64")).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

function normalizeText(text: string): string {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .trim();
}

function looksPrivate(text: string): boolean {
  return (
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text) ||
    (/^PuTTY-User-Key-File-\d+:/m.test(text) && /Private-Lines:/.test(text))
  );
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Refuses what cannot be a single public key line: empty text, private keys, other formats, several lines. */
function singleLine(input: string, normalized: string): string {
  const fail = (sentence: string): never => {
    throw new PublicKeyError(input, `${input} ${sentence}`);
  };
  if (normalized === "")
    fail("is empty. Paste one OpenSSH public key line, e.g. the contents of ~/.ssh/id_ed25519.pub.");
  if (looksPrivate(normalized)) {
    fail(
      "is a PRIVATE key. Never share it; give the public half instead: the .pub file next to it, or " +
        "`ssh-keygen -y -f <private key file>` prints it.",
    );
  }
  if (/^PuTTY-User-Key-File-\d+:/m.test(normalized)) {
    fail(
      "is a PuTTY .ppk file. Convert it with `puttygen key.ppk -O public-openssh` (or PuTTYgen's " +
        "'Public key for pasting into OpenSSH authorized_keys file' box) and use that line.",
    );
  }
  if (/^---- BEGIN SSH2 PUBLIC KEY ----/m.test(normalized)) {
    fail(
      "is in the SSH2/RFC 4716 format PuTTYgen exports. Convert it with `ssh-keygen -i -f key.pub` and use the " +
        "single line it prints (starting with ssh-ed25519 or ssh-rsa).",
    );
  }
  const lines = normalized
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length > 1) {
    fail(
      `holds ${lines.length} lines; give exactly one public key here (to allow several keys, give each as its own ` +
        `entry).`,
    );
  }
  const line = lines[0] ?? "";
  const control = CONTROL_RE.exec(line);
  if (control) {
    const field = line.split(/[ \t]+/).findIndex((f) => CONTROL_RE.test(f));
    const where = field === 0 ? "in its key type" : field === 1 ? "in its key part" : "in its comment";
    fail(
      `contains the control character ${codePoint(control[0])} ${where}. A key line is plain text on one line, the ` +
        "comment included: remove the character, or paste the line from the .pub file again.",
    );
  }
  return line;
}

/** Refuses a first field that is not a key type, saying what it is instead. */
function refuseNonKeyType(input: string, fields: string[]): never {
  const first = fields[0];
  const blobType = BASE64_RE.test(first) ? blobKeyType(first) : undefined;
  if (blobType) {
    throw new PublicKeyError(
      input,
      `${input} is missing its key type prefix: it starts with the base64 key. Put "${blobType} " in front of it ` +
        `(the line must read "${blobType} ${first.slice(0, 12)}... [comment]").`,
    );
  }
  const typeIndex = fields.findIndex((f) => KEY_TYPE_RE.test(f));
  if (typeIndex > 0) {
    throw new PublicKeyError(
      input,
      `${input} has authorized_keys options before the key type ` +
        `(${JSON.stringify(fields.slice(0, typeIndex).join(" ").slice(0, 60))}). ` +
        "Options are not supported here; remove everything before the key type.",
    );
  }
  throw new PublicKeyError(
    input,
    `${input} is not an OpenSSH public key. Expected one line "<type> <base64> [comment]" such as the contents of ` +
      "~/.ssh/id_ed25519.pub (create one with `ssh-keygen -t ed25519`).",
  );
}

/** Checks that the base64 part is a complete, loadable key of the declared type (keyBlob.ts). */
function checkKeyPart(input: string, type: string, base64: string): void {
  if (!BASE64_RE.test(base64)) {
    throw new PublicKeyError(
      input,
      `${input} has a key part that is not valid base64; it was probably cut or changed while copying. Paste the ` +
        `whole line again.`,
    );
  }
  if (Buffer.from(base64, "base64").toString("base64") !== base64) {
    throw new PublicKeyError(
      input,
      `${input} has a key part whose base64 text is cut short or padded wrongly (OpenSSH will not decode it). ` +
        "Paste the whole line from the .pub file again.",
    );
  }
  const embedded = blobKeyType(base64);
  if (embedded !== undefined && embedded !== type) {
    throw new PublicKeyError(
      input,
      `${input} says "${type}" but the key itself is "${embedded}"; the type prefix was changed or two keys were ` +
        `mixed. ` +
        "Paste the original line.",
    );
  }
  try {
    readKeyBlob(type, base64);
  } catch (e) {
    if (!(e instanceof KeyBlobError)) throw e;
    throw new PublicKeyError(
      input,
      e.fix === "new-key"
        ? `${input} cannot be used: ${e.detail}. Create a new key with \`ssh-keygen -t ed25519\` and use its .pub line.`
        : `${input} is not a complete ${type} key: ${e.detail}. It was probably cut or changed while copying; paste the ` +
            "whole line from the .pub file again.",
    );
  }
}

/**
 * Parses one OpenSSH public key line, or throws a `PublicKeyError` that says exactly what is wrong.
 * Surrounding whitespace, a BOM and CRLF line ends are normalized away.
 */
export function parsePublicKey(text: string, input = "publicKey"): ParsedPublicKey {
  if (typeof text !== "string") {
    throw new PublicKeyError(
      input,
      `${input} must be a string holding one OpenSSH public key line, got ${typeof text}.`,
    );
  }
  const line = singleLine(input, normalizeText(text));
  if (/^(\d+ )?SHA256:[A-Za-z0-9+/]{20,}/.test(line) || /^(\d+ )?MD5:([0-9a-f]{2}:){15}[0-9a-f]{2}/i.test(line)) {
    throw new PublicKeyError(
      input,
      `${input} is a key fingerprint (SHA256:... or MD5:...), not the key itself. Use the public key line, e.g. ` +
        "`cat ~/.ssh/id_ed25519.pub`, which starts with ssh-ed25519 or ssh-rsa.",
    );
  }
  const fields = line.split(/[ \t]+/);
  const first = fields[0];
  if (!KEY_TYPE_RE.test(first)) refuseNonKeyType(input, fields);
  if (first === "ssh-dss") {
    throw new PublicKeyError(
      input,
      `${input} is a DSA key, which current OpenSSH servers refuse. Create an ed25519 key with \`ssh-keygen -t ` +
        `ed25519\`.`,
    );
  }
  if (!(SUPPORTED_KEY_TYPES as readonly string[]).includes(first)) {
    throw new PublicKeyError(
      input,
      `${input} has an unsupported key type "${first}". Supported: ${SUPPORTED_KEY_TYPES.join(", ")}.`,
    );
  }
  const base64 = fields[1];
  if (!base64) {
    throw new PublicKeyError(
      input,
      `${input} has the key type "${first}" but no key after it. Paste the whole line from the .pub file.`,
    );
  }
  checkKeyPart(input, first, base64);
  const rest = fields.slice(2);
  const secondKeyAt = rest.findIndex(
    (f, i) => KEY_TYPE_RE.test(f) && BASE64_RE.test(rest[i + 1] ?? "") && blobKeyType(rest[i + 1] ?? "") === f,
  );
  if (secondKeyAt !== -1) {
    throw new PublicKeyError(
      input,
      `${input} holds several keys on one line. Give exactly one key here; put each key on its own line or in its ` +
        `own entry.`,
    );
  }
  const comment = rest.join(" ");
  const keyLine = comment ? `${first} ${base64} ${comment}` : `${first} ${base64}`;
  return {
    type: first,
    base64,
    comment,
    line: keyLine,
    identity: `${first} ${base64}`,
    fingerprint: fingerprintOf(base64),
  };
}

/**
 * The identity (`type base64`) of an authorized_keys-style line, or undefined when the line is not a key we can
 * read (such lines are kept untouched by the account key set operations).
 */
export function keyIdentity(line: string): string | undefined {
  const fields = line
    .replace(/\r/g, "")
    .trim()
    .split(/[ \t]+/);
  if (fields.length < 2 || !KEY_TYPE_RE.test(fields[0]) || !BASE64_RE.test(fields[1])) return undefined;
  return `${fields[0]} ${fields[1]}`;
}
