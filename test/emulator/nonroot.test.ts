/**
 * The emulator as a non-root user: only that user can log in, and ssh.direct reports its name. Runs only when the
 * tests run as root and an ordinary login user exists (uid >= 1000 with a real shell and home), through `runuser`;
 * skipped otherwise, with the reason. Works wherever the checkout sits: when that user cannot read it (a clone
 * under /root, or in `mktemp -d`), the emulator runs from a copy every user can read (test/helpers/emulatorForUser).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { startCli } from "../helpers/cli";
import { Api, gpuPodBody, makeKeyPair, processExists, runSsh, waitFor } from "../helpers/emulator";
import { CHECKOUT_ROOT, RUNUSER, copyEmulatorFiles, emulatorForUser } from "../helpers/emulatorForUser";

function findLoginUser(): string | undefined {
  if (process.getuid?.() !== 0 || !fs.existsSync(RUNUSER)) return undefined;
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
const prepared = user ? emulatorForUser(user) : undefined;
const skip = !user || !prepared ? "skipped: needs root, runuser and an ordinary login user" : "skip" in prepared ? prepared.skip : false;

interface State {
  sshUser: string;
  tempDir: string;
  pods: { id: string; sshdPid: number | null; sshdReadyAt: number | null }[];
}

/** Starts the CLI at `cliPath` as `login`; only `login` may log in to its pods' sshd; it cleans up on SIGTERM. */
async function onlyThatUserGetsIn(login: string, cliPath: string): Promise<void> {
  // The key lives where root's ssh client can read it; the emulator itself never reads it.
  const keys = await fsp.mkdtemp(path.join("/tmp", "emulator-nonroot-"));
  const args = ["--provisioning-ms", "20", "--starting-ms", "20", "--sshd-start-ms", "20", "--no-rate-limit"];
  const cli = await startCli(args, [RUNUSER, "-u", login, "--"], 10000, cliPath);
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
}

void describe("emulator as a non-root user", { skip }, () => {
  after(() => {
    if (prepared && "cleanup" in prepared) prepared.cleanup();
  });

  void it("lets only that user in and reports its name in ssh.direct", async () => {
    assert.ok(prepared && "cliPath" in prepared);
    await onlyThatUserGetsIn(user as string, prepared.cliPath);
  });

  void it("works from a checkout only root can read, through a copy that user can read", async () => {
    const login = user as string;
    // A checkout in `mktemp -d` (mode 0700): the other user cannot reach anything inside it.
    const hidden = fs.mkdtempSync(path.join(os.tmpdir(), "root-only-checkout-"));
    assert.equal(fs.statSync(hidden).mode & 0o777, 0o700);
    copyEmulatorFiles(CHECKOUT_ROOT, hidden);
    const fromHidden = emulatorForUser(login, hidden);
    try {
      assert.ok("cliPath" in fromHidden, "skip" in fromHidden ? fromHidden.skip : "");
      assert.equal(fromHidden.copied, true, "the emulator runs from a copy");
      assert.ok(!fromHidden.cliPath.startsWith(hidden));
      await onlyThatUserGetsIn(login, fromHidden.cliPath);
    } finally {
      if ("cleanup" in fromHidden) fromHidden.cleanup();
      fs.rmSync(hidden, { recursive: true, force: true });
    }
  });
});
