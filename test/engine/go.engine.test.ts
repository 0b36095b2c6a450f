/**
 * examples/go under the real engine: the quickstart `main.go`, compiled against the Go SDK Pulumi's own generator
 * makes from the plugin's schema (what `pulumi package add` generates), run by the CLI through a stand-in for
 * Pulumi's Go language host (scripts/engine/goProgramHost.ts; the real one is refused by the Go module proxy
 * here). preview, up, the sshCommand output runs a remote command, destroy leaves no pod and the account's keys
 * as they were.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  buildGoExample,
  EXAMPLES_SOURCE,
  openExampleStack,
  assertNothingLeft,
  assertPreviewCreatesWithoutCalls,
  assertSshCommandRuns,
  teammateKey,
  TOOLCHAIN_TIMEOUT_MS,
  type GoProgram,
} from "./harness";

let work: string;
let program: GoProgram | undefined;

before(
  async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-go-"));
    const started = Date.now();
    program = await buildGoExample(path.join(EXAMPLES_SOURCE, "go"));
    process.stderr.write(`[go] SDK generated and examples/go built in ${Date.now() - started} ms\n`);
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(() => {
  if (program) fs.rmSync(program.dir, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test("examples/go under the real engine: preview, up, ssh, plugin children, secrets, destroy", async (t) => {
  const foreignKeys = [teammateKey(work, "alice@laptop")];
  const keyFile = path.join(work, "keys", "go key");
  const stack = await openExampleStack({
    example: "go",
    language: "go",
    goBinary: program!.binary,
    foreignKeys,
    config: { privateKeyFile: keyFile },
  });
  try {
    await assertPreviewCreatesWithoutCalls(stack);

    const started = Date.now();
    await stack.ok(["up", "--yes", "--skip-preview", "--non-interactive"]);
    t.diagnostic(`pulumi up of examples/go: ${Date.now() - started} ms`);
    await assertSshCommandRuns(stack);
    const exported = (await stack.ok(["stack", "export"])).stdout;
    assert.match(exported, /"type": "runpod-ssh:index:Pod"/, "the pod is the plugin's custom resource");
    assert.ok(!exported.includes(stack.emulator.apiKey), "no API key in the state");
    const hidden = await stack.ok(["stack", "output", "privateKeyOpenssh"]);
    assert.doesNotMatch(hidden.stdout, /PRIVATE KEY/, "the private key output is a secret");

    await stack.ok(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
    assertNothingLeft(stack, foreignKeys, keyFile);
  } finally {
    await stack.close();
  }
});
