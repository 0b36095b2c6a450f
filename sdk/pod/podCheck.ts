/**
 * `check` for Pod inputs: every problem at once, each on its top-level input with a full sentence that names
 * the input (and the nested path, such as `ports[2]`), says what is wrong and how to fix it (checkFailure.ts).
 * No network call: bad input fails at `pulumi preview`.
 *
 * Beyond the schema (podSpec.ts): exactly one of gpu and cpu; an image reference Docker can pull
 * (imageReference.ts); ports Runpod exposes; env names a shell can use, at most 50 variables, and a size the
 * container can receive (containerLimits.ts); SSH keys OpenSSH loads (publicKey.ts).
 */
import type { z } from "zod";
import { parsePublicKey, PublicKeyError } from "../ssh/publicKey";
import { costInputProblems } from "./podCost";
import { CheckFailures, describe, pathText, type CheckFailure, type InputPath } from "./checkFailure";
import { MAX_ENV_ENTRY_BYTES, MAX_ENV_TOTAL_BYTES, envEntryBytes, startBytes } from "./containerLimits";
import { imageReferenceProblem } from "./imageReference";
import { checkNetworkVolume } from "./volumeCheck";
import { watchdogProblems } from "./podWatchdog";
import {
  MAX_ENV_VARS,
  MAX_HTTP_PORTS,
  OWNER_ENV,
  UNKNOWN,
  containsUnknown,
  podEnv,
  podSpecSchema,
  type PodSpec,
} from "./podSpec";

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PORT_RE = /^(\d{1,5})\/([a-z]+)$/;
const KEY_VARIABLES = ["PUBLIC_KEY", "SSH_PUBLIC_KEY"];

/** Strips values unknown at preview, so they are neither validated nor reported. */
function withoutUnknowns(value: unknown): unknown {
  if (value === UNKNOWN) return undefined;
  if (Array.isArray(value)) return value.filter((v) => !containsUnknown(v)).map(withoutUnknowns);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== UNKNOWN) out[k] = withoutUnknowns(v);
    return out;
  }
  return value;
}

const EXPECTED: Record<string, string> = {
  object: "an object",
  record: "an object",
  array: "a list",
  boolean: "true or false",
  number: "a number",
  string: "a string",
};

/** Messages for the schema's own checks (types of whole objects, lists, booleans), as clauses after the path. */
function schemaMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === "invalid_type")
    return `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(issue.input)}`;
  return undefined;
}

/** Structure and types: unknown inputs (typos) and wrong types, from the schema. */
function checkSchema(input: unknown, failures: CheckFailures): void {
  const parsed = podSpecSchema.safeParse(input, { error: schemaMessage });
  if (parsed.success) return;
  for (const issue of parsed.error.issues) {
    const path = issue.path as InputPath;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        failures.add(
          [...path, key],
          `${pathText([...path, key])} is not a Pod input. Check the spelling; the PodArgs documentation lists ` +
            `every input.`,
        );
      }
    } else {
      failures.add(path, `${pathText(path) || "The Pod inputs"} ${issue.message.replace(/\.$/, "")}.`);
    }
  }
}

