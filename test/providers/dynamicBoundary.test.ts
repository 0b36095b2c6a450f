/**
 * The boundary to Pulumi's dynamic-provider host: the host's `__provider` field never reaches the provider
 * logic (the real engine passes it in every call, and strict input checks refused it), and the benchmark's
 * timing hook records each call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { atDynamicBoundary, withoutSerializedProvider, type CrudProvider } from "../../sdk/providers/dynamicBoundary";

function recordingProvider(seen: unknown[]): CrudProvider {
  const record = async (...args: unknown[]) => {
    seen.push(...args.filter((a) => typeof a === "object"));
    return { id: "x", outs: {}, props: {}, inputs: {}, changes: false };
  };
  return { check: record, diff: record, create: record, read: record, update: record, delete: async (...a) => void (await record(...a)) };
}

test("every call reaches the provider without the host's __provider field, other fields intact", async () => {
  const seen: unknown[] = [];
  const p = atDynamicBoundary("pod", recordingProvider(seen));
  const bag = () => ({ __provider: "exports.handler = ...", image: "runpod/x:1", gpu: { ids: ["A"] } });
  await p.check(bag(), bag());
  await p.diff("id", bag(), bag());
  await p.create(bag());
  await p.read("id", bag());
  await p.update("id", bag(), bag());
  await p.delete("id", bag());
  assert.equal(seen.length, 9);
  for (const props of seen) assert.deepEqual(props, { image: "runpod/x:1", gpu: { ids: ["A"] } });
});

test("values without the field pass through untouched", () => {
  const value = { a: 1 };
  assert.equal(withoutSerializedProvider(value), value);
  assert.equal(withoutSerializedProvider(undefined), undefined);
});

test("PULUMI_RUNPOD_SSH_TIMING_LOG records one line per call with its kind, operation and times", async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "timing-")), "log.jsonl");
  process.env.PULUMI_RUNPOD_SSH_TIMING_LOG = file;
  try {
    const p = atDynamicBoundary("pod", recordingProvider([]));
    await p.create({ a: 1, ownerTag: "urn:pulumi:s::p::t::r" });
    await p.delete("id", { a: 1 });
  } finally {
    delete process.env.PULUMI_RUNPOD_SSH_TIMING_LOG;
  }
  const lines = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => [l.kind, l.op]), [["pod", "create"], ["pod", "delete"]]);
  assert.deepEqual(lines.map((l) => l.urn), ["urn:pulumi:s::p::t::r", undefined], "the resource's URN when it has one, for the timeline");
  for (const l of lines) assert.ok(Number(l.end) >= Number(l.start));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});
