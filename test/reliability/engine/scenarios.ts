/**
 * The real-engine reliability scenarios: fleet stacks (fleet.ts) driven through the real `pulumi` CLI against
 * one emulator, with (1) API faults injected during up, refresh and destroy, (2) the CLI SIGKILLed at random
 * points of up, up with updates, refresh and destroy, each followed by the README's recovery recipe run as
 * written in a user's shell, and (3) two stacks running `pulumi up` (and destroy) at once on one account key
 * list. Each returns its line of the table; the figures (figures.ts) must all be zero.
 */
import { startEmulator, type RequestFault, type RunpodEmulator } from "../../../emulator";
import { killLeftoverProcesses } from "../../../scripts/engine/workspace";
import { teammateKey } from "../../engine/harness";
import type { ScenarioResult } from "../support";
import { DESTROY, openFleet, recoveryRecipe, REFRESH, UP, type FleetStack } from "./fleet";
import {
  addFigures,
  figuresOf,
  inconsistencies,
  killPlan,
  LIFE,
  medianAndMax,
  seededRandom,
  ZERO,
  type Figures,
  type KilledCommand,
  type PodSeen,
} from "./figures";
import { OWNER_ENV } from "../../../sdk/pod/podSpec";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface EngineSize {
  name: "small" | "full";
  /** Pods of the fleet in the fault and SIGKILL scenarios. */
  fleetPods: number;
  /** Names of the fault cases to run (FAULT_CASES). */
  faultCases: string[];
  killPoints: number;
  /** The commands the kills cycle through (a stack's life: it ends empty). */
  killCycle: KilledCommand[];
  concurrencyRounds: number;
  /** Pods of each of the two concurrent stacks. */
  concurrencyPods: number;
  /** How long a 429 storm lasts, in ms. */
  stormMs: number;
}

/**
 * A phase of a fault case: the command, and the faults armed just before it. `env` is the CLI's environment for
 * the whole case (e.g. a short request timeout).
 */
interface FaultCase {
  name: string;
  env?: NodeJS.ProcessEnv;
  arm: Partial<Record<"up" | "refresh" | "destroy", (emulator: RunpodEmulator, size: EngineSize) => void>>;
}

const requests = (emulator: RunpodEmulator, ...faults: RequestFault[]) => faults.forEach((f) => emulator.faults.failNextRequests(f));

let stormTimer: NodeJS.Timeout | undefined;

/**
 * A 429 on every API request (Retry-After 1 s) for `ms` from the first request it refuses, as when somebody
 * else uses up the account's quota; then `after` arms what comes next.
 */
function storm(emulator: RunpodEmulator, ms: number, after?: () => void): void {
  emulator.faults.failNextRequests({ answer: 429, count: Infinity, retryAfterSeconds: 1 });
  const seen = emulator.requests.length;
  const started = () => emulator.requests.length > seen;
  stormTimer = setInterval(() => {
    if (!started()) return;
    clearInterval(stormTimer);
    stormTimer = setTimeout(() => {
      emulator.faults.clear();
      after?.();
    }, ms);
  }, 50);
}

/** Removes every armed fault (and a storm's timers, so they cannot clear or arm the next phase's faults). */
function disarm(emulator: RunpodEmulator): void {
  clearInterval(stormTimer);
  clearTimeout(stormTimer);
  emulator.faults.clear();
}

