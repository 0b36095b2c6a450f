/**
 * The README's shell lines run as pasted. Every shell block of the README's user sections and of each example's
 * README runs in a real shell, bash and then sh, under the real engine against the emulator, in the project the
 * section is about. Only stack names and paths are substituted (each substitution must match, so a stale one
 * fails); a line that fails fails the test.
 *
 * Stand-ins: the language hosts for Node.js programs (the shell's `pulumi` is the real CLI behind
 * scripts/engine/pulumiShim.ts) and the `tls` plugin (scripts/engine/tlsStandInPlugin.ts); YAML programs run on
 * Pulumi's real YAML host. The emulator stands in for Runpod; RUNPOD_API_URL points the shells at it (users
 * reach api.runpod.io without setting anything).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmulator } from "../../emulator";
import { createWorkspace } from "../../scripts/engine/workspace";
import { getToolchain, getYamlHost, openExampleStack, ROOT, TOOLCHAIN_TIMEOUT_MS, type ExampleStack } from "./harness";
import { shellBlocks, readCodeBlocks, type CodeBlock } from "./markdownBlocks";
import { runUserShellOk, userShellEnv, type ShellName } from "./userShell";

const README = path.join(ROOT, "README.md");
const EXAMPLE_READMES = fs
  .readdirSync(path.join(ROOT, "examples"))
  .map((name) => path.join(ROOT, "examples", name, "README.md"))
  .filter((file) => fs.existsSync(file));
const SHELLS: ShellName[] = ["bash", "sh"];

/** README sections whose shell blocks another test runs, and which one. */
const RUN_ELSEWHERE: Record<string, string> = {
  Install: "test/release (reads its lines from this section and runs each language's install)",
  Development: ".ci/run (npm install, npm test) and test/engine/demo.engine.test.ts (npm run demo)",
  "Troubleshooting / Recovery after an interrupted `pulumi up`": "test/engine/crash.engine.test.ts (after a real SIGKILL)",
  "Troubleshooting / Recovery after an interrupted `pulumi destroy`": "test/engine/reliability.engine.test.ts (after a real SIGKILL)",
};

/** README sections this file runs, in the order a reader meets them. */
const RUN_HERE = [
  "Quickstart (TypeScript)",
  "Running the commands: `eval \"$(pulumi stack output …)\"`",
  "CI recipe",
  "Pausing a pod: `running: false`",
  "Other languages (Python, Go, YAML)",
];

function where(block: CodeBlock): string {
  return block.subsection ? `${block.section} / ${block.subsection}` : block.section;
}

function blocksOf(section: string): CodeBlock[] {
  const found = shellBlocks(README).filter((b) => where(b) === section);
  assert.ok(found.length > 0, `README section "${section}" has no shell block any more: update this test`);
  return found;
}

/** `text` with each [from, to] replaced everywhere; every `from` must occur in some block of the set. */
function substitute(blocks: CodeBlock[], pairs: Array<[string, string]>): string[] {
  for (const [from] of pairs) {
    assert.ok(blocks.some((b) => b.text.includes(from)), `substitution "${from}" matches nothing: update this test`);
  }
  return blocks.map((b) => pairs.reduce((text, [from, to]) => text.split(from).join(to), b.text));
}

let work: string;

