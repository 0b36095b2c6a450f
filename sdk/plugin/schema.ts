/**
 * The package schema the plugin serves from GetSchema: schema.json, generated from the TypeScript sources by
 * `npm run schema` (scripts/schema) and checked against them by a test. Also the plugin's own source for which
 * properties leave it as secrets.
 */
import schemaJson from "./schema.json";

interface PropertySpec {
  secret?: boolean;
}
interface ResourceSpec {
  inputProperties?: Record<string, PropertySpec>;
  properties?: Record<string, PropertySpec>;
}

export const PACKAGE_SCHEMA = schemaJson as { name: string; version: string; resources: Record<string, ResourceSpec> };

/** The schema as GetSchema returns it. */
export function schemaText(): string {
  return JSON.stringify(PACKAGE_SCHEMA);
}

/** The input and output properties the schema marks secret for a resource type. */
export function secretProperties(type: string): string[] {
  const resource = PACKAGE_SCHEMA.resources[type];
  if (!resource) return [];
  const all = { ...resource.inputProperties, ...resource.properties };
  return Object.entries(all)
    .filter(([, spec]) => spec.secret === true)
    .map(([name]) => name);
}
