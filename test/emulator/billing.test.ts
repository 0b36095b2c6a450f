import { test } from "node:test";
import assert from "node:assert/strict";
import { BillingLedger, bucketStart, nextBucket, podBilling } from "../../emulator/billing";
import type { Pod } from "../../emulator/pods";

const H = 3_600_000;
const T0 = Date.UTC(2026, 5, 1, 10, 0, 0); // a Monday, 10:00 UTC

/** The fields the ledger reads, as the pod store holds them. */
function fakePod(status: string, size = 20, kind: "gpu" | "cpu" = "gpu"): Pod {
  return {
    id: "pod1",
    status,
    placement: { costPerHour: 0.69 },
    config: { compute: { kind }, mounts: size ? { persistent: { size, path: "/workspace" } } : {} },
  } as unknown as Pod;
}

interface Body {
  records: Array<{ startTime: string; podId: string; totalAmount: number; gpuAmount: number; cpuAmount: number; diskAmount: number }>;
  metadata: { totals: { totalAmount: number; gpuAmount: number; diskAmount: number }; recordCount: number; query: { startTime: string; endTime: string } };
}

test("the ledger bills compute at the pod's cost while it runs and the volume at running/stopped rates, per hour bucket", () => {
  let now = T0;
  const ledger = new BillingLedger(() => now);
  ledger.observe(fakePod("PROVISIONING"));
  ledger.observe(fakePod("RUNNING")); // same rates: no new segment
  now += 2 * H;
  ledger.observe(fakePod("EXITED"));
  now += 3 * H;
  ledger.observe(fakePod("TERMINATED"));
  now += 5 * H;
  const q = new URLSearchParams({ podId: "pod1", startTime: new Date(T0).toISOString(), bucketSize: "hour" });
  const body = (podBilling(ledger, q, now) as { body: Body }).body;
  assert.equal(body.records.length, 5, "two running hours and three stopped ones; nothing after the terminate");
  const runningDisk = (20 * 0.1) / 730;
  const stoppedDisk = (20 * 0.2) / 730;
  assert.equal(body.records[0].gpuAmount, 0.69);
  assert.equal(body.records[0].diskAmount, Math.round(runningDisk * 1e6) / 1e6);
  assert.equal(body.records[4].gpuAmount, 0);
  assert.equal(body.records[4].diskAmount, Math.round(stoppedDisk * 1e6) / 1e6);
  assert.ok(Math.abs(body.metadata.totals.gpuAmount - 1.38) < 1e-9);
  assert.ok(Math.abs(body.metadata.totals.totalAmount - (1.38 + 2 * runningDisk + 3 * stoppedDisk)) < 1e-5);
  const day = (podBilling(ledger, new URLSearchParams({ podId: "pod1", bucketSize: "day", lastN: "1" }), now) as { body: Body }).body;
  assert.equal(day.records.length, 1);
  assert.equal(day.metadata.query.startTime, "2026-06-01T00:00:00Z");
  assert.ok(Math.abs(day.metadata.totals.totalAmount - body.metadata.totals.totalAmount) < 1e-5, "the same spend in one day bucket");
});

test("a CPU pod's compute is cpuAmount; another pod's id gets no records", () => {
  let now = T0;
  const ledger = new BillingLedger(() => now);
  ledger.observe(fakePod("RUNNING", 0, "cpu"));
  now += H;
  const body = (podBilling(ledger, new URLSearchParams({ podId: "pod1", bucketSize: "day" }), now) as { body: Body }).body;
  assert.equal(body.records[0].cpuAmount, 0.69);
  assert.equal(body.records[0].gpuAmount, 0);
  const other = (podBilling(ledger, new URLSearchParams({ podId: "nope" }), now) as { body: Body }).body;
  assert.deepEqual(other.records, []);
});

test("bad queries: 422 naming the parameter; lastN with startTime: 400", () => {
  const ledger = new BillingLedger();
  assert.throws(() => podBilling(ledger, new URLSearchParams({ bucketSize: "minute" })), (e: Error & { status?: number }) => e.status === 422);
  assert.throws(() => podBilling(ledger, new URLSearchParams({ lastN: "2", startTime: "2026-06-01T00:00:00Z" })), (e: Error & { status?: number }) => e.status === 400);
});

test("buckets: weeks start on Monday, months on the 1st (UTC)", () => {
  const wed = Date.UTC(2026, 5, 3, 15);
  assert.equal(new Date(bucketStart(wed, "week")).toISOString(), "2026-06-01T00:00:00.000Z");
  assert.equal(new Date(nextBucket(bucketStart(wed, "month"), "month")).toISOString(), "2026-07-01T00:00:00.000Z");
  assert.equal(new Date(bucketStart(wed, "year")).toISOString(), "2026-01-01T00:00:00.000Z");
});
