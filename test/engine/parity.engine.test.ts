/**
 * The parity matrix: ONE list of scenarios (SCENARIOS below) run through the TypeScript route (the library's
 * classes in a Node.js program, dynamic providers) and the plugin route (the same list rendered as a Pulumi YAML
 * program run by Pulumi's YAML host, and as a Python program on the generated SDK) under the real engine, each
 * route against its own emulator. Every output of every component, and which of them are secret, must be the
 * same on every route; divergence fails.
 *
 * Secretness is read as users see it: `pulumi stack output --json` (a secret shows as "[secret]"); values with
 * `--show-secrets`. Normalized before comparing, because they legitimately differ between two stacks: pod ids
 * (and the proxy user `<pod id>-<8 hex>`), mapped ports, the data center a pod landed in, key material (public key blobs, `SHA256:` fingerprints,
 * private keys) and host keys, each replaced by a label in order of first appearance (so "both pods show the same
 * key" still has to hold). Resource names, the project (`parity`) and the stack are the same on every route, so
 * names, identity files and pod names are compared as they are. The Python program runs through the Python SDK's
 * Automation-API language server (a stand-in for Pulumi's Python host, which cannot be built here); the plugin it
 * talks to is the real one.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createPythonEnv,
  getYamlHost,
  openExampleStack,
  ROOT,
  teammateKey,
  TOOLCHAIN_TIMEOUT_MS,
  type ExampleStack,
  type PythonEnv,
  type StackOptions,
} from "./harness";
import schema from "../../sdk/plugin/schema.json";

const POD = { image: "runpod/pytorch:2.4.0", gpu: { ids: ["NVIDIA GeForce RTX 4090"] } };

/** The scenarios: SshKeys by name, and SshPods (whose `sshKey` names one of the keys). */
interface Scenarios {
  keys: Record<string, Record<string, unknown>>;
  pods: Record<string, Record<string, unknown> & { sshKey?: string }>;
}

/**
 * The matrix. Generated key per pod (`own`), one generated key shared by two pods (`fleet0`, `fleet1`: a
 * resource reference on the plugin route), a key the user brings (`byo`, SshKey with `publicKey`), a paused pod
 * (`paused`, `running: false`), password login on top of the key (`password`). Bad input is BAD_INPUT below (a
 * preview that fails). `notebook`: the IDE outputs with an HTTP port, a remapped tunnel and a Jupyter password.
 */
function scenarios(userPublicKey: string): Scenarios {
  return {
    keys: { fleetKey: {}, userKey: { publicKey: userPublicKey } },
    pods: {
      own: { ...POD },
      fleet0: { ...POD, sshKey: "fleetKey" },
      fleet1: { ...POD, sshKey: "fleetKey" },
      byo: { ...POD, sshKey: "userKey" },
      paused: { ...POD, running: false },
      password: { ...POD, passwordLogin: true },
      notebook: { ...POD, ports: ["8888/http"], tunnelLocalPorts: { "8888": 18888 }, jupyterPassword: "nb-pass", vscodeFolder: "/root" },
    },
  };
}

/**
 * Several invalid inputs at once: each must be named, with the same sentence, on every route. Only values the
 * schema's types admit: a value outside an enum (`sshdMode: "weird"`) is refused by the YAML host's own type
 * check before the plugin sees it, in the YAML host's words.
 */
const BAD_INPUT: Scenarios = {
  keys: {},
  pods: {
    bad: { ...POD, hostAlias: "has space", ports: ["22/tcp", "99999/tcp"], env: { "1BAD": "x" }, extraPublicKeys: ["hello"] },
  },
};

type Resources = typeof schema.resources;
const outputsOf = (type: keyof Resources): string[] => Object.keys(schema.resources[type].properties ?? {}).sort();
const OUTPUTS = { SshKey: outputsOf("runpod-ssh:index:SshKey"), SshPod: outputsOf("runpod-ssh:index:SshPod") };

/** The scenario list as a Pulumi YAML program (JSON is YAML): one resource per key and pod, every output exported. */
function yamlProgram(list: Scenarios): string {
  const resources: Record<string, unknown> = {};
  const outputs: Record<string, string> = {};
  for (const [name, args] of Object.entries(list.keys)) {
    resources[name] = { type: "runpod-ssh:index:SshKey", properties: args };
    for (const o of OUTPUTS.SshKey) outputs[`${name}__${o}`] = `\${${name}.${o}}`;
  }
  for (const [name, { sshKey, ...args }] of Object.entries(list.pods)) {
    const properties = sshKey ? { ...args, sshKey: `\${${sshKey}}` } : args;
    resources[name] = { type: "runpod-ssh:index:SshPod", properties };
    for (const o of OUTPUTS.SshPod) outputs[`${name}__${o}`] = `\${${name}.${o}}`;
  }
  return JSON.stringify({ name: "parity", runtime: "yaml", packages: { "runpod-ssh": "../../bin" }, resources, outputs }, null, 2);
}

type Route = "typescript" | "yaml" | "python";
const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];

let work: string;
let pythonEnv: PythonEnv | undefined;

