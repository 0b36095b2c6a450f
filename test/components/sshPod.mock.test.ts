/**
 * SshKey and SshPod under `pulumi.runtime.setMocks`: the resource graph (ED25519 key, registration before the
 * pod, key override and 22/tcp), secrets, outputs, and invalid combinations refused at construction.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";

interface Call {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  start: number;
  end: number;
}
const calls: Call[] = [];
let keyDir: string;
let generated: { pub: string; priv: string };

function sshKeygen(): { pub: string; priv: string } {
  const file = path.join(keyDir, `k${calls.length}-${Math.random()}`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  return { pub: fs.readFileSync(`${file}.pub`, "utf8"), priv: fs.readFileSync(file, "utf8") };
}

before(() => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "comp-"));
  generated = sshKeygen();
});
after(() => fs.rmSync(keyDir, { recursive: true, force: true }));

void pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      const start = Date.now();
      const inputs = args.inputs as Record<string, unknown>;
      let state: Record<string, unknown> = { ...inputs };
      if (args.type === "tls:index/privateKey:PrivateKey") {
        state = { ...inputs, publicKeyOpenssh: generated.pub, privateKeyOpenssh: generated.priv };
      } else if (args.type.endsWith(":AccountSshKey")) {
        // Registration takes a while: the pod must not be registered before it finished.
        await new Promise((r) => setTimeout(r, 300));
      } else if (args.type.endsWith(":Pod") || args.type.endsWith(":PodReadiness")) {
        state = { ...inputs, podId: "pod123", publicIp: "203.0.113.7", sshPort: 40022, sshUser: "root", proxyUser: "pod123-abcd1234", proxyHost: "ssh.runpod.io", status: "RUNNING" };
      } else if (args.type.endsWith(":SshPassword")) {
        state = { ...inputs, password: "CorrectHorseBatteryStaple", hash: "$6$salt$hash" };
      }
      calls.push({ type: args.type, name: args.name, inputs, start, end: Date.now() });
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

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}
function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as unknown as { isSecret: Promise<boolean> }).isSecret;
}

test("SshPod: ED25519 key, registered on the account before the pod, key set on the pod, outputs ready", async () => {
  const pod = new sdk.SshPod("trainer", { image: "runpod/base:1.0.0", gpu: { id: "NVIDIA GeForce RTX 4090" }, ports: ["8888/http"] });
  const sshCommand = await value(pod.sshCommand);
  const tlsKey = calls.find((c) => c.type === "tls:index/privateKey:PrivateKey");
  assert.equal(tlsKey?.inputs.algorithm, "ED25519");
  const account = calls.find((c) => c.name === "trainer-key-account")!;
  const podCall = calls.find((c) => c.name === "trainer-pod")!;
  assert.ok(account && podCall);
  assert.ok(podCall.start >= account.end, "the pod is registered only after the account key registration finished");
  assert.deepEqual(podCall.inputs.sshPublicKeys, [generated.pub.trim()]);
  assert.equal(account.inputs.publicKey, generated.pub.trim());

  // What the provider will send for this pod: both key variables and 22/tcp.
  const { createPodBody } = await import("../../sdk/pod/podSpec");
  const body = createPodBody(podCall.inputs, "trainer", { gpuId: "NVIDIA GeForce RTX 4090" });
  assert.equal(body.env?.PUBLIC_KEY, generated.pub.trim());
  assert.equal(body.env?.SSH_PUBLIC_KEY, generated.pub.trim());
  assert.deepEqual(body.ports, ["8888/http", "22/tcp"]);

  // The mocked pod recorded no host key (and waitForSsh is not false): the pinned command fails closed.
  assert.equal(sshCommand, "ssh -p 40022 -i ~/.ssh/runpod-proj-dev-trainer -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null root@203.0.113.7");
  assert.match(await value(pod.scpCommand), /^scp -P 40022 -i /);
  assert.match(await value(pod.sftpCommand), /^sftp -P 40022 .* root@203\.0\.113\.7$/);
  assert.match(await value(pod.rsyncCommand), /^rsync -avz --no-owner --no-group -e /);
  assert.equal(await value(pod.proxySshCommand), "ssh -i ~/.ssh/runpod-proj-dev-trainer -o IdentitiesOnly=yes pod123-abcd1234@ssh.runpod.io");
  assert.match(await value(pod.sshConfig), /^Host trainer\n {2}HostName 203\.0\.113\.7\n {2}Port 40022\n {2}User root\n {2}IdentityFile ~\/\.ssh\/runpod-proj-dev-trainer\n {2}IdentitiesOnly yes/);
  assert.equal(await value(pod.host), "203.0.113.7");
  assert.equal(await value(pod.port), 40022);
  assert.equal(await value(pod.user), "root");
  assert.equal(await value(pod.podId), "pod123");
  assert.equal(await value(pod.publicKeyOpenssh), generated.pub.trim());
  assert.match(await value(pod.fingerprint), /^SHA256:/);
  assert.equal(await value(pod.privateKeyOpenssh), generated.priv);
  assert.equal(await isSecret(pod.privateKeyOpenssh), true, "the private key is a secret output");
  assert.equal(await isSecret(pod.sshCommand), false);
});

test("one SshKey serves a fleet; privateKeyFile writes one file; the key is registered once", async () => {
  const before = calls.length;
  const key = new sdk.SshKey("fleet", { privateKeyFile: "/tmp/fleet-key" });
  const pods = [0, 1, 2].map((i) => new sdk.SshPod(`w${i}`, { sshKey: key, image: "i", gpu: { id: "g" } }));
  await Promise.all(pods.map((p) => value(p.sshCommand)));
  const mine = calls.slice(before);
  assert.equal(mine.filter((c) => c.type.endsWith(":AccountSshKey")).length, 1);
  assert.equal(mine.filter((c) => c.type.endsWith(":LocalKeyFile")).length, 1);
  assert.equal(mine.filter((c) => c.type.endsWith(":Pod")).length, 3);
  const file = mine.find((c) => c.type.endsWith(":LocalKeyFile"))!;
  assert.equal(file.inputs.path, "/tmp/fleet-key");
  assert.match(await value(pods[1].sshCommand), / -i \/tmp\/fleet-key /, "commands use the written key file");
});

test("password mode: a secret password, only its hash in the pod env, and the password commands", async () => {
  const pod = new sdk.SshPod("pw", { image: "runpod/base:1.0.0", gpu: { id: "g" }, passwordLogin: true });
  const hostKeyOptions = "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null";
  const passwordAuth = "-o PreferredAuthentications=password,keyboard-interactive -o PubkeyAuthentication=no";
  assert.equal(await value(pod.passwordSshCommand), `ssh -p 40022 ${passwordAuth} ${hostKeyOptions} root@203.0.113.7`);
  assert.equal(await value(pod.passwordScpCommand), `scp -P 40022 ${passwordAuth} ${hostKeyOptions}`);
  assert.equal(await isSecret(pod.password), true);
  const podCall = calls.find((c) => c.name === "pw-pod")!;
  const env = podCall.inputs.env as Record<string, string>;
  assert.equal(env.RUNPOD_SSH_PASSWORD_HASH, "$6$salt$hash");
  assert.ok(!JSON.stringify(podCall.inputs).includes("CorrectHorseBatteryStaple"), "the password itself never reaches the pod");
  assert.match(String(podCall.inputs.args), /^bash -c 'echo [A-Za-z0-9+/=]+ \| base64 -d/);
});

test("bootstrap mode builds the start command around the user's own", async () => {
  const pod = new sdk.SshPod("boot", { image: "ubuntu:22.04", gpu: { id: "g" }, sshdMode: "bootstrap", startCommand: `echo "it's $HOME"` });
  await value(pod.sshCommand);
  const args = String(calls.find((c) => c.name === "boot-pod")!.inputs.args);
  const script = Buffer.from(/echo ([A-Za-z0-9+/=]+) \|/.exec(args)![1], "base64").toString("utf8");
  assert.match(script, /apt-get install -y --no-install-recommends openssh-server/);
  const user = Buffer.from(/printf "%s" "([A-Za-z0-9+/=]+)"/.exec(script)![1], "base64").toString("utf8");
  assert.equal(user, `echo "it's $HOME"`);
});

/** Runs `make`, expecting one InputPropertiesError; returns its errors. */
function inputErrors(make: () => unknown): pulumi.InputPropertyErrorDetails[] {
  try {
    make();
  } catch (e) {
    assert.ok(pulumi.InputPropertiesError.isInstance(e), `an InputPropertiesError, got ${String(e)}`);
    for (const { propertyPath, reason } of e.errors) {
      assert.ok(e.message.includes(reason), "the message lists every reason (a program prints the message)");
      assert.ok(reason.startsWith(propertyPath) || /^[A-Z]/.test(reason), `a sentence naming ${propertyPath}: ${reason}`);
      assert.match(reason, /\.$/, reason);
    }
    return e.errors;
  }
  assert.fail("no error thrown");
}

