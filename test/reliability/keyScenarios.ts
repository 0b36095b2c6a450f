/**
 * The reliability suite's key races: processes registering and removing keys on one account at once, then the
 * same with other people's lines for the very same keys around (issue 10): whatever runs concurrently, a line
 * the provider did not write is never modified or removed.
 */
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { ownerMark } from "../../sdk/providers/accountKeyOperations";
import { makeKeys, runWorker, type ScenarioResult, type SuiteSize, type Transcript, type WorkerResult } from "./support";

function emulatorEnv(emulator: RunpodEmulator): Record<string, string> {
  return { RUNPOD_API_URL: emulator.url, RUNPOD_API_KEY: emulator.apiKey };
}

/** Lines on the account other than those a resource of this suite marked as its own. */
function notMarkedByUs(keys: string[], marks: Set<string>): string[] {
  return keys.filter((line) => !marks.has(line.trim().split(/[ \t]+/).pop() ?? ""));
}

/**
 * K processes register K different keys on one account at once, then each removes its own; M times.
 * Figures: keys lost while registering; foreign lines disturbed on removal (byte for byte); keys left behind.
 */
export async function keyRaces(size: SuiteSize, transcript: Transcript): Promise<ScenarioResult> {
  const emulator = await startEmulator({ sshd: false, rateLimit: false });
  transcript.secret(emulator.apiKey);
  const foreign = [
    ...makeKeys(2, "foreign").map((k) => k.publicKey),
    "ssh-rsa legacy!!notbase64 a line we cannot parse but must keep",
    `${makeKeys(1, "x")[0].publicKey.split(" ").slice(0, 2).join(" ")}   odd   spacing\tkept`,
  ];
  emulator.setAccountKeys(foreign);
  // Real API latency widens the read-to-write window in which writers collide.
  emulator.faults.slowResponses(100);
  let lost = 0;
  let disturbed = 0;
  let leftBehind = 0;
  let failures = 0;
  const env = { ...emulatorEnv(emulator), KIND: "accountSshKey", RUNPOD_SSH_KEY_SETTLE_MS: "400" };
  let sequences: ForeignSequenceFigures = { trials: 0, failures: 0, touched: 0, misreported: 0, leftBehind: 0 };
  try {
    for (let m = 0; m < size.keyRepetitions; m++) {
      const keys = makeKeys(size.keyProcesses, `race${m}`);
      const created = await Promise.all(keys.map((k) => runWorker({ ...env, ACTION: "create", INPUTS: JSON.stringify({ publicKey: k.publicKey }) })));
      for (const r of created) {
        transcript.add("key race worker output", r.stdout + r.stderr);
        if (!r.ok) failures++;
      }
      const afterCreate = emulator.accountKeys();
      lost += keys.filter((k) => !afterCreate.includes(k.publicKey)).length;
      const removed = await Promise.all(
        created.map((r, i) =>
          runWorker({ ...env, ACTION: "delete", ID: r.id ?? "", PROPS: JSON.stringify(r.outs ?? { publicKey: keys[i].publicKey, registeredKey: keys[i].publicKey, alreadyPresent: false }) }),
        ),
      );
      for (const r of removed) {
        transcript.add("key race worker output", r.stdout + r.stderr);
        if (!r.ok) failures++;
      }
      const afterRemove = emulator.accountKeys();
      disturbed += foreign.filter((line) => !afterRemove.includes(line)).length + afterRemove.filter((line) => !foreign.includes(line) && !keys.some((k) => k.publicKey === line)).length;
      leftBehind += keys.filter((k) => afterRemove.includes(k.publicKey)).length;
      emulator.setAccountKeys(foreign);
    }
    for (let m = 0; m < size.foreignSequences; m++) {
      sequences = addFigures(sequences, await foreignLineSequence(emulator, env, size.keyProcesses, `fk${m}`, transcript));
    }
    transcript.add("emulator request URLs", emulator.requests.map((r) => r.url).join("\n"));
  } finally {
    await emulator.stop();
  }
  return {
    scenario: "key races",
    trials: size.keyProcesses * size.keyRepetitions + sequences.trials,
    failures: failures + sequences.failures,
    mustBeZero: {
      "keys lost while registering": lost,
      "foreign keys disturbed on removal": disturbed,
      "own keys left after removal": leftBehind + sequences.leftBehind,
      "foreign lines of the same keys modified or removed": sequences.touched,
      "keys already present not reported so": sequences.misreported,
    },
    notes: { processes: size.keyProcesses, repetitions: size.keyRepetitions, "foreign-line sequences": size.foreignSequences },
  };
}

