/**
 * No sshd may outlive the emulator: when the emulator process is SIGKILLed (no exit
 * handler runs), each sshd's watchdog kills it, frees the port and removes the pod's
 * temporary directory within about a second.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import { describe, it } from "node:test";
import { startCli } from "../helpers/cli";
import { Api, canConnect, gpuPodBody, makeKeyPair, pgrep, processExists, tempDir, waitFor } from "../helpers/emulator";

interface State {
  tempDir: string;
  pods: { id: string; sshdPid: number | null; sshdReadyAt: number | null; sshPort: number | null; dir: string }[];
}

void describe("sshd watchdog", () => {
  void it("kills sshd within a few seconds after the emulator is SIGKILLed", async () => {
    const keys = await tempDir();
    const cli = await startCli(["--provisioning-ms", "20", "--starting-ms", "20", "--sshd-start-ms", "20", "--no-rate-limit"]);
    try {
      const api = new Api(cli.url, cli.apiKey);
      const key = await makeKeyPair(keys, "k");
      const created = await Promise.all([0, 1].map(() => api.createPod(gpuPodBody({ env: { PUBLIC_KEY: key.publicKey } }))));
      const views = await waitFor("both sshd listening", async () => {
        const state = (await api.get<State>("/_emulator/state")).body;
        const ready = state.pods.filter((pod) => created.some((c) => c.id === pod.id) && pod.sshdReadyAt);
        return ready.length === 2 ? { state, ready } : undefined;
      });
      const sshdPids = views.ready.map((pod) => pod.sshdPid as number);
      const related = await pgrep(views.state.tempDir); // sshd listeners and their watchdogs
      assert.ok(related.length >= 4, `expected sshd and watchdog processes, got ${related.join(", ")}`);
      for (const pod of views.ready) assert.equal(await canConnect(pod.sshPort as number), true);

      cli.child.kill("SIGKILL");
      await cli.exited;
      const killedAt = Date.now();
      await waitFor("sshd processes to disappear", () => sshdPids.every((pid) => !processExists(pid)), 3000);
      assert.ok(Date.now() - killedAt < 3000);
      await waitFor("watchdogs to disappear", async () => (await pgrep(views.state.tempDir)).length === 0, 3000);
      for (const pod of views.ready) {
        assert.equal(await canConnect(pod.sshPort as number), false);
        await assert.rejects(fs.access(pod.dir), /ENOENT/, "the watchdog removes the pod directory");
      }
      await waitFor("the emulator temp dir to be removed", () => fs.access(views.state.tempDir).then(() => false, () => true), 2000);
    } finally {
      cli.child.kill("SIGKILL");
      await fs.rm(keys, { recursive: true, force: true });
    }
  });
});