function checkPlacement(spec: PodSpec, raw: Record<string, unknown>, failures: CheckFailures): void {
  const given = (k: string): boolean => raw[k] !== undefined;
  if (!given("image") && !given("templateId")) {
    failures.add(
      ["image"],
      "image is required unless templateId is set. Give a container image, e.g. " +
        '"runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404".',
    );
  }
  if (typeof spec.image === "string" && spec.image.trim() !== "") {
    const problem = imageReferenceProblem(spec.image);
    if (problem) failures.add(["image"], problem);
  }
  if (given("gpu") && given("cpu")) {
    failures.add(["gpu"], "gpu and cpu are both set; set only one of them: gpu for a GPU pod, cpu for a CPU pod.");
  } else if (!given("gpu") && !given("cpu")) {
    failures.add(
      ["gpu"],
      'gpu is required for a GPU pod (or cpu for a CPU pod), e.g. gpu: { id: "NVIDIA GeForce RTX 4090", count: 1 }.',
    );
  }
  if (spec.gpu && typeof spec.gpu === "object") {
    const g = spec.gpu;
    const rawGpu = raw.gpu as Record<string, unknown> | undefined;
    if (g.id !== undefined && g.ids !== undefined) {
      failures.add(
        ["gpu", "ids"],
        "gpu.id and gpu.ids are both set. Use gpu.id for one GPU type, or gpu.ids for an ordered list of candidates.",
      );
    } else if (g.id === undefined && g.ids === undefined && rawGpu?.id === undefined && rawGpu?.ids === undefined) {
      failures.add(
        ["gpu", "id"],
        'gpu.id is required: the GPU type, e.g. "NVIDIA GeForce RTX 4090" (or gpu.ids for a list of candidates).',
      );
    }
    if (Array.isArray(g.ids)) {
      if (g.ids.length === 0 && !containsUnknown(rawGpu?.ids))
        failures.add(["gpu", "ids"], "gpu.ids is empty; list at least one GPU type.");
      const dup = g.ids.find((id, i) => g.ids!.indexOf(id) !== i);
      if (dup) failures.add(["gpu", "ids"], `gpu.ids lists "${dup}" twice; list each GPU type once.`);
    }
    if (Array.isArray(g.allowedCudaVersions) && g.allowedCudaVersions.length > 0 && g.minCudaVersion !== undefined) {
      failures.add(
        ["gpu", "minCudaVersion"],
        "gpu.minCudaVersion cannot be combined with a non-empty gpu.allowedCudaVersions; use one or the other.",
      );
    }
  }
  if (spec.cpu && typeof spec.cpu.vcpuCount === "number") {
    const n = spec.cpu.vcpuCount;
    if (Number.isInteger(n) && n >= 2 && (n & (n - 1)) !== 0) {
      failures.add(["cpu", "vcpuCount"], `cpu.vcpuCount must be a power of two (2, 4, 8, ...), got ${n}.`);
    }
  }
  if (spec.cpu && spec.globalNetworking === true) {
    failures.add(
      ["globalNetworking"],
      "globalNetworking needs an NVIDIA GPU pod; a CPU pod cannot have it. Remove globalNetworking or use gpu.",
    );
  }
  if (Array.isArray(spec.dataCenterIds)) {
    const dup = spec.dataCenterIds.find((d, i) => spec.dataCenterIds!.indexOf(d) !== i);
    if (dup) failures.add(["dataCenterIds"], `dataCenterIds lists "${dup}" twice; list each data center once.`);
  }
  if (spec.dataCenterIdsInOrder && (!Array.isArray(raw.dataCenterIds) || raw.dataCenterIds.length === 0)) {
    failures.add(
      ["dataCenterIdsInOrder"],
      "dataCenterIdsInOrder needs dataCenterIds: list the data centers to try, in order.",
    );
  }
}

function checkMounts(spec: PodSpec, failures: CheckFailures): void {
  const mounts = spec.mounts;
  if (!mounts || typeof mounts !== "object") return;
  if (spec.cpu && mounts.persistent) {
    failures.add(
      ["mounts", "persistent"],
      "mounts.persistent is not available on CPU pods; use a network volume (mounts.network) instead.",
    );
  }
  if (mounts.persistent && mounts.network && mounts.network.length > 0) {
    failures.add(
      ["mounts"],
      "mounts has both persistent and network; a pod can have one kind of mount. Remove one of them.",
    );
  }
  const relative = (path: InputPath, value: unknown): void => {
    if (typeof value === "string" && value.trim() !== "" && !value.startsWith("/")) {
      failures.add(
        path,
        `${pathText(path)} must be an absolute path such as /workspace, got ${JSON.stringify(value.slice(0, 60))}.`,
      );
    }
  };
  relative(["mounts", "persistent", "path"], mounts.persistent?.path);
  for (const [i, m] of (Array.isArray(mounts.network) ? mounts.network : []).entries())
    relative(["mounts", "network", i, "path"], m?.path);
}

