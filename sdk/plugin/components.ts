/**
 * `construct` for the components `runpod-ssh:index:SshKey` and `runpod-ssh:index:SshPod`: the same component
 * classes a TypeScript program uses, built inside the plugin, with their children switched to the plugin's own
 * custom resources (pluginResources.ts). The outputs returned are the schema's outputs of the component.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { useChildResourceClasses } from "../components/childResources";
import { SshKey, type SshKeyArgs } from "../components/sshKey";
import { SshPod, type SshPodArgs } from "../components/sshPod";
import { SshKeyReference } from "../components/sshKeyReference";
import { PACKAGE_VERSION } from "../version";
import { PLUGIN_CHILD_RESOURCES } from "./pluginResources";
import { PACKAGE_SCHEMA } from "./schema";

interface ComponentSpec {
  inputProperties?: Record<string, { plain?: boolean }>;
  properties?: Record<string, unknown>;
}

type ComponentFactory = (
  name: string,
  inputs: pulumi.Inputs,
  options: pulumi.ComponentResourceOptions,
) => pulumi.ComponentResource;

const COMPONENTS: Record<string, ComponentFactory> = {
  "runpod-ssh:index:SshKey": (name, inputs: SshKeyArgs, options) => new SshKey(name, inputs, options),
  "runpod-ssh:index:SshPod": (name, inputs: SshPodArgs, options) => new SshPod(name, inputs, options),
};

/** Inputs the schema marks plain must be values, not outputs of other resources; says which one is not. */
function refuseOutputsForPlainInputs(type: string, name: string, inputs: pulumi.Inputs): void {
  const spec = PACKAGE_SCHEMA.resources[type] as ComponentSpec;
  const component = type.split(":").pop();
  for (const [key, property] of Object.entries(spec.inputProperties ?? {})) {
    if (property.plain && pulumi.Output.isInstance(inputs[key])) {
      throw new Error(
        `${component} "${name}": ${key} must be a plain value written in the program, not a secret or the output of ` +
          `another resource: ${component} uses it while it builds its resources, before any output exists.`,
      );
    }
  }
}

let switched = false;

/**
 * Once per plugin process: children become the plugin's custom resources, and a reference to an `SshKey` (a
 * shared key passed to an SshPod) is read back as an SshKeyReference.
 */
function preparePluginProcess(): void {
  if (switched) return;
  switched = true;
  useChildResourceClasses(PLUGIN_CHILD_RESOURCES);
  pulumi.runtime.registerResourceModule("runpod-ssh", "index", {
    version: PACKAGE_VERSION,
    construct: (name: string, type: string, urn: string) => {
      if (type === "runpod-ssh:index:SshKey") return new SshKeyReference(name, urn);
      throw new Error(
        `A reference to a ${type} cannot be passed to this plugin's components; only an SshKey can (as sshKey).`,
      );
    },
  });
}

export async function constructComponent(
  name: string,
  type: string,
  inputs: pulumi.Inputs,
  options: pulumi.ComponentResourceOptions,
): Promise<provider.ConstructResult> {
  const factory = COMPONENTS[type];
  if (!factory) {
    throw new Error(
      `The runpod-ssh plugin has no component of type "${type}"; it constructs ${Object.keys(COMPONENTS).join(", ")}.`,
    );
  }
  preparePluginProcess();
  refuseOutputsForPlainInputs(type, name, inputs);
  const component = factory(name, inputs, options);
  const outputs = Object.keys((PACKAGE_SCHEMA.resources[type] as ComponentSpec).properties ?? {});
  const state: pulumi.Inputs = {};
  for (const key of outputs) state[key] = (component as unknown as Record<string, pulumi.Input<unknown>>)[key];
  return { urn: component.urn, state };
}
