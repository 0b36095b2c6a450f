import { test } from "node:test";
import assert from "node:assert/strict";
import { PodWatcher } from "../../sdk/pod/podWatcher";
import type { RunpodClient } from "../../sdk/runpod/client";
import type { Pod } from "../../sdk/runpod/schemas";

function fakeClient(pods: Pod[]): RunpodClient & { lists: number } {
  const c = {
    lists: 0,
    rateLimiter: undefined,
    async listPods() {
      c.lists++;
      return pods;
    },
  };
  return c as unknown as RunpodClient & { lists: number };
}

const pod = (id: string): Pod => ({ id, name: id, status: "STARTING" });

test("many waiters share one list call per tick", async () => {
  const client = fakeClient([pod("a"), pod("b"), pod("c")]);
  const watcher = new PodWatcher(client, { minIntervalMs: 100 });
  const seen = await Promise.all(["a", "b", "c", "a"].map((id) => watcher.next(id, 1000)));
  assert.deepEqual(seen.map((s) => s?.pod?.id), ["a", "b", "c", "a"]);
  assert.equal(client.lists, 1);
});

test("waiters that re-subscribe after every tick keep the pace (no tight loop)", async () => {
  const client = fakeClient([pod("a")]);
  const watcher = new PodWatcher(client, { minIntervalMs: 100 });
  const end = Date.now() + 1000;
  let snapshots = 0;
  while (Date.now() < end) {
    const s = await watcher.next("a", 500);
    if (s) snapshots++;
  }
  assert.ok(client.lists <= 12, `${client.lists} list calls in 1 s at a 100 ms pace`);
  assert.ok(snapshots >= 5, `${snapshots} snapshots`);
});

test("the pace follows the account's quota", () => {
  const limiter = { snapshot: () => ({ windows: [{ name: "minute", quota: 60, windowSeconds: 60, remaining: 60, resetInMs: 0, reserve: 3 }] }) };
  const client = { rateLimiter: limiter } as unknown as RunpodClient;
  assert.equal(new PodWatcher(client, { minIntervalMs: 100, pollingShare: 0.5 }).intervalMs(), 2000);
  assert.equal(new PodWatcher(client, { minIntervalMs: 5000 }).intervalMs(), 5000);
});

test("after a burst of creates used most of the window, polls spread what is left instead of stalling", () => {
  const limiter = { snapshot: () => ({ windows: [{ name: "minute", quota: 60, windowSeconds: 60, remaining: 13, resetInMs: 50_000, reserve: 3 }] }) };
  const client = { rateLimiter: limiter } as unknown as RunpodClient;
  assert.equal(new PodWatcher(client, { minIntervalMs: 100, pollingShare: 0.5 }).intervalMs(), 5000, "10 spare requests over 50 s");
});

test("a pod this process deleted is not offered by recentPods, even from a list read before the delete", async () => {
  const client = fakeClient([pod("old"), pod("other")]);
  const watcher = new PodWatcher(client, { minIntervalMs: 100 });
  assert.deepEqual((await watcher.recentPods(2000)).map((p) => p.id), ["old", "other"]);
  watcher.forget("old");
  assert.deepEqual((await watcher.recentPods(2000)).map((p) => p.id), ["other"], "the cached list no longer offers it");
  assert.equal(client.lists, 1, "from the cache");
  assert.deepEqual((await watcher.recentPods(0)).map((p) => p.id), ["other"], "nor a fresh list that still shows it");
});
