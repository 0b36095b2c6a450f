/**
 * The other example programs under the real engine: examples/fleet (one key, several pods, a map of commands)
 * and examples/custom-image (an image without sshd, bootstrap start command), each in the emulator's other SSH
 * mode too where it matters (the key arriving as the pod's env override vs. the image's own start script).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SshMode } from "../../emulator";
import { getToolchain, openExampleStack, shell, teammateKey, TOOLCHAIN_TIMEOUT_MS } from "./harness";

let work: string;
before(
  async () => {
    await getToolchain();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-examples-"));
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(() => fs.rmSync(work, { recursive: true, force: true }));

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];

for (const sshMode of ["override", "image"] as SshMode[]) {
  test(`examples/fleet under the real engine (${sshMode} mode): one key, two pods, every command works`, async () => {
    const foreign = [teammateKey(work, `teammate-${sshMode}`)];
    const keyFile = path.join(work, `fleet-${sshMode}`, "key");
    const stack = await openExampleStack({ example: "fleet", sshMode, foreignKeys: foreign, config: { count: "2", privateKeyFile: keyFile } });
    try {
      await stack.ok(UP);
      const out = await stack.outputs();
      const commands = out.sshCommands as Record<string, string>;
      const ids = out.podIds as Record<string, string>;
      assert.deepEqual(Object.keys(commands).sort(), ["worker-0", "worker-1"]);
      for (const [name, command] of Object.entries(commands)) {
        assert.equal((await shell(command, "'echo $RUNPOD_POD_ID'")).trim(), ids[name], `${name}'s sshCommand reaches its pod`);
      }
      assert.equal(stack.emulator.accountKeys().length, 2, "the fleet registered one key, beside the teammate's");
      assert.equal(stack.emulator.accountKeys()[0], foreign[0], "the teammate's line is untouched");
      await stack.ok(DESTROY);
      assert.deepEqual(stack.emulator.pods(), []);
      assert.deepEqual(stack.emulator.accountKeys(), foreign);
      assert.equal(fs.existsSync(keyFile), false);
    } finally {
      await stack.close();
    }
  });
}

test("examples/custom-image under the real engine: the bootstrap start command brings sshd up", async () => {
  const stack = await openExampleStack({ example: "custom-image", config: { privateKeyFile: path.join(work, "custom", "key") } });
  try {
    await stack.ok(UP);
    const out = await stack.outputs();
    assert.equal((await shell(String(out.sshCommand), "'echo bootstrapped'")).trim(), "bootstrapped");
    const pod = stack.emulator.pods()[0];
    assert.match(pod.args ?? "", /base64 -d > \/tmp\/pulumi-runpod-ssh-start\.sh/, "the pod runs the bootstrap script");
    assert.deepEqual(pod.ports, ["8000/http", "22/tcp"]);
    await stack.ok(DESTROY);
    assert.deepEqual(stack.emulator.pods(), []);
    assert.deepEqual(stack.emulator.accountKeys(), []);
  } finally {
    await stack.close();
  }
});