before(
  async () => {
    await getToolchain();
    await getYamlHost();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-readme-"));
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test("every shell block of the README and the examples' READMEs is run by a test", () => {
  const known = new Set([...RUN_HERE, ...Object.keys(RUN_ELSEWHERE)]);
  const readme = shellBlocks(README);
  assert.ok(readme.length >= 8, "the README's shell blocks were found");
  for (const block of readme) assert.ok(known.has(where(block)), `README.md:${block.line} (${where(block)}) is run by no test`);
  for (const file of EXAMPLE_READMES) {
    for (const block of shellBlocks(file)) {
      assert.ok(EXAMPLE_RUNNERS.has(path.basename(path.dirname(file))), `${file}:${block.line} is run by no test`);
    }
  }
  // No line anywhere shows the bare `$(pulumi stack output …)` form, which the shell splits at every space.
  // Markdown: the shell blocks (prose may name the bare form to warn against it); program files: every line.
  const lines = [
    ...[README, ...EXAMPLE_READMES].flatMap((file) => shellBlocks(file).flatMap((b) => b.text.split("\n").map((line, i) => ({ file, n: b.line + 1 + i, line })))),
    ...listFiles(path.join(ROOT, "examples"))
      .filter((file) => !file.endsWith(".md"))
      .flatMap((file) => fs.readFileSync(file, "utf8").split("\n").map((line, i) => ({ file, n: i + 1, line }))),
  ];
  assert.ok(lines.length > 100, "the lines were read");
  for (const { file, n, line } of lines) {
    const bare = /(^|[^"])\$\(pulumi stack output (sshCommand|scpCommand|sftpCommand|rsyncCommand|proxySshCommand)/.exec(line);
    assert.equal(bare, null, `${file}:${n} runs a command output without eval: ${line.trim()}`);
  }
});

/** Example READMEs, run block by block with the released package by exampleReadmes.engine.test.ts. */
const EXAMPLE_RUNNERS = new Set(["python", "go", "yaml"]);

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "sdks" ? [] : listFiles(full);
    return /\.(ts|py|go|ya?ml|md)$/.test(e.name) ? [full] : [];
  });
}

test(
  "Quickstart and 'Running the commands': a new TypeScript project installs the packed package, and every line runs in bash and sh",
  { timeout: 600_000 },
  async () => {
    const emulator = await startEmulator({ timings: { provisioningMs: 200, startingMs: 200, sshdStartMs: 300 } });
    const ws = createWorkspace(await getToolchain());
    const project = path.join(work, "trainer");
    const stackName = `readme${process.pid}`;
    const keyFile = path.join(os.homedir(), ".ssh", `runpod-trainer-${stackName}-trainer`);
    const env = {
      ...userShellEnv(ws, {}),
      RUNPOD_API_URL: emulator.url,
      RUNPOD_SSH_KEY_SETTLE_MS: "200",
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    };
    try {
      // What `pulumi new typescript` leaves: a project, a stack, @pulumi/pulumi installed, the program file.
      const tarball = packThisPackage(work);
      fs.mkdirSync(path.join(work, "workspace"));
      fs.mkdirSync(project);
      writeNewTypeScriptProject(project);
      const ts = readCodeBlocks(README).filter((b) => b.section === RUN_HERE[0] && b.lang === "ts");
      assert.equal(ts.length, 1, "the Quickstart has one TypeScript block, the program");
      fs.writeFileSync(path.join(project, "index.ts"), ts[0].text);
      execFileSync("npm", ["install", "--no-package-lock"], { cwd: project, env, stdio: "pipe" });
      await runUserShellOk(`pulumi stack init ${stackName}`, env, { cwd: project });

      const blocks = [...blocksOf(RUN_HERE[0]), ...blocksOf(RUN_HERE[1])];
      const scripts = substitute(blocks, [
        ["npm install pulumi-runpod-ssh", `npm install ${tarball}`],
        ["/workspace", path.join(work, "workspace")],
        ["~/.ssh/runpod-trainer.conf", path.join(work, "runpod-trainer.conf")],
      ]);
      for (const shellName of SHELLS) {
        for (const script of scripts) {
          await runUserShellOk(script, env, { cwd: project, shell: shellName, input: promptInput(script, emulator.apiKey) });
        }
        assert.equal(fs.readFileSync(path.join(work, "workspace", "model.bin"), "utf8"), "weights\n", "scp copied the file");
        assert.ok(fs.existsSync(path.join(work, "workspace", "data")), "rsync copied the folder");
        fs.rmSync(path.join(work, "workspace"), { recursive: true });
        fs.mkdirSync(path.join(work, "workspace"));
      }
      const installed = JSON.parse(fs.readFileSync(path.join(project, "node_modules", "pulumi-runpod-ssh", "package.json"), "utf8")) as { version: string };
      assert.ok(installed.version, "the package came from the tarball into the project's node_modules");
      assert.equal(emulator.pods().length, 1, "one pod");
      await runUserShellOk("pulumi destroy --yes", env, { cwd: project });
      assert.deepEqual(emulator.pods(), [], "destroy leaves no pod");
      assert.equal(fs.existsSync(keyFile), false, "destroy removes the private key file");
    } finally {
      fs.rmSync(keyFile, { force: true });
      await emulator.stop();
      ws.remove();
    }
  },
);

/** `npm pack` of this package (dist/ is built by the test command), into `dir`; returns the tarball's path. */
function packThisPackage(dir: string): string {
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" });
  const name = out.trim().split("\n").pop()!;
  return path.join(dir, name);
}

function writeNewTypeScriptProject(dir: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumiVersion = (require("@pulumi/pulumi/package.json") as { version: string }).version;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const typesNode = (require("@types/node/package.json") as { version: string }).version;
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: trainer\nruntime: nodejs\ndescription: The README's quickstart\n");
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "trainer", main: "index.ts", dependencies: { "@pulumi/pulumi": pulumiVersion }, devDependencies: { "@types/node": typesNode } }, null, 2),
  );
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, forceConsistentCasingInFileNames: true }, files: ["index.ts"] }, null, 2),
  );
}

