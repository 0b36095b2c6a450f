/**
 * The custom resource classes the components create their children with inside the plugin:
 * `runpod-ssh:index:AccountSshKey`, `Pod`, `LocalKeyFile`, `SshPassword`, registered with the engine like any
 * provider's resources (this plugin's CRUD serves them, customResources.ts). Each has the same output fields as
 * the TypeScript library's dynamic class of the same name, taken from the schema, which is generated from those
 * classes; inputs the schema marks secret are sent as secrets and outputs it marks secret stay secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { PACKAGE_VERSION } from "../version";
import type { ChildResourceClasses } from "../components/childResources";
import { PACKAGE_SCHEMA } from "./schema";

function customResourceClass(
  type: string,
): new (name: string, args: object, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource {
  const spec = PACKAGE_SCHEMA.resources[type];
  if (!spec) throw new Error(`The package schema has no resource ${type}.`);
  const outputs = Object.keys(spec.properties ?? {});
  const secretInputs = Object.entries(spec.inputProperties ?? {})
    .filter(([, p]) => p.secret)
    .map(([k]) => k);
  const secretOutputs = Object.entries(spec.properties ?? {})
    .filter(([, p]) => p.secret)
    .map(([k]) => k);
  return class extends pulumi.CustomResource {
    constructor(name: string, args: object, opts?: pulumi.CustomResourceOptions) {
      const props: pulumi.Inputs = Object.fromEntries(outputs.map((k) => [k, undefined]));
      for (const [key, value] of Object.entries(args) as Array<[string, pulumi.Input<unknown>]>) {
        if (value !== undefined) props[key] = secretInputs.includes(key) ? pulumi.secret(value) : value;
      }
      const additionalSecretOutputs = [...(opts?.additionalSecretOutputs ?? []), ...secretOutputs];
      super(type, name, props, { version: PACKAGE_VERSION, ...opts, additionalSecretOutputs });
    }
  };
}

/**
 * The plugin's child classes, typed as the dynamic ones: their instances have the same output fields (the
 * schema's outputs are those classes' fields, and a test keeps them equal).
 */
export const PLUGIN_CHILD_RESOURCES = {
  AccountSshKey: customResourceClass("runpod-ssh:index:AccountSshKey"),
  LocalKeyFile: customResourceClass("runpod-ssh:index:LocalKeyFile"),
  Pod: customResourceClass("runpod-ssh:index:Pod"),
  SshPassword: customResourceClass("runpod-ssh:index:SshPassword"),
  PodReadiness: customResourceClass("runpod-ssh:index:PodReadiness"),
} as unknown as ChildResourceClasses;
