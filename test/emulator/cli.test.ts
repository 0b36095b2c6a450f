/**
 * The standalone command: its two stdout lines, flags, clean shutdown on SIGTERM and
 * SIGINT (no sshd left, temp dir removed), and exit code 2 for bad flags.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import { describe, it } from "node:test";
import { freePort } from "../../emulator/ids";
import { spawnCli, startCli } from "../helpers/cli";
import { Api, gpuPodBody, makeKeyPair, processExists, tempDir, waitFor } from "../helpers/emulator";

interface State {
  tempDir: string;
  pods: { id: string; sshdPid: number | null; sshdReadyAt: number | null }[];
}

void describe("runpod-emulator CLI", () => {
  void it("prints exactly the two lines, honours --port and --api-key, exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const cli = await startCli(["--port", String(port), "--api-key", "rpa_TESTKEY", "--no-sshd"]);
    try {
      assert.equal(cli.url, `http://127.0.0.1:${port}`);
      assert.equal(cli.apiKey, "rpa_TESTKEY");
      const api = new Api(cli.url, "rpa_TESTKEY");
      assert.equal((await api.get("/v2/account/ssh-keys")).status, 200);
      assert.equal((await new Api(cli.url, "other").get("/v2/account/ssh-keys")).status, 401);
      const state = (await api.get<State>("/_emulator/state")).body;
      assert.equal(cli.stdout(), `RUNPOD_API_URL=http://127.0.0.1:${port}\nRUNPOD_API_KEY=rpa_TESTKEY\n`);
      assert.ok(!cli.stderr().includes("rpa_TESTKEY"), "the key is printed only on stdout");

      cli.child.kill("SIGTERM");
      assert.deepEqual(await cli.exited, { code: 0, signal: null });
      await assert.rejects(fs.access(state.tempDir), /ENOENT/);
    } finally {
      cli.child.kill("SIGKILL");
    }
  });

  void it("generates a key when none is given and stops sshd on SIGINT", async () => {
    const cli = await startCli(["--provisioning-ms", "20", "--starting-ms", "20", "--sshd-start-ms", "20", "--ssh-mode", "override"]);
    const keys = await tempDir();
    try {
      assert.match(cli.apiKey, /^rpa_[0-9A-F]{32}$/);
      const api = new Api(cli.url, cli.apiKey);
      const key = await makeKeyPair(keys, "k");
      const pod = await api.createPod(gpuPodBody({ env: { SSH_PUBLIC_KEY: key.publicKey } }));
      const ready = await waitFor("sshd in the CLI emulator", async () => {
        const view = (await api.get<State>("/_emulator/state")).body.pods.find((p) => p.id === pod.id);
        return view?.sshdReadyAt ? view : undefined;
      });
      assert.ok((await api.getPod(pod.id)).ssh.direct);
      const state = (await api.get<State>("/_emulator/state")).body;
      const sshdPid = ready.sshdPid as number;
      assert.ok(processExists(sshdPid));

      cli.child.kill("SIGINT");
      assert.deepEqual(await cli.exited, { code: 0, signal: null });
      assert.equal(processExists(sshdPid), false, "sshd is gone once the CLI exited");
      await assert.rejects(fs.access(state.tempDir), /ENOENT/);
    } finally {
      cli.child.kill("SIGKILL");
      await fs.rm(keys, { recursive: true, force: true });
    }
  });

  void it("accepts timing and rate-limit flags", async () => {
    const cli = await startCli(["--rate-limit", "burst=3/60", "--no-sshd", "--provisioning-ms", "0", "--starting-ms", "0"]);
    try {
      const api = new Api(cli.url, cli.apiKey);
      const first = await api.get("/v2/pods");
      assert.equal(first.headers.get("ratelimit-policy"), '"burst";q=3;w=60');
      const pod = await api.createPod(gpuPodBody());
      // Admin routes are not rate limited, so polling them keeps the quota.
      await waitFor("RUNNING with zero delays", async () =>
        (await api.get<{ pods: { id: string; status: string }[] }>("/_emulator/state")).body.pods.some((p) => p.id === pod.id && p.status === "RUNNING"),
      500);
      assert.equal((await api.get("/v2/pods")).status, 200);
      assert.equal((await api.get("/v2/pods")).status, 429);
    } finally {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  });

  void it("--help prints usage and exits 0", async () => {
    const run = spawnCli(["--help"]);
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.match(run.stdout(), /^Usage: runpod-emulator/);
  });

  void it("bad flags exit with code 2 and a clear message", async () => {
    const cases: [string[], RegExp][] = [
      [["--bogus"], /Unknown option '--bogus'/],
      [["--port", "abc"], /--port expects a non-negative integer/],
      [["--port", "70000"], /--port must be at most 65535/],
      [["--ssh-mode", "magic"], /--ssh-mode must be 'image' or 'override'/],
      [["--rate-limit", "minute=0/60"], /quota and seconds must be positive/],
      [["--rate-limit", "60 per minute"], /is not name=quota\/seconds/],
      [["--rate-limit", "m=1/1", "--no-rate-limit"], /exclude each other/],
      [["stray"], /positional/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const run = spawnCli(args);
        const exit = await run.exited;
        assert.equal(exit.code, 2, `${args.join(" ")}: ${run.stderr()}`);
        assert.match(run.stderr(), message);
        assert.match(run.stderr(), /--help/);
        assert.equal(run.stdout(), "");
      }),
    );
  });

  void it("a port in use exits with code 1", async () => {
    const first = await startCli(["--no-sshd"]);
    try {
      const port = new URL(first.url).port;
      const second = spawnCli(["--no-sshd", "--port", port]);
      assert.equal((await second.exited).code, 1);
      assert.match(second.stderr(), /cannot listen on 127\.0\.0\.1:\d+/);
    } finally {
      first.child.kill("SIGTERM");
      await first.exited;
    }
  });
});
