/**
 * The real Pulumi CLI (scripts/toolchain.ts) on examples/quickstart against the emulator, the whole life of a
 * stack as a user lives it: preview, up, the output commands, the state, no-change up, an in-place update and
 * a replacement as previewed, refresh after changes made outside Pulumi, progress lines, destroy.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  assertNothingLeft,
  assertPreviewCreatesWithoutCalls,
  assertSshCommandRuns,
  getToolchain,
  openExampleStack,
  shell,
  teammateKey,
  TOOLCHAIN_TIMEOUT_MS,
  type ExampleStack,
} from "./harness";
import { podSteps, stateResource, waitFor } from "./inspect";

let work: string;
let foreignKeys: string[];

before(
  async () => {
    await getToolchain();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-quickstart-"));
    foreignKeys = [teammateKey(work, "alice@laptop"), teammateKey(work, "ci-bot")];
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(() => fs.rmSync(work, { recursive: true, force: true }));

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];

async function sshWorks(stack: ExampleStack): Promise<Record<string, string>> {
  return (await assertSshCommandRuns(stack)) as Record<string, string>;
}

test("quickstart under the real engine: preview, up, commands, state, no-change up, update, replace, refresh, destroy", async () => {
  const keyFile = path.join(work, "keys", "quickstart key");
  const stack = await openExampleStack({
    example: "quickstart",
    config: { privateKeyFile: keyFile },
    foreignKeys,
    timings: { provisioningMs: 2500, startingMs: 2500, sshdStartMs: 3000 },
  });
  try {
    // preview: nothing reaches the emulator, nothing is created.
    await assertPreviewCreatesWithoutCalls(stack);
    assert.deepEqual(stack.emulator.pods(), []);

    // up, with progress lines from the wait shown by the engine under the row of the pod's readiness.
    const up = await stack.ok(UP, { env: { RUNPOD_SSH_PROGRESS_EVERY_MS: "500" } });
    assert.match(up.output, /PodReadiness quickstart-ready creating \(\d+s\) pod \S+ \(\w+\): (STARTING|RUNNING|CREATED|PROVISIONING)/);
    const out = await sshWorks(stack);

    // scp in and out, bytes compared.
    const payload = crypto.randomBytes(128 * 1024);
    const local = path.join(work, "payload in.bin");
    fs.writeFileSync(local, payload);
    const remote = path.join(fs.mkdtempSync(path.join(work, "remote ")), "payload.bin");
    await shell(out.scpCommand, `'${local}' '${out.sshTarget}:${remote}'`);
    const back = path.join(work, "payload back.bin");
    await shell(out.scpCommand, `'${out.sshTarget}:${remote}' '${back}'`);
    assert.ok(fs.readFileSync(back).equals(payload), "scp round trip keeps every byte");
    const sftpBack = path.join(work, "sftp back.bin");
    const remoteDir = path.dirname(remote);
    await shell(out.sftpCommand, "", `put "${local}" "${remoteDir}/sftp.bin"\nget "${remoteDir}/sftp.bin" "${sftpBack}"\nbye\n`);
    assert.ok(fs.readFileSync(sftpBack).equals(payload), "sftp round trip keeps every byte");
    await shell(out.rsyncCommand, `'${local}' '${out.sshTarget}:${remoteDir}/rsync.bin'`);
    assert.ok(fs.readFileSync(path.join(remoteDir, "rsync.bin")).equals(payload), "rsync copies the file");

    // The CI recipe: the key from `pulumi stack output --show-secrets privateKeyOpenssh` works.
    const shown = await stack.ok(["stack", "output", "--show-secrets", "privateKeyOpenssh"]);
    const savedKey = path.join(work, "ci-key");
    fs.writeFileSync(savedKey, shown.stdout.trimEnd() + "\n", { mode: 0o600 });
    const ciSsh = `ssh -p ${out.port} -i '${savedKey}' -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ${out.sshTarget}`;
    assert.equal((await shell(ciSsh, "'echo ci-ok'")).trim(), "ci-ok");
    const hidden = await stack.ok(["stack", "output", "privateKeyOpenssh"]);
    assert.doesNotMatch(hidden.stdout, /PRIVATE KEY/, "without --show-secrets the key stays hidden");

    // The state holds no API key and no private key in clear text.
    const exported = (await stack.ok(["stack", "export"])).stdout;
    assert.ok(!exported.includes(stack.emulator.apiKey), "no API key in the state");
    const keyBody = String(out.privateKeyOpenssh).split("\n").filter((l) => l.length > 40)[1];
    assert.ok(keyBody && !exported.includes(keyBody), "no private key material in the state");

    // A second up with nothing changed reports no changes.
    await stack.ok([...UP, "--expect-no-changes"]);

    // An in-place update (an env value changed): previewed as an update, done as one.
    await stack.ok(["config", "set", "--path", "env.STAGE", "two"]);
    const updatePreview = await stack.ok(["preview", "--json", "--non-interactive"]);
    assert.deepEqual(podSteps(updatePreview.stdout), ["update"], "the env change previews as an in-place update");
    await stack.ok(UP);
    const updated = await sshWorks(stack);
    assert.equal(updated.podId, out.podId, "the same pod was patched");
    assert.notEqual(updated.port, out.port, "the new port after the container reset reaches the outputs");
    const patched = stack.emulator.pods().find((p) => p.id === out.podId)!;
    assert.equal(patched.env.STAGE, "two");
    assert.equal(patched.env.SSH_PUBLIC_KEY, String(out.publicKeyOpenssh), "the key variables were kept");
    assert.equal(patched.env.PUBLIC_KEY, String(out.publicKeyOpenssh));

    // A replacement (the GPU choice changed): previewed as a replace, done as one.
    await stack.ok(["config", "set", "--path", "gpuTypes[0]", "NVIDIA RTX A5000"]);
    const replacePreview = await stack.ok(["preview", "--json", "--non-interactive"]);
    assert.deepEqual(podSteps(replacePreview.stdout), ["replace"], "the GPU change previews as a replacement");
    await stack.ok(UP);
    const replaced = await sshWorks(stack);
    assert.notEqual(replaced.podId, out.podId, "a new pod");
    assert.deepEqual(stack.emulator.pods().map((p) => p.id), [replaced.podId], "the old pod is gone");

    // Refresh after a reset outside Pulumi picks up the new port; refresh --run-program puts it in the commands.
    const podId = String(replaced.podId);
    await stack.emulator.resetPod(podId);
    await waitFor(() => stack.emulator.pods()[0]?.status === "RUNNING" && stack.emulator.pods()[0]?.sshdReadyAt !== null);
    const newPort = stack.emulator.pods()[0].sshPort;
    assert.notEqual(newPort, replaced.port);
    await stack.ok(["refresh", "--yes", "--skip-preview", "--non-interactive"]);
    const refreshedPod = stateResource((await stack.ok(["stack", "export"])).stdout, "Pod");
    assert.equal(refreshedPod.outputs.sshPort, newPort, "refresh recorded the new port");
    await stack.ok(["refresh", "--run-program", "--yes", "--skip-preview", "--non-interactive"]);
    const afterReset = await sshWorks(stack);
    assert.equal(afterReset.port, newPort, "refresh --run-program puts the new port into the command outputs");
    await stack.ok([...UP, "--expect-no-changes"]);

    // Refresh after the pod was deleted outside Pulumi reports it gone; the next up creates it again.
    const response = await fetch(`${stack.emulator.url}/v2/pods/${podId}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${stack.emulator.apiKey}` },
    });
    assert.ok(response.ok, `DELETE answered ${response.status}`);
    const refresh = await stack.ok(["refresh", "--yes", "--skip-preview", "--non-interactive"]);
    assert.match(refresh.output, /Pod quickstart-pod deleted/);
    await stack.ok(UP);
    const recreated = await sshWorks(stack);
    assert.notEqual(recreated.podId, podId);
    assert.equal(stack.emulator.pods().length, 1);

    // destroy: no pod, exactly the account's earlier keys, the key file gone.
    await stack.ok(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
    assertNothingLeft(stack, foreignKeys, keyFile);
  } finally {
    await stack.close();
  }
});
