/**
 * The plugin's Pulumi package schema, generated from the TypeScript front door (typeScriptDocs.ts): the
 * resources' args interfaces are the inputs, their classes' `pulumi.Output` fields the outputs, JSDoc the docs.
 * `npm run schema` writes it to sdk/plugin/schema.json, which the plugin serves from GetSchema; a test
 * regenerates it and fails when the committed file differs, so the TypeScript docs and the schema every other
 * language sees cannot drift apart.
 */
import path from "node:path";
import { PACKAGE, SchemaSourceError, TypeScriptDocs, type PropertySet, type SchemaProperty } from "./typeScriptDocs";

/** Repository root (this file runs from dist/scripts/schema). */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const SCHEMA_FILE = path.join(ROOT, "sdk", "plugin", "schema.json");

interface ResourceSource {
  name: string;
  file: string;
  args: string;
  className: string;
  component?: true;
}

/** The project's GitHub repository: its releases hold the plugin archives (`pluginDownloadURL`). */
export const REPOSITORY_URL = "https://github.com/pulumi-runpod-ssh/pulumi-runpod-ssh";
export const PUBLISHER = "pulumi-runpod-ssh";
/** Baked into the generated SDKs (pulumi-plugin.json): the CLI installs a missing plugin from these releases. */
export const PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumi-runpod-ssh/pulumi-runpod-ssh";
/**
 * The Go SDK's module (and package import path): committed at sdk/go/runpodssh with its own go.mod, so `go get`
 * resolves it from the repository at the tag `sdk/go/runpodssh/v<version>`.
 */
export const GO_MODULE = "github.com/pulumi-runpod-ssh/pulumi-runpod-ssh/sdk/go/runpodssh";

/** Where each resource's inputs and outputs are declared. */
export const RESOURCE_SOURCES: ResourceSource[] = [
  {
    name: "AccountSshKey",
    file: "sdk/resources/accountSshKey.ts",
    args: "AccountSshKeyArgs",
    className: "AccountSshKey",
  },
  { name: "Pod", file: "sdk/resources/pod.ts", args: "PodArgs", className: "Pod" },
  { name: "LocalKeyFile", file: "sdk/resources/localKeyFile.ts", args: "LocalKeyFileArgs", className: "LocalKeyFile" },
  { name: "SshPassword", file: "sdk/resources/sshPassword.ts", args: "SshPasswordArgs", className: "SshPassword" },
  {
    name: "NetworkVolume",
    file: "sdk/resources/networkVolume.ts",
    args: "NetworkVolumeArgs",
    className: "NetworkVolume",
  },
  { name: "PodReadiness", file: "sdk/resources/podReadiness.ts", args: "PodReadinessArgs", className: "PodReadiness" },
  { name: "SshKey", file: "sdk/components/sshKey.ts", args: "SshKeyArgs", className: "SshKey", component: true },
  { name: "SshPod", file: "sdk/components/sshPod.ts", args: "SshPodArgs", className: "SshPod", component: true },
];
/** The provider's own configuration (`runpod-ssh:token`, `runpod-ssh:apiUrl`). */
export const CONFIG_SOURCE = { file: "sdk/plugin/providerConfig.ts", args: "ProviderConfigArgs" };

export interface ResourceSpec {
  description: string;
  isComponent?: true;
  inputProperties: Record<string, SchemaProperty>;
  requiredInputs?: string[];
  properties: Record<string, SchemaProperty>;
  required?: string[];
}

export interface PackageSchema {
  name: string;
  displayName: string;
  version: string;
  description: string;
  keywords: string[];
  homepage: string;
  repository: string;
  publisher: string;
  license: string;
  pluginDownloadURL: string;
  config: { variables: Record<string, SchemaProperty> };
  provider: { description: string; inputProperties: Record<string, SchemaProperty> };
  resources: Record<string, ResourceSpec>;
  types: Record<string, unknown>;
  language: Record<string, unknown>;
}

function resourceSpec(inputs: PropertySet, outputs: PropertySet, component: boolean): ResourceSpec {
  const spec: ResourceSpec = {
    description: outputs.description,
    inputProperties: inputs.properties,
    properties: outputs.properties,
  };
  if (component) spec.isComponent = true;
  if (inputs.required.length > 0) spec.requiredInputs = inputs.required;
  if (outputs.required.length > 0) spec.required = outputs.required;
  return spec;
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** Builds the schema from the TypeScript sources under `root`. */
export function buildSchema(root = ROOT): PackageSchema {
  const abs = (file: string) => path.join(root, file);
  const docs = new TypeScriptDocs([...RESOURCE_SOURCES.map((r) => abs(r.file)), abs(CONFIG_SOURCE.file)]);
  const resources: Record<string, ResourceSpec> = {};
  for (const source of RESOURCE_SOURCES) {
    const inputs = docs.inputs(abs(source.file), source.args);
    const outputs = docs.outputs(abs(source.file), source.className);
    resources[`${PACKAGE}:index:${source.name}`] = resourceSpec(inputs, outputs, source.component ?? false);
  }
  const config = docs.inputs(abs(CONFIG_SOURCE.file), CONFIG_SOURCE.args);
  if (docs.problems.length > 0) {
    throw new SchemaSourceError(`The TypeScript sources do not map to a schema:\n- ${docs.problems.join("\n- ")}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(path.join(root, "package.json")) as { version: string; description: string; license: string };
  return {
    name: PACKAGE,
    displayName: "Runpod SSH",
    version: pkg.version,
    description: pkg.description,
    keywords: ["pulumi", "runpod", "gpu", "ssh", "category/cloud", "kind/component"],
    homepage: REPOSITORY_URL,
    repository: REPOSITORY_URL,
    publisher: PUBLISHER,
    license: pkg.license,
    pluginDownloadURL: PLUGIN_DOWNLOAD_URL,
    config: { variables: config.properties },
    provider: {
      description: "The runpod-ssh provider: its Runpod credentials and API URL.",
      inputProperties: config.properties,
    },
    resources,
    types: sorted(docs.types),
    language: {
      nodejs: { packageName: "pulumi-runpod-ssh", dependencies: { "@pulumi/pulumi": "^3.141.0" } },
      python: {
        packageName: "pulumi_runpod_ssh",
        requires: { pulumi: ">=3.141.0,<4.0.0" },
        pyproject: { enabled: true },
        respectSchemaVersion: true,
      },
      go: { importBasePath: GO_MODULE, generateResourceContainerTypes: false, respectSchemaVersion: true },
      csharp: { rootNamespace: "RunpodSsh", packageReferences: { Pulumi: "3.*" } },
    },
  };
}

/** The schema as the committed file holds it. */
export function schemaText(schema: PackageSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
