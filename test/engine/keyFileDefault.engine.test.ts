/**
 * The default key file under the real engine, with no privateKeyFile and no identityFile anywhere: `pulumi up`,
 * then `eval "$(pulumi stack output sshCommand)"` works on the same machine with no step in between, as a user
 * types it in bash; the key file is 0600 in a 0700 ~/.ssh; `pulumi destroy` leaves no key file. Both routes: a
 * TypeScript program (SshPod's own key) and a YAML program through the plugin (an own key, and one SshKey shared by
 * two pods: one file). Each run has its own HOME, so nothing touches the real ~/.ssh.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getToolchain, openExampleStack, ROOT, TOOLCHAIN_TIMEOUT_MS, type ExampleStack } from "./harness";

before(() => getToolchain(), { timeout: TOOLCHAIN_TIMEOUT_MS });

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];

/** Runs `line` in bash in the stack's folder, with the engine's environment (pulumi on PATH) and `home` as HOME. */
function userShell(stack: ExampleStack, home: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("bash", ["-c", line], { cwd: stack.cwd, env: { ...stack.ws.env, HOME: home }, timeout: 90_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`\`${line}\` failed: ${stderr}`)) : resolve(stdout),
    );
    child.stdin?.end();
  });
}

/** `eval "$(pulumi stack output <name>) 'echo ok-$RUNPOD_POD_ID'"`: the remote pod id, printed by the pod. */
async function sshRuns(stack: ExampleStack, home: string, output: string): Promise<string> {
  const said = await userShell(stack, home, `eval "$(pulumi stack output ${output}) 'echo ok-\\$RUNPOD_POD_ID'"`);
  const match = /^ok-(\w+)$/.exec(said.trim());
  assert.ok(match, `${output} runs a command on the pod: ${said}`);
  return match[1];
}

/** The file `identity` (`~/...`) under `home`: exists, mode 0600, holds a private key, in a 0700 directory. */
function assertKeyFile(home: string, identity: string): string {
  assert.match(identity, /^~\/\.ssh\/runpod-/, "a default under ~/.ssh");
  const file = path.join(home, identity.slice(2));
  assert.ok(fs.existsSync(file), `${identity} was written at up`);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, "key file mode 0600");
  assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700, "~/.ssh mode 0700");
  assert.match(fs.readFileSync(file, "utf8"), /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
  return file;
}

test("TypeScript: up, then eval \"$(pulumi stack output sshCommand)\" works with no step between; destroy removes the key", async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "engine-home-"));
  const env = { HOME: home };
  const stack = await openExampleStack({
    example: "from-config",
    programDir: {
      source: path.join(ROOT, "test", "engine", "programs", "from-config"),
      built: path.join(ROOT, "dist", "test", "engine", "programs", "from-config"),
    },
    config: { sshPod: JSON.stringify({ image: "runpod/pytorch:2.4.0", gpu: { ids: ["NVIDIA GeForce RTX 4090"] } }) },
  });
  try {
    await stack.ok(UP, { env });
    const identity = (await userShell(stack, home, "pulumi stack output identityFile")).trim();
    assert.equal(identity, "~/.ssh/runpod-runpod-ssh-from-config-engine-ssh-pod", "<project>-<stack>-<name>");
    const file = assertKeyFile(home, identity);
    assert.equal(await sshRuns(stack, home, "sshCommand"), String((await stack.outputs()).sshPodId));

    await stack.ok(DESTROY, { env });
    assert.equal(fs.existsSync(file), false, "destroy removed the key file");
  } finally {
    await stack.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test("plugin (YAML): an own key and a shared key are written by default; every command works after up; destroy removes both", async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "engine-home-"));
  const env = { HOME: home };
  const stack = await openExampleStack({
    example: "yaml-default-key",
    language: "yaml",
    programDir: { source: path.join(ROOT, "test", "engine", "programs", "yaml-default-key"), built: "" },
  });
  try {
    await stack.ok(UP, { env });
    const out = await stack.outputs();
    assert.equal(out.soloIdentity, "~/.ssh/runpod-yaml-default-key-engine-solo");
    assert.equal(out.workerIdentity, "~/.ssh/runpod-yaml-default-key-engine-fleetKey", "the shared key's one file");
    const files = [assertKeyFile(home, String(out.soloIdentity)), assertKeyFile(home, String(out.workerIdentity))];
    assert.deepEqual(fs.readdirSync(path.join(home, ".ssh")).filter((f) => f.startsWith("runpod-")).sort(), files.map((f) => path.basename(f)).sort());
    const ids = [];
    for (const output of ["soloCommand", "worker0Command", "worker1Command"]) ids.push(await sshRuns(stack, home, output));
    assert.equal(new Set(ids).size, 3, "three pods answered");

    await stack.ok(DESTROY, { env });
    for (const file of files) assert.equal(fs.existsSync(file), false, `destroy removed ${file}`);
  } finally {
    await stack.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});
