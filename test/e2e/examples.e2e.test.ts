/**
 * End to end: the real example programs (quickstart, fleet), their real dynamic providers executed the way
 * Pulumi's dynamic-provider host executes them (see miniEngine.ts), against the emulator with real key
 * material; then the generated commands run with the system OpenSSH client: a remote command, scp of a file in
 * and out (bytes compared), an sftp session and rsync. Both emulator SSH modes. Then destroy: no pod left, the
 * account holds exactly the keys it held before, the private key file is gone.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator, type RunpodEmulator, type SshMode } from "../../emulator";
import type { EngineState } from "./miniEngine";

const run = promisify(execFile);
const ENGINE = path.join(__dirname, "miniEngine.js");
const EXAMPLES = path.join(__dirname, "..", "..", "examples");

let work: string;
let foreignKeys: string[];

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-"));
  foreignKeys = ["teammate", "ci-bot"].map((c) => {
    const file = path.join(work, c);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", c, "-f", file]);
    return fs.readFileSync(`${file}.pub`, "utf8").trim();
  });
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

async function engine(emulator: RunpodEmulator, args: string[], project: string, config: Record<string, string>): Promise<void> {
  await run(process.execPath, [ENGINE, ...args], {
    env: {
      ...process.env,
      PULUMI_PROJECT: project,
      PULUMI_STACK: "e2e",
      PULUMI_CONFIG: JSON.stringify({ "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url, ...config }),
      RUNPOD_API_KEY: "",
      RUNPOD_SSH_KEY_SETTLE_MS: "200",
    },
    timeout: 120_000,
  }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`mini engine ${args[0]} failed: ${e.message}\n${e.stderr ?? ""}`);
  });
}

function readState(file: string): EngineState {
  return JSON.parse(fs.readFileSync(file, "utf8")) as EngineState;
}

/** Runs a generated command line (plus extra shell words) the way a user pastes it into a shell. */
async function shell(command: string, extra = "", input?: string): Promise<string> {
  const child = execFile("sh", ["-c", `${command} ${extra}`], { timeout: 30_000 });
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`\`${command} ${extra}\` exited ${code}: ${stderr}`);
  return stdout;
}

