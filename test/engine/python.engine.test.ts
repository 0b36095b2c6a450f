/**
 * examples/python under the real engine: the quickstart `__main__.py` using `pulumi_runpod_ssh.SshPod`, the
 * Python SDK Pulumi's own generator makes from the plugin's schema, installed with `pulumi` from PyPI in a
 * virtualenv this test creates. The program runs through the Python SDK's Automation API language server
 * (`--client`), since Pulumi's Python language host cannot be built here. preview, up, ssh, state, no-change
 * up, destroy; and check failures reach the Python user as readable messages naming the input.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createPythonEnv,
  getToolchain,
  openExampleStack,
  ROOT,
  assertNothingLeft,
  assertPreviewCreatesWithoutCalls,
  assertSshCommandRuns,
  teammateKey,
  TOOLCHAIN_TIMEOUT_MS,
  type PythonEnv,
} from "./harness";

let work: string;
let pythonEnv: PythonEnv | undefined;

before(
  async () => {
    await getToolchain();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-python-"));
    const started = Date.now();
    pythonEnv = await createPythonEnv();
    process.stderr.write(`[python] SDK generated and virtualenv ready in ${Date.now() - started} ms\n`);
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(() => {
  if (pythonEnv) fs.rmSync(pythonEnv.dir, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];

test("examples/python under the real engine: preview, up, ssh, plugin children, secrets, no-change up, destroy", async (t) => {
  const foreignKeys = [teammateKey(work, "alice@laptop")];
  const keyFile = path.join(work, "keys", "python key");
  const stack = await openExampleStack({
    example: "python",
    language: "python",
    python: pythonEnv!.python,
    foreignKeys,
    config: { privateKeyFile: keyFile },
  });
  try {
    await assertPreviewCreatesWithoutCalls(stack);

    const started = Date.now();
    await stack.ok(UP);
    t.diagnostic(`pulumi up of examples/python: ${Date.now() - started} ms`);
    await assertSshCommandRuns(stack);

    const exported = (await stack.ok(["stack", "export"])).stdout;
    assert.match(exported, /"type": "runpod-ssh:index:Pod"/, "the pod is the plugin's custom resource");
    assert.doesNotMatch(exported, /pulumi-nodejs:dynamic/, "no dynamic provider resource");
    assert.ok(!exported.includes(stack.emulator.apiKey), "no API key in the state");
    const hidden = await stack.ok(["stack", "output", "privateKeyOpenssh"]);
    assert.doesNotMatch(hidden.stdout, /PRIVATE KEY/, "the private key output is a secret");

    await stack.ok([...UP, "--expect-no-changes"]);

    await stack.ok(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
    assertNothingLeft(stack, foreignKeys, keyFile);
  } finally {
    await stack.close();
  }
});

const BAD_INPUT = { source: path.join(ROOT, "test", "engine", "programs", "python-bad-input"), built: "" };

for (const [name, inputs] of [
  ["pod", ["ports", "env"]],
  ["sshPod", ["sshdMode", "hostAlias"]],
] as const) {
  test(`Python: check failures (${name}) reach the user as readable messages naming each input`, async () => {
    const stack = await openExampleStack({
      example: "python-bad-input",
      language: "python",
      python: pythonEnv!.python,
      programDir: BAD_INPUT,
      config: { case: name },
    });
    try {
      const result = await stack.run(["preview", "--non-interactive"]);
      assert.notEqual(result.code, 0, "preview fails");
      assert.equal(stack.emulator.requests.length, 0, "no HTTP call");
      const diagnostics = result.output.slice(result.output.indexOf("Diagnostics:"));
      for (const input of inputs) {
        assert.match(diagnostics, new RegExp(`\\b${input}\\b`), `${input} is named:\n${result.output}`);
      }
      assert.doesNotMatch(result.output, /\.js:\d+:\d+|at new SshPod/, "no JavaScript stack trace from the plugin");
      // Each input is named in an error that is a message, not a traceback. (A Python traceback about the resource
      // monitor shutting down can follow: the Automation API language server hosting the program here prints one
      // when the engine stops.)
      const errors = diagnostics.split(/\n\s*error: /).slice(1);
      for (const input of inputs) {
        const naming = errors.filter((e) => new RegExp(`\\b${input}\\b`).test(e) && !/Traceback/.test(e));
        assert.ok(naming.length > 0, `an error message names ${input}:\n${diagnostics}`);
      }
    } finally {
      await stack.close();
    }
  });
}
