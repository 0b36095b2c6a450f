/**
 * IDE and cost outputs against the emulator, through the serialized provider as Pulumi's host runs it, with real
 * sshd: a tunnel command forwards real bytes to a listener in the pod; costs match the emulator's catalog and
 * billing; maxCostPerHour skips candidates at create.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startEmulator, startPodListener, type RunpodEmulator } from "../../emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import { addProgressSink } from "../../sdk/providers/progress";
import type { PodOutputs } from "../../sdk/providers/podProvider";
import { buildIdeOutputs } from "../../sdk/ssh/ideOutputs";

const H100 = "NVIDIA H100 80GB HBM3"; // $2.69/GPU/hr on Secure Cloud in the emulator's catalog
const A5000 = "NVIDIA RTX A5000"; // $0.27
const RTX5090 = "NVIDIA GeForce RTX 5090"; // $0.94
let emulator: RunpodEmulator;
let hosted: HostedProvider;
let dir: string;
let publicKey: string;
let n = 0;
const progress: string[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "idecost-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "idecost", "-f", path.join(dir, "id")]);
  publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
  emulator = await startEmulator({ rateLimit: false, validateResponses: true, timings: { provisioningMs: 60, startingMs: 60, sshdStartMs: 100 } });
  hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  addProgressSink((m) => progress.push(m));
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
let podsBefore = new Set<string>();
beforeEach(() => {
  progress.length = 0;
  podsBefore = new Set(emulator.pods().map((p) => p.id));
});
afterEach(async () => {
  for (const pod of emulator.pods().filter((p) => !podsBefore.has(p.id))) {
    await fetch(`${emulator.url}/v2/pods/${pod.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${emulator.apiKey}` } });
  }
  assert.deepEqual(emulator.responseViolations, [], "every response matched the contract");
});

function inputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return { name: `idecost-${n}`, ownerTag: `urn:pulumi:test::proj::pod::ic${n}`, image: "runpod/base:1.0.0", gpu: { id: A5000 }, sshPublicKeys: [publicKey], ...extra };
}

async function checked(raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await hosted.provider.check({}, raw);
  assert.deepEqual(r.failures ?? [], []);
  return r.inputs as Record<string, unknown>;
}

async function billingTotal(podId: string): Promise<number> {
  const res = await fetch(`${emulator.url}/v2/billing/pods?podId=${podId}&bucketSize=hour&lastN=2`, { headers: { Authorization: `Bearer ${emulator.apiKey}` } });
  const body = (await res.json()) as { metadata: { totals: { totalAmount: number } } };
  return body.metadata.totals.totalAmount;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

test("costPerHr is the pod's own cost (price × count), stoppedStorageCostPerMonth its volume, spend its billing at refresh", async () => {
  const started = Date.now();
  const created = await hosted.provider.create(await checked(inputs({ gpu: { id: H100, count: 8 }, mounts: { persistent: { size: 50, path: "/workspace" } } })));
  const outs = created.outs as PodOutputs;
  assert.equal(outs.costPerHr, 21.52, "8 × $2.69, the pod's cost field");
  assert.equal(outs.stoppedStorageCostPerMonth, 10, "50 GB × $0.20/GB/month");
  assert.equal(outs.spend, null, "spend is read at refresh");
  assert.ok(progress.some((m) => m === `pod ${outs.name} (${created.id}): ready for SSH at $21.52/hr`), progress.join("\n"));
  await new Promise((r) => setTimeout(r, 1500));
  const billedBefore = await billingTotal(created.id);
  const read = (await hosted.provider.read(created.id, outs)).props as PodOutputs;
  const billedAfter = await billingTotal(created.id);
  const elapsedHours = (Date.now() - started) / 3_600_000;
  assert.ok(read.spend !== null && read.spend > 0, `spend ${read.spend}`);
  // The bill grows while the pod runs: the spend read at refresh lies between the totals just before and after.
  assert.ok(read.spend >= billedBefore - 0.0001 && read.spend <= billedAfter + 0.0001, `spend ${read.spend} within [${billedBefore}, ${billedAfter}]`);
  assert.ok(read.spend <= 21.52 * elapsedHours + 0.0002 + (50 * 0.1 * elapsedHours) / 730, "never more than the rate for the time it existed");
  assert.ok(read.spend >= 21.52 * (1.5 / 3600) - 0.0002, "at least the 1.5 s it ran");
  // An update carries spend until the next refresh.
  const upd = (await hosted.provider.update(created.id, read, { ...(await checked(inputs({ gpu: { id: H100, count: 8 }, mounts: { persistent: { size: 50, path: "/workspace" } } }))), name: outs.name, ownerTag: outs.ownerTag, keepOnFailure: true })).outs as PodOutputs;
  assert.equal(upd.spend, read.spend);
});

test("maxCostPerHour skips GPU candidates above it with a note; none left: an error listing the prices, nothing created", async () => {
  const before = emulator.pods().length;
  const created = await hosted.provider.create(await checked(inputs({ gpu: { ids: [H100, A5000] }, maxCostPerHour: 1 })));
  const outs = created.outs as PodOutputs;
  assert.equal(outs.gpuId, A5000);
  assert.ok(progress.some((m) => m.includes(`skipping ${H100} ($2.69/hr for 1 GPU on SECURE) above maxCostPerHour $1/hr`)), progress.join("\n"));
  const creates = emulator.requests.filter((r) => r.method === "POST" && r.path === "/v2/pods").length;
  await assert.rejects(
    hosted.provider.create(await checked(inputs({ gpu: { ids: [H100, RTX5090], count: 2 }, maxCostPerHour: 0.5 }))),
    (e: Error) => {
      assert.match(e.message, /No GPU candidate for pod idecost-\d+ is within maxCostPerHour \(\$0.5\/hr\); nothing was created/);
      assert.match(e.message, new RegExp(`${H100}: \\$5.38/hr \\(2 × GPU, SECURE\\)`));
      assert.match(e.message, new RegExp(`${RTX5090}: \\$1.88/hr`));
      assert.match(e.message, /Raise maxCostPerHour/);
      return true;
    },
  );
  assert.equal(emulator.requests.filter((r) => r.method === "POST" && r.path === "/v2/pods").length, creates, "no create was sent");
  assert.equal(emulator.pods().length, before + 1);
});

test("check: maxCostPerHour must be a positive number, and is for GPU pods", async () => {
  const bad = await hosted.provider.check({}, inputs({ maxCostPerHour: -1 }));
  assert.ok(bad.failures?.some((f) => f.property === "maxCostPerHour" && /more than 0/.test(f.reason)), JSON.stringify(bad.failures));
  const cpu = await hosted.provider.check({}, inputs({ gpu: undefined, cpu: { id: "cpu3c", vcpuCount: 2 }, maxCostPerHour: 1 }));
  assert.ok(cpu.failures?.some((f) => f.property === "maxCostPerHour" && /CPU pod has one price/.test(f.reason)), JSON.stringify(cpu.failures));
});

test("a tunnel command forwards real bytes through the pod's sshd to a listener in the pod", async () => {
  const jupyter = await startPodListener({ name: "jupyter" });
  const local = await freePort();
  try {
    const created = await hosted.provider.create(await checked(inputs({ ports: [`${jupyter.port}/http`] })));
    const outs = created.outs as PodOutputs;
    assert.ok(outs.hostKeys.length > 0, "the host key was read, so the tunnel is pinned");
    const ide = buildIdeOutputs(
      { host: outs.publicIp, port: outs.sshPort, user: outs.sshUser, proxyUser: outs.proxyUser, proxyHost: outs.proxyHost, hostKeys: outs.hostKeys },
      { podId: created.id, identityFile: path.join(dir, "id"), hostAlias: "t", ports: [`${jupyter.port}/http`], tunnelLocalPorts: { [String(jupyter.port)]: local } },
    );
    const command = ide.tunnels[String(jupyter.port)];
    assert.match(command, /^ssh -N /);
    assert.match(command, /KnownHostsCommand=\/bin\/echo/);
    await assert.rejects(fetch(`http://127.0.0.1:${local}/`), "nothing listens locally before the tunnel runs");
    const tunnel = spawn("sh", ["-c", `exec ${command}`], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    tunnel.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      let body: { service?: string; url?: string } | undefined;
      for (let i = 0; i < 100 && !body; i++) {
        try {
          body = (await (await fetch(`http://127.0.0.1:${local}/api/status?via=tunnel`)).json()) as typeof body;
        } catch {
          if (tunnel.exitCode !== null) assert.fail(`the tunnel exited (${tunnel.exitCode}): ${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.deepEqual({ service: body?.service, url: body?.url }, { service: "jupyter", url: "/api/status?via=tunnel" });
      assert.deepEqual(jupyter.requests.at(-1), { method: "GET", url: "/api/status?via=tunnel" });
    } finally {
      tunnel.kill("SIGTERM");
    }
  } finally {
    await jupyter.close();
  }
});
