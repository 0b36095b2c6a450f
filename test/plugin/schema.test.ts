/**
 * The plugin's schema: generated from the TypeScript sources and equal to the committed file (one source of
 * truth for docs and types), served by GetSchema from both plugin forms, complete (every input and output
 * documented; secrets, enums and resource references marked) and truthful (an input marked replace-on-change
 * is exactly one whose change the plugin's diff answers with a replacement).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildSchema, SCHEMA_FILE, schemaText, type PackageSchema } from "../../scripts/schema/buildSchema";
import type { SchemaProperty } from "../../scripts/schema/typeScriptDocs";
import { REPLACE_ON_CHANGE } from "../../sdk/pod/podDiff";
import { PACKAGE_VERSION } from "../../sdk/version";
import { PluginClient, ROOT, urnOf, type Bag } from "./pluginClient";

const committed = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as PackageSchema;
const CUSTOM = ["AccountSshKey", "Pod", "LocalKeyFile", "SshPassword", "NetworkVolume", "PodReadiness"].map((n) => `runpod-ssh:index:${n}`);
const COMPONENTS = ["SshKey", "SshPod"].map((n) => `runpod-ssh:index:${n}`);

test("the committed schema is exactly what the TypeScript sources generate (run `npm run schema` after editing docs)", () => {
  const generated = schemaText(buildSchema());
  assert.equal(
    fs.readFileSync(SCHEMA_FILE, "utf8"),
    generated,
    "sdk/plugin/schema.json is out of date: run `npm run schema`",
  );
});

test("GetSchema serves the committed schema, from the executable plugin and from the source-based folder", async () => {
  const runPlugin = path.join(
    path.dirname(require.resolve("@pulumi/pulumi/package.json")),
    "cmd",
    "run-plugin",
    "index.js",
  );
  const forms = [
    { label: "bin/pulumi-resource-runpod-ssh", command: undefined },
    {
      label: "provider/ (PulumiPlugin.yaml) through @pulumi/pulumi's run-plugin",
      command: [process.execPath, runPlugin, path.join(ROOT, "provider")],
    },
  ];
  for (const form of forms) {
    const plugin = await PluginClient.start({}, form.command);
    try {
      assert.deepEqual(await plugin.getSchema(), committed, form.label);
      assert.equal(await plugin.getPluginInfo(), PACKAGE_VERSION, `${form.label}: plugin version`);
    } finally {
      await plugin.stop();
    }
  }
});

function allProperties(schema: PackageSchema): Array<[string, SchemaProperty]> {
  const out: Array<[string, SchemaProperty]> = [];
  for (const [token, resource] of Object.entries(schema.resources)) {
    for (const [name, p] of Object.entries(resource.inputProperties)) out.push([`${token} input ${name}`, p]);
    for (const [name, p] of Object.entries(resource.properties)) out.push([`${token} output ${name}`, p]);
  }
  for (const [token, type] of Object.entries(schema.types) as Array<
    [string, { properties?: Record<string, SchemaProperty> }]
  >) {
    for (const [name, p] of Object.entries(type.properties ?? {})) out.push([`${token}.${name}`, p]);
  }
  for (const [name, p] of Object.entries(schema.config.variables)) out.push([`config ${name}`, p]);
  return out;
}

test("every resource, input and output is documented; each custom resource input says how a change applies", () => {
  assert.deepEqual(Object.keys(committed.resources).sort(), [...CUSTOM, ...COMPONENTS].sort());
  assert.equal(committed.version, PACKAGE_VERSION);
  for (const [token, resource] of Object.entries(committed.resources))
    assert.ok(resource.description.length > 20, `${token} is described`);
  for (const [where, p] of allProperties(committed)) assert.ok(p.description.length > 10, `${where} is documented`);
  const howItApplies =
    /replace|update|in place|no API call|outputs only|resets the container|rewrites|moves|new password|adds or removes/i;
  for (const token of CUSTOM) {
    for (const [name, p] of Object.entries(committed.resources[token].inputProperties)) {
      assert.match(p.description, howItApplies, `${token} input ${name} says what a change does`);
    }
  }
});

test("secrets, enums and resource references are marked", () => {
  const secrets = allProperties(committed)
    .filter(([, p]) => p.secret)
    .map(([where]) => where)
    .sort();
  assert.deepEqual(secrets, [
    "config token",
    "runpod-ssh:index:LocalKeyFile input content",
    "runpod-ssh:index:SshKey output privateKeyOpenssh",
    "runpod-ssh:index:SshPassword output password",
    "runpod-ssh:index:SshPod input jupyterPassword",
    "runpod-ssh:index:SshPod output jupyterPassword",
    "runpod-ssh:index:SshPod output password",
    "runpod-ssh:index:SshPod output privateKeyOpenssh",
  ]);
  const enumValues = (ref: string | undefined) =>
    (committed.types[ref!.replace("#/types/", "")] as { enum: Array<{ value: string }> }).enum.map((e) => e.value);
  assert.deepEqual(enumValues(committed.resources["runpod-ssh:index:Pod"].inputProperties.cloud.$ref), [
    "SECURE",
    "COMMUNITY",
  ]);
  const sshPod = committed.resources["runpod-ssh:index:SshPod"];
  assert.deepEqual(enumValues(sshPod.inputProperties.sshdMode.$ref), ["image", "bootstrap"]);
  assert.deepEqual(enumValues(sshPod.inputProperties.hostKeyChecking.$ref), ["pinned", "accept-new", "strict", "off"]);
  assert.equal(
    sshPod.inputProperties.sshKey.$ref,
    "#/resources/runpod-ssh:index:SshKey",
    "a shared key is a resource reference",
  );
  assert.equal(sshPod.isComponent, true);
  assert.equal(committed.resources["runpod-ssh:index:Pod"].inputProperties.disk.type, "integer");
  assert.equal(sshPod.inputProperties.sshPublicKeys, undefined, "SshPod sets the keys itself");
  assert.ok(committed.resources["runpod-ssh:index:Pod"].inputProperties.sshPublicKeys, "a Pod takes keys");
});

/** A value of the schema type that differs from `current`. */
function changedValue(p: SchemaProperty, current: unknown): unknown {
  if (p.$ref?.startsWith("#/types/")) {
    const type = committed.types[p.$ref.slice("#/types/".length)] as {
      enum?: Array<{ value: string }>;
      properties?: Record<string, SchemaProperty>;
    };
    // The last value: the first is the default where there is one (an unset input already means it).
    if (type.enum)
      return type.enum
        .map((e) => e.value)
        .reverse()
        .find((v) => v !== current);
    // An object changes in the fields it has (a mount keeps its kind), or gets every field when it had none.
    const had = current && typeof current === "object" ? (current as Bag) : undefined;
    const fields = Object.entries(type.properties ?? {}).filter(([k]) => !had || k in had);
    return Object.fromEntries(fields.map(([k, sub]) => [k, changedValue(sub, had?.[k])]));
  }
  switch (p.type) {
    case "boolean":
      return current !== true;
    case "integer":
    case "number":
      return 77;
    case "array":
      return [changedValue(p.items as SchemaProperty, undefined)];
    case "object":
      return { CHANGED: "1" };
    default:
      return `changed-${typeof current === "string" ? current : ""}`;
  }
}

