/**
 * Network volumes and placement under the real engine, from a TypeScript program (the library's dynamic
 * providers) and a Python program (the plugin through its generated SDK): a NetworkVolume and an SshPod on it; a
 * file written over ssh (the stack's `sshCommand` output, as a user runs it) survives a GPU change, which replaces
 * the pod, and is read back on the new pod; a pod pinned to a data center without capacity lands elsewhere with
 * allowUnpinnedFallback, and says where; the protected volume refuses `destroy` until deletionProtection is
 * turned off with an `up`. The Python program runs through the Automation API language server (a stand-in for
 * Pulumi's Python host, which cannot be built here); the plugin it talks to is the real one.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createPythonEnv, getToolchain, openExampleStack, ROOT, TOOLCHAIN_TIMEOUT_MS, type PythonEnv, type StackOptions } from "./harness";

const A = "NVIDIA GeForce RTX 4090";
const B = "NVIDIA RTX A5000";
const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];
const PROGRAMS = path.join(ROOT, "test", "engine", "programs");

let pythonEnv: PythonEnv | undefined;
before(
  async () => {
    await getToolchain();
    pythonEnv = await createPythonEnv();
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);
after(() => {
  if (pythonEnv) fs.rmSync(pythonEnv.dir, { recursive: true, force: true });
});

const routes: Array<[string, () => StackOptions]> = [
  [
    "TypeScript",
    () => ({
      example: "volumes-ts",
      programDir: { source: path.join(PROGRAMS, "volumes-ts"), built: path.join(ROOT, "dist", "test", "engine", "programs", "volumes-ts") },
    }),
  ],
  [
    "Python",
    () => ({ example: "volumes-python", language: "python", python: pythonEnv!.python, programDir: { source: path.join(PROGRAMS, "volumes-python"), built: "" } }),
  ],
];

for (const [route, options] of routes) {
  test(`${route}: a volume's data survives a GPU change; a full pinned data center falls back; a protected volume refuses destroy`, async (t) => {
    const stack = await openExampleStack({ ...options(), config: { gpu: A, volumeDataCenter: "EU-RO-1" } });
    const started = Date.now();
    try {
      await stack.ok(UP);
      const first = await stack.outputs();
      assert.equal(first.dataCenterId, "EU-RO-1", "the pod runs in its volume's data center");
      await stack.sh(`eval "$(pulumi stack output sshCommand) 'echo kept-by-${route} > \\$RUNPOD_EMULATOR_ROOT/workspace/note.txt'"`);

      await stack.ok(["config", "set", "gpu", B]);
      const preview = await stack.ok(["preview", "--non-interactive", "--diff"]);
      assert.match(preview.output, /\+-\s.*(Pod|pod)|replace/i, `the GPU change replaces the pod:\n${preview.output}`);
      await stack.ok(UP);
      const second = await stack.outputs();
      assert.notEqual(second.podId, first.podId, "a new pod");
      assert.equal(second.volumeId, first.volumeId, "the same volume");
      const read = await stack.sh(`eval "$(pulumi stack output sshCommand) 'cat \\$RUNPOD_EMULATOR_ROOT/workspace/note.txt'"`);
      assert.equal(read.stdout.trim(), `kept-by-${route}`, "the file written on the old pod is read on the new one");

      stack.emulator.capacity.set(B, "US-KS-2", 0);
      await stack.ok(["config", "set", "fallbackDataCenters", JSON.stringify(["US-KS-2"])]);
      await stack.ok(UP);
      const third = await stack.outputs();
      assert.equal(typeof third.fallbackDataCenterId, "string");
      assert.notEqual(third.fallbackDataCenterId, "US-KS-2", "landed outside the full pinned data center");
      const creates = stack.emulator.requests.filter((r) => r.method === "POST" && r.path === "/v2/pods" && (r.body ?? "").includes('"US-KS-2"'));
      assert.ok(creates.some((r) => r.status === 400), "the pinned create was tried first and refused");

      const refused = await stack.run(DESTROY);
      assert.notEqual(refused.code, 0, "destroy refuses the protected volume");
      assert.match(refused.output, /deletionProtection: false, run `pulumi up`/);
      assert.equal(stack.emulator.volumes().length, 1, "the volume and its data are still there");
      assert.deepEqual(stack.emulator.pods(), [], "the pods are gone");
      await stack.ok(["config", "set", "protect", "false"]);
      await stack.ok(UP);
      await stack.ok(DESTROY);
      assert.deepEqual(stack.emulator.volumes(), []);
      t.diagnostic(`${route}: ${Date.now() - started} ms`);
    } finally {
      await stack.close();
    }
  });
}
