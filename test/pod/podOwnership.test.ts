/**
 * Which pod a create may adopt (podOwnership.ts): name, owner tag AND keys. Two stacks of the same project and
 * stack name on one account (same URNs, same default pod names) must not adopt each other's pods.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { isOwnedPod } from "../../sdk/pod/podOwnership";
import type { Pod } from "../../sdk/runpod/schemas";
import { makeKeys } from "../reliability/support";

const [OURS, THEIRS] = makeKeys(2, "fleet-key").map((k) => k.publicKey);
const OURS_OTHER_COMMENT = `${OURS.split(" ").slice(0, 2).join(" ")} other-comment`;
const URN = "urn:pulumi:dev::proj::runpod-ssh:index:SshPod$pulumi-nodejs:dynamic/runpod-ssh:Pod::gpu-pod";

const pod = (over: Partial<Pod> & { keys?: string }): Pod => ({
  id: "p1",
  name: "proj-dev-gpu",
  status: "RUNNING",
  env: { PULUMI_RUNPOD_SSH_OWNER: URN, SSH_PUBLIC_KEY: over.keys ?? OURS, PUBLIC_KEY: over.keys ?? OURS },
  ...over,
});

test("a pod with our name, owner tag and keys is ours (a comment or an extra teammate key does not matter)", () => {
  assert.equal(isOwnedPod(pod({}), "proj-dev-gpu", URN, { sshPublicKeys: [OURS] }), true);
  assert.equal(isOwnedPod(pod({ keys: `${THEIRS}\n${OURS_OTHER_COMMENT}` }), "proj-dev-gpu", URN, { sshPublicKeys: [OURS] }), true);
});

test("the same name and owner tag but another stack's key: not ours (same-named stacks on one account)", () => {
  assert.equal(isOwnedPod(pod({ keys: THEIRS }), "proj-dev-gpu", URN, { sshPublicKeys: [OURS] }), false);
});

test("another name, another owner tag, or terminated: not ours", () => {
  assert.equal(isOwnedPod(pod({ name: "other" }), "proj-dev-gpu", URN, { sshPublicKeys: [OURS] }), false);
  assert.equal(isOwnedPod(pod({ env: { PULUMI_RUNPOD_SSH_OWNER: "urn:other", SSH_PUBLIC_KEY: OURS } }), "proj-dev-gpu", URN, { sshPublicKeys: [OURS] }), false);
  assert.equal(isOwnedPod(pod({ status: "TERMINATED" }), "proj-dev-gpu", URN, { sshPublicKeys: [OURS] }), false);
});

test("a resource that asks for no keys matches on name and owner tag alone", () => {
  assert.equal(isOwnedPod(pod({ keys: THEIRS }), "proj-dev-gpu", URN, {}), true);
});
