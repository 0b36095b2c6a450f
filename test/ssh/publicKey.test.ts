import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PublicKeyError, keyIdentity, parsePublicKey } from "../../sdk/ssh/publicKey";
import { ACCOUNT_KEY_SET_LIMIT, keySetSize } from "../../sdk/ssh/accountKeySet";

let dir: string;
const keys: Record<string, { pub: string; priv: string; fp: string }> = {};

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pk-test-"));
  for (const [name, args] of Object.entries({ ed25519: ["-t", "ed25519"], rsa: ["-t", "rsa", "-b", "2048"], ecdsa: ["-t", "ecdsa"] })) {
    const file = path.join(dir, name);
    execFileSync("ssh-keygen", ["-q", ...args, "-N", "", "-C", `me@${name}`, "-f", file]);
    const fp = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${file}.pub`]).toString().split(" ")[1];
    keys[name] = { pub: fs.readFileSync(`${file}.pub`, "utf8"), priv: fs.readFileSync(file, "utf8"), fp };
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("real ed25519, rsa and ecdsa keys parse, and fingerprints equal ssh-keygen's", () => {
  for (const name of ["ed25519", "rsa", "ecdsa"]) {
    const k = parsePublicKey(keys[name].pub);
    assert.equal(k.fingerprint, keys[name].fp, name);
    assert.equal(k.line, keys[name].pub.trim());
    assert.equal(k.comment, `me@${name}`);
    assert.equal(k.identity, k.line.split(" ").slice(0, 2).join(" "));
  }
});

test("CRLF, a BOM and surrounding whitespace are normalized", () => {
  const k = parsePublicKey(`\uFEFF  ${keys.ed25519.pub.trim()}\r\n\r\n`);
  assert.equal(k.line, keys.ed25519.pub.trim());
  const spaced = keys.ed25519.pub.trim().replace(" ", " \t ");
  assert.equal(parsePublicKey(spaced).line, keys.ed25519.pub.trim());
});

function rejects(input: string, pattern: RegExp, name = "publicKey"): string {
  try {
    parsePublicKey(input, name);
  } catch (e) {
    assert.ok(e instanceof PublicKeyError, String(e));
    assert.equal(e.input, name);
    assert.ok(e.message.startsWith(`${name} `), `a sentence that starts with the input's name: ${e.message}`);
    assert.equal(e.problem, e.message);
    assert.match(e.message, /\.$/, "ends with a period");
    assert.match(e.message, pattern);
    return e.message;
  }
  assert.fail(`accepted: ${input.slice(0, 60)}`);
}

test("each troubleshooting mistake gets its own message", () => {
  const pub = keys.ed25519.pub.trim();
  const [type, b64] = pub.split(" ");
  rejects("SHA256:" + "a".repeat(43), /fingerprint/);
  rejects(`256 ${keys.ed25519.fp} me@x (ED25519)`, /fingerprint/);
  rejects(`${b64} me@x`, /missing its key type prefix.*"ssh-ed25519 "/);
  rejects(`${pub}\n${keys.rsa.pub}`, /holds 2 lines/);
  rejects(`${pub} ${keys.rsa.pub.trim()}`, /several keys on one line/);
  const privateMessage = rejects(keys.ed25519.priv, /PRIVATE key/);
  assert.ok(!privateMessage.includes(keys.ed25519.priv.split("\n")[1]), "the private key is never echoed");
  rejects("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: x\nPublic-Lines: 2\nAAAA\nBBBB\n", /PuTTY \.ppk/);
  rejects("PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 2\nAAAA\nPrivate-Lines: 1\nCCCC\n", /PRIVATE key/);
  rejects(`---- BEGIN SSH2 PUBLIC KEY ----\nComment: "x"\n${b64}\n---- END SSH2 PUBLIC KEY ----`, /RFC 4716.*ssh-keygen -i/);
  rejects(`command="echo hi",no-pty ${pub}`, /options before the key type/);
  rejects(`from="10.0.0.1" ${pub}`, /options before the key type/);
  rejects("", /is empty/);
  rejects("   \r\n ", /is empty/);
  rejects(`${type}`, /no key after it/);
  rejects(`${type} not*base64`, /not valid base64/);
  rejects(`ssh-rsa ${b64} x`, /says "ssh-rsa" but the key itself is "ssh-ed25519"/);
  rejects(`${pub} a\u0007bell`, /contains the control character U\+0007 in its comment/);
  rejects(`ssh-dss AAAAB3NzaC1kc3MAAACBAP x`, /DSA key/);
  rejects("hello world", /not an OpenSSH public key/);
  rejects(`ssh-ed25519 ${b64.slice(0, 10)}`, /cut short|not a complete ssh-ed25519 key/);
  rejects(`ssh-ed25519 ${b64.slice(0, 40)}`, /is not a complete ssh-ed25519 key: the key part ends inside its ed25519 key\. .*paste the whole line/);
});

test("keyIdentity ignores comments and returns undefined for lines it cannot read", () => {
  const [type, b64] = keys.ed25519.pub.trim().split(" ");
  assert.equal(keyIdentity(`${type} ${b64} a comment`), `${type} ${b64}`);
  assert.equal(keyIdentity(`${type} ${b64}`), `${type} ${b64}`);
  assert.equal(keyIdentity("garbage"), undefined);
});

test("keySetSize counts characters the way the account limit does", () => {
  assert.equal(keySetSize(["ab", "cde"]), 6);
  assert.equal(keySetSize([]), 0);
  assert.equal(ACCOUNT_KEY_SET_LIMIT, 65_000);
});

test("a key OpenSSH will not load says why and how to fix it, naming the input", () => {
  const [, b64] = keys.ed25519.pub.trim().split(" ");
  const blob = Buffer.from(b64, "base64");
  const short = Buffer.concat([blob.subarray(0, 15), Buffer.from([0, 0, 0, 31]), blob.subarray(19, 50)]);
  rejects(`ssh-ed25519 ${short.toString("base64")}`, /^sshPublicKeys\[2\] is not a complete ssh-ed25519 key: its ed25519 key is 31 bytes long instead of 32\./, "sshPublicKeys[2]");
  const trailing = Buffer.concat([blob, Buffer.from([9])]);
  rejects(`ssh-ed25519 ${trailing.toString("base64")}`, /1 extra byte after the key/);
});
