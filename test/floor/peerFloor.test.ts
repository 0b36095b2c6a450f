/**
 * The `@pulumi/pulumi` peer floor is tested, not guessed: the oldest version package.json's peerDependencies allow
 * is installed from the npm registry into a cache folder (with this package's dependencies at the versions the
 * lock file pins), the files the package ships (package.json "files") are copied beside it, and there
 *
 * - a program loads `pulumi-runpod-ssh` by name under `pulumi.runtime.setMocks` (floorProgram.ts): components,
 *   the dynamic providers' serialization and runtime, InputPropertiesError;
 * - the provider plugin (`dist/sdk/plugin/main.js`) serves GetSchema, Configure and Check on that version.
 *
 * Why 3.143.0: the plugin answers GetSchema through `Provider.getSchema()`, which `pulumi.provider.main` calls
 * from 3.143.0 on (3.142.0 serves an empty schema, which this test caught). Below that: @pulumi/tls 5.6.1 itself
 * requires ^3.142.0 (an older @pulumi/pulumi would get a second, newer copy nested under @pulumi/tls); the
 * source-based plugin needs 3.141; dynamic providers get the stack config (`configure`, which reads
 * `runpod:token`) from 3.139.0; `InputPropertiesError` exists from 3.138.0. Checked in the published packages
 * (`npm pack @pulumi/pulumi@<v>`).
 *
 * The install is cached (`~/.cache/pulumi-runpod-ssh/peer-floor`, or under `XDG_CACHE_HOME`): about 15 s the first
 * time, nothing after.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PluginClient, urnOf } from "../plugin/pluginClient";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

/** The lowest version a `^x.y.z` / `>=x.y.z` range allows. */
function floorOf(range: string): string {
  const match = /^(?:\^|>=\s*)?(\d+\.\d+\.\d+)(?:\s*<\s*\d+(?:\.\d+)*)?$/.exec(range.trim());
  if (!match) throw new Error(`peerDependencies["@pulumi/pulumi"] is ${JSON.stringify(range)}; expected "^x.y.z" or ">=x.y.z <n"`);
  return match[1];
}

const FLOOR = floorOf(PACKAGE.peerDependencies["@pulumi/pulumi"]);

/** What gets installed beside the floor: each dependency at the version installed here (the lock file's). */
function installSpecs(): string[] {
  const deps = Object.keys(PACKAGE.dependencies).map((name) => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string };
    return `${name}@${version}`;
  });
  return [`@pulumi/pulumi@${FLOOR}`, ...deps];
}

function runNode(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number; output: string }> {
  // Not NODE_TEST_CONTEXT: with it, a child `node --test` takes itself for a subtest of this run and runs nothing.
  const { NODE_TEST_CONTEXT: _context, ...env } = { ...process.env, ...options.env };
  return new Promise((resolve) => {
    execFile(args[0], args.slice(1), { cwd: options.cwd, env, timeout: options.timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** The cached install of the floor (made once, atomically: a temporary folder renamed into place). */
async function floorInstall(): Promise<string> {
  const specs = installSpecs();
  const cacheHome = process.env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), ".cache");
  const key = createHash("sha256").update(specs.join(" ")).digest("hex").slice(0, 12);
  const dir = path.join(cacheHome, "pulumi-runpod-ssh", "peer-floor", `pulumi-${FLOOR}-${key}`);
  if (fs.existsSync(path.join(dir, "node_modules", "@pulumi", "pulumi", "package.json"))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    fs.writeFileSync(path.join(tmp, "package.json"), JSON.stringify({ private: true }));
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const args = [npm, "install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--ignore-scripts", ...specs];
    const result = await runNode(args, { cwd: tmp, timeoutMs: 300_000 });
    assert.equal(result.code, 0, `npm install ${specs.join(" ")} failed:\n${result.output}`);
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      if (!fs.existsSync(dir)) throw e; // another run put it there first
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/**
 * A folder for one run: the cached dependencies linked in, and a fresh copy of what the package ships as
 * node_modules/pulumi-runpod-ssh (a copy, not a link: Node would resolve a link back to this repository's
 * node_modules and its newer @pulumi/pulumi).
 */
function runFolder(install: string): string {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), "peer-floor-run-"));
  const modules = path.join(run, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(install, "node_modules"))) {
    fs.symlinkSync(path.join(install, "node_modules", entry), path.join(modules, entry));
  }
  const copy = path.join(modules, PACKAGE.name);
  fs.mkdirSync(copy);
  for (const file of ["package.json", ...PACKAGE.files]) {
    const from = path.join(ROOT, file);
    assert.ok(fs.existsSync(from), `${file} (package.json "files") exists; run npm run build first`);
    fs.cpSync(from, path.join(copy, file), { recursive: true });
  }
  fs.copyFileSync(path.join(__dirname, "floorProgram.js"), path.join(run, "floorProgram.js"));
  return run;
}

test(`the shipped package works on @pulumi/pulumi ${FLOOR}, the peer floor: components, dynamic providers, plugin`, { timeout: 360_000 }, async (t) => {
  const install = await floorInstall();
  assert.equal(
    fs.existsSync(path.join(install, "node_modules", "@pulumi", "tls", "node_modules", "@pulumi", "pulumi")),
    false,
    "@pulumi/tls accepts the floor (no newer copy of @pulumi/pulumi nested under it)",
  );
  const run = runFolder(install);
  try {
    await t.test("a program under setMocks", async () => {
      const result = await runNode([process.execPath, "--test", "floorProgram.js"], {
        cwd: run,
        env: { PULUMI_FLOOR_VERSION: FLOOR, NODE_OPTIONS: "" },
        timeoutMs: 120_000,
      });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /^# fail 0$/m, result.output);
      assert.match(result.output, /^# pass [1-9]/m, result.output);
    });

    await t.test("the provider plugin: schema, configure, check", async () => {
      const main = path.join(run, "node_modules", PACKAGE.name, "dist", "sdk", "plugin", "main.js");
      const plugin = await PluginClient.start({ RUNPOD_API_KEY: "" }, [process.execPath, main]);
      try {
        const schema = await plugin.getSchema();
        assert.equal(schema.name, "runpod-ssh", JSON.stringify(schema).slice(0, 300));
        await plugin.configure({ token: "rpa_floor", apiUrl: "http://127.0.0.1:9" }, { secretToken: true });
        const urn = urnOf("runpod-ssh:index:Pod", "trainer");
        const pod = { image: "runpod/base:1.0.0", gpu: { id: "NVIDIA GeForce RTX 4090" } };
        assert.deepEqual((await plugin.check(urn, {}, pod)).failures, []);
        const bad = await plugin.check(urn, {}, { ...pod, ports: ["99999/tcp"] });
        assert.deepEqual(bad.failures.map((f) => f.property), ["ports"]);
      } finally {
        await plugin.stop();
      }
    });
  } finally {
    fs.rmSync(run, { recursive: true, force: true });
  }
});
