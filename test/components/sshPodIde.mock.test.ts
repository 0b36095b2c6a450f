/**
 * SshPod's IDE and cost outputs under `pulumi.runtime.setMocks`: vscodeUri through the host alias, tunnels for
 * the HTTP ports, the Jupyter password as a secret (and on the pod as JUPYTER_PASSWORD), costs from the Pod, and
 * the new inputs' checks at construction.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBrx8C8JaWMJtWb0N/0pIVpY4VjesWtkXR89Ou+hEW";
const podInputs = new Map<string, Record<string, unknown>>();

void pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      const inputs = args.inputs as Record<string, unknown>;
      let state: Record<string, unknown> = { ...inputs };
      if (args.type === "tls:index/privateKey:PrivateKey") {
        state = { ...inputs, publicKeyOpenssh: `${ED} k\n`, privateKeyOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n" };
      } else if (args.type.endsWith(":Pod") || args.type.endsWith(":PodReadiness")) {
        // SshPod's Pod defers readiness: the address and keys come from its PodReadiness, the costs from the Pod.
        const isPod = args.type.endsWith(":Pod");
        if (isPod) podInputs.set(args.name, inputs);
        state = {
          ...inputs,
          podId: "pod123",
          publicIp: "203.0.113.7",
          sshPort: 40022,
          sshUser: "root",
          proxyUser: "pod123-abcd1234",
          proxyHost: "ssh.runpod.io",
          status: "RUNNING",
          hostKeys: [ED],
          ...(isPod ? { costPerHr: 0.69, stoppedStorageCostPerMonth: 4, spend: 1.25 } : {}),
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

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}
function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as unknown as { isSecret: Promise<boolean> }).isSecret;
}

test("vscodeUri, tunnels and tunnelCommand come from the same address, key and pin as sshCommand", async () => {
  const pod = new sdk.SshPod("nb", {
    image: "runpod/base:1.0.0",
    gpu: { id: "g" },
    ports: ["8888/http", "6006/http"],
    identityFile: "/k/id",
    hostAlias: "nb-alias",
    tunnelLocalPorts: { "8888": 18888 },
  });
  assert.equal(await value(pod.vscodeUri), "vscode://vscode-remote/ssh-remote+nb-alias/workspace");
  assert.match(await value(pod.sshConfig), /^Host nb-alias\n {2}HostName 203\.0\.113\.7\n {2}Port 40022/);
  const tunnels = await value(pod.tunnels);
  assert.deepEqual(Object.keys(tunnels), ["6006", "8888"]);
  assert.match(tunnels["8888"], /^ssh -N -p 40022 -i \/k\/id -o IdentitiesOnly=yes .*-L 18888:localhost:8888 -o ExitOnForwardFailure=yes root@203\.0\.113\.7$/);
  assert.ok(tunnels["8888"].includes("KnownHostsCommand=/bin/echo [203.0.113.7]:40022 ssh-ed25519"), "pinned like sshCommand");
  assert.match(await value(pod.tunnelCommand), /-L 18888:localhost:8888 -L 6006:localhost:6006 /);
  const folder = new sdk.SshPod("nb2", { image: "runpod/base:1.0.0", gpu: { id: "g" }, vscodeFolder: "/root" });
  assert.equal(await value(folder.vscodeUri), "vscode://vscode-remote/ssh-remote+nb2/root");
});

test("costs: costPerHour, stoppedStorageCostPerMonth and spend are the Pod's", async () => {
  const pod = new sdk.SshPod("c", { image: "runpod/base:1.0.0", gpu: { id: "g" }, maxCostPerHour: 1 });
  assert.equal(await value(pod.costPerHour), 0.69);
  assert.equal(await value(pod.stoppedStorageCostPerMonth), 4);
  assert.equal(await value(pod.spend), 1.25);
  assert.equal(podInputs.get("c-pod")?.maxCostPerHour, 1, "maxCostPerHour reaches the Pod");
});

test("jupyterPassword: set on the pod as JUPYTER_PASSWORD, a secret output; JUPYTER_PASSWORD in env is returned the same way", async () => {
  const pod = new sdk.SshPod("j", { image: "runpod/base:1.0.0", gpu: { id: "g" }, jupyterPassword: "s3cret", env: { A: "1" } });
  assert.equal(await value(pod.jupyterPassword), "s3cret");
  assert.equal(await isSecret(pod.jupyterPassword), true);
  await value(pod.podId);
  const env = podInputs.get("j-pod")?.env as { value?: unknown; [sig: string]: unknown };
  assert.equal(env["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "the pod's env travels as a secret");
  assert.deepEqual(env.value, { A: "1", JUPYTER_PASSWORD: "s3cret" });
  const fromEnv = new sdk.SshPod("je", { image: "runpod/base:1.0.0", gpu: { id: "g" }, env: { JUPYTER_PASSWORD: "e" } });
  assert.equal(await value(fromEnv.jupyterPassword), "e");
  assert.equal(await isSecret(fromEnv.jupyterPassword), true);
  const none = new sdk.SshPod("jn", { image: "runpod/base:1.0.0", gpu: { id: "g" } });
  assert.equal(await value(none.jupyterPassword), undefined);
});

test("bad IDE inputs are refused at construction, all at once, each naming the input and the fix", () => {
  try {
    new sdk.SshPod("bad", {
      image: "runpod/base:1.0.0",
      gpu: { id: "g" },
      ports: ["8888/http"],
      vscodeFolder: "workspace",
      tunnelLocalPorts: { "9999": 1 },
      jupyterPassword: "x",
      env: { JUPYTER_PASSWORD: "y" },
    });
  } catch (e) {
    const message = (e as Error).message;
    assert.match(message, /vscodeFolder must be an absolute folder path/);
    assert.match(message, /tunnelLocalPorts\["9999"\]: port 9999 is not exposed as HTTP; add "9999\/http" to ports/);
    assert.match(message, /jupyterPassword sets env JUPYTER_PASSWORD, which env also sets; keep one of them/);
    return;
  }
  assert.fail("no error thrown");
});
