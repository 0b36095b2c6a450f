/**
 * With the real Pulumi CLI (when one is available): `pulumi up` / `destroy` of the root project
 * (examples/quickstart) against the emulator with a local backend, and the `sshCommand` output run for real.
 * Skipped, with the reason, when no CLI can be had (as on machines without network access to get.pulumi.com).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { findPulumiCli, runDemo } from "../../scripts/demo";

void (async () => {
  const cli = await findPulumiCli();
  const skip = "missing" in cli ? `skipped: ${cli.missing}` : false;
  test("pulumi up, ssh, pulumi destroy on the quickstart against the emulator (Pulumi CLI)", { skip }, async () => {
    if ("missing" in cli) return;
    const lines: string[] = [];
    const result = await runDemo(cli, (l) => lines.push(l));
    assert.match(result.sshOutput, /^hello from \w+$/);
    assert.ok(String(result.outputs.sshCommand).startsWith("ssh -p "));
    assert.ok(lines.some((l) => l.includes("pulumi destroy")));
  });
})();