test("replace-on-change marks are the truth: the plugin's diff replaces on any change of a marked input, updates in place on a change of any other", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "schema-diff-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "a@b", "-f", path.join(dir, "k")]);
  const publicKey = fs.readFileSync(path.join(dir, "k.pub"), "utf8").trim();
  fs.rmSync(dir, { recursive: true, force: true });
  const base: Record<string, Bag> = {
    "runpod-ssh:index:AccountSshKey": { publicKey, comment: "c" },
    "runpod-ssh:index:Pod": {
      name: "p",
      image: "img:1",
      gpu: { id: "G1" },
      mounts: { persistent: { size: 20, path: "/workspace" } },
    },
    "runpod-ssh:index:LocalKeyFile": {
      path: "/tmp/k",
      content: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
    },
    "runpod-ssh:index:SshPassword": { length: 24 },
    // Unprotected: a protected volume refuses the replacement at diff (networkVolumeProvider.ts).
    "runpod-ssh:index:NetworkVolume": { name: "v", size: 20, dataCenter: "EU-RO-1", type: "STANDARD", deletionProtection: false },
    "runpod-ssh:index:PodReadiness": { podId: "p1", podName: "p", containerGeneration: 1 },
  };
  const marked = (token: string) =>
    Object.entries(committed.resources[token].inputProperties)
      .filter(([, p]) => p.replaceOnChanges)
      .map(([k]) => k)
      .sort();
  assert.deepEqual(
    marked("runpod-ssh:index:Pod"),
    [...REPLACE_ON_CHANGE].sort(),
    "Pod's marks are its provider's replace list",
  );
  const plugin = await PluginClient.start();
  try {
    for (const token of CUSTOM) {
      const urn = urnOf(token, "r");
      const olds: Bag = { ...base[token], ownerTag: urn };
      const created = (await plugin.check(urn, {}, base[token])).inputs;
      for (const [name, p] of Object.entries(committed.resources[token].inputProperties)) {
        // Both values for a boolean (one of them is the default, which an unset input already means).
        const candidates = p.type === "boolean" ? [true, false] : [changedValue(p, created[name])];
        const diffs = [];
        for (const value of candidates) {
          const old = { ...olds, ...created, registeredKey: olds.publicKey, contentSha256: "x" };
          diffs.push(await plugin.diff("id", urn, old, { ...created, [name]: value }));
        }
        const changing = diffs.filter((d) => d.changes === "some");
        assert.ok(changing.length > 0, `${token}: changing ${name} is a change`);
        for (const d of changing) {
          const says = p.replaceOnChanges ? "replaces" : "updates in place";
          assert.equal(d.replaces.includes(name), p.replaceOnChanges === true, `${token}: changing ${name} ${says}`);
        }
      }
    }
  } finally {
    await plugin.stop();
  }
});
