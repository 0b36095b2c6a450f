/**
 * SshPod's host-key outputs, `connection` and a stopped pod under `pulumi.runtime.setMocks`: the pinned commands
 * and the `@pulumi/command`-shaped connection (host, port, user, the private key as a secret, the pinned host key),
 * a public key you brought (no private key, nothing secret), and a stopped pod (every command and the connection
 * say why there is no SSH).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBrx8C8JaWMJtWb0N/0pIVpY4VjesWtkXR89Ou+hEW";
const RSA_PREFIX = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ";
let keyDir: string;
let generated: { pub: string; priv: string };
let rsaHostKey: string;

before(() => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "conn-"));
  const file = path.join(keyDir, "k");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  generated = { pub: fs.readFileSync(`${file}.pub`, "utf8"), priv: fs.readFileSync(file, "utf8") };
  execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "3072", "-N", "", "-C", "", "-f", `${file}-rsa`]);
  rsaHostKey = fs.readFileSync(`${file}-rsa.pub`, "utf8").trim();
  assert.ok(rsaHostKey.startsWith(RSA_PREFIX));
});
after(() => fs.rmSync(keyDir, { recursive: true, force: true }));

void pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      const inputs = args.inputs as Record<string, unknown>;
      let state: Record<string, unknown> = { ...inputs };
      if (args.type === "tls:index/privateKey:PrivateKey") {
        state = { ...inputs, publicKeyOpenssh: generated.pub, privateKeyOpenssh: generated.priv };
      } else if (args.type.endsWith(":Pod") || args.type.endsWith(":PodReadiness")) {
        const stopped = inputs.running === false;
        state = {
          ...inputs,
          podId: "pod123",
          status: stopped ? "EXITED" : "RUNNING",
          publicIp: stopped ? null : "203.0.113.7",
          sshPort: stopped ? null : 40022,
          sshUser: stopped ? null : "root",
          proxyUser: "pod123-abcd1234",
          proxyHost: "ssh.runpod.io",
          hostKeys: stopped ? [] : [ED, rsaHostKey],
          knownHostsLine: stopped ? null : `[203.0.113.7]:40022 ${ED}`,
        };
      }
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs as Record<string, unknown>,
  },
  "proj",
  "dev",
  false,
);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require("../../sdk") as typeof import("../../sdk");
const GPU = { id: "NVIDIA GeForce RTX 4090" };

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}
function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as unknown as { isSecret: Promise<boolean> }).isSecret;
}

test("connection: host, port, user, the generated private key and the pinned host key; a secret as a whole", async () => {
  const pod = new sdk.SshPod("conn", { image: "runpod/base:1.0.0", gpu: GPU });
  const connection = await value(pod.connection);
  assert.deepEqual(connection, {
    host: "203.0.113.7",
    port: 40022,
    user: "root",
    privateKey: generated.priv,
    hostKey: ED,
  });
  assert.equal(await isSecret(pod.connection), true, "it carries the private key");
  assert.deepEqual(await value(pod.hostKeys), [ED, rsaHostKey]);
  assert.equal(await value(pod.knownHostsLine), `[203.0.113.7]:40022 ${ED}`);
  const ssh = await value(pod.sshCommand);
  assert.ok(ssh.includes(`'KnownHostsCommand=/bin/echo [203.0.113.7]:40022 ${ED}'`), ssh);
  assert.match(ssh, /-o StrictHostKeyChecking=yes .*-o HostKeyAlgorithms=ssh-ed25519 /);
  assert.match(await value(pod.sshConfig), /\n {2}KnownHostsCommand \/bin\/echo \[203\.0\.113\.7\]:40022 ssh-ed25519 /);
});

test("a public key you brought: the connection has no private key and is not secret", async () => {
  const sshKey = new sdk.SshKey("brought", { publicKey: generated.pub.trim(), registerOnAccount: false });
  const pod = new sdk.SshPod("brought-pod", { image: "runpod/base:1.0.0", gpu: GPU, sshKey });
  const connection = await value(pod.connection);
  assert.equal("privateKey" in connection, false);
  assert.deepEqual(connection, { host: "203.0.113.7", port: 40022, user: "root", hostKey: ED });
  assert.equal(await isSecret(pod.connection), false);
});

test("hostKeyChecking accept-new, strict and off are explicit and visible; an unknown value is refused", async () => {
  const accept = new sdk.SshPod("accept", { image: "runpod/base:1.0.0", gpu: GPU, hostKeyChecking: "accept-new" });
  assert.match(
    await value(accept.sshCommand),
    /StrictHostKeyChecking=accept-new -o '?UserKnownHostsFile=\S+known_hosts_runpod_pod123'? /,
  );
  const strict = new sdk.SshPod("strict", { image: "runpod/base:1.0.0", gpu: GPU, hostKeyChecking: "strict" });
  const strictSsh = await value(strict.sshCommand);
  assert.match(strictSsh, /StrictHostKeyChecking=yes -o '?UserKnownHostsFile=\S+known_hosts_runpod_pod123'? /);
  assert.doesNotMatch(strictSsh, /KnownHostsCommand/);
  const off = new sdk.SshPod("off", { image: "runpod/base:1.0.0", gpu: GPU, hostKeyChecking: "off" });
  assert.match(await value(off.sshCommand), /StrictHostKeyChecking=no -o UserKnownHostsFile=\/dev\/null /);
  assert.throws(
    () => new sdk.SshPod("bad", { image: "runpod/base:1.0.0", gpu: GPU, hostKeyChecking: "tofu" as "off" }),
    /hostKeyChecking must be "pinned", "accept-new", "strict" or "off", got "tofu"/,
  );
});

test("a stopped pod (running: false): the commands, the password commands and the connection say why", async () => {
  const pod = new sdk.SshPod("paused", { image: "runpod/base:1.0.0", gpu: GPU, running: false, passwordLogin: true });
  const reason = /^unavailable: the pod is stopped .*Set running to true/;
  for (const out of [
    pod.sshCommand,
    pod.proxySshCommand,
    pod.scpCommand,
    pod.sftpCommand,
    pod.rsyncCommand,
    pod.sshTarget,
  ]) {
    assert.match(await value(out), reason);
  }
  assert.match(String(await value(pod.passwordSshCommand)), reason);
  const connection = await value(pod.connection);
  assert.match(connection.host, reason);
  assert.equal(connection.dialErrorLimit, 1, "a remote command fails at once instead of retrying");
  assert.deepEqual(await value(pod.hostKeys), []);
  assert.equal(await value(pod.knownHostsLine), null);
});
