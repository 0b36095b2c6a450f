/**
 * The real-engine reliability suite at its small size (test/reliability/engine/; `npm run reliability -- --engine
 * --size full` is the nightly size): a fleet under injected API faults during up, refresh and destroy; the CLI
 * SIGKILLed during an `up` and during a `destroy`, each followed by the README's recovery recipe for it, run as
 * written in a user's shell; two stacks' `up` and `destroy` at once on one account key list. Every figure that
 * must be zero is zero, no command failed under a fault, and both kills really interrupted their command.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { getToolchain, TOOLCHAIN_TIMEOUT_MS } from "./harness";
import { allZero, formatTable } from "../reliability/suite";
import { runEngineSuite } from "../reliability/engine/suite";
import { ENGINE_SIZES } from "../reliability/engine/scenarios";

before(() => getToolchain(), { timeout: TOOLCHAIN_TIMEOUT_MS });

test("real-engine reliability (small): faults, SIGKILL + README recovery of up and destroy, concurrent stacks: every figure zero", async () => {
  const seed = 42;
  const rows = await runEngineSuite(ENGINE_SIZES.small, seed, (line) => process.stderr.write(`${line}\n`));
  const table = formatTable(rows);
  console.log(table);
  assert.equal(rows.length, 3, `every scenario ran:\n${table}`);
  assert.ok(allZero(rows), `\n${table}`);
  for (const row of rows) assert.equal(row.failures, 0, `${row.scenario}: no command failed:\n${table}`);
  const kills = rows.find((r) => r.scenario.includes("SIGKILL"))!;
  assert.equal(kills.notes?.killed, "up, destroy", `both commands were really killed, not finished first:\n${table}`);
});
