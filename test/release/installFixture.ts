/**
 * The release tests' shared pieces: one `npm run release` build per test process, into a temp folder outside the
 * repository (the copy users download from); a local HTTP server standing in for the GitHub release; the README's
 * install lines; a fresh project with a fresh PULUMI_HOME per language; and a tracer that records every path the
 * installed plugin resolves or opens, to prove it never reaches back into the repository.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startEmulator } from "../../emulator";
import { buildRelease } from "../../scripts/release/release";
import {
  createWorkspace,
  pulumi,
  pulumiOk,
  type EngineWorkspace,
  type PulumiOptions,
} from "../../scripts/engine/workspace";
import { getToolchain, stackOf, type ExampleStack } from "../engine/harness";
import { writeProject, type Language } from "./programs";

/** dist/test/release -> repository root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const REPOSITORY_SERVER = "github://api.github.com/pulumi-runpod-ssh/pulumi-runpod-ssh";

export interface Release {
  dir: string;
  version: string;
}

let release: Promise<Release> | undefined;

/** `npm run release`'s build, once per process, into a temp folder; removed by `removeRelease`. */
export function getRelease(): Promise<Release> {
  release ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runpod-ssh-release-copy-"));
    const started = Date.now();
    const version = await buildRelease(dir, (line) => process.stderr.write(`[release] ${line}\n`));
    process.stderr.write(`[release] built in ${Date.now() - started} ms\n`);
    return { dir, version };
  })();
  return release;
}

export async function removeRelease(): Promise<void> {
  if (!release) return;
  const { dir } = await release;
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface ReleaseServer {
  url: string;
  /** Paths asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves the release folder's top-level files over HTTP, as GitHub serves a release's assets. */
export async function serveRelease(dir: string): Promise<ReleaseServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "/").split("?")[0].slice(1));
    requests.push(`/${name}`);
    const file = path.join(dir, name);
    if (name.includes("/") || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The commands of the README's `## Install` section (its sh block), comments stripped, by tool. */
export function readmeInstallCommands(): { npm: string; pip: string; go: string; plugin: string } {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = /\n## Install\n([\s\S]*?)(\n## |$)/.exec(readme)?.[1];
  assert.ok(section, "README.md has a `## Install` section");
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, "the Install section has an sh block");
  const lines = block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
  const pick = (prefix: string) => {
    const found = lines.filter((l) => l.startsWith(prefix));
    assert.equal(found.length, 1, `one \`${prefix}\` line in the README's Install section: ${lines.join(" | ")}`);
    return found[0];
  };
  return {
    npm: pick("npm install "),
    pip: pick("pip install "),
    go: pick("go get "),
    plugin: pick("pulumi plugin install "),
  };
}

/**
 * Environment that lets the CLI install a missing plugin by itself (as on a user's machine), with the GitHub
 * release URL the SDKs carry redirected to `server` (Pulumi's own PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: the
 * artifacts tested are the released ones, with the real pluginDownloadURL), and no plugin taken from PATH.
 */
export function downloadEnv(server: ReleaseServer, traceDir: string): NodeJS.ProcessEnv {
  return {
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false",
    PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: `^${REPOSITORY_SERVER.replace(/\./g, "\\.")}$=${server.url}`,
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    ...tracerEnv(traceDir),
  };
}

/**
 * NODE_OPTIONS that load pluginTracer.js (copied into `traceDir`, outside the repository) into every Node process;
 * it records only in the plugin installed under PULUMI_HOME.
 */
export function tracerEnv(traceDir: string): NodeJS.ProcessEnv {
  fs.mkdirSync(traceDir, { recursive: true });
  const tracer = path.join(traceDir, "pluginTracer.js");
  fs.copyFileSync(path.join(__dirname, "pluginTracer.js"), tracer);
  return { NODE_OPTIONS: `--require ${tracer}`, RUNPOD_SSH_TRACE_DIR: traceDir };
}

