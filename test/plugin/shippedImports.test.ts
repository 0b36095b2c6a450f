/**
 * Shipped code (dist/sdk) loads only packages this package declares (dependencies, peerDependencies, Node's own
 * modules, itself), and nothing of @pulumi/pulumi beyond its public entry points: no `proto/*` generated stubs,
 * which are not part of its API and may move in any release.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const SDK = path.join(ROOT, "dist", "sdk");
const PUBLIC_PULUMI = new Set(["@pulumi/pulumi", "@pulumi/pulumi/dynamic", "@pulumi/pulumi/provider"]);

function jsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsFiles(p) : e.name.endsWith(".js") ? [p] : [];
  });
}

/** Every module name a compiled file loads: require("x"), and strings handed to a createRequire'd loader. */
function loadedModules(source: string): string[] {
  return [...source.matchAll(/require\(\s*["']([^"'.][^"']*)["']\s*\)/g)].map((m) => m[1]);
}

function packageOf(name: string): string {
  const parts = name.split("/");
  return name.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

test("shipped code loads only declared packages and only public @pulumi/pulumi entry points", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    name: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const problems: string[] = [];
  const files = jsFiles(SDK);
  assert.ok(files.length > 20, "the compiled sdk is there");
  for (const file of files) {
    const source = fs.readFileSync(file, "utf8");
    const where = path.relative(ROOT, file);
    if (/@pulumi\/pulumi\/proto\//.test(source)) problems.push(`${where} names @pulumi/pulumi's private proto stubs`);
    if (/createRequire/.test(source)) problems.push(`${where} loads modules from another package's location`);
    for (const name of loadedModules(source)) {
      if (name.startsWith("node:")) continue;
      if (!declared.has(packageOf(name))) problems.push(`${where} loads ${name}, which package.json does not declare`);
      if (packageOf(name) === "@pulumi/pulumi" && !PUBLIC_PULUMI.has(name)) problems.push(`${where} loads ${name}`);
    }
  }
  assert.deepEqual(problems, []);
});
