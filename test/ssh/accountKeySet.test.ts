/**
 * The pure merge functions behind AccountSshKey: which lines are a resource's own, and how they are put and
 * removed while every other line keeps its bytes and its place.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { addKey, isOwnLine, ownerMarkOfLine, putOwnLine, removeOwnLines, type OwnLineRule } from "../../sdk/ssh/accountKeySet";
import { keyIdentity } from "../../sdk/ssh/publicKey";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

const mine = ed25519PublicKeyLine("mine");
const identity = keyIdentity(mine)!;
const others = [ed25519PublicKeyLine("a") + "  odd  spacing kept", "not a key at all \t", ed25519PublicKeyLine("b")];

test("the in-process test keys are keys ssh-keygen reads", () => {
  const out = execFileSync("ssh-keygen", ["-lf", "-"], { input: mine }).toString();
  assert.match(out, /^256 SHA256:\S+ mine \(ED25519\)/);
});

test("addKey dedupes on type + base64 ignoring the comment, and touches no other line", () => {
  const added = addKey(others, mine);
  assert.equal(added.alreadyPresent, false);
  assert.deepEqual(added.keys, [...others, mine]);
  const again = addKey(added.keys, `${identity} different-comment`);
  assert.equal(again.alreadyPresent, true);
  assert.deepEqual(again.keys, added.keys);
});

test("a line is a resource's own only with exactly its owner mark as the last word (or, unmarked, the exact line)", () => {
  const rule: OwnLineRule = { identity, mark: "pulumi:0123abcd" };
  assert.equal(ownerMarkOfLine(`${identity} ci pulumi:0123abcd`), "pulumi:0123abcd");
  assert.equal(ownerMarkOfLine(`${identity} pulumi:0123abcd`), "pulumi:0123abcd");
  assert.equal(ownerMarkOfLine(`ssh-ed25519 pulumi:0123abcd`), undefined, "the base64 is not a comment");
  assert.ok(isOwnLine(`${identity} ci pulumi:0123abcd`, rule));
  assert.ok(isOwnLine(`${identity} pulumi:0123abcd`, rule));
  assert.ok(!isOwnLine(`${identity} alice@laptop`, rule), "no mark: somebody else's");
  assert.ok(!isOwnLine(`${identity} ci pulumi:ffffffff`, rule), "another stack's mark");
  assert.ok(!isOwnLine(`${identity} pulumi:0123abcd trailing`, rule), "the mark must be the last word");
  assert.ok(!isOwnLine(`${others[2]} pulumi:0123abcd`, rule), "another key with our mark is not our key");
  const exact: OwnLineRule = { identity, line: mine };
  assert.ok(isOwnLine(mine, exact));
  assert.ok(!isOwnLine(`${identity} other`, exact));
});

test("putOwnLine rewrites only own lines in place, drops duplicate own lines, appends when none", () => {
  const rule: OwnLineRule = { identity, mark: "pulumi:0123abcd" };
  const foreignSameKey = `${identity} alice@laptop`;
  const set = [others[0], `${identity} old pulumi:0123abcd`, foreignSameKey, others[1], `${identity} dup pulumi:0123abcd`, others[2]];
  const next = putOwnLine(set, [rule], `${identity} new pulumi:0123abcd`);
  assert.deepEqual(next, [others[0], `${identity} new pulumi:0123abcd`, foreignSameKey, others[1], others[2]]);
  assert.deepEqual(putOwnLine([foreignSameKey, ...others], [rule], `${identity} new pulumi:0123abcd`), [
    foreignSameKey,
    ...others,
    `${identity} new pulumi:0123abcd`,
  ]);
});

test("removeOwnLines removes own lines only: marked ones all, an unmarked exact line one copy", () => {
  const rule: OwnLineRule = { identity, mark: "pulumi:0123abcd" };
  const foreignSameKey = `${identity} alice@laptop`;
  const set = [others[0], `${identity} x pulumi:0123abcd`, foreignSameKey, others[1], `${identity} pulumi:0123abcd`, others[2]];
  assert.deepEqual(removeOwnLines(set, rule), { keys: [others[0], foreignSameKey, others[1], others[2]], removed: 2 });
  assert.deepEqual(removeOwnLines(others, rule), { keys: others, removed: 0 });
  const twice = [mine, others[0], mine];
  assert.deepEqual(removeOwnLines(twice, { identity, line: mine }), { keys: [mine, others[0]], removed: 1 });
  assert.deepEqual(removeOwnLines([foreignSameKey], { identity, line: mine }), { keys: [foreignSameKey], removed: 0 });
});

test("without a mark, only the last copy of the exact line is the resource's: an identical copy added by hand stays", () => {
  const rule: OwnLineRule = { identity, line: mine };
  assert.deepEqual(putOwnLine([mine, others[0], mine], [rule], `${identity} new`), [mine, others[0], `${identity} new`]);
});
