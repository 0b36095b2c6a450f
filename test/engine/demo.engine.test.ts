/**
 * `npm run demo` (the README's main job) under the real engine: from nothing to a working ssh command and
 * back, printing each step, and never printing a secret.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { runDemo } from "../../scripts/demo";
import { getToolchain, TOOLCHAIN_TIMEOUT_MS } from "./harness";

before(() => getToolchain(), { timeout: TOOLCHAIN_TIMEOUT_MS });

test("npm run demo: pulumi up, the sshCommand output, pulumi destroy, with no secret printed", async () => {
  const lines: string[] = [];
  const result = await runDemo(await getToolchain(), (line) => lines.push(line));
  assert.match(result.sshOutput, /^hello from \w+$/);
  assert.ok(String(result.outputs.sshCommand).startsWith("ssh -p "));
  const printed = lines.join("\n");
  for (const step of ["pulumi preview", "pulumi up", "pulumi destroy"]) assert.ok(printed.includes(`$ ${step}`), step);
  assert.match(printed, /pods left in the emulator: 0/);
  assert.doesNotMatch(printed, /PRIVATE KEY/, "the private key is never printed");
  assert.equal(result.outputs.privateKeyOpenssh, "[secret]");
});
