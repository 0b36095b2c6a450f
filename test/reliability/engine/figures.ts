/**
 * The figures of the real-engine reliability suite, as plain functions of what was observed (the emulator's
 * pods and account key lines, each stack's state), so their logic is tested without Pulumi
 * (test/reliability/engineFigures.test.ts).
 *
 * - pods leaked: a pod on the account (billing) whose id no stack's state holds;
 * - pods duplicated: more than one pod of one resource: the same owner tag (the resource's URN in
 *   PULUMI_RUNPOD_SSH_OWNER) and the same keys (two same-named stacks have the same URNs, not the same keys);
 * - pods shared: a pod that two stacks' states hold (one stack adopted the other's);
 * - key lines lost: a line somebody else registered, or a stack's own key, no longer on the account;
 * - key lines touched that we did not write: somebody else's line still there for its key, but not byte for byte;
 * - own key lines left: our key on the account although no stack holds it any more (after a destroy);
 * - stacks unrecoverable: trials whose recovery (the README's recipe) did not end in a consistent stack.
 */

/** A pod the emulator holds (live, billing unless terminated). */
export interface PodSeen {
  id: string;
  name: string;
  /** The PULUMI_RUNPOD_SSH_OWNER env value, if any. */
  owner?: string;
  /** The SSH_PUBLIC_KEY env value (the keys it was created for), if any. */
  keys?: string;
}

/** What one stack's state holds. */
export interface StackView {
  label: string;
  pods: Array<{ urn: string; id: string }>;
  /** Pending operations, as `<type> <urn>`. */
  pendingOperations: string[];
  /** The account key line the stack registered (its AccountSshKey's public key), when it has one. */
  accountKey?: string;
}

/** One observation: the account and every stack on it. */
export interface Observation {
  pods: PodSeen[];
  stacks: StackView[];
  /** The account's key lines now. */
  accountKeys: string[];
  /** Lines somebody else registered before the suite started (must stay byte for byte). */
  foreignKeys: string[];
}

export interface Figures {
  podsLeaked: number;
  podsDuplicated: number;
  podsShared: number;
  keyLinesLost: number;
  keyLinesTouched: number;
  ownKeyLinesLeft: number;
}

export const ZERO: Figures = { podsLeaked: 0, podsDuplicated: 0, podsShared: 0, keyLinesLost: 0, keyLinesTouched: 0, ownKeyLinesLeft: 0 };

/** A key's identity: its type and base64 (comments and spacing differ between lines of the same key). */
export function keyBody(line: string): string | undefined {
  const fields = line.trim().split(/\s+/);
  const index = fields.findIndex((f) => /^(ssh-|ecdsa-|sk-)/.test(f));
  if (index < 0 || !fields[index + 1]) return undefined;
  return `${fields[index]} ${fields[index + 1]}`;
}

/** Pods on the account that no stack's state holds. */
export function leakedPods(observation: Pick<Observation, "pods" | "stacks">): PodSeen[] {
  const held = new Set(observation.stacks.flatMap((s) => s.pods.map((p) => p.id)));
  return observation.pods.filter((p) => !held.has(p.id));
}

/** The identities (type and base64) of a SSH_PUBLIC_KEY value, sorted: what tells two resources of one URN apart. */
function keySet(keys: string | undefined): string {
  return (keys ?? "").split("\n").map(keyBody).filter((b): b is string => b !== undefined).sort().join(",");
}

