/**
 * The plugin's front door to the custom resources: `runpod-ssh:index:AccountSshKey`, `Pod`, `LocalKeyFile` and
 * `SshPassword`, served through check/diff/create/read/update/delete by the SAME provider logic the TypeScript
 * library's dynamic providers run (sdk/providers/*Provider.ts). Only what differs between the two doors is
 * here:
 *
 * - secrets arrive wrapped and must leave wrapped (secretValues.ts); the logic sees plain values;
 * - what the TypeScript classes add to the inputs is added from the resource's URN at check: the owner tag
 *   (`ownerTag`, the URN itself) and the Pod's default name (`<project>-<stack>-<resource name>`);
 * - the properties the schema marks secret leave as secrets.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { accountSshKeyProvider } from "../providers/accountSshKeyProvider";
import { podProvider } from "../providers/podProvider";
import { localKeyFileProvider } from "../providers/localKeyFileProvider";
import { passwordProvider } from "../providers/passwordProvider";
import { networkVolumeProvider } from "../providers/networkVolumeProvider";
import { podReadinessProvider } from "../providers/podReadinessProvider";
import type { CrudProvider } from "../providers/dynamicBoundary";
import { podNameFor } from "../pod/podName";
import { concealSecrets, revealSecrets } from "./secretValues";
import { secretProperties } from "./schema";

/** The type tokens of the custom resources, and the provider logic behind each. */
export const CUSTOM_RESOURCES = {
  "runpod-ssh:index:AccountSshKey": accountSshKeyProvider,
  "runpod-ssh:index:Pod": podProvider,
  "runpod-ssh:index:LocalKeyFile": localKeyFileProvider,
  "runpod-ssh:index:SshPassword": passwordProvider,
  "runpod-ssh:index:NetworkVolume": networkVolumeProvider,
  "runpod-ssh:index:PodReadiness": podReadinessProvider,
} satisfies Record<string, CrudProvider>;

export type CustomResourceType = keyof typeof CUSTOM_RESOURCES;

/** The parts of a URN: `urn:pulumi:<stack>::<project>::<[parent types$]type>::<name>`. */
export interface UrnParts {
  stack: string;
  project: string;
  type: string;
  name: string;
}

export function parseUrn(urn: string): UrnParts {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:"))
    throw new Error(`"${urn}" is not a Pulumi resource URN.`);
  const qualifiedType = parts[2];
  return {
    stack: parts[0].slice("urn:pulumi:".length),
    project: parts[1],
    type: qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1),
    name: parts.slice(3).join("::"),
  };
}

function logicFor(urn: string): { type: CustomResourceType; logic: CrudProvider } {
  const { type } = parseUrn(urn);
  if (!(type in CUSTOM_RESOURCES)) {
    const known = Object.keys(CUSTOM_RESOURCES).join(", ");
    throw new Error(`The runpod-ssh plugin has no custom resource of type "${type}"; it serves ${known}.`);
  }
  return { type: type as CustomResourceType, logic: CUSTOM_RESOURCES[type as CustomResourceType] as CrudProvider };
}

/** What the TypeScript classes put into the inputs themselves, taken from the URN here. */
function withUrnInputs(
  type: CustomResourceType,
  urn: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  if (type === "runpod-ssh:index:NetworkVolume" && inputs.name === undefined) {
    const { project, stack, name } = parseUrn(urn);
    return { ...inputs, name: podNameFor(project, stack, name) };
  }
  if (type !== "runpod-ssh:index:Pod" && type !== "runpod-ssh:index:AccountSshKey" && type !== "runpod-ssh:index:PodReadiness") return inputs;
  const out: Record<string, unknown> = { ...inputs, ownerTag: urn };
  if (type === "runpod-ssh:index:Pod" && out.name === undefined) {
    const { project, stack, name } = parseUrn(urn);
    out.name = podNameFor(project, stack, name);
  }
  return out;
}

/** Wraps the result bag: what held a secret on the way in, and what the schema marks secret. */
function conceal(type: CustomResourceType, bag: unknown, secretIn: Iterable<string>): Record<string, unknown> {
  const schemaSecrets = secretProperties(type);
  return concealSecrets((bag ?? {}) as Record<string, unknown>, [...secretIn, ...schemaSecrets]);
}

/** A create or update failure that still carries properties (a pod created but not ready) keeps them wrapped. */
function concealFailure(type: CustomResourceType, e: unknown, secretIn: Iterable<string>): unknown {
  const failure = e as { properties?: unknown };
  if (failure && typeof failure === "object" && failure.properties && typeof failure.properties === "object") {
    failure.properties = conceal(type, failure.properties, secretIn);
  }
  return e;
}

export const customResources = {
  async check(urn: string, olds: unknown, news: unknown): Promise<provider.CheckResult> {
    const { type, logic } = logicFor(urn);
    const oldBag = revealSecrets(olds);
    const newBag = revealSecrets(news);
    const inputs = withUrnInputs(type, urn, newBag.values);
    const result = await logic.check(oldBag.values, inputs);
    return {
      inputs: conceal(type, result.inputs ?? inputs, newBag.secretKeys),
      failures: [...(result.failures ?? [])],
    };
  },

  async diff(id: string, urn: string, olds: unknown, news: unknown): Promise<provider.DiffResult> {
    const { logic } = logicFor(urn);
    return logic.diff(id, revealSecrets(olds).values, revealSecrets(news).values);
  },

  async create(urn: string, inputs: unknown): Promise<provider.CreateResult> {
    const { type, logic } = logicFor(urn);
    const bag = revealSecrets(inputs);
    try {
      const result = await logic.create(bag.values);
      return { id: result.id, outs: conceal(type, result.outs, bag.secretKeys) };
    } catch (e) {
      throw concealFailure(type, e, bag.secretKeys);
    }
  },

  async read(id: string, urn: string, props: unknown): Promise<provider.ReadResult> {
    const { type, logic } = logicFor(urn);
    const bag = revealSecrets(props);
    const result = await logic.read(id, bag.values);
    return { id: result.id, props: conceal(type, result.props, bag.secretKeys) };
  },

  async update(id: string, urn: string, olds: unknown, news: unknown): Promise<provider.UpdateResult> {
    const { type, logic } = logicFor(urn);
    const oldBag = revealSecrets(olds);
    const newBag = revealSecrets(news);
    try {
      const result = await logic.update(id, oldBag.values, newBag.values);
      return { outs: conceal(type, result.outs, [...oldBag.secretKeys, ...newBag.secretKeys]) };
    } catch (e) {
      throw concealFailure(type, e, newBag.secretKeys);
    }
  },

  async delete(id: string, urn: string, props: unknown): Promise<void> {
    const { logic } = logicFor(urn);
    await logic.delete(id, revealSecrets(props).values);
  },
};
