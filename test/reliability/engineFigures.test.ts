/**
 * The real-engine suite's figures as plain functions (test/reliability/engine/figures.ts): what counts as a
 * leaked or duplicated pod, a lost or touched key line, a line left behind; the kill plan; the state reader.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  duplicatedPods,
  figuresOf,
  inconsistencies,
  keyBody,
  keyFigures,
  killPlan,
  sharedPods,
  leakedPods,
  medianAndMax,
  seededRandom,
  type StackView,
} from "./engine/figures";
import { stackViewOf } from "./engine/fleet";

const ALICE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAlice alice@laptop";
const BOB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBob   bob's desktop  (typed by hand)";
const OURS = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOurs fleet-key pulumi:0123abcd";

const stack = (over: Partial<StackView> = {}): StackView => ({ label: "s", pods: [], pendingOperations: [], ...over });

test("keyBody: type and base64, whatever the comment and spacing; undefined for a line that is no key", () => {
  assert.equal(keyBody(BOB), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBob");
  assert.equal(keyBody('command="x" ssh-ed25519 AAAA c'), "ssh-ed25519 AAAA");
  assert.equal(keyBody("# a note"), undefined);
});

test("leaked: a pod no stack's state holds; duplicated: extra pods of one owner tag", () => {
  const pods = [
    { id: "a", name: "p0", owner: "urn:0" },
    { id: "b", name: "p1", owner: "urn:1" },
    { id: "c", name: "p1", owner: "urn:1" },
    { id: "d", name: "x" },
  ];
  const stacks = [stack({ pods: [{ urn: "urn:0", id: "a" }, { urn: "urn:1", id: "b" }] })];
  assert.deepEqual(leakedPods({ pods, stacks }).map((p) => p.id), ["c", "d"]);
  assert.equal(duplicatedPods(pods), 1);
  assert.equal(duplicatedPods([...pods, { id: "e", name: "p1", owner: "urn:1" }]), 2);
});

test("two same-named stacks: one owner tag, other keys, is no duplicate; one pod in two states is shared", () => {
  const a = { id: "a", name: "p", owner: "urn:0", keys: ALICE };
  const b = { id: "b", name: "p", owner: "urn:0", keys: BOB };
  assert.equal(duplicatedPods([a, b]), 0);
  assert.equal(duplicatedPods([a, b, { ...a, id: "c", keys: ALICE.replace("alice@laptop", "other comment") }]), 1, "same key, other comment");
  const holds = (label: string, id: string) => stack({ label, pods: [{ urn: "urn:0", id }] });
  assert.equal(sharedPods([holds("s1", "a"), holds("s2", "b")]), 0);
  assert.equal(sharedPods([holds("s1", "a"), holds("s2", "a")]), 1);
});

test("key lines: foreign lines byte for byte; a changed one is touched, a missing one lost; own keys held or left", () => {
  const foreign = [ALICE, BOB];
  const held = [stack({ accountKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOurs fleet-key" })];
  assert.deepEqual(keyFigures({ stacks: held, accountKeys: [ALICE, BOB, OURS], foreignKeys: foreign }), { keyLinesLost: 0, keyLinesTouched: 0, ownKeyLinesLeft: 0 });
  // Bob's line rewritten with single spaces: same key, not his bytes.
  const rewritten = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBob bob's desktop (typed by hand)";
  assert.deepEqual(keyFigures({ stacks: held, accountKeys: [ALICE, rewritten, OURS], foreignKeys: foreign }), { keyLinesLost: 0, keyLinesTouched: 1, ownKeyLinesLeft: 0 });
  // Alice's line and our own key gone while the stack holds it: two lines lost.
  assert.deepEqual(keyFigures({ stacks: held, accountKeys: [BOB], foreignKeys: foreign }), { keyLinesLost: 2, keyLinesTouched: 0, ownKeyLinesLeft: 0 });
  // After destroy no stack holds our key: its line is left behind.
  assert.deepEqual(keyFigures({ stacks: [stack()], accountKeys: [ALICE, BOB, OURS], foreignKeys: foreign }), { keyLinesLost: 0, keyLinesTouched: 0, ownKeyLinesLeft: 1 });
});

test("figures of a clean observation are all zero, for any number of stacks, pods and foreign lines (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }), fc.integer({ min: 0, max: 3 }), (podCounts, foreignCount) => {
      const foreign = Array.from({ length: foreignCount }, (_, i) => `ssh-ed25519 AAAAF${i} teammate-${i}`);
      const stacks = podCounts.map((n, s) => stack({ label: `s${s}`, pods: Array.from({ length: n }, (_, i) => ({ urn: `urn:${s}:${i}`, id: `${s}-${i}` })), accountKey: `ssh-ed25519 AAAAS${s} k pulumi:0000000${s}` }));
      const pods = stacks.flatMap((s) => s.pods.map((p) => ({ id: p.id, name: p.urn, owner: p.urn })));
      const accountKeys = [...foreign, ...stacks.map((s) => s.accountKey!)];
      const figures = figuresOf({ pods, stacks, accountKeys, foreignKeys: foreign });
      assert.deepEqual(Object.values(figures), [0, 0, 0, 0, 0, 0]);
    }),
  );
});

test("inconsistencies: pending operations, pods missing on the account, a wrong count", () => {
  const s = stack({ pods: [{ urn: "u", id: "a" }], pendingOperations: ["creating urn:x"] });
  const found = inconsistencies(s, [{ id: "b", name: "n" }], 2);
  assert.equal(found.length, 3, found.join("\n"));
  assert.deepEqual(inconsistencies(stack({ pods: [{ urn: "u", id: "a" }] }), [{ id: "a", name: "n" }], 1), []);
});

test("kill plan: same seed, same points; cycles up, update, refresh, destroy; fractions in [0.05, 0.95)", () => {
  const a = killPlan(20, seededRandom(7));
  assert.deepEqual(a, killPlan(20, seededRandom(7)));
  assert.notDeepEqual(a, killPlan(20, seededRandom(8)));
  assert.deepEqual(a.slice(0, 5).map((p) => p.command), ["up", "up with updates", "refresh", "destroy", "up"]);
  for (const p of a) assert.ok(p.fraction >= 0.05 && p.fraction < 0.95, String(p.fraction));
});

test("medianAndMax", () => {
  assert.deepEqual(medianAndMax([]), { median: 0, max: 0 });
  assert.deepEqual(medianAndMax([3, 1, 2]), { median: 2, max: 3 });
  assert.deepEqual(medianAndMax([4, 1, 2, 3]), { median: 2.5, max: 4 });
});

test("stackViewOf reads Pods, pending operations and the account key from `pulumi stack export`, whatever else the state holds", () => {
  const exported = JSON.stringify({
    deployment: {
      resources: [
        { urn: "urn:stack", type: "pulumi:pulumi:Stack" },
        { urn: "urn:key", type: "pulumi-nodejs:dynamic/runpod-ssh:AccountSshKey", id: "k", outputs: { publicKey: OURS } },
        { urn: "urn:pod0", type: "pulumi-nodejs:dynamic/runpod-ssh:Pod", id: "p0" },
        { urn: "urn:ready0", type: "pulumi-nodejs:dynamic/runpod-ssh:PodReadiness", id: "r0" },
        { urn: "urn:pod1", type: "pulumi-nodejs:dynamic/runpod-ssh:Pod" },
      ],
      pending_operations: [{ type: "creating", resource: { urn: "urn:pod1" } }],
    },
  });
  assert.deepEqual(stackViewOf("x", exported), {
    label: "x",
    pods: [{ urn: "urn:pod0", id: "p0" }],
    pendingOperations: ["creating urn:pod1"],
    accountKey: OURS,
  });
  assert.deepEqual(stackViewOf("empty", JSON.stringify({ deployment: {} })), { label: "empty", pods: [], pendingOperations: [], accountKey: undefined });
});
