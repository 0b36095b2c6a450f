/**
 * The reliability suite at its small size, so that a regression fails CI. (`npm run reliability` runs it at full
 * size and prints the table.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { allZero, formatTable, runSuite } from "./suite";
import { SIZES } from "./support";

test("reliability suite (small): every figure that must be zero is zero", async () => {
  const rows = await runSuite(SIZES.small);
  const table = formatTable(rows);
  console.log(table);
  assert.equal(rows.length, 6, "all scenarios ran, plus the secrets scan");
  assert.ok(allZero(rows), `\n${table}`);
  const badInput = rows.find((r) => r.scenario === "bad input")!;
  assert.ok(badInput.trials >= 40, "at least 40 malformed inputs");
});
