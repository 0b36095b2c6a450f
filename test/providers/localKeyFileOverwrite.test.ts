/**
 * LocalKeyFile never overwrites somebody else's key: the default key path is derived from names (project, stack,
 * resource), so a file may already be there. Create and update replace a file only when it holds the same key or
 * the key this resource wrote before; otherwise they fail, name the file and say how to go on, and leave it as is.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { localKeyFileProvider, type LocalKeyFileOutputs } from "../../sdk/providers/localKeyFileProvider";

let dir: string;
const keys: string[] = [];

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "key-file-"));
  for (const n of [0, 1, 2]) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `k${n}`, "-f", path.join(dir, `k${n}`)]);
    keys.push(fs.readFileSync(path.join(dir, `k${n}`), "utf8"));
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const NOT_OVERWRITTEN = /already exists and holds another key, so it was not overwritten.*delete it.*set privateKeyFile to another path/s;

test("create: a file holding another key is left as it is and the error says what to do", async () => {
  const file = path.join(dir, "taken");
  fs.writeFileSync(file, keys[0], { mode: 0o600 });
  await assert.rejects(localKeyFileProvider.create({ path: file, content: keys[1] }), (e: Error) => {
    assert.match(e.message, NOT_OVERWRITTEN);
    assert.ok(e.message.includes(file), "names the file");
    assert.ok(!e.message.includes("PRIVATE KEY"), "prints no key");
    return true;
  });
  assert.equal(fs.readFileSync(file, "utf8"), keys[0], "the other key is untouched");
});

test("create: a file holding the same key (say, saved by hand first) is adopted", async () => {
  const file = path.join(dir, "same");
  fs.writeFileSync(file, keys[0].replace(/\n/g, "\r\n"), { mode: 0o644 });
  const outs = (await localKeyFileProvider.create({ path: file, content: keys[0] })).outs as LocalKeyFileOutputs;
  assert.equal(fs.readFileSync(file, "utf8"), keys[0]);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  await localKeyFileProvider.delete(file, outs);
  assert.equal(fs.existsSync(file), false);
});

test("update: the key this resource wrote is rewritten; a key somebody put there since is not", async () => {
  const file = path.join(dir, "rotated");
  const outs = (await localKeyFileProvider.create({ path: file, content: keys[0] })).outs as LocalKeyFileOutputs;
  const updated = await localKeyFileProvider.update(file, outs, { path: file, content: keys[1] });
  assert.equal(fs.readFileSync(file, "utf8"), keys[1], "our own earlier key is replaced by the new one");

  fs.writeFileSync(file, keys[2]);
  await assert.rejects(
    localKeyFileProvider.update(file, updated.outs as LocalKeyFileOutputs, { path: file, content: keys[0] }),
    NOT_OVERWRITTEN,
  );
  assert.equal(fs.readFileSync(file, "utf8"), keys[2]);
});
