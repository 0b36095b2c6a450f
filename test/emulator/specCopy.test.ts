/**
 * The emulator ships its own copy of the API contract (emulator/openapi-v2.json). Where the project's shared
 * contract sits beside the checkout (`shared` below), the copy must be identical to it; elsewhere the test skips.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..");
const shared = path.resolve(root, "..", "shared", "runpod", "openapi-v2.json");
const copy = path.join(root, "emulator", "openapi-v2.json");

test("emulator/openapi-v2.json is the shared API contract, byte for byte", { skip: fs.existsSync(shared) ? false : `skipped: ${shared} is not present on this machine` }, () => {
  assert.ok(fs.readFileSync(copy).equals(fs.readFileSync(shared)));
});