test("invalid combinations fail at construction, each on its property path", () => {
  const base = { image: "i", gpu: { id: "g" } };
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ ...base, startCommand: "x" }, "startCommand", /^startCommand is only used with sshdMode: "bootstrap"/],
    [{ ...base, sshdMode: "bootstrap", args: "x" }, "args", /^args cannot be combined with sshdMode: "bootstrap"/],
    [{ ...base, passwordLogin: true, args: "x" }, "args", /^args cannot be combined with passwordLogin/],
    [{ ...base, passwordLogin: true, allowProxyOnly: true }, "passwordLogin", /^passwordLogin needs the direct path/],
    [{ ...base, sshPublicKeys: ["x"] }, "sshPublicKeys", /^sshPublicKeys is set by SshPod itself/],
    [{ ...base, sshdMode: "docker" }, "sshdMode", /^sshdMode must be "image" or "bootstrap", got "docker"\.$/],
    [{ ...base, hostKeyChecking: "no" }, "hostKeyChecking", /^hostKeyChecking must be "pinned", "accept-new", "strict" or "off", got "no"\.$/],
    [{ ...base, sshKey: {} }, "sshKey", /^sshKey must be an SshKey/],
    [{ ...base, sshKey: new sdk.SshKey("shared"), privateKeyFile: "/tmp/k" }, "privateKeyFile", /^privateKeyFile is for the key SshPod creates itself/],
    [{ ...base, hostAlias: "my host" }, "hostAlias", /^hostAlias must not contain spaces/],
    [{ ...base, identityFile: "" }, "identityFile", /^identityFile must be a non-empty/],
    [{ ...base, passwordLogin: "yes" }, "passwordLogin", /^passwordLogin must be true or false, got "yes"\.$/],
  ];
  for (const [args, propertyPath, reason] of cases) {
    const errors = inputErrors(() => new sdk.SshPod("bad", args));
    assert.ok(errors.some((e) => e.propertyPath === propertyPath && reason.test(e.reason)), `${propertyPath}: ${JSON.stringify(errors)}`);
  }
  const keyErrors = inputErrors(() => new sdk.SshKey("k2", { publicKey: "ssh-ed25519 AAAA x", privateKeyFile: "/tmp/x" }));
  assert.deepEqual(keyErrors.map((e) => e.propertyPath), ["publicKey", "privateKeyFile"]);
  assert.match(keyErrors[1].reason, /^privateKeyFile needs a generated key/);
});

