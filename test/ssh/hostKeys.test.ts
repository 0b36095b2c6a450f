/**
 * Host keys: the key exchange against real OpenSSH servers (every key type, equal to the server's own files and to
 * what `ssh-keyscan` reads), against scripted servers that misbehave (a key the server does not hold, no
 * curve25519, a banner and nothing else), the choice of the pinned key, and the reason the pinned commands name
 * the key's algorithm: OpenSSH does not reorder its proposal after a KnownHostsCommand's keys.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  hostKeyAlgorithmsFor,
  knownHostsLine,
  normalizeHostKeys,
  pinnedHostKey,
  readHostKeys,
} from "../../sdk/ssh/hostKeys";
import { exchangeHostKey } from "../../sdk/ssh/hostKeyExchange";
import { freePort } from "../../emulator/ids";
import { startTestSshServer } from "../helpers/sshServer";
import { startFakeSshServer } from "../helpers/fakeSshServer";

const run = promisify(execFile);
const ALL = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512"];

function clientKey(): { dir: string; file: string; pub: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostkeys-"));
  const file = path.join(dir, "id");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  return { dir, file, pub: fs.readFileSync(`${file}.pub`, "utf8") };
}

test("exchange: each key type OpenSSH serves is read, signature verified, equal to the server's own key", async () => {
  for (const type of ["ed25519", "ecdsa:256", "ecdsa:384", "ecdsa:521", "rsa:3072"]) {
    const server = await startTestSshServer({ hostKeyTypes: [type], authorizedKeys: "" });
    try {
      const exchange = await exchangeHostKey("127.0.0.1", server.port, ALL);
      assert.equal(exchange.detail, "", type);
      assert.equal(exchange.key, server.hostKeys[0], `${type}: the key read is the server's own`);
    } finally {
      await server.stop();
    }
  }
});

test("read: an sshd with ed25519, ECDSA and RSA keys gives all three, ed25519 first, as ssh-keyscan reads them", async () => {
  const server = await startTestSshServer({ hostKeyTypes: ["rsa", "ecdsa", "ed25519"], authorizedKeys: "" });
  try {
    const read = await readHostKeys("127.0.0.1", server.port);
    assert.deepEqual(new Set(read.keys), new Set(server.hostKeys), "the keys read are the server's own");
    assert.deepEqual(
      read.keys.map((k) => k.split(" ")[0]),
      ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"],
    );
    const { stdout } = await run("ssh-keyscan", ["-p", String(server.port), "127.0.0.1"]);
    const scanned = stdout
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(" ").slice(1).join(" "));
    assert.deepEqual(new Set(read.keys), new Set(scanned), "OpenSSH's own ssh-keyscan reads the same keys");
    assert.equal(pinnedHostKey(read.keys), server.hostKeys[2]);
  } finally {
    await server.stop();
  }
});

test("a server that signs the exchange with a key other than the one it presents is refused", async () => {
  const honest = await startFakeSshServer("honest");
  const impostor = await startFakeSshServer("signs-with-another-key");
  try {
    const fine = await exchangeHostKey("127.0.0.1", honest.port, ALL);
    assert.equal(fine.key, honest.hostKey, "the scripted server is faithful when it holds its key");
    const refused = await readHostKeys("127.0.0.1", impostor.port);
    assert.deepEqual(refused.keys, []);
    assert.match(refused.detail, /signature over the key exchange does not verify with the host key it sent/);
    assert.equal(refused.forged, true, "a failed signature marks a key the server does not hold");
    assert.equal(fine.forged, undefined);
  } finally {
    await honest.close();
    await impostor.close();
  }
});

test("no curve25519, a banner alone, or nothing listening: no key, and the reason", async () => {
  const oldServer = await startFakeSshServer("no-curve25519");
  const bannerOnly = await startFakeSshServer("banner-only");
  try {
    const old = await readHostKeys("127.0.0.1", oldServer.port);
    assert.match(
      old.detail,
      /^the server offers no curve25519-sha256 key exchange \(it offers diffie-hellman-group14-sha256\)$/,
    );
    assert.equal(old.forged, false, "a server we merely cannot read is not a forged key");
    const closed = await readHostKeys("127.0.0.1", bannerOnly.port);
    assert.equal(closed.detail, "the server closed the connection during the key exchange");
    const nothing = await readHostKeys("127.0.0.1", await freePort(), 1000);
    assert.deepEqual([nothing.keys, nothing.detail], [[], "ECONNREFUSED"]);
    const ed25519Only = await startTestSshServer({ hostKeyTypes: ["ed25519"], authorizedKeys: "" });
    try {
      const missing = await exchangeHostKey("127.0.0.1", ed25519Only.port, ["rsa-sha2-512", "rsa-sha2-256"]);
      assert.equal(missing.detail, "the server has no host key for rsa-sha2-512, rsa-sha2-256");
    } finally {
      await ed25519Only.stop();
    }
  } finally {
    await oldServer.close();
    await bannerOnly.close();
  }
});

test("the pinned key and its line: preference order, port 22 written bare, unusable keys dropped", () => {
  const ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBrx8C8JaWMJtWb0N/0pIVpY4VjesWtkXR89Ou+hEW";
  const ec =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBP7fsE5bMWKLH5CEOZY+wcsOgcg4M8JdxRQRsMtIjK" +
    "YIURlN6nTYbOSU4yr2a4dFo8fgu0bxUM3gReaJ8OudUqM=";
  assert.deepEqual(normalizeHostKeys([ec, `${ed} root@pod`, ed, "ssh-ed25519 AAAA", "garbage"]), [ed, ec]);
  assert.equal(pinnedHostKey([ec, ed]), ed);
  assert.equal(pinnedHostKey([ec]), ec);
  assert.equal(pinnedHostKey([]), undefined);
  assert.equal(pinnedHostKey(null), undefined);
  assert.equal(knownHostsLine("195.26.233.3", 34446, ed), `[195.26.233.3]:34446 ${ed}`);
  assert.equal(knownHostsLine("195.26.233.3", 22, ed), `195.26.233.3 ${ed}`);
  assert.equal(hostKeyAlgorithmsFor(ed), "ssh-ed25519");
  assert.equal(hostKeyAlgorithmsFor("ssh-rsa AAAA"), "rsa-sha2-512,rsa-sha2-256");
});

test("a pin on a key that is not the server's first choice works only with HostKeyAlgorithms (why the commands set it)", async () => {
  const client = clientKey();
  const server = await startTestSshServer({ hostKeyTypes: ["rsa", "ed25519"], authorizedKeys: client.pub });
  try {
    const rsa = server.hostKeys[0];
    const pinned = (extra: string[]) =>
      run("ssh", [
        "-p",
        String(server.port),
        "-i",
        client.file,
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        `KnownHostsCommand=/bin/echo ${knownHostsLine("127.0.0.1", server.port, rsa)}`,
        ...extra,
        `${os.userInfo().username}@127.0.0.1`,
        "echo pinned-rsa",
      ]);
    await assert.rejects(pinned([]), /Host key verification failed/, "without it, ssh negotiates ed25519 and refuses");
    const { stdout } = await pinned(["-o", `HostKeyAlgorithms=${hostKeyAlgorithmsFor(rsa)}`]);
    assert.equal(stdout.trim(), "pinned-rsa");
  } finally {
    await server.stop();
    fs.rmSync(client.dir, { recursive: true, force: true });
  }
});
