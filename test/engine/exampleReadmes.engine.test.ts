/**
 * The examples' READMEs (Python, Go, YAML) run as pasted, the way a user who installs the released package runs
 * them: every shell block, in bash and then in sh, each in a fresh copy of the example (`cd examples/<name>` works
 * as written), a fresh PULUMI_HOME and HOME, under the real engine against the emulator. Nothing in the blocks is
 * substituted; the environment points the tools at the release instead of the public registries:
 *
 * - `npm run release`'s artifacts (test/release/installFixture.ts) are served by a local stand-in for the GitHub
 *   release; the CLI's own PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES sends the real `github://` URL there, so the CLI
 *   downloads the plugin by itself as for users;
 * - pip finds `pulumi-runpod-ssh` in the release folder (PIP_FIND_LINKS; `pulumi` itself comes from PyPI);
 * - Go fetches the SDK module from a file-based module proxy made of the release's copy of the module (GOPROXY),
 *   standing in for the proxy serving the tag (the rest comes from the real proxy; GONOSUMDB for this module);
 * - HOME is a temp folder, so the examples' default key files land there (the commands expand `~` in the shell).
 *
 * Stand-ins: the Python and Go language hosts (the shell's `pulumi` is scripts/engine/pulumiShim.ts, which runs
 * the program through pythonProgramHost.py, or builds it with `go build` and runs goProgramHost.ts); YAML runs on
 * Pulumi's real YAML host.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator } from "../../emulator";
import { createWorkspace } from "../../scripts/engine/workspace";
import { getRelease, removeRelease, serveRelease, REPOSITORY_SERVER, type Release, type ReleaseServer } from "../release/installFixture";
import { getToolchain, getYamlHost, ROOT, TOOLCHAIN_TIMEOUT_MS } from "./harness";
import { shellBlocks } from "./markdownBlocks";
import { runUserShellOk, userShellEnv, type ShellName } from "./userShell";

const SHELLS: ShellName[] = ["bash", "sh"];
let work: string;
let rel: Release;
let server: ReleaseServer;
let goProxy: string;
const GO_MODULE_PATH = "github.com/pulumi-runpod-ssh/pulumi-runpod-ssh/sdk/go/runpodssh";

/**
 * A module proxy in a folder (GOPROXY=file://...), serving `module` (a folder holding its go.mod) at `v<version>`
 * in the proxy protocol's layout: list, .info, .mod and the module zip (paths prefixed with `<module>@<version>/`).
 */
function makeGoProxy(module: string, version: string, dir: string): string {
  const at = path.join(dir, GO_MODULE_PATH, "@v");
  fs.mkdirSync(at, { recursive: true });
  fs.writeFileSync(path.join(at, "list"), `v${version}\n`);
  fs.writeFileSync(path.join(at, `v${version}.info`), JSON.stringify({ Version: `v${version}`, Time: "2026-01-01T00:00:00Z" }));
  fs.copyFileSync(path.join(module, "go.mod"), path.join(at, `v${version}.mod`));
  const zipper = [
    "import os, sys, zipfile",
    "src, out, prefix = sys.argv[1:4]",
    "with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:",
    "    for root, _, files in os.walk(src):",
    "        for f in files:",
    "            full = os.path.join(root, f)",
    "            z.write(full, prefix + os.path.relpath(full, src))",
  ].join("\n");
  execFileSync("python3", ["-c", zipper, module, path.join(at, `v${version}.zip`), `${GO_MODULE_PATH}@v${version}/`]);
  return dir;
}

before(
  async () => {
    await getToolchain();
    await getYamlHost();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-example-readmes-"));
    rel = await getRelease();
    server = await serveRelease(rel.dir);
    goProxy = makeGoProxy(path.join(rel.dir, "go", "runpodssh"), rel.version, path.join(work, "goproxy"));
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(async () => {
  await server?.close();
  await removeRelease();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The Go caches and pip's cache of this machine, kept although HOME moves (the registries' stand-ins need them). */
function toolCaches(): NodeJS.ProcessEnv {
  const go = (name: string) => execFileSync("go", ["env", name], { encoding: "utf8" }).trim();
  return {
    GOPATH: go("GOPATH"),
    GOMODCACHE: go("GOMODCACHE"),
    GOCACHE: go("GOCACHE"),
    PIP_CACHE_DIR: path.join(os.homedir(), ".cache", "pip"),
  };
}

for (const example of ["python", "go", "yaml"]) {
  test(`examples/${example}/README.md: every shell block, in bash and sh, with the released package`, { timeout: 900_000 }, async (t) => {
    const readme = path.join(ROOT, "examples", example, "README.md");
    const blocks = shellBlocks(readme);
    assert.ok(blocks.length > 0, `${readme} shows shell lines`);
    const emulator = await startEmulator({ timings: { provisioningMs: 200, startingMs: 200, sshdStartMs: 300 } });
    try {
      for (const shellName of SHELLS) {
        const base = path.join(work, `${example}-${shellName}`);
        fs.cpSync(path.join(ROOT, "examples", example), path.join(base, "examples", example), {
          recursive: true,
          filter: (src) => !/[\\/](venv|sdks|node_modules|\.pulumi-shim-build)$/.test(src),
        });
        const home = path.join(base, "home");
        fs.mkdirSync(home);
        const ws = createWorkspace(await getToolchain());
        try {
          const env: NodeJS.ProcessEnv = {
            ...userShellEnv(ws, {}),
            ...toolCaches(),
            HOME: home,
            RUNPOD_API_URL: emulator.url,
            RUNPOD_SSH_KEY_SETTLE_MS: "200",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false",
            PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: `^${REPOSITORY_SERVER.replace(/\./g, "\\.")}$=${server.url}`,
            PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
            PIP_FIND_LINKS: rel.dir,
            ...(example === "go" ? { GOPROXY: `file://${goProxy},https://proxy.golang.org`, GONOSUMDB: GO_MODULE_PATH, GOFLAGS: "" } : {}),
          };
          const before = server.requests.length;
          let stdout = "";
          for (const block of blocks) {
            const started = Date.now();
            const result = await runUserShellOk(block.text, env, { cwd: base, shell: shellName, input: `${emulator.apiKey}\n`, timeoutMs: 600_000 });
            stdout += result.stdout;
            t.diagnostic(`${example} README.md:${block.line} in ${shellName}: ${Date.now() - started} ms`);
          }
          assert.match(stdout, /^Linux /m, `the README's eval "$(pulumi stack output sshCommand) ..." reached the pod (${shellName})`);
          assert.ok(server.requests.slice(before).some((r) => r.includes("pulumi-resource-runpod-ssh-v")), "the plugin came from the release");
          assert.deepEqual(emulator.pods(), [], `the README's destroy leaves no pod (${shellName})`);
          const keys = fs.existsSync(path.join(home, ".ssh")) ? fs.readdirSync(path.join(home, ".ssh")).filter((f) => f.startsWith("runpod-")) : [];
          assert.deepEqual(keys, [], "destroy removed the key file");
        } finally {
          ws.remove();
        }
      }
    } finally {
      await emulator.stop();
    }
  });
}
