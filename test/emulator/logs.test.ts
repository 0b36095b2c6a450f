/**
 * `GET /v2/pods/{id}/logs`: SSE headers and event format, backfill with `tail` and
 * `source`, live lines, resume with `Last-Event-ID`, and the end of the stream when
 * the pod is gone.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator, type RunpodEmulator } from "../../emulator";
import { Api, FAST_TIMINGS, gpuPodBody, openSse, type SseEvent } from "../helpers/emulator";

interface LogData {
  ts: string;
  source: string;
  line: string;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(condition(), what);
}

const data = (event: SseEvent): LogData => JSON.parse(event.data ?? "{}") as LogData;
const lines = (events: SseEvent[]): string[] => events.map((event) => data(event).line);

void describe("pod logs over SSE", () => {
  let emulator: RunpodEmulator;
  let api: Api;

  before(async () => {
    emulator = await startEmulator({ port: 0, sshd: false, rateLimit: false, timings: FAST_TIMINGS });
    api = Api.for(emulator);
  });
  after(() => emulator.stop());

  void it("streams the spec's event format with SSE headers, backfilling lifecycle lines", async () => {
    const pod = await api.createPod(gpuPodBody());
    await api.waitForPod(pod.id, "RUNNING");
    const stream = await openSse(emulator, `/v2/pods/${pod.id}/logs`);
    try {
      assert.equal(stream.status, 200);
      assert.equal(stream.headers["content-type"], "text/event-stream");
      assert.equal(stream.headers["cache-control"], "no-cache");
      assert.equal(stream.headers["connection"], "keep-alive");
      assert.equal(stream.headers["x-accel-buffering"], "no");
      await stream.waitFor((events) => lines(events).some((line) => line.startsWith("Container started")));
      for (const [index, event] of stream.events.entries()) {
        const payload = data(event);
        assert.deepEqual(Object.keys(payload), ["ts", "source", "line"]);
        assert.ok(!Number.isNaN(Date.parse(payload.ts)));
        assert.equal(event.id, `${payload.ts}/${String(index + 1).padStart(12, "0")}`);
      }
      const all = lines(stream.events);
      assert.ok(all.some((line) => line.startsWith("Machine assigned in ")), all.join("\n"));
      assert.ok(all.some((line) => line.startsWith("Pulling image ")));
      assert.ok(all.includes("PUBLIC_KEY not set, not starting sshd"), "the start script explains why sshd did not start");
      assert.equal(data(stream.events.find((e) => data(e).line === "PUBLIC_KEY not set, not starting sshd") as SseEvent).source, "container");
    } finally {
      stream.close();
    }
  });

  void it("filters by source and honours tail", async () => {
    const pod = await api.createPod(gpuPodBody());
    await api.waitForPod(pod.id, "RUNNING");
    const system = await openSse(emulator, `/v2/pods/${pod.id}/logs?source=system`);
    const tail = await openSse(emulator, `/v2/pods/${pod.id}/logs?tail=2`);
    const none = await openSse(emulator, `/v2/pods/${pod.id}/logs?tail=0`);
    try {
      await system.waitFor((events) => events.length >= 3);
      assert.ok(system.events.every((event) => data(event).source === "system"));
      await tail.waitFor((events) => events.length >= 2);
      // Then a live line proves the stream is open and nothing else was backfilled.
      await api.patch(`/v2/pods/${pod.id}`, { name: "renamed", locked: true });
      await api.post(`/v2/pods/${pod.id}/action`, { action: "terminate" });
      await tail.ended;
      await none.ended;
      assert.equal(tail.events.length, 2 + 1, lines(tail.events).join("\n"));
      assert.equal(data(tail.events[2]).line, "Pod terminated");
      assert.deepEqual(lines(none.events), ["Pod terminated"]);
    } finally {
      system.close();
      tail.close();
      none.close();
    }
  });

  void it("delivers live lines and ends when the pod is deleted", async () => {
    const pod = await api.createPod(gpuPodBody());
    const stream = await openSse(emulator, `/v2/pods/${pod.id}/logs`);
    await stream.waitFor((events) => lines(events).some((line) => line.startsWith("Container started")));
    await api.delete(`/v2/pods/${pod.id}`);
    await stream.ended;
    assert.equal(lines(stream.events).at(-1), "Pod terminated");
  });

  void it("resumes after Last-Event-ID", async () => {
    const pod = await api.createPod(gpuPodBody());
    await api.waitForPod(pod.id, "RUNNING");
    const first = await openSse(emulator, `/v2/pods/${pod.id}/logs`);
    await first.waitFor((events) => events.length >= 4);
    first.close();
    const cursor = first.events[1]?.id as string;
    const resumed = await openSse(emulator, `/v2/pods/${pod.id}/logs?tail=1`, { "Last-Event-ID": cursor });
    await resumed.waitFor((events) => events.length >= 2);
    resumed.close();
    assert.equal(resumed.events[0]?.id, first.events[2]?.id, "continues right after the cursor, ignoring tail");
  });

  void it("stops logging for a stopped stream client without errors", async () => {
    const pod = await api.createPod(gpuPodBody());
    const streams = (): number => emulator.pods().find((p) => p.id === pod.id)?.logStreams ?? -1;
    const stream = await openSse(emulator, `/v2/pods/${pod.id}/logs`);
    try {
      await until(() => streams() === 1, "the open stream receives the pod's new lines");
    } finally {
      stream.close();
    }
    await until(() => streams() === 0, "the closed stream is unsubscribed: nothing more is written to it");
    // New lines (the pod starting) reach no stream and break nothing.
    await api.waitForPod(pod.id, "RUNNING");
    assert.equal(streams(), 0);
    assert.equal((await api.get(`/v2/pods/${pod.id}`)).status, 200);
  });
});