function checkArgs(spec: PodSpec, failures: CheckFailures): void {
  if (typeof spec.args !== "string") return;
  if (spec.args.trim() === "") {
    failures.add(
      ["args"],
      "args is empty. An empty start command replaces the image's own (/start.sh), so sshd never starts. Leave args " +
        "out to keep the image's start command.",
    );
  }
  if (spec.args.includes("\u0000"))
    failures.add(["args"], "args contains a NUL character, which no start command can hold; remove it.");
}

function checkPorts(spec: PodSpec, failures: CheckFailures): void {
  if (!Array.isArray(spec.ports)) return;
  const seen = new Map<number, string>();
  let http = 0;
  for (const [i, p] of spec.ports.entries()) {
    if (typeof p !== "string") continue;
    const at = `ports[${i}]`;
    const add = (sentence: string): void => failures.add(["ports", i], sentence);
    const m = PORT_RE.exec(p.trim());
    if (!m) {
      add(
        `${at} is ${JSON.stringify(p)}, which is not a port. Write "PORT/tcp" or "PORT/http", e.g. "22/tcp" or ` +
          `"8888/http".`,
      );
      continue;
    }
    const port = Number(m[1]);
    const proto = m[2];
    if (proto === "udp") add(`${at} is ${JSON.stringify(p)}, but Runpod does not expose UDP ports. Use tcp or http.`);
    else if (proto !== "tcp" && proto !== "http")
      add(`${at} is ${JSON.stringify(p)}; the protocol must be tcp or http.`);
    else if (port < 1 || port > 65535) add(`${at} is ${JSON.stringify(p)}; the port must be between 1 and 65535.`);
    else {
      const before = seen.get(port);
      if (before)
        add(
          `${at} is ${JSON.stringify(p)}, which repeats port ${port} (already exposed as "${before}"). Expose each ` +
            `port once.`,
        );
      else seen.set(port, p);
      if (proto === "http") http++;
    }
  }
  if (http > MAX_HTTP_PORTS)
    failures.add(
      ["ports"],
      `ports exposes ${http} HTTP ports; Runpod allows at most ${MAX_HTTP_PORTS}. Remove ${http - MAX_HTTP_PORTS}.`,
    );
  if (seen.get(22) === "22/http") failures.add(["ports"], 'ports exposes 22 as http; SSH needs "22/tcp".');
}

function checkEnvNames(spec: PodSpec, raw: Record<string, unknown>, failures: CheckFailures): void {
  if (!spec.env || typeof spec.env !== "object" || Array.isArray(spec.env)) return;
  const names = Object.keys(raw.env as object);
  for (const name of names) {
    if (!ENV_NAME_RE.test(name)) {
      failures.add(
        ["env", name],
        `${pathText(["env", name])} is not a valid variable name: use letters, digits and _, not starting with a digit.`,
      );
    }
  }
  const keyVars = KEY_VARIABLES.filter((k) => !names.includes(k) && (spec.sshPublicKeys?.length ?? 0) > 0).length;
  const watchdog = watchdogProblems(spec as Record<string, unknown>).length === 0 && [spec.maxLifetime, spec.idleTimeout, spec.maxSpend].some((v) => v !== undefined) ? 1 : 0;
  const extra = keyVars + (names.includes(OWNER_ENV) ? 0 : 1) + watchdog;
  if (names.length + extra > MAX_ENV_VARS) {
    failures.add(
      ["env"],
      `env has ${names.length} variables, and this package adds ${extra} ` +
        `(${keyVars ? "PUBLIC_KEY, SSH_PUBLIC_KEY and " : ""}${OWNER_ENV}${watchdog ? ", PULUMI_RUNPOD_WATCHDOG" : ""}); ` +
        `Runpod allows at most ${MAX_ENV_VARS} in all. Remove ${names.length + extra - MAX_ENV_VARS}.`,
    );
  }
}

