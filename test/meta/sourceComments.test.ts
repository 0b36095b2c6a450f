/**
 * Source comments state facts themselves instead of pointing at files outside the repository (such as the
 * project's notes beside the checkout), which a reader of the package does not have.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..");
const FOLDERS = ["sdk", "emulator", "test", "bench", "scripts", "examples"];
const OUTSIDE = [/FACTS\.md/, /\.\.\/shared\//, /\/work\//];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(full);
    return /\.(ts|md|yml|yaml)$/.test(entry.name) ? [full] : [];
  });
}

test("no source file points at a file outside the repository", () => {
  const hits: string[] = [];
  for (const file of FOLDERS.flatMap((f) => sources(path.join(root, f)))) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (file.endsWith(path.join("meta", "sourceComments.test.ts"))) return;
      if (OUTSIDE.some((re) => re.test(line))) hits.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, []);
});
