/**
 * The emulator as a non-root user: only that user can log in, and ssh.direct reports
 * its name. Runs only when the tests run as root and an ordinary login user exists
 * (uid >= 1000 with a real shell and home), through `runuser`; skipped otherwise.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { describe, it } from "node:test";
import { startCli } from "../helpers/cli";
import { Api, gpuPodBody, makeKeyPair, processExists, runSsh, waitFor } from "../helpers/emulator";

function findLoginUser(): string | undefined {
  if (process.getuid?.() !== 0 || !fs.existsSync("/usr/sbin/runuser")) return undefined;
  let passwd: string;
  try {
    passwd = fs.readFileSync("/etc/passwd", "utf8");
  } catch {
    return undefined;
  }
  for (const line of passwd.split("\n")) {
    const [name, , uid, , , home, shell] = line.split(":");
    if (!name || !home || !shell || Number(uid) < 1000 || Number(uid) >= 65534) continue;
    if (/nologin|false$/.test(shell) || !fs.existsSync(shell) || !fs.existsSync(home)) continue;
    return name;
  }
  return undefined;
}

const user = findLoginUser();

interface State {
  sshUser: string;
  tempDir: string;
  pods: { id: string; sshdPid: number | null; sshdReadyAt: number | null }[];
}

void describe("emulator as a non-root user", { skip: user ? false : "needs root, runuser and an ordinary login user" }, () => {
  void it("lets only that user in and reports its name in ssh.direct", async () => {
    const login = user as string;
    // The key lives where root's ssh client can read it; the emulator itself never reads it.
    const keys = await fsp.mkdtemp(path.join("/tmp", "emulator-nonroot-"));
    const cli = await startCli(["--provisioning-ms", "20", "--starting-ms", "20", "--sshd-start-ms", "20", "--no-rate-limit"], ["/usr/sbin/runuser", "-u", login, "--"]);
    try {
      const api = new Api(cli.url, cli.apiKey);
      const key = await makeKeyPair(keys, "k");
      const pod = await api.createPod(gpuPodBody({ env: { PUBLIC_KEY: key.publicKey } }));
      const view = await waitFor("sshd as the non-root user", async () =>
        (await api.get<State>("/_emulator/state")).body.pods.find((p) => p.id === pod.id && p.sshdReadyAt),
      );
      const state = (await api.get<State>("/_emulator/state")).body;
      assert.equal(state.sshUser, login);
      const direct = (await api.getPod(pod.id)).ssh.direct;
      assert.ok(direct);
      assert.equal(direct.username, login);
      const result = await runSsh(key.privateKeyPath, login, direct.port, "id -un");
      assert.equal(result.stdout, `${login}\n`, result.stderr);
      const asRoot = await runSsh(key.privateKeyPath, "root", direct.port, "id -un");
      assert.equal(asRoot.code, 255, "root may not log in to a non-root emulator's sshd");

      cli.child.kill("SIGTERM");
      await cli.exited;
      await waitFor("sshd to exit", () => !processExists(view.sshdPid as number), 3000);
      await assert.rejects(fsp.access(state.tempDir), /ENOENT/);
    } finally {
      cli.child.kill("SIGKILL");
      await fsp.rm(keys, { recursive: true, force: true });
    }
  });
});
