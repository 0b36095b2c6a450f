/**
 * SshPod's input checks (sshPod.ts): every invalid input at once, at construction, so at preview. A plain
 * function over the args, tested without a Pulumi engine.
 */
import type { PodArgs } from "../resources/pod";
import { SshKey } from "./sshKey";
import { SshKeyReference } from "./sshKeyReference";
import { tunnelLocalPortProblems, vscodeFolderProblems } from "../ssh/ideOutputs";
import { parsePublicKey, PublicKeyError } from "../ssh/publicKey";
import type * as podCheckTypes from "../pod/podCheck";
import type * as podSpecTypes from "../pod/podSpec";
import { describe } from "../pod/checkFailure";
import { InputProblems, knownPart } from "./inputProblems";

/**
 * The SshPod inputs these checks read, as the program passed them (SshPodArgs in sshPod.ts, which imports this
 * file: the checks look at values of any type, so each is `unknown` here).
 */
export interface SshPodInputsToCheck {
  sshKey?: unknown;
  sshdMode?: unknown;
  hostKeyChecking?: unknown;
  passwordLogin?: unknown;
  startCommand?: unknown;
  args?: unknown;
  allowProxyOnly?: unknown;
  privateKeyFile?: unknown;
  identityFile?: unknown;
  knownHostsFile?: unknown;
  hostAlias?: unknown;
  vscodeFolder?: unknown;
  ports?: unknown;
  tunnelLocalPorts?: unknown;
  env?: unknown;
  jupyterPassword?: unknown;
  extraPublicKeys?: unknown;
}

const ALLOWED_MODES: unknown[] = ["image", "bootstrap"];
const ALLOWED_CHECKING: unknown[] = ["pinned", "accept-new", "strict", "off"];

function describeValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : describe(value);
}

/** SshPod's own inputs: types and combinations. */
function checkOwnInputs(args: SshPodInputsToCheck, problems: InputProblems): void {
  const raw = args as SshPodInputsToCheck & { sshPublicKeys?: unknown };
  if (raw.sshPublicKeys !== undefined) {
    problems.add("sshPublicKeys", "sshPublicKeys is set by SshPod itself; pass sshKey (a shared key) or extraPublicKeys instead.");
  }
  const sshKey: unknown = args.sshKey;
  if (sshKey !== undefined && !(sshKey instanceof SshKey) && !(sshKey instanceof SshKeyReference)) {
    problems.add("sshKey", `sshKey must be an SshKey (new SshKey(...)), got ${describeValue(args.sshKey)}.`);
  }
  if (args.sshdMode !== undefined && !ALLOWED_MODES.includes(args.sshdMode)) {
    problems.add("sshdMode", `sshdMode must be "image" or "bootstrap", got ${describeValue(args.sshdMode)}.`);
  }
  if (args.hostKeyChecking !== undefined && !ALLOWED_CHECKING.includes(args.hostKeyChecking)) {
    problems.add(
      "hostKeyChecking",
      `hostKeyChecking must be "pinned", "accept-new", "strict" or "off", got ${describeValue(args.hostKeyChecking)}.`,
    );
  }
  if (args.passwordLogin !== undefined && typeof args.passwordLogin !== "boolean") {
    problems.add("passwordLogin", `passwordLogin must be true or false, got ${describeValue(args.passwordLogin)}.`);
  }
  if (args.startCommand !== undefined && typeof args.startCommand !== "string") {
    problems.add("startCommand", `startCommand must be a string, got ${describeValue(args.startCommand)}.`);
  } else if (args.startCommand !== undefined && args.sshdMode !== "bootstrap") {
    problems.add("startCommand", 'startCommand is only used with sshdMode: "bootstrap"; in image mode, give your start command as args.');
  }
  if (args.args !== undefined && (args.sshdMode === "bootstrap" || args.passwordLogin === true)) {
    const mode = args.sshdMode === "bootstrap" ? 'sshdMode: "bootstrap"' : "passwordLogin";
    problems.add(
      "args",
      `args cannot be combined with ${mode}: SshPod builds the start command. Put your own command in startCommand ` +
        '(with sshdMode: "bootstrap").',
    );
  }
  if (args.passwordLogin === true && args.allowProxyOnly === true) {
    problems.add("passwordLogin", "passwordLogin needs the direct path (public IP and port), so it cannot be combined with allowProxyOnly.");
  }
  if (args.privateKeyFile !== undefined) {
    if (typeof args.privateKeyFile !== "string" || args.privateKeyFile.trim() === "") {
      problems.add("privateKeyFile", "privateKeyFile must be a file path such as ~/.ssh/runpod-trainer.");
    } else if (args.sshKey) {
      problems.add(
        "privateKeyFile",
        "privateKeyFile is for the key SshPod creates itself; with a shared sshKey, set privateKeyFile on the SshKey (one file for the whole fleet).",
      );
    }
  }
  for (const field of ["identityFile", "knownHostsFile", "hostAlias"] as const) {
    const v = args[field];
    if (v !== undefined && (typeof v !== "string" || v.trim() === "" || /[\r\n]/.test(v))) {
      problems.add(field, `${field} must be a non-empty, single-line string, got ${describeValue(v)}.`);
    }
  }
  for (const problem of vscodeFolderProblems(args.vscodeFolder)) problems.add("vscodeFolder", problem);
  const ports = Array.isArray(args.ports) && args.ports.every((p) => typeof p === "string") ? args.ports : undefined;
  for (const problem of tunnelLocalPortProblems(args.tunnelLocalPorts, ports)) problems.add("tunnelLocalPorts", problem);
  const env: unknown = args.env;
  if (args.jupyterPassword !== undefined && env && typeof env === "object" && "JUPYTER_PASSWORD" in env) {
    problems.add("jupyterPassword", "jupyterPassword sets env JUPYTER_PASSWORD, which env also sets; keep one of them.");
  }
  if (typeof args.hostAlias === "string" && /\s/.test(args.hostAlias.trim())) {
    problems.add("hostAlias", "hostAlias must not contain spaces (it becomes a Host line in ~/.ssh/config).");
  }
}

/**
 * Every invalid input at once, at construction (so at preview): SshPod's own inputs, each extra public key, and
 * the Pod inputs passed through (the Pod's own check, on the values known while the program runs).
 */
export function validateSshPodInputs(name: string, args: SshPodInputsToCheck, podArgs: PodArgs): void {
  // Loaded here, not at the top: the Pod checks pull in zod, which `require("pulumi-runpod-ssh")` should not pay for.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { checkPodSpec } = require("../pod/podCheck") as typeof podCheckTypes;
  const { UNKNOWN } = require("../pod/podSpec") as typeof podSpecTypes;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const problems = new InputProblems(`SshPod "${name}"`);
  checkOwnInputs(args, problems);
  const extra = knownPart(args.extraPublicKeys, UNKNOWN);
  if (Array.isArray(extra)) {
    for (const [i, key] of extra.entries()) {
      if (typeof key !== "string" || key === UNKNOWN) continue;
      try {
        parsePublicKey(key, `extraPublicKeys[${i}]`);
      } catch (e) {
        if (!(e instanceof PublicKeyError)) throw e;
        problems.add(`extraPublicKeys[${i}]`, e.problem);
      }
    }
  }
  const { sshPublicKeys: _setBySshPod, ...passedThrough } = podArgs as PodArgs & { sshPublicKeys?: unknown };
  for (const failure of checkPodSpec(knownPart(passedThrough, UNKNOWN))) problems.add(failure.path ?? failure.property, failure.reason);
  problems.throwIfAny();
}

