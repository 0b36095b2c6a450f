/**
 * What the API reports about a pod's SSH path is checked before it reaches a command, the config block, a
 * known_hosts line or a connection (hostile values, generated with fast-check), and the password command carries
 * the same host-key options as the key commands, with the host quoted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { buildPasswordCommands, buildSshCommands, type SshTarget } from "../../sdk/ssh/sshCommands";
import { podConnection } from "../../sdk/ssh/connection";
import { knownHostsLine } from "../../sdk/ssh/hostKeys";
import { hostProblem, sshPathProblems } from "../../sdk/ssh/sshAddress";

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBrx8C8JaWMJtWb0N/0pIVpY4VjesWtkXR89Ou+hEW";
const target: SshTarget = {
  host: "195.26.233.3",
  port: 34446,
  user: "root",
  proxyUser: "7h9k2m4n6p-64411eb2",
  proxyHost: "ssh.runpod.io",
  hostKeys: [ED],
};
const options = { identityFile: "/k/id", podId: "p1" };

function argv(command: string): string[] {
  const out = execFileSync("sh", ["-c", `set -- ${command}; for a in "$@"; do printf '%s\\0' "$a"; done`]);
  return out.toString().split("\0").slice(0, -1);
}

test("a newline in host cannot inject ProxyCommand: the commands, config, known_hosts line and connection refuse it", () => {
  const hostile = { ...target, host: "1.2.3.4\n  ProxyCommand sh -c 'touch /tmp/pwned'" };
  assert.throws(() => buildSshCommands(hostile, options), /Runpod reported an SSH path for pod p1 .*host "1\.2\.3\.4\\n {2}ProxyCommand/);
  assert.throws(() => buildPasswordCommands(hostile, options), /is not an IP address or a host name/);
  assert.throws(() => podConnection(hostile, undefined), /is not an IP address or a host name/);
  assert.throws(() => knownHostsLine(hostile.host, 22, ED), /is not an IP address or a host name/);
});

test("hostile hosts, users, proxy users and ports (generated) never reach a command", () => {
  const bad = fc.oneof(
    fc.string().filter((s) => /[\s'"`$;|&<>\\]|^-/.test(s)),
    fc.constantFrom("-oProxyCommand=x", "a b", "host\r\nProxyCommand x", "", "x".repeat(300)),
  );
  fc.assert(
    fc.property(bad, fc.constantFrom("host", "user", "proxyUser"), (value, field) => {
      const t = { ...target, [field]: value };
      assert.throws(() => buildSshCommands(t, options), /will not put in a command/);
      assert.throws(() => podConnection(t, undefined), /will not put in a command/);
    }),
    { numRuns: 300 },
  );
  for (const host of ["a..b", "[::1]", "-h", "host.", "a_b.example"]) {
    assert.throws(() => buildSshCommands({ ...target, host }, options), /is not an IP address or a host name/);
  }
  fc.assert(
    fc.property(fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.double({ noInteger: true })), (port) => {
      assert.throws(() => buildSshCommands({ ...target, port }, options), /is not between 1 and 65535/);
    }),
  );
});

test("valid IPv4, IPv6 and host names pass, and each stays one word in the command", () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()), (host) => {
      assert.equal(hostProblem(host), undefined);
      const c = buildSshCommands({ ...target, host }, options);
      assert.equal(argv(c.sshCommand).at(-1), `root@${host}`);
      assert.equal(c.sshConfig.split("\n").filter((l) => /^\s*ProxyCommand/i.test(l)).length, 0);
    }),
    { numRuns: 200 },
  );
  assert.deepEqual(sshPathProblems({ host: null, port: null, user: null }), []);
});

test("passwordSshCommand carries the same host-key options as sshCommand and the host as one quoted word", () => {
  const keyCommand = argv(buildSshCommands(target, options).sshCommand);
  const password = buildPasswordCommands(target, options);
  const words = argv(password.ssh);
  const hostKeyOptions = (w: string[]): string[] =>
    w.filter((x, i) => w[i - 1] === "-o" && /^(StrictHostKeyChecking|UserKnownHostsFile|GlobalKnownHostsFile|HostKeyAlgorithms|KnownHostsCommand)=/.test(x));
  assert.ok(hostKeyOptions(keyCommand).length === 5);
  assert.deepEqual(hostKeyOptions(words), hostKeyOptions(keyCommand));
  assert.deepEqual(words.slice(0, 3), ["ssh", "-p", "34446"]);
  assert.equal(words.at(-1), "root@195.26.233.3");
  assert.ok(words.includes("PreferredAuthentications=password,keyboard-interactive"));
  const scp = argv(password.scp);
  assert.deepEqual(hostKeyOptions(scp), hostKeyOptions(keyCommand));
  assert.deepEqual(scp.slice(0, 3), ["scp", "-P", "34446"]);
  // accept-new mode: the same per-pod known-hosts file as the key commands.
  const accept = buildPasswordCommands(target, { ...options, hostKeyChecking: "accept-new" });
  assert.match(accept.ssh, /StrictHostKeyChecking=accept-new -o UserKnownHostsFile=\/k\/known_hosts_runpod_p1 root@/);
});

test("a connection without a pinned key fails at once unless checking was turned down on purpose", () => {
  const none = podConnection({ ...target, hostKeys: [] }, undefined);
  assert.equal(none.dialErrorLimit, 1);
  assert.match(none.host, /^unavailable: no host key is pinned/);
  const optedOut = podConnection({ ...target, hostKeys: [], unpinned: true }, undefined);
  assert.equal(optedOut.host, "195.26.233.3");
  assert.equal(optedOut.hostKey, undefined);
  assert.equal(podConnection(target, undefined).hostKey, ED);
});
