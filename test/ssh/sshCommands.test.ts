import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import os from "node:os";
import {
  NO_DIRECT_PATH_REASON,
  STOPPED_REASON,
  buildSshCommands,
  defaultKnownHostsFile,
  shellQuote,
  type SshTarget,
} from "../../sdk/ssh/sshCommands";

const target: SshTarget = { host: "195.26.233.3", port: 34446, user: "root", proxyUser: "7h9k2m4n6p-64411eb2", proxyHost: "ssh.runpod.io" };

function argv(command: string): string[] {
  // Let the shell parse: print each argument NUL-separated.
  const out = execFileSync("sh", ["-c", `set -- ${command}; for a in "$@"; do printf '%s\\0' "$a"; done`]);
  return out.toString().split("\0").slice(0, -1);
}

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBrx8C8JaWMJtWb0N/0pIVpY4VjesWtkXR89Ou+hEW";
const pinnedTarget: SshTarget = { ...target, hostKeys: [ED] };
/** No key pinned by choice (`waitForSsh: false`): the commands trust on first use. */
const unpinned: SshTarget = { ...target, unpinned: true };
const PINNED_WORDS = [
  "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
  "-o", "HostKeyAlgorithms=ssh-ed25519", "-o", `KnownHostsCommand=/bin/echo [195.26.233.3]:34446 ${ED}`,
];

test("default with recorded host keys: pinned, strict, no known-hosts file, the line printed by /bin/echo", () => {
  const c = buildSshCommands(pinnedTarget, { identityFile: "/keys/pod", podId: "7h9k2m4n6p" });
  assert.deepEqual(argv(c.sshCommand), [
    "ssh", "-p", "34446", "-i", "/keys/pod", "-o", "IdentitiesOnly=yes", ...PINNED_WORDS, "root@195.26.233.3",
  ]);
  assert.deepEqual(argv(c.scpCommand), ["scp", "-P", "34446", "-i", "/keys/pod", "-o", "IdentitiesOnly=yes", ...PINNED_WORDS]);
  assert.deepEqual(argv(c.sftpCommand).slice(7, -1), PINNED_WORDS);
  const rsh = argv(c.rsyncCommand)[5];
  assert.deepEqual(argv(rsh).slice(7), PINNED_WORDS, "rsync's -e keeps the KnownHostsCommand value as one word");
  assert.match(c.sshConfig, /\n {2}StrictHostKeyChecking yes\n {2}UserKnownHostsFile \/dev\/null\n {2}GlobalKnownHostsFile \/dev\/null\n/);
  assert.ok(c.sshConfig.endsWith(`\n  HostKeyAlgorithms ssh-ed25519\n  KnownHostsCommand /bin/echo [195.26.233.3]:34446 ${ED}`));
});

test("explicit accept-new, strict and off ignore the recorded keys; no key recorded fails closed unless opted out", () => {
  const accept = buildSshCommands(pinnedTarget, { identityFile: "/k/id", podId: "p", hostKeyChecking: "accept-new" });
  assert.match(accept.sshCommand, /StrictHostKeyChecking=accept-new -o UserKnownHostsFile=\/k\/known_hosts_runpod_p root@/);
  const strict = buildSshCommands(pinnedTarget, { identityFile: "/k/id", podId: "p", hostKeyChecking: "strict" });
  assert.match(strict.sshCommand, /StrictHostKeyChecking=yes -o UserKnownHostsFile=\/k\/known_hosts_runpod_p root@/);
  const off = buildSshCommands(pinnedTarget, { identityFile: "/k/id", podId: "p", hostKeyChecking: "off" });
  assert.match(off.sshCommand, /StrictHostKeyChecking=no -o UserKnownHostsFile=\/dev\/null root@/);
  for (const c of [accept, strict, off]) assert.doesNotMatch(c.sshCommand + c.sshConfig, /KnownHostsCommand/);
  const unread = buildSshCommands({ ...target, hostKeys: [] }, { identityFile: "/k/id", podId: "p", hostKeyChecking: "pinned" });
  assert.deepEqual(argv(unread.sshCommand).slice(5, -1), [
    "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null",
    "-o", "GlobalKnownHostsFile=/dev/null",
  ]);
  assert.doesNotMatch(unread.sshCommand + unread.sshConfig, /accept-new/);
  const optedOut = buildSshCommands({ ...unpinned, hostKeys: [] }, { identityFile: "/k/id", podId: "p" });
  assert.match(optedOut.sshCommand, /StrictHostKeyChecking=accept-new/);
});

test("a stopped pod: every command output says why there is none and how to start it", () => {
  const c = buildSshCommands({ ...pinnedTarget, stopped: true }, { identityFile: "k", podId: "p", hostAlias: "dev" });
  for (const out of [c.sshCommand, c.proxySshCommand, c.scpCommand, c.sftpCommand, c.rsyncCommand, c.sshTarget]) {
    assert.equal(out, STOPPED_REASON);
  }
  assert.equal(c.sshConfig, `# dev: ${STOPPED_REASON}`);
  assert.equal(c.directPathAvailable, false);
  assert.match(STOPPED_REASON, /^unavailable: the pod is stopped .*Set running to true .* run `pulumi up`/);
});

test("ssh uses -p, scp and sftp use -P; IdentitiesOnly and accept-new with a per-pod known-hosts file", () => {
  const c = buildSshCommands(unpinned, { identityFile: "/keys/pod", podId: "7h9k2m4n6p" });
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
  const c = buildSshCommands(unpinned, { identityFile: "~/.ssh/runpod key", podId: "p1" });
  const words = argv(c.sshCommand);
  assert.equal(words[4], `${os.homedir()}/.ssh/runpod key`);
  assert.equal(words[10], `UserKnownHostsFile=~/.ssh/known_hosts_runpod_p1`, "ssh expands ~ in -o values itself");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote("~/a b"), `~/'a b'`);
  assert.equal(shellQuote("$HOME"), `'$HOME'`);
  assert.equal(shellQuote(""), "''");
});

test("the config block has HostName, Port, User, IdentityFile and IdentitiesOnly yes", () => {
  const c = buildSshCommands(unpinned, { identityFile: "~/.ssh/runpod key", podId: "p1", hostAlias: "trainer" });
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
