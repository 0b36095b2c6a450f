/**
 * One provider operation in its own process, for the reliability suite's races and crashes.
 *
 * Env: RUNPOD_API_URL, RUNPOD_API_KEY, KIND (accountSshKey | pod), ACTION (create | delete), INPUTS (JSON),
 * PROPS (JSON, for delete), ID (for delete), SERIALIZED=1 to load the provider through its serialized text (as
 * Pulumi's host does) instead of the runtime module directly (faster to start: no @pulumi/pulumi).
 * Prints one JSON line: { ok, id?, outs?, error? }.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Provider = Required<Pick<dynamic.ResourceProvider, "check" | "create" | "delete">>;

async function provider(kind: string): Promise<Provider> {
  if (process.env.SERIALIZED === "1") {
    const { hostProvider } = await import("../providers/dynamicHost");
    return (await hostProvider(kind as "pod" | "accountSshKey")).provider;
  }
  const runtime = await import("../../sdk/providers/runtime");
  return runtime.providers[kind as keyof typeof runtime.providers];
}

async function main(): Promise<void> {
  const kind = process.env.KIND ?? "";
  const action = process.env.ACTION ?? "create";
  const p = await provider(kind);
  if (action === "delete") {
    await p.delete(process.env.ID ?? "", JSON.parse(process.env.PROPS ?? "{}"));
    process.stdout.write(JSON.stringify({ ok: true }) + "\n");
    return;
  }
  const checked = await p.check({}, JSON.parse(process.env.INPUTS ?? "{}"));
  if (checked.failures && checked.failures.length > 0) throw new Error(JSON.stringify(checked.failures));
  const created = await p.create(checked.inputs);
  process.stdout.write(JSON.stringify({ ok: true, id: created.id, outs: created.outs as unknown }) + "\n");
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stdout.write(JSON.stringify({ ok: false, error: (e as Error).message }) + "\n");
    process.exit(1);
  },
);
