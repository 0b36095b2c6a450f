/**
 * The runpod-ssh provider plugin: one `pulumi.provider.Provider` serving every language the package schema
 * reaches (Python, Go, YAML, C#, and TypeScript through a generated SDK).
 *
 * - GetSchema: schema.json (generated from the TypeScript sources).
 * - check/diff/create/read/update/delete: the custom resources, by the same provider logic as the dynamic
 *   providers of the TypeScript library (customResources.ts).
 * - construct: the components `SshKey` and `SshPod`, built by the same component classes, whose children are
 *   then this plugin's own custom resources (components.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { PACKAGE_VERSION } from "../version";
import { customResources } from "./customResources";
import { constructComponent } from "./components";
import { schemaText } from "./schema";

export class PluginProvider implements provider.Provider {
  readonly version = PACKAGE_VERSION;

  async getSchema(): Promise<string> {
    return schemaText();
  }

  check(urn: string, olds: unknown, news: unknown): Promise<provider.CheckResult> {
    return customResources.check(urn, olds, news);
  }

  diff(id: string, urn: string, olds: unknown, news: unknown): Promise<provider.DiffResult> {
    return customResources.diff(id, urn, olds, news);
  }

  create(urn: string, inputs: unknown): Promise<provider.CreateResult> {
    return customResources.create(urn, inputs);
  }

  read(id: string, urn: string, props?: unknown): Promise<provider.ReadResult> {
    return customResources.read(id, urn, props);
  }

  update(id: string, urn: string, olds: unknown, news: unknown): Promise<provider.UpdateResult> {
    return customResources.update(id, urn, olds, news);
  }

  delete(id: string, urn: string, props: unknown): Promise<void> {
    return customResources.delete(id, urn, props);
  }

  construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<provider.ConstructResult> {
    return constructComponent(name, type, inputs, options);
  }
}
