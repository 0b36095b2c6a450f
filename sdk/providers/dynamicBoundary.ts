/**
 * The boundary between Pulumi's dynamic-provider host and our provider logic.
 *
 * The host passes the serialized provider itself (`__provider`, the shim's source text) inside every olds,
 * news, inputs and props it hands to a dynamic provider, and puts it back into every result on its own. Our
 * providers validate their inputs strictly (an unknown field is a typo), so the key is removed here, before any
 * provider method sees it.
 */
import fs from "node:fs";
import type * as dynamic from "@pulumi/pulumi/dynamic";

/** The property under which the dynamic-provider host stores the serialized provider. */
export const SERIALIZED_PROVIDER_KEY = "__provider";

/** A copy of `value` without the host's `__provider` property (other values are returned as they are). */
export function withoutSerializedProvider<T>(value: T): T {
  if (!value || typeof value !== "object" || Array.isArray(value) || !(SERIALIZED_PROVIDER_KEY in value)) return value;
  const { [SERIALIZED_PROVIDER_KEY]: _dropped, ...rest } = value as Record<string, unknown>;
  return rest as T;
}

/** The CRUD methods every provider of this package has. */
export type CrudProvider = Required<Omit<dynamic.ResourceProvider, "configure">>;

/**
 * Benchmark hook: with `PULUMI_RUNPOD_SSH_TIMING_LOG=<file>` set, each provider call appends one JSON line
 * `{kind, op, start, end}` (ms since the epoch) to that file, so the engine's own overhead can be told apart
 * from the providers' time. Off (and free) otherwise; the lines hold no inputs.
 */
async function timed<T>(kind: string, op: string, call: () => Promise<T>, bag?: unknown): Promise<T> {
  const file = process.env.PULUMI_RUNPOD_SSH_TIMING_LOG;
  if (!file) return call();
  const start = Date.now();
  // The resource's URN (our resources carry it as ownerTag), so the benchmark can draw each one's timeline.
  const tag = bag && typeof bag === "object" ? (bag as Record<string, unknown>).ownerTag : undefined;
  const urn = typeof tag === "string" ? tag : undefined;
  try {
    return await call();
  } finally {
    fs.appendFileSync(file, `${JSON.stringify({ kind, op, start, end: Date.now(), urn })}\n`);
  }
}

/** The provider with every property bag it receives cleaned of `__provider` (and timed for the benchmark). */
export function atDynamicBoundary(kind: string, provider: CrudProvider): CrudProvider {
  const clean = withoutSerializedProvider;
  return {
    check: (olds, news) => timed(kind, "check", () => provider.check(clean(olds), clean(news))),
    diff: (id, olds, news) => timed(kind, "diff", () => provider.diff(id, clean(olds), clean(news))),
    create: (inputs) => timed(kind, "create", () => provider.create(clean(inputs)), inputs),
    read: (id, props) => timed(kind, "read", () => provider.read(id, clean(props)), props),
    update: (id, olds, news) => timed(kind, "update", () => provider.update(id, clean(olds), clean(news)), news),
    delete: (id, props) => timed(kind, "delete", () => provider.delete(id, clean(props)), props),
  };
}