/**
 * What a user types into the block's prompts: the API key for a `pulumi config set --secret <key>` without a value
 * (its prompt), nothing otherwise (so an interactive ssh session in the block ends at once, as on Ctrl-D).
 */
function promptInput(script: string, apiKey: string): string {
  return /pulumi config set --secret \S+\s*(#|$)/m.test(script) && apiKey ? `${apiKey}\n` : "";
}

async function runSection(stack: ExampleStack, section: string, pairs: Array<[string, string]>, input = ""): Promise<string> {
  const scripts = substitute(blocksOf(section), pairs);
  let stdout = "";
  for (const shellName of SHELLS) {
    for (const script of scripts) stdout += (await stack.sh(script, { shell: shellName, input: promptInput(script, input) })).stdout;
  }
  return stdout;
}

test("CI recipe: up, save the key, scp, run, destroy, in bash and sh (examples/ci)", { timeout: 600_000 }, async () => {
  const stack = await openExampleStack({ example: "ci" });
  try {
    fs.mkdirSync(path.join(work, "ci-workspace"));
    const stdout = await runSection(stack, RUN_HERE[2], [["/workspace", path.join(work, "ci-workspace")]]);
    assert.equal(stdout.match(/^trained$/gm)?.length, 2, `train.py ran on the pod once per shell:\n${stdout}`);
    assert.deepEqual(stack.emulator.pods(), [], "the recipe's destroy leaves no pod");
  } finally {
    await stack.close();
  }
});

test("Pausing: running false then true, in bash and sh; the commands work after (examples/quickstart)", { timeout: 600_000 }, async () => {
  const stack = await openExampleStack({ example: "quickstart", config: { privateKeyFile: path.join(work, "pause-key") } });
  try {
    await stack.ok(["up", "--yes", "--skip-preview", "--non-interactive"]);
    const before = (await stack.outputs()).podId;
    await runSection(stack, RUN_HERE[3], []);
    const out = await stack.outputs();
    assert.equal(out.podId, before, "the same pod, stopped and started in place");
    const said = await stack.sh(`eval "$(pulumi stack output sshCommand) 'echo up-\\$RUNPOD_POD_ID'"`);
    assert.equal(said.stdout.trim(), `up-${String(before)}`);
  } finally {
    await stack.close();
  }
});

test("Other languages: the plugin's config, up and the command, in bash and sh (examples/yaml)", { timeout: 600_000 }, async () => {
  const stack = await openExampleStack({ example: "yaml", language: "yaml", config: { privateKeyFile: path.join(work, "yaml-key") } });
  try {
    const stdout = await runSection(stack, RUN_HERE[4], [], stack.emulator.apiKey);
    assert.equal(stdout.match(/^Linux /gm)?.length, 2, `uname -a ran on the pod once per shell:\n${stdout}`);
  } finally {
    await stack.close();
  }
});
