/**
 * The start command runs for real in bash, with stand-ins for the commands that would change this machine
 * (apt-get, service, chpasswd, sshd) recording how they were called.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PASSWORD_HASH_ENV, startArgs, startScript, type StartScriptOptions } from "../../sdk/ssh/startScript";
import { hostKeyFingerprint, loggedFingerprints } from "../../sdk/ssh/hostKeyLog";

let dir: string;
let stubs: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "start-"));
  stubs = path.join(dir, "bin");
  fs.mkdirSync(stubs);
  for (const name of ["apt-get", "service", "chpasswd", "sleep"]) {
    fs.writeFileSync(path.join(stubs, name), `#!/bin/sh\necho "${name} $*" >> "$CALLS"\n[ "${name}" = chpasswd ] && cat >> "$CALLS"\nexit 0\n`, { mode: 0o755 });
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function runArgs(options: StartScriptOptions, env: Record<string, string>, home: string): { calls: string; stdout: string } {
  const calls = path.join(home, "calls.log");
  fs.writeFileSync(calls, "");
  // Runpod splits args like a shell and runs the result; `sh -c` does the same here.
  const stdout = execFileSync("sh", ["-c", startArgs(startScript(options))], {
    env: { PATH: `${stubs}:/usr/bin:/bin`, HOME: home, CALLS: calls, ...env },
    cwd: home,
  }).toString();
  return { calls: fs.readFileSync(calls, "utf8"), stdout };
}

const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDLBqvHLxcpXHhzYqmV3Ho9ZYoPlZqS1c+QO8qv2m6yF a@x";
const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFJ0Q4eQqX7tqhx4wY2tYw1qNQk2dA0d7Nn1cZr7kq3b b@x";

test("bootstrap installs sshd when missing, writes each key once across restarts, starts sshd, then runs the user's command", () => {
  const home = fs.mkdtempSync(path.join(dir, "home-"));
  const command = `printf '%s\\n' "it's \\$HOME" 'back\\slash' "$HOME" > "$HOME/out.txt"\necho second line >> "$HOME/out.txt"`;
  const options: StartScriptOptions = { installSshd: true, passwordLogin: false, then: { command } };
  const env = { PUBLIC_KEY: `${KEY_A}\r\n${KEY_B}`, SSH_PUBLIC_KEY: KEY_A };
  const first = runArgs(options, env, home);
  runArgs(options, env, home);
  assert.match(first.calls, /^apt-get update\napt-get install -y --no-install-recommends openssh-server\nservice ssh start\n/);
  const keys = fs.readFileSync(path.join(home, ".ssh", "authorized_keys"), "utf8");
  assert.equal(keys, `${KEY_A}\n${KEY_B}\n`, "each key once, no CR, after two starts");
  assert.equal((fs.statSync(path.join(home, ".ssh")).mode & 0o777).toString(8), "700");
  assert.equal((fs.statSync(path.join(home, ".ssh", "authorized_keys")).mode & 0o777).toString(8), "600");
  assert.equal(fs.readFileSync(path.join(home, "out.txt"), "utf8"), `it's $HOME\nback\\slash\n${home}\nsecond line\n`);
});

test("without a start command it keeps the pod alive with sleep infinity after starting sshd", () => {
  const home = fs.mkdtempSync(path.join(dir, "home-"));
  const r = runArgs({ installSshd: true, passwordLogin: false, then: "sleep" }, { PUBLIC_KEY: KEY_A }, home);
  assert.match(r.calls, /service ssh start\nsleep infinity\n$/);
});

test("password mode sets root's password from the hash (never the password) and enables password login", () => {
  const home = fs.mkdtempSync(path.join(dir, "home-"));
  const config = path.join(home, "sshd_config");
  fs.writeFileSync(config, "#PermitRootLogin prohibit-password\nPasswordAuthentication no\nUsePAM yes\n");
  const hash = "$6$abcdefgh$o0.RrYARM.kVsYNhGNfFlBfz2ckDl1NAG2BZ23cdHuJc7rCo.2UXPhNtLx/NlWt/jf9Pg9XAKm1ozNWMJTD8Q0";
  const r = runArgs({ installSshd: false, passwordLogin: true, then: "image-start" }, { [PASSWORD_HASH_ENV]: hash, RUNPOD_SSH_SSHD_CONFIG: config }, home);
  assert.match(r.calls, new RegExp(`chpasswd -e\\nroot:${hash.replace(/[$./]/g, "\\$&")}\\n`));
  assert.equal(fs.readFileSync(config, "utf8"), "PermitRootLogin yes\nPasswordAuthentication yes\nUsePAM yes\n");
  assert.match(r.calls, /service ssh start\nsleep infinity\n$/, "no /start.sh here: sshd is started and the pod kept alive");
});

test("the args carry only base64 inside the quotes", () => {
  const args = startArgs(startScript({ installSshd: true, passwordLogin: true, then: { command: `echo "a'b" $X \`id\`` } }));
  const inner = /^bash -c 'echo ([A-Za-z0-9+/=]+) \| base64 -d > \/tmp\/pulumi-runpod-ssh-start\.sh && exec bash \/tmp\/pulumi-runpod-ssh-start\.sh'$/.exec(args);
  assert.ok(inner, args.slice(0, 80));
});

test("once sshd runs, the bootstrap prints its host keys as Runpod's start script does, and they prove the key", () => {
  const home = fs.mkdtempSync(path.join(dir, "home-"));
  const keyDir = path.join(home, "etc-ssh");
  fs.mkdirSync(keyDir);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "root@pod", "-f", path.join(keyDir, "ssh_host_ed25519_key")]);
  execFileSync("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-C", "root@pod", "-f", path.join(keyDir, "ssh_host_ecdsa_key")]);
  const r = runArgs({ installSshd: true, passwordLogin: false, then: "sleep" }, { PUBLIC_KEY: KEY_A, RUNPOD_SSH_HOST_KEY_DIR: keyDir }, home);
  const lines = r.stdout.split("\n");
  const header = lines.indexOf("SSH host keys:");
  assert.ok(header !== -1, r.stdout);
  assert.equal(lines[header + 1], `Key: ${keyDir}/ssh_host_ecdsa_key.pub`);
  assert.match(lines[header + 2], /^256 SHA256:[A-Za-z0-9+/]{43} root@pod \(ECDSA\)$/);
  assert.equal(lines[header + 3], `Key: ${keyDir}/ssh_host_ed25519_key.pub`);
  const ed25519 = fs.readFileSync(path.join(keyDir, "ssh_host_ed25519_key.pub"), "utf8").split(" ").slice(0, 2).join(" ");
  assert.ok(loggedFingerprints(lines)!.includes(hostKeyFingerprint(ed25519)), "the log proves the ed25519 key");
  assert.match(r.calls, /service ssh start\nsleep infinity\n$/, "printed after sshd started");
});