function checkKeys(spec: PodSpec, failures: CheckFailures): void {
  if (!Array.isArray(spec.sshPublicKeys)) return;
  for (const [i, k] of spec.sshPublicKeys.entries()) {
    if (typeof k !== "string") continue;
    try {
      parsePublicKey(k, `sshPublicKeys[${i}]`);
    } catch (e) {
      if (!(e instanceof PublicKeyError)) throw e;
      failures.add(["sshPublicKeys", i], e.problem);
    }
  }
}

/**
 * The size the container receives (containerLimits.ts): each variable, and env plus args together, as sent (the
 * key variables and the owner tag included). Run only once env and the keys are otherwise valid.
 */
function checkStartSize(spec: PodSpec, ownerTag: string, failures: CheckFailures): void {
  const userNames = Object.keys(spec.env ?? {});
  const keyCount = spec.sshPublicKeys?.length ?? 0;
  const sent = { ...podEnv(spec), [OWNER_ENV]: ownerTag };
  for (const [name, value] of Object.entries(sent)) {
    const bytes = envEntryBytes(name, value);
    if (bytes <= MAX_ENV_ENTRY_BYTES) continue;
    const limit =
      `Linux passes at most ${MAX_ENV_ENTRY_BYTES} bytes per variable to a program, so the container ` +
      `could not start`;
    if (KEY_VARIABLES.includes(name) && keyCount > 0) {
      failures.add(
        ["sshPublicKeys"],
        `sshPublicKeys make ${name} ${bytes} bytes long; ${limit}. Give fewer keys (${keyCount} given).`,
      );
    } else {
      failures.add(
        ["env", name],
        `${pathText(["env", name])} is ${bytes} bytes long (as NAME=value); ${limit}. ` +
          "Keep large data in a file (e.g. under /workspace) or download it in the start command.",
      );
    }
  }
  const total = startBytes(sent, spec.args);
  if (total > MAX_ENV_TOTAL_BYTES) {
    const property = userNames.length > 0 ? "env" : spec.args !== undefined ? "args" : "sshPublicKeys";
    failures.add(
      [property],
      `${property} is too large: env, args and the variables this package adds take ${total} bytes together, over the ` +
        `${MAX_ENV_TOTAL_BYTES} bytes (1 MiB) this package allows, half of what Linux passes to a container's first ` +
        "process (2 MiB); the other half is left to the image's own ENV and Runpod's variables. Keep large values " +
        "in files.",
    );
  }
}

/**
 * Validates Pod inputs. Returns every failure; an empty list means the inputs are good. Values unknown during
 * preview are skipped. `ownerTag` is the owner variable's value, counted in the env size. Makes no network call.
 */
export function checkPodSpec(raw: unknown, ownerTag = ""): CheckFailure[] {
  const rawObj = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const input = withoutUnknowns(raw) as Record<string, unknown>;
  const failures = new CheckFailures();
  checkSchema(input, failures);
  const spec = input as PodSpec;
  checkPlacement(spec, rawObj, failures);
  checkMounts(spec, failures);
  checkNetworkVolume(spec, rawObj, failures);
  checkArgs(spec, failures);
  checkPorts(spec, failures);
  checkEnvNames(spec, rawObj, failures);
  checkKeys(spec, failures);
  for (const p of costInputProblems(spec)) failures.add(p.path, p.reason);
  for (const [property, reason] of watchdogProblems(input)) failures.add([property], reason);
  if (!failures.list.some((f) => ["env", "sshPublicKeys", "args"].includes(f.property)))
    checkStartSize(spec, ownerTag, failures);
  return failures.list;
}
