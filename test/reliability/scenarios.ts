/**
 * The reliability scenarios: faults during create, crashes in the middle, a rate-limit storm and bad input (the
 * key races are in keyScenarios.ts); each returns its line of the table. The secrets scan (in suite.ts) runs over
 * everything they saw.
 */
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { hostProvider, type HostedProvider } from "../providers/dynamicHost";
import { addProgressSink } from "../../sdk/providers/progress";
import type { PodOutputs } from "../../sdk/providers/podProvider";
import { readSshBanner } from "../../sdk/ssh/sshBanner";
import { makeKeys, runWorker, sleep, type ScenarioResult, type SuiteSize, type Transcript } from "./support";

const GPU = "NVIDIA GeForce RTX 4090";

function emulatorEnv(emulator: RunpodEmulator): Record<string, string> {
  return { RUNPOD_API_URL: emulator.url, RUNPOD_API_KEY: emulator.apiKey };
}

interface FaultCase {
  name: string;
  /** Sets the fault up; may return inputs overrides. */
  setup(emulator: RunpodEmulator, runs: number): Record<string, unknown>;
  /** What a clear error says; undefined when the run must end in a ready pod. */
  expectError?: RegExp;
  /** Run the creates one after another (the fault is a queue) instead of at once. */
  sequential?: boolean;
  /** Something to do while the create waits. */
  during?(emulator: RunpodEmulator, name: string): Promise<void>;
}

const FAULTS: FaultCase[] = [
  {
    name: "capacity 400 on every candidate",
    setup: (e) => {
      e.faults.markGpuUnavailable(GPU);
      e.faults.markGpuUnavailable("NVIDIA RTX A5000");
      return { gpu: { ids: [GPU, "NVIDIA RTX A5000"] } };
    },
    expectError: /on all 2 placement candidates with the same answer|No capacity for pod/,
  },
  { name: "402 insufficient balance", setup: (e, n) => (e.faults.failNextCreates("insufficient-balance", n), {}), expectError: /insufficient balance/, sequential: true },
  { name: "5xx storm", setup: (e) => (e.faults.failNextCreates("server-error", 3), {}), sequential: true },
  { name: "created, then 500", setup: (e) => (e.faults.failNextCreates("created-then-500", 1), {}), sequential: true },
  { name: "pod goes to ERROR", setup: (e, n) => (e.faults.nextPods("error", n), {}), expectError: /went to ERROR[\s\S]*terminated so that it does not keep billing/ },
  {
    name: "never a public port",
    setup: (e, n) => (e.faults.nextPods("no-public-port", n), { readinessTimeoutSeconds: 10 }),
    expectError: /was not ready for SSH after 1\d s[\s\S]*no public port for 22\/tcp[\s\S]*terminated/,
  },
  {
    name: "readiness deadline passed",
    setup: (e, n) => (e.faults.nextPods("stuck-provisioning", n), { readinessTimeoutSeconds: 10 }),
    expectError: /was not ready for SSH after 1\d s[\s\S]*status: PROVISIONING[\s\S]*terminated/,
  },
  {
    name: "sshd never answers",
    setup: (e, n) => (e.faults.nextPods("sshd-never", n), { readinessTimeoutSeconds: 10 }),
    expectError: /was not ready for SSH after 1\d s[\s\S]*no SSH server answers[\s\S]*terminated/,
  },
  {
    name: "reset in the middle of the wait",
    setup: () => ({}),
    during: async (e, name) => {
      for (let i = 0; i < 200; i++) {
        const pod = e.pods().find((p) => p.name === name);
        if (pod && pod.status === "RUNNING" && pod.sshPort) {
          await e.resetPod(pod.id);
          return;
        }
        await sleep(20);
      }
    },
  },
];

