/**
 * The release, installed the way users install it, under the real CLI (toolchain cache) with a fresh PULUMI_HOME
 * and a fresh project outside the repository for each language. One `npm run release` build (in a temp folder: the
 * copy users download) is served by a local HTTP server standing in for the GitHub release; the SDKs keep their
 * real pluginDownloadURL and the CLI's own PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES redirects it to that server.
 *
 * Stand-ins, named: Pulumi's Python and Go language hosts cannot be built here, so the Python program runs through
 * the Python SDK's Automation API language server and the Go binary through scripts/engine/goProgramHost.ts
 * (`--client`). Neither reports required plugins, so the CLI does not install the plugin before the program runs,
 * as the real hosts make it do (from pulumi-plugin.json); it installs it when the program registers the first
 * runpod-ssh resource, with the version and pluginDownloadURL the SDK puts on it (the engine's provider registry,
 * `loadProvider`). Both paths install from the same descriptor, so the download itself is what is tested.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { load as parseYaml } from "js-yaml";
import { createVirtualenv } from "../../scripts/toolchainPython";
import { releaseFiles } from "../../scripts/release/release";
import { allPlatforms, archiveName, BUNDLE, EXECUTABLE } from "../../scripts/release/pluginArchive";
import {
  assertNothingLeft,
  assertPreviewCreatesWithoutCalls,
  getToolchain,
  getYamlHost,
  GO_HOST_SCRIPT,
  PYTHON_HOST_SCRIPT,
  TOOLCHAIN_TIMEOUT_MS,
  type ExampleStack,
} from "../engine/harness";
import { PluginClient, PLUGIN_BIN } from "../plugin/pluginClient";
import {
  assertEvalSshCommandRuns,
  assertPluginStayedInside,
  downloadEnv,
  freshProject,
  getRelease,
  openStack,
  readmeInstallCommands,
  removeRelease,
  REPOSITORY_SERVER,
  ROOT,
  serveRelease,
  tracerEnv,
  type Release,
  type ReleaseServer,
} from "./installFixture";
import { GO_MODULE_PATH } from "./programs";

const run = promisify(execFile);
let work: string;
let rel: Release;
let server: ReleaseServer;

before(
  async () => {
    await getToolchain();
    await getYamlHost();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "runpod-ssh-install-"));
    rel = await getRelease();
    server = await serveRelease(rel.dir);
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(async () => {
  await server?.close();
  await removeRelease();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];
const LINUX_ARCHIVE = () => archiveName(rel.version, "linux-amd64");

/** The README line's words, with `from` replaced by `to` (the registry name by the local artifact). */
function readmeWords(line: string, from: string, to: string): string[] {
  const words = line.split(/\s+/);
  assert.ok(words.includes(from), `\`${line}\` names ${from}`);
  return words.map((w) => (w === from ? to : w));
}

/** up (the CLI installs or finds the plugin), the sshCommand through eval, destroy leaves nothing. */
async function upSshDestroy(
  stack: ExampleStack,
  keyFile: string,
  t: { diagnostic(m: string): void },
  label: string,
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  await assertPreviewCreatesWithoutCalls(stack);
  const started = Date.now();
  const up = await stack.ok(UP, { env });
  t.diagnostic(`${label}: first pulumi up ${Date.now() - started} ms`);
  await assertEvalSshCommandRuns(stack);
  await stack.ok(DESTROY);
  assertNothingLeft(stack, [], keyFile);
  return up.output;
}

