/**
 * The error the components throw for invalid inputs: an InputPropertiesError (the provider plugin's construct
 * reports each property to the engine) that the Node.js program host prints as a RunError: its message only,
 * no "Unhandled exception" and no stack trace (seen under the real CLI, test/engine/badInput.engine.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { InputProblems } from "../../sdk/components/inputProblems";

test("invalid inputs come as one InputPropertiesError that the program host prints like a RunError", () => {
  const problems = new InputProblems('SshPod "trainer"');
  problems.add("sshdMode", 'sshdMode must be "image" or "bootstrap", got "weird".');
  problems.add("gpu.ids", "gpu.ids must not be empty.");
  const error = problems.error()!;
  assert.ok(pulumi.InputPropertiesError.isInstance(error));
  assert.ok(pulumi.RunError.isInstance(error), "printed without a stack trace");
  assert.deepEqual((error).errors.map((e) => e.propertyPath), ["sshdMode", "gpu.ids"]);
  assert.match(error.message, /has 2 invalid inputs:\n {2}- sshdMode must/);
  assert.equal(new InputProblems("x").error(), undefined, "no error when every input is valid");
});