/** Every fault the emulator offers, many runs each. Figures: pods left, duplicates, unclear outcomes. */
export async function createFaults(size: SuiteSize, transcript: Transcript): Promise<ScenarioResult> {
  const emulator = await startEmulator({ rateLimit: false, timings: { provisioningMs: 100, startingMs: 100, sshdStartMs: 400 } });
  transcript.secret(emulator.apiKey);
  const hosted = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  transcript.add("serialized pod provider", hosted.text);
  const key = makeKeys(1, "faults")[0];
  let trials = 0;
  let unclear = 0;
  let duplicates = 0;
  const outcomes: Record<string, string> = {};
  let seq = 0;
  try {
    for (const fault of FAULTS) {
      emulator.faults.clear();
      const overrides = fault.setup(emulator, size.faultRuns);
      const one = async (): Promise<boolean> => {
        const name = `fault-${++seq}`;
        trials++;
        const inputs = { name, ownerTag: `urn:reliability:${name}`, image: "runpod/base:1.0.0", gpu: { id: GPU }, sshPublicKeys: [key.publicKey], ...overrides };
        const during = fault.during?.(emulator, name);
        let clear = false;
        try {
          const checked = await hosted.provider.check({}, inputs);
          const created = await hosted.provider.create(checked.inputs);
          const outs = created.outs as PodOutputs;
          transcript.add("pod outputs", outs);
          const banner = outs.publicIp && outs.sshPort ? await readSshBanner(outs.publicIp, outs.sshPort, 2000) : { ok: false };
          clear = fault.expectError === undefined && banner.ok;
          await hosted.provider.delete(created.id, outs);
        } catch (e) {
          const message = (e as Error).message;
          transcript.add("error message", message);
          clear = fault.expectError !== undefined && fault.expectError.test(message) && message.includes(name);
          if (!clear) outcomes[fault.name] = message.slice(0, 300);
        }
        await during;
        if (emulator.pods().filter((p) => p.name === name).length > 1) duplicates++;
        return clear;
      };
      const results = fault.sequential
        ? await (async () => {
            const out: boolean[] = [];
            for (let i = 0; i < size.faultRuns; i++) out.push(await one());
            return out;
          })()
        : await Promise.all(Array.from({ length: size.faultRuns }, one));
      unclear += results.filter((ok) => !ok).length;
      emulator.faults.markGpuUnavailable(GPU, false);
      emulator.faults.markGpuUnavailable("NVIDIA RTX A5000", false);
    }
    const left = emulator.pods().length;
    transcript.add("emulator request URLs", emulator.requests.map((r) => r.url).join("\n"));
    return {
      scenario: "faults during create",
      trials,
      failures: unclear,
      mustBeZero: { "pods left in the emulator": left, "duplicate pods": duplicates, "runs without a clear error or a ready pod": unclear },
      notes: { faults: FAULTS.length, ...(Object.keys(outcomes).length ? { firstUnclear: JSON.stringify(outcomes).slice(0, 300) } : {}) },
    };
  } finally {
    await emulator.stop();
  }
}

/**
 * The process running the provider is SIGKILLed at a random point of a create or a destroy; the operation is
 * then run again as Pulumi would (a pending create is retried, a destroy is retried).
 * Figures: leaked pods, duplicate pods, lost or leftover keys.
 */
