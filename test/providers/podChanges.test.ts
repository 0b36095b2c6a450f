/**
 * Every Pod input, changed one `pulumi up` at a time against the emulator (real sshd), driven as the engine does
 * (engineSlot.ts): what `diff` promises (no change, update, replace with delete-first) is what happens, without
 * error. An update PATCHes exactly the inputs it named (or makes no API write for the behaviour-only ones), sends
 * the start or stop action `running` asks for, a replacement leaves one pod with the new settings, and "no change"
 * makes no request at all.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "100";
process.env.RUNPOD_SSH_PROGRESS_EVERY_MS = "60000";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api } from "../helpers/emulator";
import { hostProvider, type HostedProvider } from "./dynamicHost";
import { EngineSlot } from "./engineSlot";

type Raw = Record<string, unknown>;
interface Case {
  label: string;
  change: (current: Raw) => Raw;
  expect: "none" | "update" | "replace";
  /** For an update: the fields of the PATCH body ([] = no PATCH). */
  patch?: string[];
  /** The pod actions sent (start, stop); default none. */
  actions?: string[];
  /** The pod's status after the step; default RUNNING. */
  status?: string;
  /** Checks the pod (GET /v2/pods/{id}) once the step is done. */
  verify?: (pod: Record<string, unknown>) => void;
}