test("SshPod reports every invalid input at once: its own, each extra key, and the Pod inputs with their nested paths", () => {
  const before = calls.length;
  const errors = inputErrors(
    () =>
      new sdk.SshPod("many", {
        image: "Runpod/base:1.0",
        gpu: { ids: ["a", "a"], count: 0 },
        ports: ["22/tcp", "8888/http", "53/udp"],
        env: { "MY-VAR": "x", N: 1 as unknown as string },
        sshdMode: "docker" as "image",
        hostAlias: "two words",
        extraPublicKeys: [generated.pub.trim(), "SHA256:" + "a".repeat(43)],
      }),
  );
  const paths = errors.map((e) => e.propertyPath).sort();
  assert.deepEqual(paths, ["env.N", 'env["MY-VAR"]', "extraPublicKeys[1]", "gpu.count", "gpu.ids", "hostAlias", "image", "ports[2]", "sshdMode"].sort());
  for (const e of errors) assert.ok(e.reason.startsWith(e.propertyPath), `the reason starts with its path: ${e.reason}`);
  assert.equal(calls.length, before, "nothing was registered");
});

test("SshKey reports every invalid input at once", () => {
  const errors = inputErrors(() => new sdk.SshKey("k3", { publicKey: "", registerOnAccount: "no" as unknown as boolean, comment: "a\nb" }));
  assert.deepEqual(errors.map((e) => e.propertyPath).sort(), ["comment", "publicKey", "registerOnAccount"]);
  assert.match(errors.find((e) => e.propertyPath === "publicKey")!.reason, /^publicKey is empty\./);
});