interface ForeignSequenceFigures {
  trials: number;
  failures: number;
  /** Steps after which a foreign line was not on the account byte for byte, in its place. */
  touched: number;
  /** Creates that did not report `alreadyPresent` for a key somebody else's line carried. */
  misreported: number;
  /** Own lines left after the final delete. */
  leftBehind: number;
}

function addFigures(a: ForeignSequenceFigures, b: ForeignSequenceFigures): ForeignSequenceFigures {
  return {
    trials: a.trials + b.trials,
    failures: a.failures + b.failures,
    touched: a.touched + b.touched,
    misreported: a.misreported + b.misreported,
    leftBehind: a.leftBehind + b.leftBehind,
  };
}

/**
 * K processes run, step by step and all at once, the lifecycle of K AccountSshKey resources (each with its own
 * owner mark): create, refresh, comment change, delete, create again, delete. Two keys in three are already on
 * the account in somebody else's line: by hand (`alice@laptop`), another stack's (another owner mark), or
 * exactly the label the resource uses, without its mark. After every step every foreign line must be there
 * byte for byte and in order; nothing else may be on the account but lines with a mark of ours.
 */
async function foreignLineSequence(
  emulator: RunpodEmulator,
  env: Record<string, string>,
  k: number,
  label: string,
  transcript: Transcript,
): Promise<ForeignSequenceFigures> {
  const keys = makeKeys(k, label).map((pair) => pair.publicKey);
  const identities = keys.map((key) => key.split(" ").slice(0, 2).join(" "));
  const sameKeyForeign = identities.flatMap((identity, i) =>
    [[`${identity} alice-${i}@laptop`], [`${identity} their-ci pulumi:0badc0de`], []][i % 3] ?? [],
  );
  const foreign = [makeKeys(1, `${label}-bob`)[0].publicKey, ...sameKeyForeign, "ssh-rsa legacy!!notbase64 kept as is"];
  emulator.setAccountKeys(foreign);
  const figures: ForeignSequenceFigures = { trials: k, failures: 0, touched: 0, misreported: 0, leftBehind: 0 };
  const owner = (i: number): string => `urn:reliability:${label}-${i}`;
  const inputs = (i: number, comment: string): string => JSON.stringify({ publicKey: keys[i], comment, ownerTag: owner(i) });
  const marks = new Set(keys.map((_, i) => ownerMark(owner(i))));
  let states: Array<Record<string, unknown> | undefined> = keys.map(() => undefined);

  const step = async (name: string, run: (i: number) => Promise<WorkerResult> | undefined): Promise<Array<WorkerResult | undefined>> => {
    const results = await Promise.all(keys.map(async (_, i) => run(i)));
    for (const r of results) {
      if (!r) continue;
      transcript.add(`foreign-line sequence ${name}`, r.stdout + r.stderr);
      if (!r.ok) figures.failures++;
    }
    const now = notMarkedByUs(emulator.accountKeys(), marks);
    if (JSON.stringify(now) !== JSON.stringify(foreign)) figures.touched++;
    return results;
  };
  const create = async (): Promise<void> => {
    const created = await step("create", (i) => runWorker({ ...env, ACTION: "create", INPUTS: inputs(i, "ci@stack") }));
    states = created.map((r) => r?.outs);
    created.forEach((r, i) => {
      if (i % 3 !== 2 && (r?.outs as { alreadyPresent?: boolean } | undefined)?.alreadyPresent !== true) figures.misreported++;
    });
  };
  const withState = (action: string, extra: (i: number) => Record<string, string> = () => ({})) => (i: number) => {
    const state = states[i] as { fingerprint?: string } | undefined;
    return state ? runWorker({ ...env, ACTION: action, ID: state.fingerprint ?? "", PROPS: JSON.stringify(state), ...extra(i) }) : undefined;
  };

  await create();
  const read = await step("refresh", withState("read"));
  states = states.map((_, i) => (read[i]?.id ? read[i]?.outs : undefined));
  const updated = await step("update", withState("update", (i) => ({ INPUTS: inputs(i, "ci@renamed") })));
  states = states.map((s, i) => updated[i]?.outs ?? s);
  await step("delete", withState("delete"));
  await create();
  await step("delete again", withState("delete"));
  figures.leftBehind += emulator.accountKeys().filter((line) => !foreign.includes(line)).length;
  return figures;
}