export async function crashes(size: SuiteSize, transcript: Transcript): Promise<ScenarioResult> {
  const emulator = await startEmulator({ rateLimit: false, timings: { provisioningMs: 100, startingMs: 100, sshdStartMs: 100 } });
  transcript.secret(emulator.apiKey);
  const env = { ...emulatorEnv(emulator), RUNPOD_SSH_POLL_INTERVAL_MS: "100", RUNPOD_SSH_KEY_SETTLE_MS: "100", SERIALIZED: "1" };
  const key = makeKeys(1, "crash")[0];
  const foreign = makeKeys(2, "crash-foreign").map((k) => k.publicKey);
  emulator.setAccountKeys(foreign);
  let leaked = 0;
  let duplicates = 0;
  let lostKeys = 0;
  let failures = 0;
  let killedMidway = 0;
  const record = (r: { stdout: string; stderr: string }): void => transcript.add("crash worker output", r.stdout + r.stderr);
  try {
    for (let i = 0; i < size.crashRuns; i++) {
      const name = `crash-${i}`;
      const inputs = JSON.stringify({ name, ownerTag: `urn:reliability:${name}`, image: "runpod/base:1.0.0", gpu: { id: GPU }, sshPublicKeys: [key.publicKey] });
      // create, killed somewhere between start-up and readiness, then retried
      const first = await runWorker({ ...env, KIND: "pod", ACTION: "create", INPUTS: inputs }, 300 + Math.random() * 1700);
      record(first);
      if (first.killed) killedMidway++;
      const retry = await runWorker({ ...env, KIND: "pod", ACTION: "create", INPUTS: inputs });
      record(retry);
      if (!retry.ok) failures++;
      const mine = emulator.pods().filter((p) => p.name === name);
      if (mine.length > 1) duplicates += mine.length - 1;
      // destroy, killed somewhere, then retried
      const props = JSON.stringify(retry.outs ?? {});
      const del = await runWorker({ ...env, KIND: "pod", ACTION: "delete", ID: retry.id ?? "", PROPS: props }, Math.random() * 600);
      record(del);
      if (del.killed) killedMidway++;
      const delRetry = await runWorker({ ...env, KIND: "pod", ACTION: "delete", ID: retry.id ?? "", PROPS: props });
      record(delRetry);
      if (!delRetry.ok) failures++;
      leaked += emulator.pods().filter((p) => p.name === name).length;

      // the account key: register killed midway then retried; remove killed midway then retried
      const keyLine = makeKeys(1, `crash-key-${i}`)[0].publicKey;
      const identity = keyLine.split(" ").slice(0, 2).join(" ");
      const keyInputs = JSON.stringify({ publicKey: keyLine, ownerTag: `urn:reliability:key-${i}` });
      const k1 = await runWorker({ ...env, KIND: "accountSshKey", ACTION: "create", INPUTS: keyInputs }, 200 + Math.random() * 800);
      record(k1);
      if (k1.killed) killedMidway++;
      const k2 = await runWorker({ ...env, KIND: "accountSshKey", ACTION: "create", INPUTS: keyInputs });
      record(k2);
      const hasOurKey = (): boolean => emulator.accountKeys().some((l) => l.startsWith(`${identity} `) || l === identity);
      if (!hasOurKey()) lostKeys++;
      // Pulumi records the retry's outputs; destroy (killed midway, then retried) must remove the key.
      const keyProps = JSON.stringify(k2.outs ?? {});
      const k3 = await runWorker({ ...env, KIND: "accountSshKey", ACTION: "delete", ID: k2.id ?? "", PROPS: keyProps }, Math.random() * 500);
      record(k3);
      if (k3.killed) killedMidway++;
      const k4 = await runWorker({ ...env, KIND: "accountSshKey", ACTION: "delete", ID: k2.id ?? "", PROPS: keyProps });
      record(k4);
      if (!k2.ok || !k4.ok) failures++;
      const keys = emulator.accountKeys();
      if (hasOurKey()) lostKeys++;
      lostKeys += foreign.filter((f) => !keys.includes(f)).length;
    }
    transcript.add("emulator request URLs", emulator.requests.map((r) => r.url).join("\n"));
  } finally {
    await emulator.stop();
  }
  return {
    scenario: "crash in the middle",
    trials: size.crashRuns * 4,
    failures,
    mustBeZero: { "leaked pods": leaked, "duplicate pods": duplicates, "lost or leftover keys": lostKeys },
    notes: { "operations killed midway": killedMidway },
  };
}

