/**
 * A public key passes `parsePublicKey` exactly when OpenSSH itself loads it (`ssh-keygen -l -f`), over real keys
 * of every supported type, hand-built keys OpenSSH refuses (short RSA, 31-byte ed25519, a curve name that does not
 * match, a point off the curve, bytes after the key), security-key (sk-) keys, and a seeded corpus of cut and
 * bit-flipped variants. The one deliberate difference: a control character in the comment, which OpenSSH loads
 * but this package refuses (it breaks the one-line formats the key travels in).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PublicKeyError, parsePublicKey } from "../../sdk/ssh/publicKey";
import { mpint, sshString } from "../../sdk/ssh/wire";

let dir: string;
const real: Record<string, string> = {};

function line(type: string, blob: Buffer, comment = "built"): string {
  return `${type} ${blob.toString("base64")} ${comment}`;
}
/** Fields of a real key's blob after its type string. */
function blobOf(keyLine: string): Buffer {
  return Buffer.from(keyLine.split(" ")[1], "base64");
}

function opensshLoads(keyLine: string): boolean {
  const file = path.join(dir, "probe.pub");
  fs.writeFileSync(file, `${keyLine}\n`);
  try {
    execFileSync("ssh-keygen", ["-l", "-f", file], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

function weLoad(keyLine: string): boolean {
  try {
    parsePublicKey(keyLine);
    return true;
  } catch (e) {
    assert.ok(e instanceof PublicKeyError, String(e));
    return false;
  }
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyload-"));
  const specs: Record<string, string[]> = {
    ed25519: ["-t", "ed25519"],
    rsa1024: ["-t", "rsa", "-b", "1024"],
    rsa3072: ["-t", "rsa", "-b", "3072"],
    ecdsa256: ["-t", "ecdsa", "-b", "256"],
    ecdsa384: ["-t", "ecdsa", "-b", "384"],
    ecdsa521: ["-t", "ecdsa", "-b", "521"],
  };
  for (const [name, args] of Object.entries(specs)) {
    const file = path.join(dir, name);
    execFileSync("ssh-keygen", ["-q", ...args, "-N", "", "-C", `me@${name}`, "-f", file]);
    real[name] = fs.readFileSync(`${file}.pub`, "utf8").trim();
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Hand-built keys: the cases the issue names, each either loadable or not by OpenSSH. */
function builtKeys(): Record<string, string> {
  const ed = blobOf(real.ed25519);
  const edKey = ed.subarray(4 + 11 + 4); // after "ssh-ed25519" and the key's length
  const ec = blobOf(real.ecdsa256);
  const ecPoint = ec.subarray(4 + 19 + 4 + 8); // the point, with its length prefix
  const rsa512 = generateKeyPairSync("rsa", { modulusLength: 512 }).publicKey.export({ format: "jwk" });
  const n = Buffer.from(rsa512.n!, "base64url");
  const e = Buffer.from(rsa512.e!, "base64url");
  return {
    "sk-ssh-ed25519": line(
      "sk-ssh-ed25519@openssh.com",
      Buffer.concat([sshString("sk-ssh-ed25519@openssh.com"), sshString(edKey), sshString("ssh:")]),
    ),
    "sk-ecdsa": line(
      "sk-ecdsa-sha2-nistp256@openssh.com",
      Buffer.concat([
        sshString("sk-ecdsa-sha2-nistp256@openssh.com"),
        sshString("nistp256"),
        ecPoint,
        sshString("ssh:"),
      ]),
    ),
    "rsa 512 bits": line("ssh-rsa", Buffer.concat([sshString("ssh-rsa"), mpint(e), mpint(n)])),
    "ed25519 of 31 bytes": line(
      "ssh-ed25519",
      Buffer.concat([sshString("ssh-ed25519"), sshString(edKey.subarray(0, 31))]),
    ),
    "ed25519 with bytes after the key": line("ssh-ed25519", Buffer.concat([ed, Buffer.from([1, 2, 3])])),
    "ecdsa curve name mismatch": line(
      "ecdsa-sha2-nistp256",
      Buffer.concat([sshString("ecdsa-sha2-nistp256"), sshString("nistp384"), ecPoint]),
    ),
    "ecdsa point off the curve": line(
      "ecdsa-sha2-nistp256",
      Buffer.concat([
        sshString("ecdsa-sha2-nistp256"),
        sshString("nistp256"),
        sshString(Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)])),
      ]),
    ),
    "type prefix of another key": `ssh-rsa ${real.ed25519.split(" ")[1]}`,
  };
}

test("every real and hand-built key: accepted exactly when OpenSSH loads it", () => {
  const all = { ...real, ...builtKeys() };
  const verdicts: string[] = [];
  for (const [name, keyLine] of Object.entries(all)) {
    const openssh = opensshLoads(keyLine);
    verdicts.push(`${name}: openssh ${openssh}`);
    assert.equal(weLoad(keyLine), openssh, `${name}: OpenSSH ${openssh ? "loads" : "refuses"} it`);
  }
  // The corpus must hold both kinds, or the comparison proves nothing.
  assert.ok(verdicts.filter((v) => v.endsWith("true")).length >= 8, verdicts.join("; "));
  assert.ok(verdicts.filter((v) => v.endsWith("false")).length >= 6, verdicts.join("; "));
});

test("cut, bit-flipped and unpadded variants of every key: accepted exactly when OpenSSH loads them", () => {
  let seed = 20261130;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let refused = 0;
  let cases = 0;
  for (const [name, keyLine] of Object.entries({ ...real, ...builtKeys() })) {
    const [type, base64] = keyLine.split(" ");
    const blob = Buffer.from(base64, "base64");
    const variants = [`${type} ${base64.slice(0, -1)}`, `${type} ${base64.replace(/=+$/, "")}`, `${type} ${base64}A`];
    for (let i = 0; i < 6; i++) {
      variants.push(line(type, blob.subarray(0, Math.floor(random() * blob.length))));
      const flipped = Buffer.from(blob);
      flipped[Math.floor(random() * blob.length)] ^= 1 << Math.floor(random() * 8);
      variants.push(line(type, flipped));
    }
    for (const variant of variants) {
      cases++;
      const openssh = opensshLoads(variant);
      if (!openssh) refused++;
      assert.equal(
        weLoad(variant),
        openssh,
        `${name} variant ${variant.slice(0, 90)}: OpenSSH ${openssh ? "loads" : "refuses"} it`,
      );
    }
  }
  assert.ok(refused > cases / 3, `${refused} of ${cases} variants refused by OpenSSH`);
});

test("a control character anywhere in the line is refused, though OpenSSH would load it", () => {
  for (const ch of ["\u0007", "\u0000", "\u001b", "\u007f", "\u0085", "\u2028"]) {
    const keyLine = `${real.ed25519} bell${ch}here`;
    assert.throws(
      () => parsePublicKey(keyLine),
      (e: Error) => {
        assert.ok(e instanceof PublicKeyError);
        assert.match(e.message, /^publicKey contains the control character U\+[0-9A-F]{4} in its comment\. .*\.$/);
        return true;
      },
    );
  }
  assert.throws(
    () => parsePublicKey(`ssh-ed25519\u0001 ${real.ed25519.split(" ")[1]}`),
    /control character U\+0001 in its key type/,
  );
});
