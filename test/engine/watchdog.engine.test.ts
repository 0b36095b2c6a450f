/**
 * The watchdog under the real engine, TypeScript and Python (the plugin's generated SDK, hosted by the Python
 * SDK's Automation API language server, a stand-in for Pulumi's Python host): `pulumi up` of an SshPod with
 * `maxLifetime` gives `stopsAt` in the outputs; the emulator runs the pod's watchdog for real at a scaled clock
 * (x60) and the pod stops itself on time with no Pulumi running; `pulumi refresh` prints a WARNING saying the
 * watchdog stopped it, and the next `pulumi up` leaves it stopped (no changes).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPythonEnv, getToolchain, openExampleStack, ROOT, TOOLCHAIN_TIMEOUT_MS, type ExampleStack, type PythonEnv } from "./harness";

const SCALE = 60;
/** 15 scaled minutes: 15 s, room for `pulumi up` (about 7 s) to finish well before. */
const LIFETIME_MINUTES = 15;
const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
let work: string;
let pythonEnv: PythonEnv | undefined;

before(
  async () => {
    await getToolchain();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-watchdog-"));
    pythonEnv = await createPythonEnv();
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);
after(() => {
  if (pythonEnv) fs.rmSync(pythonEnv.dir, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function stopsItself(stack: ExampleStack, t: { diagnostic(message: string): void }, language: string): Promise<void> {
  const before = Date.now();
  await stack.ok(UP);
  const upMs = Date.now() - before;
  const outputs = await stack.outputs();
  const stopsAt = Date.parse(String(outputs.stopsAt));
  assert.ok(
    stopsAt >= before + LIFETIME_MINUTES * 60_000 - 1000 && stopsAt <= Date.now() + LIFETIME_MINUTES * 60_000,
    `stopsAt ${String(outputs.stopsAt)} is the pod's start + ${LIFETIME_MINUTES}m`,
  );
  assert.equal(outputs.costPerHour, 0.69, "the pod's $/hr (an RTX 4090 on Secure Cloud)");
  const podId = String(outputs.podId);
  const pod = () => stack.emulator.pods().find((p) => p.id === podId);
  assert.equal(pod()?.status, "RUNNING");
  // The lifetime counts from the pod's start (stopsAt - lifetime), in scaled time.
  const startMs = stopsAt - LIFETIME_MINUTES * 60_000;
  const due = startMs + (LIFETIME_MINUTES * 60_000) / SCALE;
  while (pod()?.status === "RUNNING" && Date.now() < due + 15_000) await new Promise((r) => setTimeout(r, 200));
  const stoppedAfter = (Date.now() - startMs) / 1000;
  t.diagnostic(`${language}: pulumi up ${upMs} ms; the pod stopped itself ${stoppedAfter.toFixed(1)} s after its start (due at ${LIFETIME_MINUTES} s)`);
  assert.equal(pod()?.status, "EXITED", "the watchdog stopped the pod");
  assert.ok(stoppedAfter >= LIFETIME_MINUTES - 1 && stoppedAfter < LIFETIME_MINUTES + 6, `on time: ${stoppedAfter} s`);
  const actions = stack.emulator.requests.filter((r) => r.path === `/v2/pods/${podId}/action`);
  assert.deepEqual(actions.map((r) => r.body), ['{"action":"stop"}'], "one stop, sent by the watchdog");

  const refresh = await stack.ok(["refresh", "--yes", "--skip-preview", "--non-interactive"]);
  assert.match(refresh.stdout + refresh.stderr, /warning: .*was stopped by its watchdog \(maxLifetime\)\. `pulumi up` leaves it stopped/);
  const refreshed = await stack.outputs();
  assert.equal(refreshed.stopsAt, outputs.stopsAt);
  await stack.ok([...UP, "--expect-no-changes"]);
  assert.equal(pod()?.status, "EXITED", "`pulumi up` left it stopped");
}

test("TypeScript: the pod stops itself on time; stopsAt and $/hr in the outputs; refresh warns, up leaves it stopped", async (t) => {
  const stack = await openExampleStack({
    example: "watchdog-ts",
    programDir: { source: path.join(ROOT, "test", "engine", "programs", "watchdog-ts"), built: path.join(ROOT, "dist", "test", "engine", "programs", "watchdog-ts") },
    config: { maxLifetime: `${LIFETIME_MINUTES}m`, privateKeyFile: path.join(work, "ts-key") },
    watchdogTimeScale: SCALE,
  });
  try {
    await stopsItself(stack, t, "typescript");
  } finally {
    await stack.close();
  }
});

test("Python: the pod stops itself on time; stopsAt and $/hr in the outputs; refresh warns, up leaves it stopped", async (t) => {
  const stack = await openExampleStack({
    example: "watchdog-python",
    language: "python",
    python: pythonEnv!.python,
    programDir: { source: path.join(ROOT, "test", "engine", "programs", "watchdog-python"), built: "" },
    config: { maxLifetime: `${LIFETIME_MINUTES}m`, privateKeyFile: path.join(work, "py-key") },
    watchdogTimeScale: SCALE,
  });
  try {
    await stopsItself(stack, t, "python");
  } finally {
    await stack.close();
  }
});
