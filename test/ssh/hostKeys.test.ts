/**
 * Host keys: the scan against real sshd servers (keys equal to the server's own files, every type it has, a clear
 * "not installed" and "nothing answers"), the choice of the pinned key, and the reason the pinned commands name
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
  KEYSCAN_ENV,
  hostKeyAlgorithmsFor,
  knownHostsLine,
  normalizeHostKeys,
  pinnedHostKey,
  scanHostKeys,
} from "../../sdk/ssh/hostKeys";
import { freePort } from "../../emulator/ids";
import { startTestSshServer } from "../helpers/sshServer";

const run = promisify(execFile);

function clientKey(): { dir: string; file: string; pub: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostkeys-"));
  const file = path.join(dir, "id");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  return { dir, file, pub: fs.readFileSync(`${file}.pub`, "utf8") };
}

test("scan: an sshd with ed25519, ECDSA and RSA host keys gives all three, exactly its own, ed25519 first", async () => {
  const client = clientKey();
  const server = await startTestSshServer({ hostKeyTypes: ["rsa", "ecdsa", "ed25519"], authorizedKeys: client.pub });
  try {
    const scan = await scanHostKeys("127.0.0.1", server.port);
    assert.equal(scan.toolMissing, false);
    assert.deepEqual(new Set(scan.keys), new Set(server.hostKeys), "the scanned keys are the server's own");
    assert.deepEqual(
      scan.keys.map((k) => k.split(" ")[0]),
      ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"],
    );
    assert.equal(pinnedHostKey(scan.keys), server.hostKeys[2]);
  } finally {
    await server.stop();
    fs.rmSync(client.dir, { recursive: true, force: true });
  }
});

test("scan: nothing listening gives no key and a reason; a missing ssh-keyscan says what to install", async () => {
  const port = await freePort();
  const closed = await scanHostKeys("127.0.0.1", port, 1000);
  assert.deepEqual(closed.keys, []);
  assert.equal(closed.toolMissing, false);
  assert.match(closed.detail, /ssh-keyscan read no host key/);

  const before = process.env[KEYSCAN_ENV];
  process.env[KEYSCAN_ENV] = "/nonexistent/ssh-keyscan";
  try {
    const missing = await scanHostKeys("127.0.0.1", port, 1000);
    assert.equal(missing.toolMissing, true);
    assert.match(missing.detail, /could not be run \(ENOENT\); install the OpenSSH client/);
  } finally {
    if (before === undefined) delete process.env[KEYSCAN_ENV];
    else process.env[KEYSCAN_ENV] = before;
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