before(
  async () => {
    await getYamlHost();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-parity-"));
    const started = Date.now();
    pythonEnv = await createPythonEnv();
    process.stderr.write(`[parity] Python SDK and virtualenv ready in ${Date.now() - started} ms\n`);
  },
  { timeout: TOOLCHAIN_TIMEOUT_MS },
);

after(() => {
  if (pythonEnv) fs.rmSync(pythonEnv.dir, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** A stack of `list` on one route; the scenario list reaches the TS and Python programs as config. */
async function openRoute(route: Route, list: Scenarios): Promise<ExampleStack> {
  const config = {
    keys: JSON.stringify(list.keys),
    pods: JSON.stringify(list.pods),
    outputs: JSON.stringify(OUTPUTS),
  };
  let options: StackOptions;
  if (route === "typescript") {
    options = {
      example: "parity-ts",
      programDir: {
        source: path.join(ROOT, "test", "engine", "programs", "parity-ts"),
        built: path.join(ROOT, "dist", "test", "engine", "programs", "parity-ts"),
      },
      config,
    };
  } else if (route === "python") {
    options = {
      example: "parity-python",
      language: "python",
      python: pythonEnv!.python,
      programDir: { source: path.join(ROOT, "test", "engine", "programs", "parity-python"), built: "" },
      config,
    };
  } else {
    const dir = fs.mkdtempSync(path.join(work, "parity-yaml-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yamlProgram(list));
    options = { example: "parity-yaml", language: "yaml", programDir: { source: dir, built: "" } };
  }
  return openExampleStack({ ...options, timings: { provisioningMs: 200, startingMs: 200, sshdStartMs: 300 } });
}

interface RouteResult {
  values: Record<string, unknown>;
  secret: string[];
  ms: number;
}

/** Every expected output name: `<key>__<SshKey output>`, `<pod>__<SshPod output>`. */
function expectedNames(list: Scenarios): string[] {
  return [
    ...Object.keys(list.keys).flatMap((k) => OUTPUTS.SshKey.map((o) => `${k}__${o}`)),
    ...Object.keys(list.pods).flatMap((p) => OUTPUTS.SshPod.map((o) => `${p}__${o}`)),
  ].sort();
}

async function runRoute(route: Route, list: Scenarios): Promise<RouteResult> {
  const started = Date.now();
  const stack = await openRoute(route, list);
  try {
    await stack.ok(UP);
    const shown = JSON.parse((await stack.ok(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
    const values = await stack.outputs();
    // A secret without a value shows "[secret]" on one route and nothing on another: a mark on nothing hides
    // nothing, so only outputs with a value take part in the secretness comparison.
    const secret = Object.keys(shown)
      .filter((k) => shown[k] === "[secret]" && values[k] !== null && values[k] !== undefined)
      .sort();
    // A missing output and a null one are the same to a user (`pulumi stack output x` fails or prints nothing).
    const all = Object.fromEntries(expectedNames(list).map((k) => [k, values[k] ?? null]));
    return { values: normalize(all, Object.keys(list.pods)), secret, ms: Date.now() - started };
  } finally {
    await stack.close();
  }
}

const KEY_BLOB = /AAAA[A-Za-z0-9+/]{20,}={0,2}/g;
const FINGERPRINT = /SHA256:[A-Za-z0-9+/]{43}/g;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/g;

/** The outputs with what differs between two stacks replaced by labels (see the header). */
function normalize(values: Record<string, unknown>, pods: string[]): Record<string, unknown> {
  const labels = new Map<string, string>();
  const label = (kind: string, value: string): string => {
    const key = `${kind}:${value}`;
    if (!labels.has(key)) labels.set(key, `<${kind}#${[...labels.keys()].filter((k) => k.startsWith(`${kind}:`)).length + 1}>`);
    return labels.get(key)!;
  };
  const perPod = pods.map((pod) => ({
    pod,
    podId: values[`${pod}__podId`],
    port: values[`${pod}__port`],
    password: values[`${pod}__password`],
  }));
  const text = (s: string): string => {
    let out = s.replace(PRIVATE_KEY, (m) => label("privateKey", m));
    for (const { pod, podId, port, password } of perPod) {
      if (typeof password === "string" && password) out = out.replaceAll(password, `<password:${pod}>`);
      if (typeof podId === "string" && podId) {
        out = out.replace(new RegExp(`${podId}-[0-9a-f]{8}`, "g"), `<podHostId:${pod}>`).replaceAll(podId, `<podId:${pod}>`);
      }
      if (typeof port === "number") out = out.replace(new RegExp(`\\b${port}\\b`, "g"), `<port:${pod}>`);
    }
    return out.replace(KEY_BLOB, (m) => label("key", m)).replace(FINGERPRINT, (m) => label("fingerprint", m));
  };
  const walk = (v: unknown, name: string): unknown => {
    // The emulator places a pod in a random allowed data center: it differs between two stacks like a port.
    if (typeof v === "string" && name.endsWith("__dataCenterId")) return "<dataCenterId>";
    if (typeof v === "string") return text(v);
    if (typeof v === "number" && name.endsWith("__port")) return `<port:${name.split("__")[0]}>`;
    if (typeof v === "number" && name.endsWith("__connection.port") && v !== 22) return "<port>";
    if (Array.isArray(v)) return v.map((x) => walk(x, name));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${name}.${k}`)]));
    return v;
  };
  return Object.fromEntries(
    Object.keys(values)
      .sort()
      .map((k) => [k, walk(values[k], k)]),
  );
}

/** The secrets a user must see: private keys, `connection` when it carries one, the password; nothing else. */
function expectedSecrets(list: Scenarios): string[] {
  const secret: string[] = [];
  for (const [name, args] of Object.entries(list.keys)) if (args.publicKey === undefined) secret.push(`${name}__privateKeyOpenssh`);
  for (const [name, args] of Object.entries(list.pods)) {
    const key = args.sshKey === undefined ? {} : list.keys[args.sshKey];
    if (key.publicKey === undefined) secret.push(`${name}__privateKeyOpenssh`, `${name}__connection`);
    if (args.passwordLogin === true) secret.push(`${name}__password`);
    if (args.jupyterPassword !== undefined) secret.push(`${name}__jupyterPassword`);
  }
  return secret.sort();
}

test("parity matrix: every output and its secretness agree between the TypeScript, YAML and Python routes", async (t) => {
  const list = scenarios(teammateKey(work, "user@laptop"));
  const results: Partial<Record<Route, RouteResult>> = {};
  for (const route of ["typescript", "yaml", "python"] as const) {
    results[route] = await runRoute(route, list);
    t.diagnostic(`${route} route: up, outputs, destroy of ${Object.keys(list.pods).length} pods in ${results[route].ms} ms`);
  }
  const ts = results.typescript!;
  const names = expectedNames(list);
  t.diagnostic(`matrix: ${Object.keys(list.pods).length} pods and ${Object.keys(list.keys).length} keys, ${names.length} outputs per route`);

  assert.deepEqual(ts.secret, expectedSecrets(list), "TypeScript: exactly the private keys (and connections carrying one) are secret");
  for (const route of ["yaml", "python"] as const) {
    const other = results[route]!;
    assert.deepEqual(other.secret, ts.secret, `${route}: the same outputs are secret as in TypeScript`);
    for (const name of names) assert.deepEqual(other.values[name], ts.values[name], `${route}: ${name} as in TypeScript`);
  }
  // The matrix compares real values, not empty ones: spot checks on the TypeScript side.
  assert.match(String(ts.values.fleet0__sshCommand), /^ssh -p <port:fleet0> -i /);
  assert.equal(ts.values.fleet0__publicKeyOpenssh, ts.values.fleet1__publicKeyOpenssh, "the fleet shares one key");
  assert.notEqual(ts.values.own__publicKeyOpenssh, ts.values.fleet0__publicKeyOpenssh);
  assert.match(String(ts.values.paused__sshCommand), /stopped/i, "a paused pod's command says why there is none");
  assert.equal(ts.values.byo__privateKeyOpenssh, null, "a brought key has no private half");
  assert.equal(ts.values.password__password, "<password:password>", "password mode has a password");
  assert.match(String(ts.values.password__passwordSshCommand), /^ssh /, "and a password ssh command");
});

/**
 * The reasons printed for the bad inputs, however the route rendered them: the message's `  - <reason>` lines,
 * and (plugin route: the engine also prints a provider's property errors) `- property <path> with value <v> has
 * a problem: <reason>`, reduced to its reason.
 */
function reasons(output: string): string[] {
  const diagnostics = output.slice(output.indexOf("Diagnostics:"));
  const found = new Set<string>();
  for (const m of diagnostics.matchAll(/^\s*- (.+)$/gm)) found.add(m[1].replace(/^property .*? has a problem: /, "").trim());
  return [...found].sort();
}

test("parity matrix, bad input: the same invalid inputs are refused at preview with the same sentences", async () => {
  const seen: Partial<Record<Route, string[]>> = {};
  const printed: Partial<Record<Route, string>> = {};
  for (const route of ["typescript", "yaml", "python"] as const) {
    const stack = await openRoute(route, BAD_INPUT);
    try {
      const result = await stack.run(["preview", "--non-interactive"]);
      assert.notEqual(result.code, 0, `${route}: preview fails`);
      assert.equal(stack.emulator.requests.length, 0, `${route}: no HTTP call`);
      seen[route] = reasons(result.output);
      printed[route] = result.output;
    } finally {
      await stack.close();
    }
  }
  for (const input of ["hostAlias", "ports[1]", "1BAD", "extraPublicKeys[0]"]) {
    assert.ok(seen.typescript!.some((r) => r.includes(input)), `TypeScript names ${input}: ${seen.typescript!.join(" | ")}`);
  }
  assert.deepEqual(seen.yaml, seen.typescript, `YAML: the same sentences:\n${printed.yaml}`);
  assert.deepEqual(seen.python, seen.typescript, `Python: the same sentences:\n${printed.python}`);
});
