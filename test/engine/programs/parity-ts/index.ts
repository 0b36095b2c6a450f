/**
 * The parity matrix's TypeScript route (test/engine/parity.engine.test.ts): the SshKeys and SshPods the test's
 * scenario list describes, passed as the JSON config values `keys` (name -> SshKey args), `pods` (name -> SshPod
 * args, `sshKey` naming one of `keys`) and `outputs` (component type -> output names). Every output of every
 * component is exported as `<resource name>__<output>`, one stack output each, so each keeps its own secretness.
 */
import * as pulumi from "@pulumi/pulumi";
import { SshKey, SshPod, type SshKeyArgs, type SshPodArgs } from "pulumi-runpod-ssh";

const config = new pulumi.Config();
const keyArgs = config.getObject<Record<string, SshKeyArgs>>("keys") ?? {};
const podArgs = config.getObject<Record<string, Omit<SshPodArgs, "sshKey"> & { sshKey?: string }>>("pods") ?? {};
const outputs = config.requireObject<{ SshKey: string[]; SshPod: string[] }>("outputs");

function exportAll(name: string, resource: object, names: string[]): void {
  for (const output of names) (exports as Record<string, unknown>)[`${name}__${output}`] = (resource as Record<string, unknown>)[output];
}

const keys: Record<string, SshKey> = {};
for (const [name, args] of Object.entries(keyArgs)) {
  keys[name] = new SshKey(name, args);
  exportAll(name, keys[name], outputs.SshKey);
}
for (const [name, { sshKey, ...args }] of Object.entries(podArgs)) {
  exportAll(name, new SshPod(name, { ...args, ...(sshKey ? { sshKey: keys[sshKey] } : {}) }), outputs.SshPod);
}
