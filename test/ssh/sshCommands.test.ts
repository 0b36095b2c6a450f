import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import os from "node:os";
import { NO_DIRECT_PATH_REASON, buildSshCommands, defaultKnownHostsFile, shellQuote, type SshTarget } from "../../sdk/ssh/sshCommands";

const target: SshTarget = { host: "195.26.233.3", port: 34446, user: "root", proxyUser: "7h9k2m4n6p-64411eb2", proxyHost: "ssh.runpod.io" };

function argv(command: string): string[] {
  // Let the shell parse: print each argument NUL-separated.
  const out = execFileSync("sh", ["-c", `set -- ${command}; for a in "$@"; do printf '%s\\0' "$a"; done`]);
  return out.toString().split("\0").slice(0, -1);
}

test("ssh uses -p, scp and sftp use -P; IdentitiesOnly and accept-new with a per-pod known-hosts file", () => {
  const c = buildSshCommands(target, { identityFile: "/keys/pod", podId: "7h9k2m4n6p" });
  assert.deepEqual(argv(c.sshCommand), [
    "ssh", "-p", "34446", "-i", "/keys/pod", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=accept-new",
    "-o", "UserKnownHostsFile=/keys/known_hosts_runpod_7h9k2m4n6p", "root@195.26.233.3",
  ]);
  assert.deepEqual(argv(c.scpCommand).slice(0, 3), ["scp", "-P", "34446"]);
  assert.deepEqual(argv(c.sftpCommand).slice(0, 3), ["sftp", "-P", "34446"]);
  assert.equal(argv(c.sftpCommand).at(-1), "root@195.26.233.3");
  assert.equal(c.sshTarget, "root@195.26.233.3");
  assert.equal(c.proxySshCommand, "ssh -i /keys/pod -o IdentitiesOnly=yes 7h9k2m4n6p-64411eb2@ssh.runpod.io");
  assert.equal(c.directPathAvailable, true);
});

test("rsync carries --no-owner --no-group and the whole ssh command as one -e argument", () => {
  const c = buildSshCommands(target, { identityFile: "/keys/my key", podId: "p1" });
  const words = argv(c.rsyncCommand);
  assert.deepEqual(words.slice(0, 5), ["rsync", "-avz", "--no-owner", "--no-group", "-e"]);
  assert.equal(words.length, 6);
  assert.deepEqual(argv(words[5]).slice(0, 5), ["ssh", "-p", "34446", "-i", "/keys/my key"]);
});

test("paths with spaces and ~ are quoted so the shell keeps them whole and still expands ~", () => {
  const c = buildSshCommands(target, { identityFile: "~/.ssh/runpod key", podId: "p1" });
  const words = argv(c.sshCommand);
  assert.equal(words[4], `${os.homedir()}/.ssh/runpod key`);
  assert.equal(words[10], `UserKnownHostsFile=~/.ssh/known_hosts_runpod_p1`, "ssh expands ~ in -o values itself");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote("~/a b"), `~/'a b'`);
  assert.equal(shellQuote("$HOME"), `'$HOME'`);
  assert.equal(shellQuote(""), "''");
});

test("the config block has HostName, Port, User, IdentityFile and IdentitiesOnly yes", () => {
  const c = buildSshCommands(target, { identityFile: "~/.ssh/runpod key", podId: "p1", hostAlias: "trainer" });
  assert.equal(
    c.sshConfig,
    [
      "Host trainer",
      "  HostName 195.26.233.3",
      "  Port 34446",
      "  User root",
      '  IdentityFile "~/.ssh/runpod key"',
      "  IdentitiesOnly yes",
      "  StrictHostKeyChecking accept-new",
      "  UserKnownHostsFile ~/.ssh/known_hosts_runpod_p1",
    ].join("\n"),
  );
});

test("turning host-key checking off is explicit and visible", () => {
  const c = buildSshCommands(target, { identityFile: "k", podId: "p", hostKeyChecking: "off" });
  assert.match(c.sshCommand, /StrictHostKeyChecking=no -o UserKnownHostsFile=\/dev\/null/);
  assert.match(c.sshConfig, /StrictHostKeyChecking no/);
  assert.equal(defaultKnownHostsFile("k", "p"), "./known_hosts_runpod_p");
});

test("proxy-only pods get reasons instead of scp/sftp/rsync commands that cannot work", () => {
  const c = buildSshCommands({ ...target, host: null, port: null, user: null }, { identityFile: "k", podId: "p" });
  assert.equal(c.directPathAvailable, false);
  for (const out of [c.scpCommand, c.sftpCommand, c.rsyncCommand, c.sshTarget]) assert.equal(out, NO_DIRECT_PATH_REASON);
  assert.match(c.sshCommand, /^unavailable: .* Proxy: ssh -i k -o IdentitiesOnly=yes 7h9k2m4n6p-64411eb2@ssh\.runpod\.io$/);
  assert.match(c.sshConfig, /^# runpod-p: unavailable/);
});
