/**
 * Reading what the real engine printed or stored: the steps of `pulumi preview --json`, a resource in
 * `pulumi stack export`, and polling for a condition.
 */

interface PreviewStep {
  op: string;
  urn: string;
}

/** The operations `pulumi preview --json` plans for the Pod resources (same-steps left out). */
export function podSteps(previewJson: string): string[] {
  const parsed = JSON.parse(previewJson) as { steps?: PreviewStep[] };
  return (parsed.steps ?? [])
    .filter((s) => s.urn.includes("runpod-ssh:Pod::") && s.op !== "same")
    .map((s) => (s.op === "create-replacement" || s.op === "delete-replaced" ? "replace" : s.op))
    .filter((op, i, all) => all.indexOf(op) === i);
}

interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** The one resource of the given dynamic type name (e.g. "Pod") in `pulumi stack export` output. */
export function stateResource(exported: string, typeName: string): ExportedResource {
  const resources = stateResources(exported, typeName);
  if (resources.length !== 1) throw new Error(`expected one ${typeName} in the state, found ${resources.length}`);
  return resources[0];
}

export function stateResources(exported: string, typeName: string): ExportedResource[] {
  const state = JSON.parse(exported) as { deployment: { resources?: ExportedResource[] } };
  return (state.deployment.resources ?? []).filter((r) => r.type.endsWith(`:${typeName}`));
}

/** Polls until `condition` holds (every 100 ms), or throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