/** A fleet against a quota of 10 requests a minute (scaled: 10 per 6 s). Figures: 429s answered, resources failed. */
export async function rateLimitStorm(size: SuiteSize, transcript: Transcript): Promise<ScenarioResult> {
  const emulator = await startEmulator({
    rateLimit: [{ name: "minute", quota: 10, windowSeconds: 6 }],
    timings: { provisioningMs: 500, startingMs: 500, sshdStartMs: 300 },
  });
  transcript.secret(emulator.apiKey);
  const hosted: HostedProvider = await hostProvider("pod", { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url });
  const key = makeKeys(1, "storm")[0];
  let failed = 0;
  const started = Date.now();
  try {
    const results = await Promise.all(
      Array.from({ length: size.stormPods }, async (_, i) => {
        const name = `storm-${i}`;
        try {
          const checked = await hosted.provider.check({}, { name, ownerTag: `urn:reliability:${name}`, image: "runpod/base:1.0.0", gpu: { id: GPU }, sshPublicKeys: [key.publicKey] });
          const created = await hosted.provider.create(checked.inputs);
          transcript.add("pod outputs", created.outs);
          return created;
        } catch (e) {
          transcript.add("error message", (e as Error).message);
          failed++;
          return undefined;
        }
      }),
    );
    const wall = Date.now() - started;
    const answered429 = emulator.requests.filter((r) => r.status === 429).length;
    const polling429 = emulator.requests.filter((r) => r.status === 429 && r.method === "GET" && r.path === "/v2/pods").length;
    for (const r of results) if (r) await hosted.provider.delete(r.id, r.outs);
    transcript.add("emulator request URLs", emulator.requests.map((r) => r.url).join("\n"));
    return {
      scenario: "rate-limit storm",
      trials: size.stormPods,
      failures: failed,
      mustBeZero: { "resources failed": failed },
      notes: { "429s answered": answered429, "429s on polling": polling429, "requests": emulator.requests.length, "wall s": Math.round(wall / 100) / 10 },
    };
  } finally {
    await emulator.stop();
  }
}

/** A well-formed RSA public key of 512 bits: OpenSSH refuses RSA keys under 1024 bits. */
const RSA_512 =
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAQQDHlfrW7wfrFP7YVkn2lrSpUJGmEzAHVuFMaYlspX1dg/D7FvpdkJ" +
  "2BQUoW7wsvGmBX8TFbGDRUBtp+Lbc9WoNN rsa-512";
/** An ECDSA key whose type says nistp256 while its curve field says nistp384. */
const ECDSA_CURVE_MISMATCH =
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAzODQAAABBBC+Uj3Ea4Isu7GfgARjCJzPK1GOd" +
  "YoCwafFy7OKSG6tbB5iIYfPpa9l1ddjczL8SwQO97SBYEQFv2Q9eZlIhhPU= curve-mismatch";

/** Public key lines OpenSSH refuses to load, built from a good one; each with what is wrong. */
function unloadableKeys(goodLine: string): Array<[string, string]> {
  const blob = Buffer.from(goodLine.split(" ")[1], "base64");
  const length = (n: number): Buffer => Buffer.from([0, 0, 0, n]);
  const edKey = blob.subarray(19);
  return [
    [RSA_512, "512-bit RSA"],
    [ECDSA_CURVE_MISMATCH, "ECDSA curve name mismatch"],
    [`ssh-ed25519 ${Buffer.concat([blob.subarray(0, 15), length(31), edKey.subarray(0, 31)]).toString("base64")}`, "ed25519 key of 31 bytes"],
    [`ssh-ed25519 ${Buffer.concat([blob, Buffer.from([7])]).toString("base64")}`, "a byte after the key"],
    [`ssh-ed25519 ${blob.subarray(0, 40).toString("base64")}`, "blob cut short"],
    [`${goodLine} bell\u0007`, "control character in the comment"],
    [`${goodLine}\u0000`, "NUL at the end"],
  ];
}

