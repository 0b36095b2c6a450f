/**
 * The committed Python and Go SDKs (sdk/python, sdk/go/runpodssh) are what Pulumi's generators make from the
 * committed schema today: regenerated into a temp folder and compared file by file (go.mod's dependency list and
 * go.sum come from `go mod tidy` and are checked for the module path and Pulumi version instead). Also: every
 * version the release carries is package.json's, and the new folders stay out of tsc, eslint and the npm package.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateSdks, GO_SDK_DIR, goModuleTag, listFiles, PYTHON_SDK_DIR, ROOT } from "../../scripts/release/sdks";
import { checkVersions } from "../../scripts/release/release";
import { GO_MODULE, PLUGIN_DOWNLOAD_URL } from "../../scripts/schema/buildSchema";
import { PINNED_PULUMI_VERSION } from "../../scripts/toolchain";

const TIDIED = new Set(["go.mod", "go.sum"]);

test(
  "the committed Python and Go SDKs are what the generators make from the committed schema",
  { timeout: 15 * 60_000 },
  async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "runpod-ssh-sdk-drift-"));
    try {
      await generateSdks(fresh, { tidy: false, log: (l) => process.stderr.write(`[sdkgen] ${l}\n`) });
      for (const dir of [PYTHON_SDK_DIR, GO_SDK_DIR]) {
        const generated = listFiles(path.join(fresh, dir)).filter((f) => !TIDIED.has(f));
        const committed = listFiles(path.join(ROOT, dir)).filter((f) => !TIDIED.has(f));
        assert.deepEqual(committed, generated, `${dir}: the same files (run \`npm run sdks\`)`);
        for (const file of generated) {
          const a = fs.readFileSync(path.join(ROOT, dir, file), "utf8");
          const b = fs.readFileSync(path.join(fresh, dir, file), "utf8");
          assert.ok(a === b, `${dir}/${file} is out of date with sdk/plugin/schema.json: run \`npm run sdks\``);
        }
      }
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
    const goMod = fs.readFileSync(path.join(ROOT, GO_SDK_DIR, "go.mod"), "utf8");
    assert.match(goMod, new RegExp(`^module ${GO_MODULE.replace(/\./g, "\\.")}$`, "m"));
    assert.match(
      goMod,
      new RegExp(`github\\.com/pulumi/pulumi/sdk/v3 v${PINNED_PULUMI_VERSION.replace(/\./g, "\\.")}\\b`),
    );
    assert.ok(fs.existsSync(path.join(ROOT, GO_SDK_DIR, "go.sum")), "go.sum is committed");
  },
);

test("the schema, both SDKs and the plugin archive name carry package.json's version and download server", () => {
  const version = checkVersions(ROOT);
  const pyPlugin = JSON.parse(
    fs.readFileSync(path.join(ROOT, PYTHON_SDK_DIR, "pulumi_runpod_ssh", "pulumi-plugin.json"), "utf8"),
  ) as Record<string, unknown>;
  assert.deepEqual(pyPlugin, { resource: true, name: "runpod-ssh", version, server: PLUGIN_DOWNLOAD_URL });
  const utilities = fs.readFileSync(path.join(ROOT, GO_SDK_DIR, "internal", "pulumiUtilities.go"), "utf8");
  assert.match(
    utilities,
    new RegExp(`semver\\.MustParse\\("${version.replace(/\./g, "\\.")}"\\)`),
    "Go resources ask for this version",
  );
  assert.equal(goModuleTag(version), `sdk/go/runpodssh/v${version}`);
  const exampleGoMod = fs.readFileSync(path.join(ROOT, "examples", "go", "go.mod"), "utf8");
  assert.ok(exampleGoMod.includes(`${GO_MODULE} v${version}\n`), "examples/go requires this version of the Go SDK");
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "sdk", "plugin", "schema.json"), "utf8")) as Record<
    string,
    unknown
  >;
  for (const key of ["pluginDownloadURL", "publisher", "repository", "homepage", "license"]) {
    assert.ok(typeof schema[key] === "string" && schema[key] !== "", `the schema has ${key}`);
  }
  assert.ok((schema.keywords as string[]).includes("kind/component"));
});

test("the generated SDK folders stay out of tsc, eslint and the npm package", () => {
  const tsFiles = (dir: string) => listFiles(path.join(ROOT, dir)).filter((f) => /\.(ts|tsx|mts|cts|js)$/.test(f));
  assert.deepEqual(tsFiles(PYTHON_SDK_DIR), [], "no TypeScript/JavaScript for tsc or eslint in sdk/python");
  assert.deepEqual(tsFiles(path.dirname(GO_SDK_DIR)), [], "none in sdk/go");
  const files = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { files: string[] }).files;
  assert.ok(!files.some((f) => f === "sdk" || f.startsWith("sdk/")), "the npm package ships dist/sdk, not sdk/");
  for (const file of ["LICENSE", "docs"]) assert.ok(files.includes(file), `the npm package ships ${file}`);
  assert.match(
    fs.readFileSync(path.join(ROOT, "LICENSE"), "utf8"),
    /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/,
  );
});