const GPU = "NVIDIA GeForce RTX 4090";
let emulator: RunpodEmulator;
let hosted: HostedProvider;
let api: Api;
let dir: string;
const keys: string[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "podchanges-"));
  for (const name of ["a", "b"]) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${name}@table`, "-f", path.join(dir, name)]);
    keys.push(fs.readFileSync(path.join(dir, `${name}.pub`), "utf8").trim());
  }
  emulator = await startEmulator({
    rateLimit: false,
    timings: { provisioningMs: 60, startingMs: 60, sshdStartMs: 100 },
  });
  hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  api = Api.for(emulator);
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const without = (raw: Raw, ...names: string[]): Raw =>
  Object.fromEntries(Object.entries(raw).filter(([k]) => !names.includes(k)));
const env = (pod: Record<string, unknown>): Record<string, string> => pod.env as Record<string, string>;

/** The table, applied in order: each change starts from the inputs the previous step left. */
const CASES: Case[] = [
  {
    label: "name",
    change: (r) => ({ ...r, name: "changes-renamed" }),
    expect: "update",
    patch: ["name"],
    verify: (p) => assert.equal(p.name, "changes-renamed"),
  },
  {
    label: "image",
    change: (r) => ({ ...r, image: "runpod/base:1.0.1" }),
    expect: "update",
    patch: ["image"],
    verify: (p) => assert.equal(p.image, "runpod/base:1.0.1"),
  },
  {
    label: "args set",
    change: (r) => ({ ...r, args: "sleep infinity" }),
    expect: "update",
    patch: ["args"],
    verify: (p) => assert.equal(p.args, "sleep infinity"),
  },
  {
    label: "args changed",
    change: (r) => ({ ...r, args: "sleep 100000" }),
    expect: "update",
    patch: ["args"],
    verify: (p) => assert.equal(p.args, "sleep 100000"),
  },
  // A PATCH cannot give the image its own start command back: removing args replaces the pod.
  {
    label: "args removed",
    change: (r) => without(r, "args"),
    expect: "replace",
    verify: (p) => assert.equal(p.args, ""),
  },
  {
    label: "disk set",
    change: (r) => ({ ...r, disk: 40 }),
    expect: "update",
    patch: ["disk"],
    verify: (p) => assert.equal(p.disk, 40),
  },
  {
    label: "disk changed",
    change: (r) => ({ ...r, disk: 60 }),
    expect: "update",
    patch: ["disk"],
    verify: (p) => assert.equal(p.disk, 60),
  },
  {
    label: "disk removed",
    change: (r) => without(r, "disk"),
    expect: "replace",
    verify: (p) => assert.equal(p.disk, 50),
  },
  {
    label: "ports added",
    change: (r) => ({ ...r, ports: ["8888/http"] }),
    expect: "update",
    patch: ["ports"],
    verify: (p) => assert.deepEqual(p.ports, ["8888/http", "22/tcp"]),
  },
  {
    label: "ports reordered, 22/tcp written out",
    change: (r) => ({ ...r, ports: ["22/tcp", "8888/http"] }),
    expect: "none",
  },
  {
    label: "ports removed",
    change: (r) => without(r, "ports"),
    expect: "update",
    patch: ["ports"],
    verify: (p) => assert.deepEqual(p.ports, ["22/tcp"]),
  },
  {
    label: "env set",
    change: (r) => ({ ...r, env: { MODEL: "llama" } }),
    expect: "update",
    patch: ["env"],
    verify: (p) => {
      assert.equal(env(p).MODEL, "llama");
      assert.equal(env(p).PUBLIC_KEY, keys[0], "the key variables are kept");
    },
  },
  {
    label: "env changed",
    change: (r) => ({ ...r, env: { MODEL: "mistral" } }),
    expect: "update",
    patch: ["env"],
    verify: (p) => assert.equal(env(p).MODEL, "mistral"),
  },
  {
    label: "env removed",
    change: (r) => without(r, "env"),
    expect: "update",
    patch: ["env"],
    verify: (p) => {
      assert.equal(env(p).MODEL, undefined);
      assert.equal(env(p).SSH_PUBLIC_KEY, keys[0]);
    },
  },
  { label: "env empty", change: (r) => ({ ...r, env: {} }), expect: "none" },
  {
    label: "registry set",
    change: (r) => ({ ...r, registry: "cred-1" }),
    expect: "update",
    patch: ["registry"],
    verify: (p) => assert.equal(p.registry, "cred-1"),
  },
  {
    label: "registry removed",
    change: (r) => without(r, "registry"),
    expect: "update",
    patch: ["registry"],
    verify: (p) => assert.equal(p.registry, null),
  },
  {
    label: "globalNetworking on",
    change: (r) => ({ ...r, globalNetworking: true }),
    expect: "update",
    patch: ["globalNetworking"],
  },
  {
    label: "globalNetworking removed (default off)",
    change: (r) => without(r, "globalNetworking"),
    expect: "update",
    patch: ["globalNetworking"],
  },
  { label: "globalNetworking: false written out", change: (r) => ({ ...r, globalNetworking: false }), expect: "none" },
  {
    label: "defaults written out",
    change: (r) => ({
      ...r,
      cloud: "SECURE",
      startSsh: true,
      startJupyter: false,
      dataCenterIds: [],
      dataCenterIdsInOrder: false,
      gpu: { ids: [GPU], count: 1, allowedCudaVersions: [] },
      mounts: {},
      allowProxyOnly: false,
      waitForSsh: true,
      keepOnFailure: false,
      readinessTimeoutSeconds: 900,
      running: true,
    }),
    expect: "none",
  },
  {
    label: "readinessTimeoutSeconds",
    change: (r) => ({ ...r, readinessTimeoutSeconds: 600 }),
    expect: "update",
    patch: [],
  },
  { label: "allowProxyOnly", change: (r) => ({ ...r, allowProxyOnly: true }), expect: "update", patch: [] },
  { label: "keepOnFailure", change: (r) => ({ ...r, keepOnFailure: true }), expect: "update", patch: [] },
  { label: "waitForSsh", change: (r) => ({ ...r, waitForSsh: false }), expect: "update", patch: [] },
  { label: "waitForSsh back on", change: (r) => ({ ...r, waitForSsh: true }), expect: "update", patch: [] },
  {
    label: "running: false (pause)",
    change: (r) => ({ ...r, running: false }),
    expect: "update",
    patch: [],
    actions: ["stop"],
    status: "EXITED",
  },
  {
    label: "env changed while paused",
    change: (r) => ({ ...r, env: { MODEL: "paused" } }),
    expect: "update",
    patch: ["env"],
    status: "EXITED",
    verify: (p) => assert.equal(env(p).MODEL, "paused"),
  },
  {
    label: "running: true (start again)",
    change: (r) => ({ ...r, running: true }),
    expect: "update",
    patch: [],
    actions: ["start"],
  },
  { label: "running removed (default true)", change: (r) => without(r, "running", "env"), expect: "update", patch: ["env"] },
  {
    label: "paused together with a PATCH",
    change: (r) => ({ ...r, running: false, env: { MODEL: "both" } }),
    expect: "update",
    patch: ["env"],
    actions: ["stop"],
    status: "EXITED",
  },
  {
    label: "started together with a PATCH",
    change: (r) => ({ ...without(r, "running"), env: { MODEL: "again" } }),
    expect: "update",
    patch: ["env"],
    actions: ["start"],
    verify: (p) => assert.equal(env(p).MODEL, "again"),
  },
  { label: "env back to none", change: (r) => without(r, "env"), expect: "update", patch: ["env"] },
  {
    label: "a key's comment and line end",
    change: (r) => ({ ...r, sshPublicKeys: [`${keys[0].replace(/ \S+$/, " renamed@x")}\r\n`] }),
    expect: "none",
  },
  {
    label: "a key added",
    change: (r) => ({ ...r, sshPublicKeys: [keys[0], keys[1]] }),
    expect: "replace",
    verify: (p) => assert.equal(env(p).PUBLIC_KEY, keys.join("\n")),
  },
  { label: "keys reordered", change: (r) => ({ ...r, sshPublicKeys: [keys[1], keys[0]] }), expect: "none" },
  {
    label: "gpu type",
    change: (r) => ({ ...r, gpu: { id: "NVIDIA RTX A5000" } }),
    expect: "replace",
    verify: (p) => assert.equal((p.gpu as { id: string }).id, "NVIDIA RTX A5000"),
  },
  {
    label: "gpu count",
    change: (r) => ({ ...r, gpu: { id: "NVIDIA RTX A5000", count: 2 } }),
    expect: "replace",
    verify: (p) => assert.equal((p.gpu as { count: number }).count, 2),
  },
  {
    label: "cloud",
    change: (r) => ({ ...r, cloud: "COMMUNITY" }),
    expect: "replace",
    verify: (p) => assert.equal(p.cloud, "COMMUNITY"),
  },
  {
    label: "dataCenterIds",
    change: (r) => ({ ...r, dataCenterIds: ["EU-RO-1"] }),
    expect: "replace",
    verify: (p) => assert.equal(p.dataCenterId, "EU-RO-1"),
  },
  {
    label: "dataCenterIdsInOrder",
    change: (r) => ({ ...r, dataCenterIds: ["EU-RO-1", "US-TX-3"], dataCenterIdsInOrder: true }),
    expect: "replace",
  },
  {
    label: "startJupyter",
    change: (r) => ({ ...r, startJupyter: true }),
    expect: "replace",
    verify: (p) => assert.ok(env(p).JUPYTER_PASSWORD),
  },
  { label: "startSsh", change: (r) => ({ ...r, startSsh: false }), expect: "replace" },
  {
    label: "a persistent mount added",
    change: (r) => ({ ...r, mounts: { persistent: { size: 20, path: "/workspace" } } }),
    expect: "replace",
  },
  {
    label: "persistent mount size",
    change: (r) => ({ ...r, mounts: { persistent: { size: 30, path: "/workspace" } } }),
    expect: "update",
    patch: ["mounts"],
    verify: (p) => assert.deepEqual(p.mounts, { persistent: { size: 30, path: "/workspace" } }),
  },
  {
    label: "persistent mount path",
    change: (r) => ({ ...r, mounts: { persistent: { size: 30, path: "/data" } } }),
    expect: "update",
    patch: ["mounts"],
  },
  {
    label: "mount removed",
    change: (r) => without(r, "mounts"),
    expect: "replace",
    verify: (p) => assert.deepEqual(p.mounts, {}),
  },
  { label: "templateId", change: (r) => ({ ...r, templateId: "runpod-torch-v240" }), expect: "replace" },
  // The template's image comes back only with a new pod.
  {
    label: "image removed (the template's)",
    change: (r) => without(r, "image"),
    expect: "replace",
    verify: (p) => assert.match(String(p.image), /^runpod\/pytorch:2\.4\.0/),
  },
  {
    label: "gpu to cpu",
    change: (r) => ({
      ...without(r, "gpu", "templateId"),
      image: "runpod/base:1.0.0",
      cpu: { id: "cpu3c", vcpuCount: 2 },
    }),
    expect: "replace",
  },
];

test("each Pod input: diff's promise is what update or replace does, without error", async () => {
  const slot = new EngineSlot(hosted.provider);
  const name = "changes";
  let raw: Raw = {
    name,
    ownerTag: "urn:pulumi:test::proj::pod::changes",
    image: "runpod/base:1.0.0",
    gpu: { id: GPU },
    sshPublicKeys: [keys[0]],
  };
  const outcomes: string[] = [];
  try {
    await slot.create(raw);
    for (const c of CASES) {
      raw = c.change(raw);
      const requestsBefore = emulator.requests.length;
      const step = await slot.up(raw).catch((e: Error) => assert.fail(`${c.label}: ${e.message}`));
      const requests = emulator.requests.slice(requestsBefore);
      outcomes.push(`${c.label}: ${step.promise}`);
      assert.equal(step.promise, c.expect, `${c.label}: diff promised ${step.promise} (${step.replaces.join(", ")})`);
      if (c.expect === "none") assert.equal(requests.length, 0, `${c.label}: no request at all`);
      if (c.expect === "replace") {
        assert.equal(step.deleteBeforeReplace, true, `${c.label}: a pod is deleted before its replacement is created`);
        assert.notEqual(slot.id, step.previousId, `${c.label}: a new pod`);
      }
      if (c.expect === "update") {
        assert.equal(slot.id, step.previousId, `${c.label}: the same pod`);
        const actions = requests
          .filter((r) => r.method === "POST" && r.path.endsWith("/action"))
          .map((r) => (JSON.parse(r.body!) as { action: string }).action);
        assert.deepEqual(actions, c.actions ?? [], `${c.label}: the start or stop actions sent`);
        const patches = requests.filter((r) => r.method === "PATCH");
        if (c.patch!.length === 0) assert.equal(patches.length, 0, `${c.label}: no PATCH`);
        else {
          assert.equal(patches.length, 1, `${c.label}: one PATCH`);
          assert.deepEqual(
            Object.keys(JSON.parse(patches[0].body!) as object).sort(),
            [...c.patch!].sort(),
            `${c.label}: the PATCH names what diff named`,
          );
        }
      }
      const live = emulator.pods().filter((p) => p.name === raw.name);
      assert.deepEqual(
        live.map((p) => p.id),
        [slot.id],
        `${c.label}: exactly one pod, the one in state`,
      );
      assert.equal(live[0].status, c.expect === "replace" ? "RUNNING" : (c.status ?? "RUNNING"), c.label);
      assert.equal(slot.outs.status, live[0].status, `${c.label}: the state's status is the pod's`);
      c.verify?.((await api.getPod(slot.id)) as unknown as Record<string, unknown>);
    }
  } finally {
    await slot.destroy().catch(() => undefined);
  }
  assert.equal(emulator.pods().length, 0, "destroy left nothing");
  assert.equal(outcomes.length, CASES.length);
});

test("removing args used to be promised as an update that then failed; now diff says replace, before any API call", async () => {
  const checked = await hosted.provider.check(
    {},
    { name: "p", ownerTag: "urn:x", image: "runpod/base:1.0.0", gpu: { id: GPU }, args: "sleep 1" },
  );
  const ins = checked.inputs as Raw;
  const outs = { ...ins, podId: "x", sshPort: 1 };
  const before = emulator.requests.length;
  const diff = await hosted.provider.diff("x", outs, without(ins, "args"));
  assert.deepEqual(diff.replaces, ["args"]);
  assert.equal(diff.deleteBeforeReplace, true);
  assert.equal(emulator.requests.length, before, "diff makes no API call");
  await assert.rejects(
    hosted.provider.update("x", outs, without(ins, "args")),
    /args cannot change in place; the pod must be replaced/,
  );
});
