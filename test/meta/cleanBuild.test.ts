/**
 * `npm test` runs what the sources say, not what an older build left behind: it deletes dist/ before building,
 * and every compiled file in dist/ must have its TypeScript source (a deleted or renamed test leaves an orphan
 * that `node --test` would otherwise keep running).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..");
const dist = path.join(root, "dist");

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The source a compiled file comes from: `dist/x/y.js`, `.js.map`, `.d.ts` -> `x/y.ts`. */
function sourceOf(compiled: string): string {
  const relative = path.relative(dist, compiled);
  return path.join(root, relative.replace(/(\.d\.ts|\.js\.map|\.js)$/, ".ts"));
}

test("every compiled file in dist/ has its source: no orphan of a deleted or renamed file", () => {
  const orphans = filesUnder(dist)
    .filter((f) => /(\.d\.ts|\.js\.map|\.js)$/.test(f))
    .filter((f) => !fs.existsSync(sourceOf(f)))
    .map((f) => path.relative(root, f));
  assert.deepEqual(orphans, [], "stale compiled files: run `npm test` (it deletes dist/ first) or `npm run clean`");
});

test("the test script deletes dist/ before it builds, and runs only what it just built", () => {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const steps = scripts.test.split("&&").map((s) => s.trim());
  assert.equal(steps[0], "npm run clean --silent", "the first step deletes dist/");
  assert.ok(steps.indexOf("npm run build") > 0, "then builds");
  assert.match(steps[steps.length - 1], /^node --test .*dist\/test/, "then runs the tests just built");
  assert.match(scripts.clean, /rmSync\('dist', \{ recursive: true, force: true \}\)/);
});