test("turning passwordLogin or bootstrap mode off is promised as a replacement; turning it on as an update", async () => {
  const { providers } = await import("../../sdk/providers/runtime");
  // The checks below need a configured key (they make no API call).
  (await import("../../sdk/providers/providerContext")).setProviderSettings({ token: "rpa_check_only" });
  const podInputs = async (label: string, extra: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const sshKey = new sdk.SshKey(`${label}-key`, { publicKey: generated.pub.trim(), registerOnAccount: false });
    const pod = new sdk.SshPod(label, { image: "runpod/base:1.0.0", gpu: { id: "g" }, name: "same-pod", sshKey, ...extra });
    await value(pod.sshCommand);
    const { __provider: _p, ...inputs } = calls.find((c) => c.name === `${label}-pod`)!.inputs;
    const checked = await providers.pod.check({}, { ...inputs, ownerTag: "urn:same" });
    assert.deepEqual(checked.failures, []);
    return checked.inputs as Record<string, unknown>;
  };
  const plain = await podInputs("mode-plain", {});
  const password = await podInputs("mode-password", { passwordLogin: true });
  const bootstrap = await podInputs("mode-bootstrap", { sshdMode: "bootstrap" });
  const diff = (from: Record<string, unknown>, to: Record<string, unknown>) =>
    providers.pod.diff("id", { ...from, podId: "id" }, to);
  for (const [label, from] of [["passwordLogin off", password], ["bootstrap off", bootstrap]] as const) {
    const off = await diff(from, plain);
    assert.deepEqual(off.replaces, ["args"], label);
    assert.equal(off.deleteBeforeReplace, true, label);
  }
  for (const [label, to] of [["passwordLogin on", password], ["bootstrap on", bootstrap]] as const) {
    const on = await diff(plain, to);
    assert.equal(on.changes, true, label);
    assert.deepEqual(on.replaces, [], `${label}: an update (a PATCH of args) is enough`);
  }
});

test("without pulumi.InputPropertiesError (older @pulumi/pulumi), the same message and errors come as a plain Error", async () => {
  const { InputProblems } = await import("../../sdk/components/inputProblems");
  const problems = new InputProblems('SshPod "old"');
  problems.add("sshdMode", 'sshdMode must be "image" or "bootstrap", got "x".');
  problems.add("ports", 'ports[0] is "1", which is not a port.');
  const modern = problems.error()!;
  const fallback = problems.error(null)! as Error & { errors: unknown };
  assert.ok(pulumi.InputPropertiesError.isInstance(modern));
  assert.ok(!pulumi.InputPropertiesError.isInstance(fallback));
  assert.equal(fallback.message, modern.message);
  assert.equal(fallback.message, 'SshPod "old" has 2 invalid inputs:\n  - sshdMode must be "image" or "bootstrap", got "x".\n  - ports[0] is "1", which is not a port.');
  assert.deepEqual(fallback.errors, (modern).errors);
});

test("a long resource name: SshPod's default pod name is cut to 128 characters exactly like Pod's, and passes check", async () => {
  const { providers } = await import("../../sdk/providers/runtime");
  (await import("../../sdk/providers/providerContext")).setProviderSettings({ token: "rpa_check_only" });
  const long = `trainer-${"x".repeat(150)}`;
  const sshPod = new sdk.SshPod(long, { image: "runpod/base:1.0.0", gpu: { id: "g" } });
  const plainPod = new sdk.Pod(`${long}-plain`, { image: "runpod/base:1.0.0", gpu: { id: "g" } });
  await Promise.all([value(sshPod.sshCommand), value(plainPod.podId)]);
  const { __provider: _p, ...inputs } = calls.find((c) => c.name === `${long}-pod`)!.inputs;
  const name = inputs.name as string;
  assert.equal(name.length, 128, name);
  assert.ok(name.startsWith(`proj-dev-trainer-xxx`), name);
  assert.equal(name, sdk.defaultPodName(long), "one function names both");
  assert.equal(calls.find((c) => c.name === `${long}-plain`)!.inputs.name, sdk.defaultPodName(`${long}-plain`));
  const checked = await providers.pod.check({}, { ...inputs, ownerTag: "urn:long" });
  assert.deepEqual(checked.failures, [], "no check failure on an input the user never set");
});
