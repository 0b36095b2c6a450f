/**
 * A small stand-in for the Pulumi engine, for end-to-end tests where the Pulumi CLI cannot be installed.
 *
 * `up` runs a real Pulumi program (compiled JS) under `pulumi.runtime.setMocks`, but the mock does what the
 * engine and Pulumi's dynamic-provider host do: for every dynamic resource it loads the `__provider` text the
 * program serialized, with `require-from-string` and `.handler()`, calls `configure` with the stack config,
 * then `check` and `create`, and records the result in a JSON state file. `tls:PrivateKey` gets real key
 * material from `ssh-keygen`. Resources are created concurrently, as the engine does. The program's exports
 * (secrets included) are resolved and written to the state file as the stack outputs.
 *
 * `destroy` loads the state file and calls each resource's provider `delete`, in reverse creation order.
 *
 * Run as a child process (one program per process, like `pulumi up`):
 *   node miniEngine.js up <program.js> <state.json>      (config from PULUMI_CONFIG, project/stack from env)
 *   node miniEngine.js destroy <state.json>
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type * as dynamic from "@pulumi/pulumi/dynamic";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler(): Required<dynamic.ResourceProvider> };

export interface StateResource {
  type: string;
  name: string;
  id: string;
  provider?: string;
  outs: Record<string, unknown>;
}

export interface EngineState {
  resources: StateResource[];
  outputs: Record<string, unknown>;
  error?: string;
}

const providers = new Map<string, Required<dynamic.ResourceProvider>>();

function stackConfig(): Record<string, string> {
  return JSON.parse(process.env.PULUMI_CONFIG ?? "{}") as Record<string, string>;
}

async function providerFor(text: string): Promise<Required<dynamic.ResourceProvider>> {
  let p = providers.get(text);
  if (!p) {
    p = requireFromString(text).handler();
    const config = stackConfig();
    await p.configure({ config: { get: (k: string) => config[k], require: (k: string) => config[k] } });
    providers.set(text, p);
  }
  return p;
}

function generateKey(): { publicKeyOpenssh: string; privateKeyOpenssh: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mini-engine-key-"));
  try {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path.join(dir, "k")]);
    return {
      publicKeyOpenssh: fs.readFileSync(path.join(dir, "k.pub"), "utf8"),
      privateKeyOpenssh: fs.readFileSync(path.join(dir, "k"), "utf8"),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** The engine hands dynamic providers plain values (they do not accept secrets): unwrap secret markers. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG] === SECRET_VALUE) return unwrapSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function writeState(file: string, state: EngineState): void {
  fs.writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
}

async function up(programPath: string, stateFile: string): Promise<void> {
  const state: EngineState = { resources: [], outputs: {} };
  const pulumi = await import("@pulumi/pulumi");
  const project = process.env.PULUMI_PROJECT ?? "project";
  const stack = process.env.PULUMI_STACK ?? "stack";
  const failures: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        const inputs = { ...(unwrapSecrets(args.inputs) as Record<string, unknown>) };
        if (args.type === "tls:index/privateKey:PrivateKey") {
          const key = generateKey();
          state.resources.push({ type: args.type, name: args.name, id: `${args.name}-id`, outs: { algorithm: inputs.algorithm } });
          return { id: `${args.name}-id`, state: { ...inputs, ...key } };
        }
        if (!args.type.startsWith("pulumi-nodejs:dynamic")) {
          return { id: undefined, state: inputs };
        }
        const text = inputs.__provider as string;
        delete inputs.__provider;
        try {
          const provider = await providerFor(text);
          const checked = await provider.check({}, inputs);
          if (checked.failures && checked.failures.length > 0) {
            throw new Error(`${args.name}: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
          }
          const created = await provider.create(checked.inputs);
          state.resources.push({ type: args.type, name: args.name, id: created.id, provider: text, outs: created.outs as Record<string, unknown> });
          writeState(stateFile, state);
          return { id: created.id, state: created.outs as Record<string, unknown> };
        } catch (e) {
          const err = e as Error & { id?: string; properties?: Record<string, unknown> };
          // "Created but failed to initialise": the engine keeps it in state, so destroy can remove it.
          if (err.id) state.resources.push({ type: args.type, name: args.name, id: err.id, provider: text, outs: err.properties ?? {} });
          failures.push(err.message);
          writeState(stateFile, { ...state, error: failures.join("\n") });
          throw e;
        }
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    project,
    stack,
    false,
  );
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.resolve(programPath)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(program)) {
      state.outputs[name] = pulumi.Output.isInstance(value)
        ? await new Promise((resolve) => (value).apply((v) => resolve(v)))
        : value;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
  } catch (e) {
    failures.push((e as Error).message);
  }
  if (failures.length > 0) state.error = failures.join("\n");
  writeState(stateFile, state);
  if (state.error) process.exitCode = 1;
}

async function destroy(stateFile: string): Promise<void> {
  const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as EngineState;
  for (const r of [...state.resources].reverse()) {
    if (!r.provider) continue;
    const provider = await providerFor(r.provider);
    await provider.delete(r.id, r.outs);
  }
  writeState(stateFile, { resources: [], outputs: {} });
}

async function main(): Promise<void> {
  const [command, a, b] = process.argv.slice(2);
  if (command === "up" && a && b) return up(a, b);
  if (command === "destroy" && a) return destroy(a);
  throw new Error("usage: miniEngine.js up <program.js> <state.json> | destroy <state.json>");
}

if (require.main === module) {
  // The program may leave timers (pollers) behind; end explicitly once done.
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
