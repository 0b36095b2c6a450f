/**
 * Fleet stacks of the real-engine reliability suite: the test program `test/engine/programs/reliability-fleet`
 * (N SshPods sharing one SshKey, so one account key line) as a stack of the real `pulumi` CLI, any number of
 * them against ONE emulator (one Runpod account, one account key list). What a stack holds is read back from
 * `pulumi stack export`, never from a list of resource types: the figures only need the Pod resources' ids, the
 * pending operations, and the fleet key's public line.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { RunpodEmulator } from "../../../emulator";
import { createWorkspace, type PulumiResult } from "../../../scripts/engine/workspace";
import { getToolchain, ROOT, RUNS_DIR, stackOf, type ExampleStack } from "../../engine/harness";
import { blockUnder, SHELL_LANGS } from "../../engine/markdownBlocks";
import type { StackView } from "./figures";

const SOURCE = path.join(ROOT, "test", "engine", "programs", "reliability-fleet");
const BUILT = path.join(ROOT, "dist", "test", "engine", "programs", "reliability-fleet");
export const README = path.join(ROOT, "README.md");

export const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
export const REFRESH = ["refresh", "--yes", "--skip-preview", "--non-interactive"];
export const DESTROY = ["destroy", "--yes", "--skip-preview", "--non-interactive"];

/** The README's recovery headings: after `up` (and `refresh`), and after `destroy`. */
export const RECOVERY_AFTER_UP = "Recovery after an interrupted `pulumi up`";
export const RECOVERY_AFTER_DESTROY = "Recovery after an interrupted `pulumi destroy`";

/** The recovery recipe exactly as the README shows it (read at each use, never copied). */
export function recoveryRecipe(after: "up" | "destroy"): string {
  return blockUnder(README, after === "destroy" ? RECOVERY_AFTER_DESTROY : RECOVERY_AFTER_UP, SHELL_LANGS).text;
}

export interface FleetOptions {
  /** A label for folders and messages. */
  label: string;
  /** Pods in the fleet. */
  count: number;
  /** Environment of every command and of the user's shell (e.g. RUNPOD_SSH_REQUEST_TIMEOUT_MS). */
  env?: NodeJS.ProcessEnv;
}

export interface FleetStack {
  label: string;
  count: number;
  stack: ExampleStack;
  /** The fleet key's private key file (the program writes it). */
  keyFile: string;
  /** The value of the `generation` config (each pod's FLEET_GENERATION env). */
  generation: number;
  env: NodeJS.ProcessEnv;
  /** Runs a pulumi command with the fleet's environment; `onSpawn` gets the CLI process (to kill it). */
  run(args: string[], onSpawn?: (child: ChildProcess) => void): Promise<PulumiResult>;
  /** Sets the `generation` config: the next `up` PATCHes every pod. */
  setGeneration(generation: number): Promise<void>;
  /** Runs a script in a user's shell in the project folder (the README's lines as written). */
  sh(script: string): Promise<{ code: number | null; output: string }>;
  /** The Pod resources, pending operations and key of the stack's state. */
  view(): Promise<StackView>;
  /** Stops what this stack's runs left, deletes its folders (destroy first if you want the pods gone). */
  remove(): void;
}

interface ExportedState {
  deployment: {
    resources?: Array<{ urn: string; type: string; id?: string; outputs?: Record<string, unknown> }>;
    pending_operations?: Array<{ type: string; resource: { urn: string } }>;
  };
}

/** The Pods, pending operations and account key line of a `pulumi stack export` document (pure). */
export function stackViewOf(label: string, exported: string): StackView {
  const state = JSON.parse(exported) as ExportedState;
  const resources = state.deployment.resources ?? [];
  const pods = resources.filter((r) => r.type.endsWith(":Pod") && r.id).map((r) => ({ urn: r.urn, id: r.id! }));
  const key = resources.find((r) => r.type.endsWith(":AccountSshKey"));
  const publicKey = key?.outputs?.publicKey;
  return {
    label,
    pods,
    pendingOperations: (state.deployment.pending_operations ?? []).map((o) => `${o.type} ${o.resource.urn}`),
    accountKey: typeof publicKey === "string" ? publicKey : undefined,
  };
}

/** A new fleet stack (not yet up) against `emulator`. */
export async function openFleet(emulator: RunpodEmulator, options: FleetOptions): Promise<FleetStack> {
  const tc = await getToolchain();
  const ws = createWorkspace(tc, `reliability-${options.label}-`);
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  const cwd = fs.mkdtempSync(path.join(RUNS_DIR, `reliability-fleet-${options.label}-`));
  fs.copyFileSync(path.join(SOURCE, "Pulumi.yaml"), path.join(cwd, "Pulumi.yaml"));
  const program = path.join(BUILT, "index.js");
  const stack = stackOf({ ws, emulator, cwd, program, hosting: { program }, shell: { program }, removeCwd: true });
  const keyFile = path.join(ws.dir, "fleet-key");
  const env = { RUNPOD_SSH_POLL_INTERVAL_MS: "200", ...options.env };
  const fleet: FleetStack = {
    label: options.label,
    count: options.count,
    stack,
    keyFile,
    generation: 1,
    env,
    run: (args, onSpawn) => stack.run(args, { env, onSpawn, timeoutMs: 600_000 }),
    async setGeneration(generation) {
      await stack.ok(["config", "set", "generation", String(generation)]);
      fleet.generation = generation;
    },
    async sh(script) {
      try {
        const result = await stack.sh(script, { env });
        return { code: result.code, output: result.stdout + result.stderr };
      } catch (e) {
        return { code: 1, output: (e as Error).message };
      }
    },
    async view() {
      return stackViewOf(options.label, (await stack.ok(["stack", "export", "--show-secrets"])).stdout);
    },
    remove() {
      ws.remove();
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
  try {
    await stack.ok(["stack", "init", "engine", "--non-interactive"]);
    await stack.ok(["config", "set", "runpod:apiUrl", emulator.url]);
    await stack.ok(["config", "set", "--secret", "runpod:token", emulator.apiKey]);
    await stack.ok(["config", "set", "count", String(options.count)]);
    await stack.ok(["config", "set", "privateKeyFile", keyFile]);
    await fleet.setGeneration(1);
  } catch (e) {
    fleet.remove();
    throw e;
  }
  return fleet;
}
