/**
 * Crash under the real engine: `pulumi up` SIGKILLed while the pod is being created, then the recovery the
 * README shows, run from its shell block: `pulumi cancel` (the file backend keeps the killed run's lock), then
 * `pulumi refresh --clear-pending-creates` (the state records the interrupted create as pending; the pod's id
 * never reached it), then `pulumi up`, whose Pod create adopts the pod the killed run started.
 * No pod leaked, none duplicated, and the stack works afterwards.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getToolchain, openExampleStack, ROOT, TOOLCHAIN_TIMEOUT_MS } from "./harness";
import { blockUnder, SHELL_LANGS } from "./markdownBlocks";
import { killLeftoverProcesses } from "../../scripts/engine/workspace";
import { waitFor } from "./inspect";

before(() => getToolchain(), { timeout: TOOLCHAIN_TIMEOUT_MS });

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const README = path.join(ROOT, "README.md");

test("pulumi up SIGKILLed mid-create, then cancel, refresh --clear-pending-creates, up: one pod, adopted, working; destroy leaves nothing", async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-crash-"));
  const stack = await openExampleStack({
    example: "quickstart",
    config: { privateKeyFile: path.join(work, "key") },
    timings: { provisioningMs: 4000, startingMs: 1000, sshdStartMs: 500 },
  });
  try {
    let cli: ChildProcess | undefined;
    // Kill once the create call has reached Runpod and the pod exists, while the engine waits for its answer. The
    // create returns as soon as Runpod accepted the pod (the wait for SSH is PodReadiness's), so the check polls
    // every 2 ms instead of waiting for the CLI's next line, which comes only after the answer.
    const killOnPod = (): void => {
      if (stack.emulator.pods().length === 1 && cli && cli.exitCode === null && !cli.killed) cli.kill("SIGKILL");
    };
    let poll: NodeJS.Timeout | undefined;
    const killed = await stack.run(UP, {
      onSpawn: (child) => {
        cli = child;
        poll = setInterval(killOnPod, 2);
      },
      onLine: killOnPod,
    });
    clearInterval(poll);
    assert.equal(killed.signal, "SIGKILL", `the CLI was killed mid-create:\n${killed.output}`);
    assert.equal(stack.emulator.pods().length, 1, "the killed run had created its pod");
    const orphan = stack.emulator.pods()[0].id;
    // What a killed CLI leaves running is gone with the machine's session in real life; stop it here.
    killLeftoverProcesses(stack.ws);

    const locked = await stack.run(UP);
    assert.notEqual(locked.code, 0);
    assert.match(locked.output, /currently locked/, "the file backend still holds the killed run's lock");

    const pending = JSON.parse((await stack.ok(["stack", "export"])).stdout) as { deployment: { pending_operations?: Array<{ type: string }> } };
    assert.deepEqual(pending.deployment.pending_operations?.map((o) => o.type), ["creating"], "the state records the pending create");
    // The recovery exactly as the README shows it, in a user's shell.
    const recovery = blockUnder(README, "Recovery after an interrupted `pulumi up`", SHELL_LANGS);
    const recovered = await stack.sh(recovery.text);
    assert.match(recovered.stdout, new RegExp(`found pod ${orphan} left by an interrupted earlier create`));
    const cleared = JSON.parse((await stack.ok(["stack", "export"])).stdout) as { deployment: { pending_operations?: unknown[] } };
    assert.deepEqual(cleared.deployment.pending_operations ?? [], [], "refresh cleared the pending create");
    await waitFor(() => stack.emulator.pods().length === 1);
    assert.deepEqual(stack.emulator.pods().map((p) => p.id), [orphan], "the orphan was adopted, not duplicated");

    const out = await stack.outputs();
    assert.equal(out.podId, orphan);
    assert.equal((await stack.sh(`eval "$(pulumi stack output sshCommand) 'echo recovered'"`)).stdout.trim(), "recovered");

    await stack.ok(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
    assert.deepEqual(stack.emulator.pods(), [], "no pod leaked");
    assert.deepEqual(stack.emulator.accountKeys(), [], "no key left on the account");
  } finally {
    await stack.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
