/**
 * Each input class's preview promise holds at `up`, under the real engine: for one input at a time, what
 * `pulumi preview --json` says will happen to the pod (update in place, replace, nothing) is what `pulumi up`
 * then does, without an error, and the pod still answers ssh afterwards.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { podStepOps } from "./inspect";
import { getToolchain, openExampleStack, ROOT, shell, TOOLCHAIN_TIMEOUT_MS } from "./harness";

before(() => getToolchain(), { timeout: TOOLCHAIN_TIMEOUT_MS });

const PROGRAM = {
  source: path.join(ROOT, "test", "engine", "programs", "from-config"),
  built: path.join(ROOT, "dist", "test", "engine", "programs", "from-config"),
};

/** The pod's planned or done operation in `--json` output of preview or up ("same" when untouched). */
function podOp(json: string): string {
  const ops = podStepOps(json);
  if (ops.some((op) => op === "replace" || op === "create-replacement")) return "replace";
  return ops.find((op) => op !== "same") ?? "same";
}

/** The error diagnostics of an `up --json` event stream, one per line (the rest is too long to read). */
function errorsOf(json: string): string {
  return json
    .split("\n")
    .filter((l) => l.includes('"severity":"error"'))
    .map((l) => (JSON.parse(l) as { diagnosticEvent: { message: string } }).diagnosticEvent.message.trim())
    .join("\n");
}

const BASE = {
  image: "runpod/pytorch:2.4.0",
  gpu: { ids: ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000"] },
  env: { STAGE: "one" },
  sshdMode: "bootstrap",
  startCommand: "sleep infinity",
};

/** One change at a time, applied on top of the previous state, with the class it belongs to. */
const CHANGES: Array<{ label: string; args: Record<string, unknown>; expected: string }> = [
  { label: "env value (update in place)", args: { ...BASE, env: { STAGE: "two" } }, expected: "update" },
  { label: "ports added (update in place)", args: { ...BASE, env: { STAGE: "two" }, ports: ["8888/http"] }, expected: "update" },
  { label: "readiness timeout (behaviour only)", args: { ...BASE, env: { STAGE: "two" }, ports: ["8888/http"], readinessTimeoutSeconds: 600 }, expected: "update" },
  { label: "bootstrap mode turned off", args: { image: BASE.image, gpu: BASE.gpu, env: { STAGE: "two" }, ports: ["8888/http"] }, expected: "any" },
  { label: "GPU choice (replace)", args: { image: BASE.image, gpu: { ids: ["NVIDIA RTX A5000"] }, env: { STAGE: "two" }, ports: ["8888/http"] }, expected: "replace" },
];

test("what preview promises for each input class is what up does, and ssh works after each", async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-promises-"));
  const stack = await openExampleStack({
    example: "from-config",
    programDir: PROGRAM,
    config: { sshPod: JSON.stringify(BASE), keyFile: path.join(work, "key") },
  });
  try {
    await stack.ok(["up", "--yes", "--skip-preview", "--non-interactive"]);
    for (const change of CHANGES) {
      await stack.ok(["config", "set", "sshPod", JSON.stringify(change.args)]);
      const promised = podOp((await stack.ok(["preview", "--json", "--non-interactive"])).stdout);
      if (change.expected !== "any") assert.equal(promised, change.expected, `${change.label}: preview`);
      const up = await stack.run(["up", "--json", "--yes", "--skip-preview", "--non-interactive"]);
      assert.equal(up.code, 0, `${change.label}: up failed after preview promised ${promised}:\n${errorsOf(up.stdout) || up.stderr}`);
      assert.equal(podOp(up.stdout), promised, `${change.label}: up did what preview promised`);
      const out = await stack.outputs();
      const said = await shell(String(out.sshCommand), "'echo ok-$RUNPOD_POD_ID'");
      assert.equal(said.trim(), `ok-${String(out.sshPodId)}`, `${change.label}: ssh works afterwards`);
      assert.equal(stack.emulator.pods().length, 1, `${change.label}: one pod, never two`);
    }
  } finally {
    await stack.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
