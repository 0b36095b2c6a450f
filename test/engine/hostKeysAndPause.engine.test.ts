/**
 * The real Pulumi CLI on examples/quickstart against the emulator: the sshCommand output verifies the pod's pinned
 * host key from the very first connection, pasted into a shell whose HOME has no ~/.ssh (as in a CI job that only
 * has `pulumi stack output`); after a reset outside Pulumi, `refresh --run-program` moves the pin (and the port) to
 * the new container; `running: false` stops the pod (the commands say why) and `running: true` starts it again,
 * with the new port and host key in the outputs and a working pinned command.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getToolchain, openExampleStack, TOOLCHAIN_TIMEOUT_MS, type ExampleStack } from "./harness";
import { podSteps, stateResource, waitFor } from "./inspect";

let work: string;
let emptyHome: string;

before(
  async () => {
    await getToolchain();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-hostkeys-"));
    emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), "engine-empty-home-"));
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(emptyHome, { recursive: true, force: true });
});

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];

/** Runs a command output as pasted into `sh` with a HOME that has no ~/.ssh; rejects with ssh's stderr. */
function pasted(command: string, remote: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "sh",
      ["-c", `${command} ${remote}`],
      { env: { ...process.env, HOME: emptyHome }, timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`\`${command}\` failed: ${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

/** The emulator pod's host key (`type base64`), from the file its sshd uses. */
function liveHostKey(stack: ExampleStack): string {
  const pod = stack.emulator.pods()[0];
  return fs.readFileSync(path.join(pod.dir, "ssh_host_ed25519_key.pub"), "utf8").split(" ").slice(0, 2).join(" ");
}

async function outputs(stack: ExampleStack): Promise<Record<string, string>> {
  return (await stack.outputs()) as Record<string, string>;
}

test("quickstart under the real engine: pinned host key from the first connection, follows a reset, pause and start", async () => {
  const stack = await openExampleStack({ example: "quickstart", config: { privateKeyFile: path.join(work, "key") } });
  try {
    await stack.ok(UP);
    const first = await outputs(stack);
    const key = liveHostKey(stack);
    assert.equal(first.knownHostsLine, `[127.0.0.1]:${first.port} ${key}`, "the pinned line is the pod's own key");
    assert.deepEqual(first.hostKeys, [key]);
    assert.match(first.sshCommand, /-o StrictHostKeyChecking=yes -o UserKnownHostsFile=\/dev\/null/);
    assert.ok(first.sshCommand.includes(`'KnownHostsCommand=/bin/echo ${first.knownHostsLine}'`), first.sshCommand);
    assert.equal(await pasted(first.sshCommand, "'echo pinned-$RUNPOD_POD_ID'"), `pinned-${first.podId}`);
    const local = path.join(work, "payload.txt");
    fs.writeFileSync(local, "payload\n");
    await pasted(first.scpCommand, `'${local}' '${first.sshTarget}:${work}/copied.txt'`);
    assert.equal(fs.readFileSync(path.join(work, "copied.txt"), "utf8"), "payload\n", "scp works with the pin too");
    await pasted(first.rsyncCommand, `'${local}' '${first.sshTarget}:${work}/rsynced.txt'`);
    assert.equal(fs.readFileSync(path.join(work, "rsynced.txt"), "utf8"), "payload\n", "and rsync's -e");
    assert.deepEqual(fs.readdirSync(emptyHome), [], "no known-hosts file was needed or written");

    // A reset outside Pulumi: a new container, port and host key. refresh --run-program puts them in the commands.
    await stack.emulator.resetPod(first.podId);
    await waitFor(
      () => stack.emulator.pods()[0]?.status === "RUNNING" && stack.emulator.pods()[0]?.sshdReadyAt !== null,
    );
    const newKey = liveHostKey(stack);
    assert.notEqual(newKey, key);
    const refresh = await stack.ok(["refresh", "--yes", "--skip-preview", "--non-interactive"]);
    // The re-pin at the new address is a WARNING in the engine's diagnostics, not an INFO line.
    assert.match(
      refresh.stdout,
      new RegExp(`warning: pod \\S+ \\(${first.podId}\\) moved from 127\\.0\\.0\\.1:${first.port} to 127\\.0\\.0\\.1:\\d+`),
      refresh.stdout,
    );
    const refreshed = stateResource((await stack.ok(["stack", "export"])).stdout, "PodReadiness");
    assert.deepEqual(refreshed.outputs.hostKeys, [newKey], "refresh re-read the host keys into the state of the pod's readiness");
    assert.equal(refreshed.outputs.hostKeyProof, "api-log", "the runpod/* image's log proves the new key");
    await stack.ok(["refresh", "--run-program", "--yes", "--skip-preview", "--non-interactive"]);
    const afterReset = await outputs(stack);
    assert.equal(afterReset.knownHostsLine, `[127.0.0.1]:${afterReset.port} ${newKey}`);
    assert.equal(await pasted(afterReset.sshCommand, "'echo after-reset'"), "after-reset");
    await stack.ok([...UP, "--expect-no-changes"]);

    // Pause: previewed as an update of the pod, done with the stop action; the commands say why there is none.
    await stack.ok(["config", "set", "running", "false"]);
    const pausePreview = await stack.ok(["preview", "--json", "--non-interactive"]);
    assert.deepEqual(podSteps(pausePreview.stdout), ["update"], "pausing previews as an in-place update");
    await stack.ok(UP);
    assert.equal(stack.emulator.pods()[0].status, "EXITED");
    assert.equal(stack.emulator.pods()[0].id, first.podId, "the same pod, kept");
    const paused = await outputs(stack);
    for (const name of ["sshCommand", "scpCommand", "rsyncCommand", "sshTarget"]) {
      assert.match(paused[name], /^unavailable: the pod is stopped .*Set running to true/, name);
    }
    assert.equal(paused.knownHostsLine, null);
    await stack.ok([...UP, "--expect-no-changes"]);

    // Start again: a new container; the new port and host key reach the outputs, and the pinned command works.
    await stack.ok(["config", "set", "running", "true"]);
    await stack.ok(UP);
    const live = stack.emulator.pods()[0];
    assert.equal(live.status, "RUNNING");
    const started = await outputs(stack);
    assert.equal(Number(started.port), live.sshPort, "the new port reached the outputs");
    const startedKey = liveHostKey(stack);
    assert.notEqual(startedKey, newKey, "a new container, a new host key");
    assert.equal(started.knownHostsLine, `[127.0.0.1]:${live.sshPort} ${startedKey}`);
    assert.equal(await pasted(started.sshCommand, "'echo started-again'"), "started-again");
    await stack.ok([...UP, "--expect-no-changes"]);
  } finally {
    await stack.close();
    fs.rmSync(emptyHome, { recursive: true, force: true });
  }
});