/** At least 40 malformed inputs: each must be rejected at check, naming the input, with no HTTP call. */
export async function badInput(transcript: Transcript): Promise<ScenarioResult> {
  const emulator = await startEmulator({ sshd: false, rateLimit: false });
  transcript.secret(emulator.apiKey);
  const config = { "runpod:token": emulator.apiKey, "runpod:apiUrl": emulator.url };
  const pod = await hostProvider("pod", config);
  const key = await hostProvider("accountSshKey", config);
  const file = await hostProvider("localKeyFile", config);
  const [good, other] = makeKeys(2, "bad-input");
  const [type, b64] = good.publicKey.split(" ");
  const base = { name: "ok", ownerTag: "urn:x", image: "runpod/base:1.0.0", gpu: { id: GPU } };
  const cases: Array<[HostedProvider, Record<string, unknown>, string]> = [
    [key, { publicKey: `SHA256:${"a".repeat(43)}` }, "publicKey"],
    [key, { publicKey: `256 SHA256:${"b".repeat(43)} me (ED25519)` }, "publicKey"],
    [key, { publicKey: `${b64} me` }, "publicKey"],
    [key, { publicKey: `${good.publicKey}\n${other.publicKey}` }, "publicKey"],
    [key, { publicKey: `${good.publicKey} ${other.publicKey}` }, "publicKey"],
    [key, { publicKey: good.privateKey }, "publicKey"],
    [key, { publicKey: "PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\nAAAA\n" }, "publicKey"],
    [key, { publicKey: `---- BEGIN SSH2 PUBLIC KEY ----\n${b64}\n---- END SSH2 PUBLIC KEY ----` }, "publicKey"],
    [key, { publicKey: `command="rm -rf /" ${good.publicKey}` }, "publicKey"],
    [key, { publicKey: type }, "publicKey"],
    [key, { publicKey: `${type} $(whoami)` }, "publicKey"],
    [key, { publicKey: "" }, "publicKey"],
    [key, { publicKey: good.publicKey, comment: "two\nlines" }, "comment"],
    [key, {}, "publicKey"],
    [pod, { ...base, args: "" }, "args"],
    [pod, { ...base, ports: ["53/udp"] }, "ports[0]"],
    [pod, { ...base, ports: ["8080"] }, "ports[0]"],
    [pod, { ...base, ports: ["22/tcp", "22/tcp"] }, "ports[1]"],
    [pod, { ...base, ports: ["0/tcp"] }, "ports[0]"],
    [pod, { ...base, ports: Array.from({ length: 11 }, (_, i) => `${9000 + i}/http`) }, "ports"],
    [pod, { ...base, ports: ["22/http"] }, "ports"],
    [pod, { ...base, env: { PORT: 8080 } }, "env.PORT"],
    [pod, { ...base, env: { "BAD NAME": "x" } }, 'env["BAD NAME"]'],
    [pod, { ...base, env: { "1ST": "x" } }, 'env["1ST"]'],
    [pod, { ...base, env: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`V${i}`, "x"])) }, "env"],
    [pod, { ...base, env: { QUOTED: null } }, "env.QUOTED"],
    [pod, { ...base, name: "" }, "name"],
    [pod, { ...base, name: "line\nbreak" }, "name"],
    [pod, { ...base, name: "x".repeat(200) }, "name"],
    [pod, { name: "n", ownerTag: "urn:x", gpu: { id: GPU } }, "image"],
    [pod, { ...base, gpu: undefined }, "gpu"],
    [pod, { ...base, cpu: { id: "cpu3c", vcpuCount: 2 } }, "gpu"],
    [pod, { ...base, gpu: { count: 1 } }, "gpu.id"],
    [pod, { ...base, gpu: { id: GPU, count: 0 } }, "gpu.count"],
    [pod, { ...base, gpu: { id: GPU, count: 1.5 } }, "gpu.count"],
    [pod, { ...base, gpu: { ids: [] } }, "gpu.ids"],
    [pod, { ...base, gpu: { id: GPU, ids: [GPU] } }, "gpu.ids"],
    [pod, { ...base, gpu: undefined, cpu: { id: "cpu3c", vcpuCount: 3 } }, "cpu.vcpuCount"],
    [pod, { ...base, gpu: undefined, cpu: { id: "cpu3c", vcpuCount: 2 }, mounts: { persistent: { size: 20, path: "/w" } } }, "mounts.persistent"],
    [pod, { ...base, mounts: { persistent: { size: 20, path: "work space" } } }, "mounts.persistent.path"],
    [pod, { ...base, mounts: { persistent: { size: 20, path: "/w" }, network: [{ volumeId: "v", path: "/n" }] } }, "mounts"],
    [pod, { ...base, cloud: "secure" }, "cloud"],
    [pod, { ...base, sshPublicKeys: [`SHA256:${"c".repeat(43)}`] }, "sshPublicKeys[0]"],
    [pod, { ...base, sshPublicKeys: [good.publicKey, `${b64}`] }, "sshPublicKeys[1]"],
    [pod, { ...base, readinessTimeoutSeconds: 0 }, "readinessTimeoutSeconds"],
    [pod, { ...base, imageName: "typo" }, "imageName"],
    [pod, { ...base, args: "start\u0000" }, "args"],
    [pod, { ...base, ownerTag: undefined }, "ownerTag"],
    [file, { path: "/tmp/keys dir/", content: good.privateKey }, "path"],
    [file, { path: "/tmp/key", content: good.publicKey }, "path"],
    // Keys OpenSSH will not load, and control characters (issue 10).
    ...unloadableKeys(good.publicKey).flatMap(([line]): Array<[HostedProvider, Record<string, unknown>, string]> => [
      [key, { publicKey: line }, "publicKey"],
      [pod, { ...base, sshPublicKeys: [good.publicKey, line] }, "sshPublicKeys[1]"],
    ]),
    // Env the container cannot receive.
    [pod, { ...base, env: { BIG: "x".repeat(131_100) } }, "env.BIG"],
    [pod, { ...base, env: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`V${i}`, "x".repeat(100_000)])) }, "env"],
    [pod, { ...base, args: "x".repeat(1_100_000) }, "args"],
    // Image references Docker cannot pull.
    [pod, { ...base, image: "Runpod/pytorch:2.1" }, "image"],
    [pod, { ...base, image: "docker pull runpod/base:1.0.0" }, "image"],
    [pod, { ...base, image: "https://ghcr.io/org/img:1" }, "image"],
    [pod, { ...base, image: "runpod/base:" }, "image"],
    [pod, { ...base, image: "runpod/base@sha256:abc" }, "image"],
    [pod, { ...base, image: "runpod//base" }, "image"],
  ];
  let rejected = 0;
  const misses: string[] = [];
  const before = emulator.requests.length;
  try {
    for (const [provider, inputs, property] of cases) {
      const r = await provider.provider.check({}, inputs);
      for (const f of r.failures ?? []) transcript.add("check failure", `${f.property}: ${f.reason}`);
      // Reported on the top-level input (the engine prints its value), the nested path named in the sentence.
      const topLevel = /^[^.[]+/.exec(property)![0];
      const hit = (r.failures ?? []).find((f) => f.property === topLevel && f.reason.trim().length > 10 && (topLevel === property || f.reason.includes(property)));
      if (hit) rejected++;
      else misses.push(`${property}: ${JSON.stringify(r.failures ?? [])}`);
    }
    const calls = emulator.requests.length - before;
    return {
      scenario: "bad input",
      trials: cases.length,
      failures: cases.length - rejected,
      mustBeZero: { "not rejected at check (naming the input)": cases.length - rejected, "HTTP calls made": calls },
      notes: { "rejected %": Math.round((rejected / cases.length) * 1000) / 10, ...(misses.length ? { misses: misses.join(" | ").slice(0, 300) } : {}) },
    };
  } finally {
    await emulator.stop();
  }
}

/** Captures every progress line the providers print while `fn` runs. */
export async function withProgressCapture<T>(transcript: Transcript, fn: () => Promise<T>): Promise<T> {
  const remove = addProgressSink((line) => transcript.add("progress log", line));
  try {
    return await fn();
  } finally {
    remove();
  }
}