/** Extra pods per resource (owner tag and keys): two pods of one resource count one duplicate. Untagged pods are not counted. */
export function duplicatedPods(pods: PodSeen[]): number {
  const byOwner = new Map<string, number>();
  for (const p of pods) {
    if (!p.owner) continue;
    const resource = `${p.owner}\n${keySet(p.keys)}`;
    byOwner.set(resource, (byOwner.get(resource) ?? 0) + 1);
  }
  return [...byOwner.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
}

/** Pods held by more than one stack's state (each extra holder counts one). */
export function sharedPods(stacks: StackView[]): number {
  const holders = new Map<string, number>();
  for (const s of stacks) for (const id of new Set(s.pods.map((p) => p.id))) holders.set(id, (holders.get(id) ?? 0) + 1);
  return [...holders.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
}

/** Key line figures: foreign lines lost or changed, own keys lost while a stack holds them, own keys left over. */
export function keyFigures(observation: Pick<Observation, "stacks" | "accountKeys" | "foreignKeys">): Pick<Figures, "keyLinesLost" | "keyLinesTouched" | "ownKeyLinesLeft"> {
  const now = observation.accountKeys;
  const bodiesNow = new Set(now.map(keyBody).filter((b): b is string => b !== undefined));
  let lost = 0;
  let touched = 0;
  // A foreign line is matched byte for byte, as many times as it was there.
  const remaining = [...now];
  for (const line of observation.foreignKeys) {
    const at = remaining.indexOf(line);
    if (at >= 0) {
      remaining.splice(at, 1);
      continue;
    }
    const body = keyBody(line);
    if (body !== undefined && bodiesNow.has(body)) touched++;
    else lost++;
  }
  const held = new Set(observation.stacks.map((s) => (s.accountKey ? keyBody(s.accountKey) : undefined)).filter((b): b is string => b !== undefined));
  for (const body of held) if (!bodiesNow.has(body)) lost++;
  const foreignBodies = new Set(observation.foreignKeys.map(keyBody));
  // Lines that are neither somebody else's nor held by a stack: ours, left behind.
  const left = remaining.filter((line) => {
    const body = keyBody(line);
    return body === undefined || (!held.has(body) && !foreignBodies.has(body));
  }).length;
  return { keyLinesLost: lost, keyLinesTouched: touched, ownKeyLinesLeft: left };
}

/** Every figure of one observation. */
export function figuresOf(observation: Observation): Figures {
  return {
    podsLeaked: leakedPods(observation).length,
    podsDuplicated: duplicatedPods(observation.pods),
    podsShared: sharedPods(observation.stacks),
    ...keyFigures(observation),
  };
}

/**
 * Why a stack is not consistent after its recovery (empty when it is): pending operations left, a pod of its
 * state missing on the account, a wrong pod count for what it should hold.
 */
export function inconsistencies(stack: StackView, pods: PodSeen[], expectedPods: number): string[] {
  const problems: string[] = [];
  if (stack.pendingOperations.length > 0) problems.push(`pending operations left: ${stack.pendingOperations.join(", ")}`);
  const live = new Set(pods.map((p) => p.id));
  const missing = stack.pods.filter((p) => !live.has(p.id));
  if (missing.length > 0) problems.push(`pods in the state but not on the account: ${missing.map((p) => p.id).join(", ")}`);
  if (stack.pods.length !== expectedPods) problems.push(`${stack.pods.length} pods in the state, expected ${expectedPods}`);
  return problems;
}

/** Adds figures (for totals over trials). */
export function addFigures(a: Figures, b: Figures): Figures {
  return {
    podsLeaked: a.podsLeaked + b.podsLeaked,
    podsDuplicated: a.podsDuplicated + b.podsDuplicated,
    podsShared: a.podsShared + b.podsShared,
    keyLinesLost: a.keyLinesLost + b.keyLinesLost,
    keyLinesTouched: a.keyLinesTouched + b.keyLinesTouched,
    ownKeyLinesLeft: a.ownKeyLinesLeft + b.ownKeyLinesLeft,
  };
}

/** Median and maximum (0 and 0 for no values), rounded to 0.1. */
export function medianAndMax(values: number[]): { median: number; max: number } {
  if (values.length === 0) return { median: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { median: round(median), max: round(sorted[sorted.length - 1]) };
}

/** A seeded pseudo-random generator (mulberry32): the same seed picks the same kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type KilledCommand = "up" | "up with updates" | "refresh" | "destroy";

/** A stack's life: each command starts from the state the one before left (the last leaves it empty again). */
export const LIFE: KilledCommand[] = ["up", "up with updates", "refresh", "destroy"];

/**
 * The SIGKILL plan: `points` kills cycling through `cycle` (default LIFE), each at a random fraction in
 * [0.05, 0.95) of that command's measured duration.
 */
export function killPlan(points: number, random: () => number, cycle: KilledCommand[] = LIFE): Array<{ command: KilledCommand; fraction: number }> {
  return Array.from({ length: points }, (_, i) => ({ command: cycle[i % cycle.length], fraction: 0.05 + random() * 0.9 }));
}
