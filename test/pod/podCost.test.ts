import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  affordableCandidates,
  candidatePrice,
  costPerHour,
  formatRate,
  spendOf,
  stoppedStorageCostPerMonth,
} from "../../sdk/pod/podCost";
import type { GpuPrice } from "../../sdk/runpod/catalog";
import { placementCandidates, type PodSpec } from "../../sdk/pod/podSpec";

const PRICES: GpuPrice[] = [
  { id: "A", secure: true, community: true, price: { secure: 0.5, community: 0.3 } },
  { id: "B", secure: true, community: false, price: { secure: 2, community: 0 } },
];

test("costPerHour is the pod's own cost field (null when the API reports none)", () => {
  assert.equal(costPerHour({ cost: 0.69 }), 0.69);
  assert.equal(costPerHour({ cost: 0 }), 0, "a stopped pod costs 0 per hour");
  assert.equal(costPerHour({ cost: null }), null);
  assert.equal(costPerHour({}), null);
});

test("stoppedStorageCostPerMonth: the volume disk at $0.20/GB/month; no volume, or a network volume, is 0 for the pod", () => {
  assert.equal(stoppedStorageCostPerMonth({ persistent: { size: 50, path: "/workspace" } }), 10);
  assert.equal(stoppedStorageCostPerMonth({ network: [{ volumeId: "v", path: "/workspace" }] }), 0);
  assert.equal(stoppedStorageCostPerMonth(undefined), 0);
});

test("candidatePrice: per-GPU list price × count for the cloud; not offered there: unknown", () => {
  assert.equal(candidatePrice(PRICES, "A", "SECURE", 2), 1);
  assert.equal(candidatePrice(PRICES, "A", "COMMUNITY", 3), 0.9);
  assert.equal(candidatePrice(PRICES, "B", "COMMUNITY", 1), undefined);
  assert.equal(candidatePrice(PRICES, "Z", "SECURE", 1), undefined);
});

test("spendOf sums the records; formatRate prints dollars per hour", () => {
  assert.equal(spendOf([{ totalAmount: 0.1 }, { totalAmount: 0.2 }]), 0.3);
  assert.equal(spendOf([]), 0);
  assert.equal(formatRate(0.69), "$0.69/hr");
  assert.equal(formatRate(21.52), "$21.52/hr");
  assert.equal(formatRate(0.275), "$0.275/hr");
  assert.equal(formatRate(null), "cost unknown");
});

test("property: the candidates kept are exactly those at or under maxCostPerHour (or without a list price), in order", () => {
  const ids = ["A", "B", "Z"];
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.constantFrom(...ids), { minLength: 1 }),
      fc.integer({ min: 1, max: 4 }),
      fc.double({ min: 0.01, max: 10, noNaN: true }),
      fc.constantFrom<"SECURE" | "COMMUNITY">("SECURE", "COMMUNITY"),
      (gpuIds, count, max, cloud) => {
        const spec: PodSpec = { gpu: { ids: gpuIds, count }, cloud, maxCostPerHour: max };
        const all = placementCandidates(spec);
        const expected = all.filter((c) => {
          const p = candidatePrice(PRICES, c.gpuId!, cloud, count);
          return p === undefined || p <= max;
        });
        if (expected.length === 0) {
          assert.throws(() => affordableCandidates(spec, all, PRICES, "p"), /No GPU candidate for pod p is within maxCostPerHour/);
          return;
        }
        const got = affordableCandidates(spec, all, PRICES, "p");
        assert.deepEqual(got.candidates, expected);
        assert.equal(got.notes.length, all.length - expected.length, "one note per skipped GPU type");
      },
    ),
    { numRuns: 300 },
  );
});

test("without maxCostPerHour, or for a CPU pod, every candidate is kept", () => {
  const spec: PodSpec = { gpu: { ids: ["A", "B"] } };
  assert.deepEqual(affordableCandidates(spec, placementCandidates(spec), PRICES, "p").candidates, placementCandidates(spec));
});