for (const mode of ["image", "override"] as SshMode[]) {
  test(`examples/quickstart and examples/fleet, end to end, ${mode} mode`, async () => {
    const emulator = await startEmulator({ sshMode: mode, timings: { provisioningMs: 150, startingMs: 150, sshdStartMs: 300 } });
    const dir = fs.mkdtempSync(path.join(work, `${mode}-`));
    try {
      emulator.setAccountKeys(foreignKeys);

      // quickstart
      const keyFile = path.join(dir, "keys dir", "quickstart key");
      const qsState = path.join(dir, "quickstart.json");
      await engine(emulator, ["up", path.join(EXAMPLES, "quickstart", "index.js"), qsState], "runpod-ssh-quickstart", {
        "runpod-ssh-quickstart:privateKeyFile": keyFile,
      });
      const qs = readState(qsState);
      assert.equal(qs.error, undefined);
      const out = qs.outputs as Record<string, string>;
      assert.equal((fs.statSync(keyFile).mode & 0o777).toString(8), "600", "key file mode 0600");
      assert.equal((fs.statSync(path.dirname(keyFile)).mode & 0o777).toString(8), "700", "key dir mode 0700");
      assert.equal(fs.readFileSync(keyFile, "utf8"), out.privateKeyOpenssh);
      assert.equal(emulator.accountKeys().length, foreignKeys.length + 1, "the stack's key is registered");

      assert.equal((await shell(out.sshCommand, "'echo ok-from-$RUNPOD_POD_ID'")).trim(), `ok-from-${out.podId}`);

      const remoteDir = fs.mkdtempSync(path.join(work, "remote "));
      const payload = crypto.randomBytes(256 * 1024);
      const local = path.join(dir, "payload in.bin");
      fs.writeFileSync(local, payload);
      const remote = path.join(remoteDir, "payload.bin");
      await shell(out.scpCommand, `'${local}' '${out.sshTarget}:${remote}'`);
      const back = path.join(dir, "payload back.bin");
      await shell(out.scpCommand, `'${out.sshTarget}:${remote}' '${back}'`);
      assert.ok(fs.readFileSync(back).equals(payload), "scp round trip keeps every byte");

      const sftpBack = path.join(dir, "sftp-back.bin");
      await shell(out.sftpCommand, "", `put "${local}" "${remoteDir}/sftp.bin"\nget "${remoteDir}/sftp.bin" "${sftpBack}"\nbye\n`);
      assert.ok(fs.readFileSync(sftpBack).equals(payload), "sftp round trip keeps every byte");

      await shell(out.rsyncCommand, `'${local}' '${out.sshTarget}:${remoteDir}/rsync.bin'`);
      assert.ok(fs.readFileSync(path.join(remoteDir, "rsync.bin")).equals(payload), "rsync copies the file");
      assert.match(out.sshConfig, new RegExp(`Port ${out.port}\\n`));

      // fleet: one key, three pods
      const fleetKey = path.join(dir, "fleet-key");
      const flState = path.join(dir, "fleet.json");
      await engine(emulator, ["up", path.join(EXAMPLES, "fleet", "index.js"), flState], "runpod-ssh-fleet", {
        "runpod-ssh-fleet:privateKeyFile": fleetKey,
        "runpod-ssh-fleet:count": "3",
      });
      const fl = readState(flState);
      assert.equal(fl.error, undefined);
      const commands = fl.outputs.sshCommands as Record<string, string>;
      assert.deepEqual(Object.keys(commands).sort(), ["worker-0", "worker-1", "worker-2"]);
      for (const [name, command] of Object.entries(commands)) {
        assert.equal((await shell(command, "'echo $RUNPOD_POD_ID'")).trim(), (fl.outputs.podIds as Record<string, string>)[name]);
      }
      assert.equal(emulator.pods().length, 4);
      assert.equal(emulator.accountKeys().length, foreignKeys.length + 2, "the fleet registered one key, not three");

      // destroy both
      await engine(emulator, ["destroy", flState], "runpod-ssh-fleet", {});
      await engine(emulator, ["destroy", qsState], "runpod-ssh-quickstart", {});
      assert.deepEqual(emulator.pods(), [], "no pod left");
      assert.deepEqual(emulator.accountKeys(), foreignKeys, "exactly the keys the account held before");
      assert.equal(fs.existsSync(keyFile), false, "the private key file was removed");
      assert.equal(fs.existsSync(fleetKey), false);
      assert.ok(!emulator.requests.some((r) => r.url.includes(emulator.apiKey)));
    } finally {
      await emulator.stop();
    }
  });
}

test("examples/custom-image (bootstrap start command) comes up and accepts SSH", async () => {
  const emulator = await startEmulator({ sshMode: "image", timings: { provisioningMs: 100, startingMs: 100, sshdStartMs: 200 } });
  const dir = fs.mkdtempSync(path.join(work, "custom-"));
  try {
    const state = path.join(dir, "custom.json");
    await engine(emulator, ["up", path.join(EXAMPLES, "custom-image", "index.js"), state], "runpod-ssh-custom-image", {
      "runpod-ssh-custom-image:privateKeyFile": path.join(dir, "key"),
    });
    const out = readState(state).outputs as Record<string, string>;
    assert.equal((await shell(out.sshCommand, "'echo bootstrapped'")).trim(), "bootstrapped");
    const pod = emulator.pods()[0];
    assert.match(pod.args ?? "", /^bash -c 'echo [A-Za-z0-9+/=]+ \| base64 -d > \/tmp\/pulumi-runpod-ssh-start\.sh/);
    assert.deepEqual(pod.ports, ["8000/http", "22/tcp"]);
    await engine(emulator, ["destroy", state], "runpod-ssh-custom-image", {});
    assert.deepEqual(emulator.pods(), []);
    assert.deepEqual(emulator.accountKeys(), []);
  } finally {
    await emulator.stop();
  }
});
