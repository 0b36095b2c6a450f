/**
 * A fleet's boots do not wait for the engine's operation slots, under the real engine: examples/fleet with 10 pods,
 * with the engine's default parallelism and with `--parallel 2`, and every pod's create reaches the emulator within
 * the first seconds of the fleet's creates (its timestamps), far less than one boot apart. Before PodReadiness a
 * pod create held a slot for its whole boot, so with 2 slots the 10 creates came in 5 waves a boot apart (and with
 * the default 8 slots on this 2-core machine, the last 2 came one boot late).
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getToolchain, openExampleStack, TOOLCHAIN_TIMEOUT_MS } from "./harness";

before(() => getToolchain(), { timeout: TOOLCHAIN_TIMEOUT_MS });

const PODS = 10;
/** One boot: 7 s from create to sshd, long beside the engine's own step time. */
const TIMINGS = { provisioningMs: 4000, startingMs: 2000, sshdStartMs: 1000 };
const BOOT_MS = TIMINGS.provisioningMs + TIMINGS.startingMs + TIMINGS.sshdStartMs;

for (const parallel of [undefined, 2]) {
  const label = parallel === undefined ? "the engine's default parallelism" : `--parallel ${parallel}`;
  test(`${PODS} pods with ${label}: every pod's boot starts within the first seconds, less than half a boot apart`, async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-fleet-boot-"));
    const stack = await openExampleStack({
      example: "fleet",
      config: { count: String(PODS), privateKeyFile: path.join(work, "key") },
      timings: TIMINGS,
    });
    try {
      const started = Date.now();
      await stack.ok(["up", "--yes", "--skip-preview", "--non-interactive", ...(parallel ? ["--parallel", String(parallel)] : [])]);
      const wallMs = Date.now() - started;
      const pods = stack.emulator.pods();
      assert.equal(pods.length, PODS);
      const creates = pods.map((p) => Date.parse(p.createdAt)).sort((a, b) => a - b);
      const spread = creates[creates.length - 1] - creates[0];
      const timeline = `creates at +${creates.map((c) => ((c - started) / 1000).toFixed(1)).join(", +")} s; up took ${(wallMs / 1000).toFixed(1)} s`;
      process.stderr.write(`[fleetBoot] ${label}: ${timeline}\n`);
      assert.ok(spread < BOOT_MS / 2, `the ${PODS} creates span ${spread} ms, not less than half a boot (${BOOT_MS / 2} ms): ${timeline}`);
      assert.ok(
        wallMs - (creates[0] - started) < 2 * BOOT_MS + 15_000,
        `from the first create to the end of up took more than about one boot plus the waits: ${timeline}`,
      );
      const out = await stack.outputs();
      const commands = Object.values(out.sshCommands as Record<string, string>);
      assert.equal(commands.length, PODS);
      for (const pod of pods) {
        assert.ok(pod.sshdReadyAt, `pod ${pod.id} is ready`);
        assert.ok(commands.some((c) => c.includes(` -p ${pod.sshPort} `)), `pod ${pod.id}'s port reached the outputs`);
      }
      await stack.ok(["destroy", "--yes", "--skip-preview", "--non-interactive", ...(parallel ? ["--parallel", String(parallel)] : [])]);
      assert.deepEqual(stack.emulator.pods(), [], "destroy left no pod");
    } finally {
      await stack.close();
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}
