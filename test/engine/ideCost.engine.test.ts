/**
 * IDE and cost outputs under the real engine, a TypeScript program (the library's classes) and a Python program
 * (the plugin through its generated SDK; the Python language host is the stand-in named in harness.ts): the
 * tunnel command read with `pulumi stack output` in a user's shell forwards real bytes to a fake Jupyter in the
 * pod (emulator/listeners.ts); vscodeUri opens the sshConfig alias; the Jupyter password is a secret output;
 * maxCostPerHour skips the H100 (a note in `up`), the ready line shows the $/hr; costPerHour and the stopped
 * storage cost are in the outputs; `pulumi up --refresh` reads the spend, which matches the emulator's billing.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startPodListener } from "../../emulator";
import { shellBlocks } from "./markdownBlocks";
import { createPythonEnv, openExampleStack, ROOT, TOOLCHAIN_TIMEOUT_MS, type PythonEnv, type StackOptions } from "./harness";

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
/** docs/ide-and-cost.md's shell blocks: the VS Code steps, the tunnel, the spend. */
const DOC_BLOCKS = shellBlocks(path.join(ROOT, "docs", "ide-and-cost.md"));
let work: string;
let pythonEnv: PythonEnv | undefined;

before(
  async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-ide-"));
    pythonEnv = await createPythonEnv();
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);
after(() => {
  if (pythonEnv) fs.rmSync(pythonEnv.dir, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function route(language: "nodejs" | "python"): Promise<void> {
  const jupyter = await startPodListener({ name: "jupyter" });
  const local = await freePort();
  const config = { jupyterPort: String(jupyter.port), localPort: String(local), privateKeyFile: path.join(work, `key-${language}`) };
  const options: StackOptions =
    language === "nodejs"
      ? {
          example: "ide-ts",
          programDir: { source: path.join(ROOT, "test", "engine", "programs", "ide-ts"), built: path.join(ROOT, "dist", "test", "engine", "programs", "ide-ts") },
          config,
        }
      : {
          example: "ide-python",
          language: "python",
          python: pythonEnv!.python,
          programDir: { source: path.join(ROOT, "test", "engine", "programs", "ide-python"), built: "" },
          config,
        };
  const stack = await openExampleStack({ ...options, timings: { provisioningMs: 100, startingMs: 100, sshdStartMs: 200 } });
  try {
    await stack.ok(["config", "set", "--secret", "jupyterPassword", "nb-pass-42"]);
    const up = await stack.ok(UP);
    const shown = `${up.stdout}\n${up.stderr}`;
    assert.match(shown, /skipping NVIDIA H100 80GB HBM3 \(\$2\.69\/hr for 1 GPU on SECURE\) above maxCostPerHour \$1\/hr/, shown);
    assert.match(shown, /ready for SSH at \$0\.69\/hr/, shown);
    const out = await stack.outputs();
    assert.equal(out.vscodeUri, "vscode://vscode-remote/ssh-remote+nb/workspace");
    assert.match(String(out.sshConfig), /^Host nb\n/, "the URI's alias is the sshConfig Host");
    assert.equal(out.costPerHour, 0.69, "the RTX 4090's price: the H100 was skipped");
    assert.equal(out.stoppedStorageCostPerMonth, 4, "20 GB × $0.20");
    assert.equal(out.spend ?? null, null, "spend is read at refresh");
    assert.equal(out.jupyterPassword, "nb-pass-42");
    const hidden = JSON.parse((await stack.ok(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
    assert.equal(hidden.jupyterPassword, "[secret]");
    assert.deepEqual(Object.keys(out.tunnels as object), [String(jupyter.port)]);

    // docs/ide-and-cost.md's shell lines in a user's shell (bash, and sh on the TypeScript route): the sshConfig
    // file and the URI, the tunnel command from `pulumi stack output` with curl through it, then the spend.
    const conf = path.join(work, `runpod-nb-${language}.conf`);
    const [config1, tunnel, refresh] = DOC_BLOCKS.map((b) =>
      b.text.split("~/.ssh/runpod-nb.conf").join(conf).split("localhost:8888").join(`localhost:${local}`).split("/api/status").join(`/api/status?from=${language}`),
    );
    for (const shell of language === "nodejs" ? (["bash", "sh"] as const) : (["bash"] as const)) {
      const first = await stack.sh(config1, { shell });
      assert.equal(first.stdout.trim(), "vscode://vscode-remote/ssh-remote+nb/workspace");
      assert.match(fs.readFileSync(conf, "utf8"), /^Host nb\n {2}HostName 127\.0\.0\.1\n/);
      const served = await stack.sh(tunnel, { shell });
      assert.match(served.stdout, new RegExp(`"service":"jupyter","url":"/api/status\\?from=${language}"`), served.stdout + served.stderr);
      assert.deepEqual(jupyter.requests.at(-1), { method: "GET", url: `/api/status?from=${language}` });
    }

    await new Promise((r) => setTimeout(r, 1000));
    const spendShown = Number((await stack.sh(refresh)).stdout.trim().split("\n").pop());
    const after = await stack.outputs();
    const res = await fetch(`${stack.emulator.url}/v2/billing/pods?podId=${String(after.podId)}&bucketSize=hour&lastN=2`, {
      headers: { Authorization: `Bearer ${stack.emulator.apiKey}` },
    });
    const billed = ((await res.json()) as { metadata: { totals: { totalAmount: number } } }).metadata.totals.totalAmount;
    assert.equal(spendShown, after.spend, "`pulumi stack output spend` prints the stack's spend");
    assert.ok(typeof after.spend === "number" && after.spend > 0, `spend ${String(after.spend)}`);
    assert.ok(after.spend <= billed + 0.0001 && after.spend >= 0.69 / 3600 - 0.0001, `spend ${after.spend} vs billed ${billed} now`);
  } finally {
    await stack.close();
    await jupyter.close();
  }
}

test("docs/ide-and-cost.md has the three shell blocks this test runs", () => {
  assert.equal(DOC_BLOCKS.length, 3, DOC_BLOCKS.map((b) => b.text).join("\n---\n"));
});

test("TypeScript program: tunnel, vscodeUri, Jupyter password, costs and spend under the real engine", { timeout: 600_000 }, () => route("nodejs"));

test("Python program (plugin): the same", { timeout: 600_000 }, () => route("python"));