test("npm run release: every artifact of package.json's version; the workflow uploads only files it produces", async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
  assert.equal(rel.version, pkg.version);
  for (const file of releaseFiles(rel.version)) assert.ok(fs.existsSync(path.join(rel.dir, file)), `${file} built`);

  const workflow = parseYaml(fs.readFileSync(path.join(ROOT, ".github", "workflows", "release.yml"), "utf8")) as {
    jobs: Record<
      string,
      { steps: Array<{ run?: string }>; strategy?: { matrix: { include: Array<{ platform: string }> } } }
    >;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const scripts = steps.map((s) => s.run ?? "").join("\n");
  assert.match(scripts, /^npm run release$/m, "the workflow builds with npm run release");
  const platforms = workflow.jobs["plugin-starts"].strategy!.matrix.include.map((m) => m.platform).sort();
  assert.deepEqual(platforms, [...allPlatforms()].sort(), "each platform's plugin is started on its own runner");
  const used = [...scripts.matchAll(/artifacts\/([^\s"']+)/g)].map((m) => m[1].replace(/\$\{VERSION\}/g, rel.version));
  const expanded = used.flatMap((f) =>
    f.includes("${PLATFORM}") ? platforms.map((p) => f.replace("${PLATFORM}", p)) : [f],
  );
  assert.ok(expanded.length >= releaseFiles(rel.version).length, expanded.join(", "));
  for (const file of expanded) {
    assert.ok(
      fs.existsSync(path.join(rel.dir, file)),
      `the workflow uses artifacts/${file}, which npm run release makes`,
    );
  }
  const released = /gh release create[\s\S]*?(?:\n\s*\n|$)/.exec(scripts)?.[0] ?? "";
  for (const file of releaseFiles(rel.version)) {
    assert.ok(released.includes(file.replace(rel.version, "${VERSION}")), `the GitHub release gets ${file}`);
  }
});

test("the plugin archive: executable at its root, runs from a copy outside the repository, cold start", async (t) => {
  const archive = path.join(rel.dir, LINUX_ARCHIVE());
  const entries = execFileSync("tar", ["-tzvf", archive]).toString().trim().split("\n");
  assert.deepEqual(entries.map((e) => e.split(/\s+/).pop()).sort(), [EXECUTABLE, BUNDLE, "LICENSE"].sort());
  assert.match(entries.find((e) => e.endsWith(` ${EXECUTABLE}`)) ?? "", /^-rwx/, "the launcher is executable");
  const copy = path.join(work, "extracted");
  fs.mkdirSync(copy);
  execFileSync("tar", ["-xzf", archive, "-C", copy]);
  assert.ok(!fs.readFileSync(path.join(copy, BUNDLE), "utf8").includes(ROOT), "the bundle names no repository path");

  const traceDir = path.join(work, "trace-extracted");
  const coldStart = async (command: string[], env: NodeJS.ProcessEnv = {}) => {
    const started = process.hrtime.bigint();
    const plugin = await PluginClient.start(env, command);
    try {
      const version = await plugin.getPluginInfo();
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, version, schema: await plugin.getSchema() };
    } finally {
      await plugin.stop();
    }
  };
  // The tracer records in processes run from a PULUMI_HOME plugin folder: give the copy that shape.
  const home = path.join(work, "home-extracted");
  const installed = path.join(home, "plugins", `resource-runpod-ssh-v${rel.version}`);
  fs.mkdirSync(path.dirname(installed), { recursive: true });
  fs.renameSync(copy, installed);
  // Started from a working folder outside the repository, as the engine starts it from the project's.
  const launch = (executable: string) => ["sh", "-c", `cd "${work}" && exec "${executable}"`];
  const fromArchive = await coldStart(launch(path.join(installed, EXECUTABLE)), tracerEnv(traceDir));
  assert.equal(fromArchive.version, rel.version);
  assert.equal(fromArchive.schema.pluginDownloadURL, REPOSITORY_SERVER);
  assertPluginStayedInside(traceDir, home);
  const archiveMs: number[] = [];
  const launcherMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    archiveMs.push((await coldStart(launch(path.join(installed, EXECUTABLE)))).ms);
    launcherMs.push((await coldStart(launch(PLUGIN_BIN))).ms);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1].toFixed(0);
  const size = (f: string) => `${(fs.statSync(path.join(rel.dir, f)).size / 1024).toFixed(0)} KiB`;
  t.diagnostic(
    `cold start to GetPluginInfo, median of 3: archive ${median(archiveMs)} ms, bin/ launcher ${median(launcherMs)} ms`,
  );
  t.diagnostic(
    `sizes: plugin archive ${size(LINUX_ARCHIVE())}, npm ${size(releaseFiles(rel.version)[0])}, wheel ${size(releaseFiles(rel.version)[7])}`,
  );
});

for (const via of ["--server", "--file"] as const) {
  test(`YAML: the README's \`pulumi plugin install\` (${via}), then a YAML program: up, ssh, destroy`, async (t) => {
    const traceDir = path.join(work, `trace-yaml${via}`);
    const project = await freshProject("yaml", path.join(work, `yaml${via}`), {
      PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
      ...tracerEnv(traceDir),
    });
    const line = readmeInstallCommands().plugin;
    assert.ok(line.includes(` ${rel.version} `), `the README installs version ${rel.version}: ${line}`);
    const words = readmeWords(line, REPOSITORY_SERVER, server.url);
    const args =
      via === "--server" ? words.slice(1) : [...words.slice(1, -2), "--file", path.join(rel.dir, LINUX_ARCHIVE())];
    const before = server.requests.length;
    await project.run(args);
    const home = project.ws.env.PULUMI_HOME!;
    assert.ok(fs.existsSync(path.join(home, "plugins", `resource-runpod-ssh-v${rel.version}`, EXECUTABLE)));
    assert.deepEqual(server.requests.slice(before), via === "--server" ? [`/${LINUX_ARCHIVE()}`] : []);

    const keyFile = path.join(work, `yaml${via}-key`);
    // A pod that boots for a few seconds, so the plugin sends progress lines to the engine: they go through the
    // gRPC modules pluginEntry.ts maps to the bundled ones, and would silently fall back to stderr without them.
    const slowBoot = { provisioningMs: 2500, startingMs: 2500, sshdStartMs: 3000 };
    const stack = await openStack(
      project,
      { cliHostsProgram: true },
      { privateKeyFile: keyFile },
      "runpod-ssh",
      slowBoot,
    );
    try {
      const up = await upSshDestroy(stack, keyFile, t, `YAML ${via}`, { RUNPOD_SSH_PROGRESS_EVERY_MS: "500" });
      assert.match(
        up,
        /PodReadiness trainer-ready creating \(\d+s\) pod \S+ \(\w+\): (STARTING|RUNNING|CREATED|PROVISIONING)/,
        "the installed plugin's progress lines reach the engine",
      );
      assertPluginStayedInside(traceDir, home);
    } finally {
      await stack.close();
    }
  });
}

test("Python: the README's pip install of the wheel in a fresh venv; pulumi up downloads the plugin by itself", async (t) => {
  const traceDir = path.join(work, "trace-python");
  const project = await freshProject("python", path.join(work, "python"), downloadEnv(server, traceDir));
  const started = Date.now();
  const python = await createVirtualenv(path.join(work, "venv"), []);
  const pipStarted = Date.now();
  // The README's line, with pip pointed at the release folder instead of PyPI (pulumi itself came from PyPI above).
  const words = readmeWords(readmeInstallCommands().pip, "pip", path.join(path.dirname(python), "pip"));
  await run(words[0], [...words.slice(1), "--no-index", "--find-links", rel.dir, "--quiet"], { timeout: 300_000 });
  t.diagnostic(
    `venv with pulumi from PyPI ${pipStarted - started} ms, pip install of the wheel ${Date.now() - pipStarted} ms`,
  );
  const pluginJson = execFileSync(python, [
    "-c",
    "import importlib.resources as r; print(r.files('pulumi_runpod_ssh').joinpath('pulumi-plugin.json').read_text())",
  ]);
  assert.deepEqual(JSON.parse(pluginJson.toString()), {
    resource: true,
    name: "runpod-ssh",
    version: rel.version,
    server: REPOSITORY_SERVER,
  });

  const keyFile = path.join(work, "python-key");
  const host = { programHost: [python, PYTHON_HOST_SCRIPT, project.dir] };
  const stack = await openStack(project, host, { privateKeyFile: keyFile }, "runpod-ssh");
  try {
    const home = project.ws.env.PULUMI_HOME!;
    assert.ok(!fs.existsSync(path.join(home, "plugins", `resource-runpod-ssh-v${rel.version}`)), "not installed yet");
    await upSshDestroy(stack, keyFile, t, "Python");
    assert.ok(server.requests.includes(`/${LINUX_ARCHIVE()}`), "the CLI downloaded the plugin from the release");
    assert.ok(fs.existsSync(path.join(home, "plugins", `resource-runpod-ssh-v${rel.version}`, EXECUTABLE)));
    assertPluginStayedInside(traceDir, home);
  } finally {
    await stack.close();
  }
});

test("Go: the README's go get of the SDK module (replaced by the release's copy); pulumi up downloads the plugin", async (t) => {
  const traceDir = path.join(work, "trace-go");
  const project = await freshProject("go", path.join(work, "go"), downloadEnv(server, traceDir));
  const goEnv = { ...process.env, GOFLAGS: "-mod=mod", CGO_ENABLED: "0" };
  const go = (args: string[]) => run("go", args, { cwd: project.dir, env: goEnv, timeout: 600_000 });
  await go(["mod", "init", "installed-go"]);
  // Standing in for the module proxy serving the tag: the release's copy of the module.
  await go(["mod", "edit", "-replace", `${GO_MODULE_PATH}=${path.join(rel.dir, "go", "runpodssh")}`]);
  const words = readmeInstallCommands().go.split(/\s+/);
  assert.equal(words[2], `${GO_MODULE_PATH}@v${rel.version}`, "the README gets this version of the module");
  const started = Date.now();
  await go(words.slice(1));
  await go(["mod", "tidy"]);
  await go(["build", "-o", "program", "."]);
  t.diagnostic(`go get + build ${Date.now() - started} ms`);

  const keyFile = path.join(work, "go-key");
  const host = { programHost: [process.execPath, GO_HOST_SCRIPT, path.join(project.dir, "program")] };
  const stack = await openStack(project, host, { privateKeyFile: keyFile }, "runpod-ssh");
  try {
    const before = server.requests.length;
    await upSshDestroy(stack, keyFile, t, "Go");
    assert.ok(server.requests.slice(before).includes(`/${LINUX_ARCHIVE()}`), "the CLI downloaded the plugin");
    assertPluginStayedInside(traceDir, project.ws.env.PULUMI_HOME!);
  } finally {
    await stack.close();
  }
});

test("TypeScript: the README's npm install of the tarball into a fresh program: up, ssh, destroy", async (t) => {
  const project = await freshProject("nodejs", path.join(work, "nodejs"), {});
  const tarball = path.join(rel.dir, releaseFiles(rel.version)[0]);
  const words = readmeWords(readmeInstallCommands().npm, "pulumi-runpod-ssh", tarball);
  const started = Date.now();
  await run(words[0], [...words.slice(1), "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: project.dir,
    // As from a user's shell: none of the npm_* settings `npm test` passes down (they name this repository).
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    timeout: 600_000,
  });
  t.diagnostic(`npm install of the tarball ${Date.now() - started} ms`);
  const installed = fs.realpathSync(path.join(project.dir, "node_modules", "pulumi-runpod-ssh"));
  assert.ok(installed.startsWith(project.dir), `installed as a copy: ${installed}`);
  for (const file of ["LICENSE", "docs/_index.md", "docs/installation-configuration.md"]) {
    assert.ok(fs.existsSync(path.join(installed, file)), `the npm package holds ${file}`);
  }
  // The stand-in tls plugin (test support) at the version of the @pulumi/tls this program got.
  const tls = JSON.parse(
    fs.readFileSync(path.join(project.dir, "node_modules", "@pulumi", "tls", "package.json"), "utf8"),
  ) as {
    version: string;
    pulumi?: { version?: string };
  };
  const plugins = path.join(project.ws.env.PULUMI_HOME!, "plugins");
  const standIn = fs.readdirSync(plugins).find((d) => d.startsWith("resource-tls-v"))!;
  const wanted = `resource-tls-v${tls.pulumi?.version ?? tls.version}`;
  if (standIn !== wanted) fs.cpSync(path.join(plugins, standIn), path.join(plugins, wanted), { recursive: true });

  const keyFile = path.join(work, "nodejs-key");
  const host = { program: path.join(project.dir, "index.js") };
  const stack = await openStack(project, host, { privateKeyFile: keyFile }, "runpod");
  try {
    await upSshDestroy(stack, keyFile, t, "TypeScript");
  } finally {
    await stack.close();
  }
});
