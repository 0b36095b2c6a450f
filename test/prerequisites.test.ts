/**
 * The suite's prerequisites: every program the tests run as users do is installed, and a missing one (rsync, ssh,
 * sshd, ...) is reported by name with the package to install, before anything runs it: not as an uncaught EPIPE
 * (the test process dying while writing to the stdin of a command that could not start) or a spawn ENOENT.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ALL_TOOLS, findTool, missingToolsMessage, requireTools, toolsIn } from "./helpers/prerequisites";
import { run } from "./helpers/emulator";
import { shell } from "./engine/harness";
import { withEnv } from "./helpers/env";

let bin: string;

/** A PATH holding only `sh` and `ssh`: rsync, scp and the rest are "not installed". */
before(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "no-rsync-"));
  for (const program of ["sh", "ssh"]) {
    const found = ["/usr/bin", "/bin"].map((d) => path.join(d, program)).find((f) => fs.existsSync(f));
    assert.ok(found, `${program} for the test PATH`);
    fs.symlinkSync(found, path.join(bin, program));
  }
});
after(() => fs.rmSync(bin, { recursive: true, force: true }));

test("every program the suite runs is installed (ssh, scp, sftp, rsync, ssh-keygen, sshd, curl)", () => {
  // Fails with the names and `apt-get install ...` when one is missing.
  requireTools(...ALL_TOOLS);
});

test("a pasted command whose program is missing fails naming it and its package; the test process survives", async () => {
  assert.equal(findTool("rsync", { PATH: bin }), undefined);
  const rsync = `rsync -avz --no-owner --no-group -e "ssh -p 40022 -i key"`;
  await withEnv({ PATH: bin }, async () => {
    // A large input would be written into a pipe nobody reads: an uncaught EPIPE before the fix.
    await assert.rejects(shell(rsync, "'a' 'root@203.0.113.7:/b'", "x".repeat(1 << 20)), (e: Error) => {
      assert.match(e.message, /^Missing test prerequisite: rsync \(not found on PATH\)/);
      assert.match(e.message, /apt-get install rsync /);
      assert.doesNotMatch(e.message, /EPIPE|ENOENT/);
      return true;
    });
  });
});

test("a command that exits without reading its input is reported by its exit, not as EPIPE", async () => {
  for (let i = 0; i < 5; i++) {
    await assert.rejects(shell("exit 3;", "", "x".repeat(1 << 20)), /exited 3/);
  }
});

test("the ssh/scp runner of the emulator tests names a missing program instead of a spawn ENOENT", async () => {
  await withEnv({ PATH: bin }, async () => {
    await assert.rejects(run("scp", ["a", "b"]), /^Error: Missing test prerequisite: scp .*apt-get install openssh-client /s);
  });
});

test("the tools of a command line are the programs it names as words", () => {
  assert.deepEqual(toolsIn(`rsync -avz -e "ssh -p 1 -i k" a b`).sort(), ["rsync", "ssh"]);
  assert.deepEqual(toolsIn("ssh-keygen -lf key"), ["ssh-keygen"]);
  assert.deepEqual(toolsIn("sftp -P 2 -i ~/.ssh/rsync-key root@h"), ["sftp"]);
  assert.deepEqual(toolsIn("echo sshd-like"), []);
});

test("a missing sshd is named with its package and where it was looked for", () => {
  const message = missingToolsMessage(["sshd", "rsync"]);
  assert.match(message, /^Missing test prerequisites: sshd, rsync \(not found on PATH or in \/usr\/sbin\)/);
  assert.match(message, /apt-get install openssh-server rsync /);
});
