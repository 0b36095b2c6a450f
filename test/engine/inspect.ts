/**
 * Reading what the real engine printed or stored: the steps of `pulumi preview --json`, a resource in
 * `pulumi stack export`, and polling for a condition.
 */

interface Step {
  op: string;
  urn: string;
}

/**
 * The engine's operations on the Pod resources in `--json` output, in order: one document with `steps` for
 * preview, a stream of engine events (one JSON object a line) for up.
 */
export function podStepOps(json: string): string[] {
  const lines = json.trim().split("\n");
  const steps: Step[] =
    lines.length > 1 && lines[0].startsWith('{"sequence"')
      ? lines
          .map((l) => JSON.parse(l) as { resourcePreEvent?: { metadata: Step } })
          .flatMap((e) => (e.resourcePreEvent ? [e.resourcePreEvent.metadata] : []))
      : ((JSON.parse(json) as { steps?: Step[] }).steps ?? []);
  return steps.filter((s) => s.urn.includes("runpod-ssh:Pod::")).map((s) => s.op);
}

/** The operations `pulumi preview --json` plans for the Pod resources (same-steps left out). */
export function podSteps(previewJson: string): string[] {
  return podStepOps(previewJson)
    .filter((op) => op !== "same")
    .map((op) => (op === "create-replacement" || op === "delete-replaced" ? "replace" : op))
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