export const FAULT_CASES: FaultCase[] = [
  {
    name: "429 storm",
    arm: { up: (e, s) => storm(e, s.stormMs), refresh: (e, s) => storm(e, s.stormMs), destroy: (e, s) => storm(e, s.stormMs) },
  },
  {
    name: "5xx on create",
    arm: { up: (e) => requests(e, { answer: 500, method: "POST", path: "/v2/pods", count: 3 }, { answer: 503, method: "POST", path: "/v2/pods", count: 3 }) },
  },
  {
    name: "5xx on get",
    arm: {
      up: (e) => requests(e, { answer: 503, method: "GET", path: "/v2/pods", count: 4 }, { answer: 502, method: "GET", path: "/v2/pods/{id}", count: 6 }),
      refresh: (e) => requests(e, { answer: 502, method: "GET", path: "/v2/pods/{id}", count: 8 }, { answer: 503, method: "GET", path: "/v2/pods", count: 3 }),
    },
  },
  {
    name: "5xx on delete",
    arm: { destroy: (e) => requests(e, { answer: 503, method: "DELETE", path: "/v2/pods/{id}", count: 6 }) },
  },
  {
    name: "5xx on the account key list",
    arm: {
      up: (e) => requests(e, { answer: 500, method: "PUT", path: "/v2/account/ssh-keys", count: 2 }, { answer: 502, method: "GET", path: "/v2/account/ssh-keys", count: 2 }),
      destroy: (e) => requests(e, { answer: 503, method: "PUT", path: "/v2/account/ssh-keys", count: 2 }),
    },
  },
  {
    name: "lost answer after create",
    arm: { up: (e) => requests(e, { answer: "lost", method: "POST", path: "/v2/pods", count: 3 }) },
  },
  {
    name: "lost answer after delete or key write",
    arm: {
      up: (e) => requests(e, { answer: "lost", method: "PUT", path: "/v2/account/ssh-keys", count: 1 }),
      destroy: (e) => requests(e, { answer: "lost", method: "DELETE", path: "/v2/pods/{id}", count: 3 }, { answer: "lost", method: "PUT", path: "/v2/account/ssh-keys", count: 1 }),
    },
  },
  {
    // Each answer comes 2.5 s after the request took effect, past the client's 1.5 s timeout.
    name: "slow answers past the timeout",
    env: { RUNPOD_SSH_REQUEST_TIMEOUT_MS: "1500" },
    arm: {
      up: (e) =>
        requests(
          e,
          { answer: "late", lateMs: 2500, method: "GET", path: "/v2/account/ssh-keys", count: 2 },
          { answer: "late", lateMs: 2500, method: "PUT", path: "/v2/account/ssh-keys", count: 1 },
          { answer: "late", lateMs: 2500, method: "POST", path: "/v2/pods", count: 3 },
          { answer: "late", lateMs: 2500, method: "GET", path: "/v2/pods", count: 2 },
        ),
      refresh: (e) => requests(e, { answer: "late", lateMs: 2500, method: "GET", path: "/v2/pods/{id}", count: 3 }),
      destroy: (e) =>
        requests(e, { answer: "late", lateMs: 2500, method: "DELETE", path: "/v2/pods/{id}", count: 3 }, { answer: "late", lateMs: 2500, method: "PUT", path: "/v2/account/ssh-keys", count: 1 }),
    },
  },
];

/** A mixed case for the small size: a storm, a 5xx and a lost answer on create, 5xx on get, a lost delete. */
export const MIXED_CASE: FaultCase = {
  name: "mixed (small size)",
  arm: {
    up: (e, s) => storm(e, s.stormMs, () => requests(e, { answer: "lost", method: "POST", path: "/v2/pods", count: 1 }, { answer: 503, method: "POST", path: "/v2/pods", count: 1 })),
    refresh: (e) => requests(e, { answer: 502, method: "GET", path: "/v2/pods/{id}", count: 3 }),
    destroy: (e) => requests(e, { answer: "lost", method: "DELETE", path: "/v2/pods/{id}", count: 1 }, { answer: 503, method: "DELETE", path: "/v2/pods/{id}", count: 1 }),
  },
};

export const ENGINE_SIZES: Record<"small" | "full", EngineSize> = {
  small: { name: "small", fleetPods: 4, faultCases: [MIXED_CASE.name], killPoints: 2, killCycle: ["up", "destroy"], concurrencyRounds: 2, concurrencyPods: 2, stormMs: 10_000 },
  full: { name: "full", fleetPods: 10, faultCases: FAULT_CASES.map((c) => c.name), killPoints: 20, killCycle: LIFE, concurrencyRounds: 20, concurrencyPods: 5, stormMs: 15_000 },
};