interface Trace {
  argv: string[];
  cwd: string;
  paths: string[];
}

/** The installed plugin ran from `pulumiHome` and resolved or opened nothing inside the repository. */
export function assertPluginStayedInside(traceDir: string, pulumiHome: string): void {
  const traces = fs
    .readdirSync(traceDir)
    .filter((f) => f.endsWith(".trace"))
    .map((f) => {
      const lines = fs.readFileSync(path.join(traceDir, f), "utf8").trim().split("\n");
      const head = JSON.parse(lines[0]) as { argv: string[]; cwd: string };
      return { ...head, paths: lines.slice(1) } satisfies Trace;
    });
  assert.ok(traces.length > 0, "the installed plugin ran (and was traced)");
  for (const trace of traces) {
    assert.ok(trace.argv[1].startsWith(path.join(pulumiHome, "plugins")), `runs from PULUMI_HOME: ${trace.argv[1]}`);
    assert.ok(trace.paths.length > 0, "the tracer recorded the plugin's lookups");
    const inside = trace.paths.filter((p) => p.startsWith(ROOT));
    assert.deepEqual(inside, [], `the plugin touched nothing inside the repository (${ROOT})`);
    assert.ok(!trace.cwd.startsWith(ROOT), `the plugin's working folder is outside the repository: ${trace.cwd}`);
  }
}

/** A fresh project folder (outside the repository) with its own workspace: PULUMI_HOME, state, passphrase. */
export interface InstalledProject {
  dir: string;
  ws: EngineWorkspace;
  run(args: string[], options?: Partial<PulumiOptions>): ReturnType<typeof pulumi>;
}

export async function freshProject(
  language: Language,
  parent: string,
  env: NodeJS.ProcessEnv,
): Promise<InstalledProject> {
  const ws = createWorkspace(await getToolchain(), "runpod-ssh-release-");
  Object.assign(ws.env, env);
  const dir = path.join(parent, `project-${language}`);
  writeProject(language, dir);
  return { dir, ws, run: (args, options = {}) => pulumiOk(ws, args, { cwd: dir, ...options }) };
}

/**
 * The project as a stack against a new emulator (engine/harness.ts's ExampleStack shape, so its checks apply):
 * `runpod-ssh:*` config for plugin languages, `runpod:*` for the TypeScript package.
 */
export async function openStack(
  project: InstalledProject,
  hosting: Partial<PulumiOptions>,
  config: Record<string, string>,
  namespace: "runpod-ssh" | "runpod",
  timings = { provisioningMs: 200, startingMs: 200, sshdStartMs: 300 },
): Promise<ExampleStack> {
  const { ws, dir } = project;
  const emulator = await startEmulator({ sshMode: "image", timings });
  const stack = stackOf({ ws, emulator, cwd: dir, program: "", hosting, shell: { program: hosting.program }, removeCwd: false });
  const ok = (args: string[]) => stack.ok(args);
  await ok(["stack", "init", "release", "--non-interactive"]);
  await ok(["config", "set", `${namespace}:apiUrl`, emulator.url]);
  await ok(["config", "set", "--secret", `${namespace}:token`, emulator.apiKey]);
  for (const [key, value] of Object.entries(config)) await ok(["config", "set", key, value]);
  return stack;
}

/**
 * Runs `eval "$(pulumi stack output sshCommand)"` in a real shell in the project folder, as the README tells users,
 * feeding a remote command on stdin; the pod answers with its id.
 */
export async function assertEvalSshCommandRuns(stack: ExampleStack): Promise<void> {
  const podId = String((await stack.outputs()).podId);
  const said = await stack.sh('eval "$(pulumi stack output sshCommand)"', {
    shell: "sh",
    input: "echo ok-from-$RUNPOD_POD_ID\n",
    env: { NODE_OPTIONS: "" },
  });
  assert.match(said.stdout, new RegExp(`ok-from-${podId}`), "the sshCommand output, run with eval, reaches the pod");
}
