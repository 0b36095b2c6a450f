/**
 * One provider operation in its own process, for the reliability suite's races and crashes.
 *
 * Env: RUNPOD_API_URL, RUNPOD_API_KEY, KIND (accountSshKey | pod), ACTION (create | read | update | delete),
 * INPUTS (JSON, for create and update), PROPS (JSON, the state, for read, update and delete), ID,
 * SERIALIZED=1 to load the provider through its serialized text (as Pulumi's host does) instead of the runtime
 * module directly (faster to start: no @pulumi/pulumi).
 * Prints one JSON line: { ok, id?, outs?, error? }.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Provider = Required<Pick<dynamic.ResourceProvider, "check" | "create" | "read" | "update" | "delete">>;

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
  if (action === "read") {
    const read = await p.read(process.env.ID ?? "", JSON.parse(process.env.PROPS ?? "{}"));
    process.stdout.write(JSON.stringify({ ok: true, id: read.id, outs: read.props as unknown }) + "\n");
    return;
  }
  const checked = await p.check({}, JSON.parse(process.env.INPUTS ?? "{}"));
  if (checked.failures && checked.failures.length > 0) throw new Error(JSON.stringify(checked.failures));
  if (action === "update") {
    const updated = await p.update(process.env.ID ?? "", JSON.parse(process.env.PROPS ?? "{}"), checked.inputs);
    process.stdout.write(JSON.stringify({ ok: true, id: process.env.ID, outs: updated.outs as unknown }) + "\n");
    return;
  }
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
