/**
 * Stop and start with a scripted client (statuses and answers the emulator cannot produce): a pod already in the
 * wanted state gets no action, a 409 is answered by the status read after it, a refused start says the pod stays
 * stopped, a stop that never completes fails at its deadline, and a terminated pod is named as such.
 */
process.env.RUNPOD_SSH_POLL_INTERVAL_MS = "20";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunpodClient } from "../../sdk/runpod/client";
import { RunpodConflictError, RunpodRejectedError } from "../../sdk/runpod/errors";
import type { Pod } from "../../sdk/runpod/schemas";
import { startPod, stopPod } from "../../sdk/pod/podPower";

interface Script {
  /** Statuses returned by successive reads (getPod and the list); the last one repeats. */
  reads: string[];
  /** What the action does: the status it returns, or an error to throw. */
  action?: string | Error;
}

function scripted(script: Script): { client: RunpodClient; actions: string[] } {
  const actions: string[] = [];
  let read = 0;
  const pod = (status: string): Pod => ({ id: "p1", name: "pod", status });
  const next = (): Pod => pod(script.reads[Math.min(read++, script.reads.length - 1)]);
  const client = {
    rateLimiter: undefined,
    getPod: async () => next(),
    listPods: async () => [next()],
    podAction: async (_id: string, action: string) => {
      actions.push(action);
      if (script.action instanceof Error) throw script.action;
      return pod(script.action ?? "RUNNING");
    },
  } as unknown as RunpodClient;
  return { client, actions };
}

const conflict = () =>
  new RunpodConflictError({ operation: "POST /v2/pods/p1/action", status: 409, problem: { detail: "not valid" } });

test("stop: a stopped pod gets no action; a running one is stopped and awaited until EXITED", async () => {
  const idle = scripted({ reads: ["EXITED"] });
  assert.equal((await stopPod(idle.client, "p1", { label: "dev", timeoutMs: 1000 })).status, "EXITED");
  assert.deepEqual(idle.actions, []);

  const running = scripted({ reads: ["RUNNING", "RUNNING", "RUNNING", "EXITED"], action: "RUNNING" });
  assert.equal((await stopPod(running.client, "p1", { label: "dev", timeoutMs: 5000 })).status, "EXITED");
  assert.deepEqual(running.actions, ["stop"]);
});

test("stop: a 409 is answered by the status read after it; a stop that never completes fails at its deadline", async () => {
  const raced = scripted({ reads: ["RUNNING", "EXITED"], action: conflict() });
  assert.equal((await stopPod(raced.client, "p1", { label: "dev", timeoutMs: 1000 })).status, "EXITED");

  const stuck = scripted({ reads: ["RUNNING"], action: "RUNNING" });
  await assert.rejects(
    stopPod(stuck.client, "p1", { label: "dev", timeoutMs: 300 }),
    /^Error: Pod dev \(p1\) did not stop within 1 s \(status RUNNING\)\. It may still be billing/,
  );
});

test("start: a running or starting pod gets no action; a stopped one is started; a 409 then RUNNING is fine", async () => {
  for (const status of ["RUNNING", "STARTING", "PROVISIONING"]) {
    const already = scripted({ reads: [status] });
    await startPod(already.client, "p1", { label: "dev" });
    assert.deepEqual(already.actions, [], status);
  }
  const stopped = scripted({ reads: ["EXITED"], action: "STARTING" });
  assert.equal((await startPod(stopped.client, "p1", { label: "dev" })).status, "STARTING");
  assert.deepEqual(stopped.actions, ["start"]);
  const raced = scripted({ reads: ["EXITED", "RUNNING"], action: conflict() });
  assert.equal((await startPod(raced.client, "p1", { label: "dev" })).status, "RUNNING");
});

test("a refused start says the pod stays stopped and up tries again; a terminated pod is named as such", async () => {
  const refused = scripted({
    reads: ["EXITED"],
    action: new RunpodRejectedError({
      operation: "POST /v2/pods/p1/action",
      status: 400,
      problem: { title: "Bad Request", detail: "not enough free GPUs on the host machine" },
    }),
  });
  await assert.rejects(
    startPod(refused.client, "p1", { label: "dev" }),
    new RegExp(
      "^Error: Pod dev \\(p1\\) could not be started: Runpod API POST /v2/pods/p1/action failed \\(400 Bad Request\\): " +
        "not enough free GPUs on the host machine\\. It stays stopped; the next `pulumi up` tries again\\.$",
    ),
  );
  const gone = scripted({ reads: ["TERMINATED"] });
  await assert.rejects(startPod(gone.client, "p1", { label: "dev" }), /Pod dev \(p1\) was terminated outside Pulumi/);
  await assert.rejects(
    stopPod(gone.client, "p1", { label: "dev", timeoutMs: 100 }),
    /cannot be stopped\. Run `pulumi refresh`/,
  );
});