/** The account's quota in these runs: ten times the platform's 60 a minute, so the suite's own pace is not the test. */
export const SUITE_RATE_LIMIT = [{ name: "minute", quota: 600, windowSeconds: 60 }];

/** Keys somebody else registered on the account: a teammate's line as ssh-keygen wrote it, and one typed by hand. */
function foreignKeyLines(): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reliability-engine-keys-"));
  try {
    return [teammateKey(dir, "alice@laptop"), `${teammateKey(dir, "bob").split(" ").slice(0, 2).join(" ")}   bob's desktop  (typed by hand)`];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function openAccount(): Promise<{ emulator: RunpodEmulator; foreign: string[] }> {
  const emulator = await startEmulator({ sshMode: "image", rateLimit: SUITE_RATE_LIMIT, timings: { provisioningMs: 200, startingMs: 200, sshdStartMs: 300 } });
  const foreign = foreignKeyLines();
  emulator.setAccountKeys(foreign);
  return { emulator, foreign };
}

function podsSeen(emulator: RunpodEmulator): PodSeen[] {
  return emulator.pods().map((p) => ({ id: p.id, name: p.name, owner: p.env[OWNER_ENV], keys: p.env.SSH_PUBLIC_KEY }));
}

/** Observes the account and the stacks; returns the figures and what was inconsistent per stack. */
async function observe(emulator: RunpodEmulator, foreign: string[], stacks: Array<{ fleet: FleetStack; expectedPods: number }>) {
  const views = await Promise.all(stacks.map((s) => s.fleet.view()));
  const pods = podsSeen(emulator);
  const figures = figuresOf({ pods, stacks: views, accountKeys: emulator.accountKeys(), foreignKeys: foreign });
  const problems = stacks.flatMap((s, i) => inconsistencies(views[i], pods, s.expectedPods).map((p) => `${s.fleet.label}: ${p}`));
  // Every pod the stack holds runs the fleet's current generation (an interrupted update was finished).
  for (const [i, s] of stacks.entries()) {
    const ids = new Set(views[i].pods.map((p) => p.id));
    const stale = emulator.pods().filter((p) => ids.has(p.id) && p.env.FLEET_GENERATION !== String(s.fleet.generation));
    if (stale.length > 0) problems.push(`${s.fleet.label}: ${stale.length} pods not at generation ${s.fleet.generation}`);
  }
  return { figures, problems };
}

/** The first error line of a CLI run, for the table's notes. */
function firstError(output: string): string {
  return (output.split("\n").find((l) => /error:/i.test(l)) ?? output.trim().split("\n").pop() ?? "").trim().slice(0, 160);
}

function row(scenario: string, trials: number, failures: number, figures: Figures, unrecoverable: number, notes: Record<string, string | number>): ScenarioResult {
  return {
    scenario,
    trials,
    failures,
    mustBeZero: {
      "pods leaked (billing, in no state)": figures.podsLeaked,
      "pods duplicated": figures.podsDuplicated,
      "pods held by two stacks": figures.podsShared,
      "key lines lost": figures.keyLinesLost,
      "key lines touched that we did not write": figures.keyLinesTouched,
      "own key lines left after destroy": figures.ownKeyLinesLeft,
      "stacks left unrecoverable": unrecoverable,
    },
    notes,
  };
}

/** (1) API faults during up, refresh and destroy of the fleet, one full life per case. */
export async function engineFaults(size: EngineSize, log: (line: string) => void): Promise<ScenarioResult> {
  const { emulator, foreign } = await openAccount();
  const cases = [...FAULT_CASES, MIXED_CASE].filter((c) => size.faultCases.includes(c.name));
  let figures = ZERO;
  let trials = 0;
  let failedUnderFault = 0;
  let unrecoverable = 0;
  const notes: Record<string, string | number> = {};
  try {
    for (const fault of cases) {
      const fleet = await openFleet(emulator, { label: `faults-${cases.indexOf(fault)}`, count: size.fleetPods, env: fault.env });
      try {
        for (const [phase, args, expected] of [["up", UP, size.fleetPods], ["refresh", REFRESH, size.fleetPods], ["destroy", DESTROY, 0]] as const) {
          trials++;
          disarm(emulator);
          fault.arm[phase]?.(emulator, size);
          const t0 = Date.now();
          const result = await fleet.run([...args]);
          disarm(emulator);
          log(`  ${fault.name} / ${phase}: exit ${result.code} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          if (result.code !== 0) {
            failedUnderFault++;
            notes[`${fault.name} / ${phase}`] = firstError(result.output);
            // A clear error is allowed; running the command again without the fault must then succeed.
            const again = await fleet.run([...args]);
            if (again.code !== 0) {
              unrecoverable++;
              notes[`${fault.name} / ${phase} again`] = firstError(again.output);
            }
          }
          const seen = await observe(emulator, foreign, [{ fleet, expectedPods: expected }]);
          figures = addFigures(figures, seen.figures);
          if (seen.problems.length > 0) {
            unrecoverable++;
            notes[`${fault.name} / ${phase} state`] = seen.problems.join("; ").slice(0, 200);
          }
        }
      } finally {
        if (emulator.pods().length > 0) await fleet.run([...DESTROY]);
        fleet.remove();
      }
    }
  } finally {
    await emulator.stop();
  }
  notes["commands that failed under the fault (then ran again)"] = failedUnderFault;
  return row("engine: API faults during up/refresh/destroy", trials, failedUnderFault, figures, unrecoverable, notes);
}

/** What the stack should hold after a command completes. */
function expectedAfter(command: KilledCommand, fleet: FleetStack): number {
  return command === "destroy" ? 0 : fleet.count;
}

/** Runs `command` on the fleet (setting the next generation first for an update), killing the CLI after `killAfterMs`. */
async function runCommand(fleet: FleetStack, command: KilledCommand, killAfterMs?: number): Promise<{ killed: boolean; ms: number; code: number | null; output: string }> {
  if (command === "up with updates") await fleet.setGeneration(fleet.generation + 1);
  const args = command === "destroy" ? DESTROY : command === "refresh" ? REFRESH : UP;
  let timer: NodeJS.Timeout | undefined;
  const t0 = Date.now();
  const result = await fleet.run([...args], (child) => {
    if (killAfterMs !== undefined) timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  });
  clearTimeout(timer);
  return { killed: result.signal === "SIGKILL", ms: Date.now() - t0, code: result.code, output: result.output };
}

/** (2) SIGKILL of `pulumi` at random points, each followed by the README's recovery recipe as written. */
export async function engineKills(size: EngineSize, seed: number, log: (line: string) => void): Promise<ScenarioResult> {
  const { emulator, foreign } = await openAccount();
  const fleet = await openFleet(emulator, { label: "kills", count: size.fleetPods });
  let figures = ZERO;
  let unrecoverable = 0;
  let notKilled = 0;
  const recoverySeconds: number[] = [];
  const killedCommands: string[] = [];
  const notes: Record<string, string | number> = { seed };
  try {
    // One unkilled life measures each command's duration, from which the kill points are drawn.
    const durations: Partial<Record<KilledCommand, number>> = {};
    for (const command of size.killCycle) {
      const done = await runCommand(fleet, command);
      if (done.code !== 0) throw new Error(`the unkilled ${command} failed:\n${done.output}`);
      durations[command] = done.ms;
    }
    notes[`unkilled s (${size.killCycle.join("/")})`] = size.killCycle.map((c) => (durations[c]! / 1000).toFixed(1)).join("/");
    const plan = killPlan(size.killPoints, seededRandom(seed), size.killCycle);
    for (const [i, point] of plan.entries()) {
      const killAfterMs = Math.round(point.fraction * durations[point.command]!);
      const killed = await runCommand(fleet, point.command, killAfterMs);
      killLeftoverProcesses(fleet.stack.ws); // what a killed CLI leaves running dies with the user's session
      if (!killed.killed) notKilled++;
      killedCommands.push(`${point.command}${killed.killed ? "" : " (finished first)"}`);
      const recipe = recoveryRecipe(point.command === "destroy" ? "destroy" : "up");
      const t0 = Date.now();
      const recovered = await fleet.sh(recipe);
      const seconds = (Date.now() - t0) / 1000;
      recoverySeconds.push(seconds);
      const seen = await observe(emulator, foreign, [{ fleet, expectedPods: expectedAfter(point.command, fleet) }]);
      figures = addFigures(figures, seen.figures);
      const failed = recovered.code !== 0 || seen.problems.length > 0;
      log(`  kill ${i + 1}/${plan.length}: ${point.command} at ${killAfterMs} ms (${killed.killed ? "killed" : "had finished"}), recovery ${seconds.toFixed(1)} s${failed ? " FAILED" : ""}`);
      if (failed) {
        unrecoverable++;
        notes[`point ${i + 1} (${point.command} at ${killAfterMs} ms)`] = (recovered.code !== 0 ? firstError(recovered.output) : seen.problems.join("; ")).slice(0, 200);
        // Put the stack back where the plan expects it, so the next points still test something.
        const repair = await fleet.run(point.command === "destroy" ? [...DESTROY] : [...UP]);
        if (repair.code !== 0) throw new Error(`stack could not be repaired after point ${i + 1}:\n${repair.output}`);
      }
    }
    const { median, max } = medianAndMax(recoverySeconds);
    notes["recovery s median"] = median;
    notes["recovery s max"] = max;
    notes["points where the command finished before the kill"] = notKilled;
    notes["killed"] = killedCommands.join(", ");
    return row("engine: SIGKILL + README recovery", plan.length, unrecoverable, figures, unrecoverable, notes);
  } finally {
    if (emulator.pods().length > 0) await fleet.run([...DESTROY]);
    fleet.remove();
    await emulator.stop();
  }
}

/**
 * (3) Two stacks on one account key list: `pulumi up` at once, then `pulumi destroy` at once, N rounds. Both are
 * teammates' stacks of the same project and stack name, each in its own backend, so their URNs and default pod
 * names are the same (only their keys differ). Round 1 runs the ups one after the other (the second must not
 * adopt the first's pods), the other rounds at once.
 */
export async function engineConcurrency(size: EngineSize, log: (line: string) => void): Promise<ScenarioResult> {
  const { emulator, foreign } = await openAccount();
  const stacks = [await openFleet(emulator, { label: "team-a", count: size.concurrencyPods }), await openFleet(emulator, { label: "team-b", count: size.concurrencyPods })];
  let figures = ZERO;
  let failures = 0;
  let unrecoverable = 0;
  const notes: Record<string, string | number> = {};
  try {
    for (let round = 1; round <= size.concurrencyRounds; round++) {
      for (const [phase, args, expected] of [["up", UP, size.concurrencyPods], ["destroy", DESTROY, 0]] as const) {
        const results = round === 1 && phase === "up" ? [await stacks[0].run([...args]), await stacks[1].run([...args])] : await Promise.all(stacks.map((s) => s.run([...args])));
        for (const [i, r] of results.entries()) {
          if (r.code === 0) continue;
          failures++;
          notes[`round ${round} ${phase} ${stacks[i].label}`] = firstError(r.output);
          if ((await stacks[i].run([...args])).code !== 0) unrecoverable++;
        }
        const seen = await observe(emulator, foreign, stacks.map((fleet) => ({ fleet, expectedPods: expected })));
        figures = addFigures(figures, seen.figures);
        if (seen.problems.length > 0) {
          unrecoverable++;
          notes[`round ${round} ${phase} state`] = seen.problems.join("; ").slice(0, 200);
        }
      }
      log(`  round ${round}/${size.concurrencyRounds} done`);
    }
  } finally {
    for (const s of stacks) {
      if (emulator.pods().length > 0) await s.run([...DESTROY]);
      s.remove();
    }
    await emulator.stop();
  }
  return row("engine: two same-named stacks' up/destroy at once, one key list", size.concurrencyRounds * 2, failures, figures, unrecoverable, notes);
}
