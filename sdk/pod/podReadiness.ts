/**
 * Where a pod is polled: waiting until a new (or reset) pod really accepts SSH.
 *
 * Ready means, in order: status `RUNNING`; then `ssh.direct` reported (or, when the user allows proxy-only
 * access, `ssh.proxy` with no public port after a grace period); then an `SSH-2.0-` banner read from the
 * direct host:port (the mapping exists before sshd listens); then the pod's host keys, read by a key exchange
 * with that sshd (hostKeys.ts), which the commands pin. An sshd whose keys cannot be read (three tries; a server
 * without curve25519) is ready without keys, with a note saying so; one whose signature does not verify with the
 * key it sent is never ready. The wait has its own deadline (Pulumi's
 * customTimeouts do not reach dynamic providers) and reports progress on long waits. A pod that goes to
 * `ERROR` or `EXITED`, disappears, or misses the deadline ends in a `PodNotReadyError` whose message holds the
 * pod's status, ports, `ssh` block and last log lines.
 *
 * Status comes from the account-wide watcher (one list call per tick for every waiting pod); the banner
 * check starts the moment `ssh.direct` appears and keeps probing (no API call) while the next tick arrives.
 */
import type { RunpodClient } from "../runpod/client";
import { RunpodConfigurationError, RunpodNotFoundError, RunpodUnauthorizedError, RunpodForbiddenError } from "../runpod/errors";
import type { Pod } from "../runpod/schemas";
import { readSshBanner } from "../ssh/sshBanner";
import type { HostKeyChecking } from "../ssh/sshCommands";
import { proveHostKeys, type HostKeyProof } from "./podHostKeyProof";
import { readHostKeys } from "../ssh/hostKeys";
import { sshPathProblems } from "../ssh/sshAddress";
import { podWatcherFor, type PodSnapshot } from "./podWatcher";

export interface ReadinessOptions {
  /** Give up after this long, in ms. */
  timeoutMs: number;
  /** Accept a pod reachable only through Runpod's SSH proxy (no public IP / port). */
  allowProxyOnly?: boolean;
  /** Check for an SSH banner (default true). False: ready once RUNNING with an SSH endpoint. */
  waitForSsh?: boolean;
  /** How long a RUNNING pod without `ssh.direct` is given before proxy-only access is accepted, in ms. Default 30000. */
  proxyOnlyGraceMs?: number;
  /** Name used in messages. */
  label: string;
  /** Called with progress lines on long waits. */
  onProgress?: (message: string) => void;
  /** How often to report progress, in ms. Default 30000 (`RUNPOD_SSH_PROGRESS_EVERY_MS` overrides). */
  progressEveryMs?: number;
  /**
   * After a reset: the direct port before it. The old container may still answer right after the PATCH, so
   * the pod counts as ready only once its status left RUNNING or its port changed (or `graceMs`, default
   * 60000, passed without either).
   */
  changedFrom?: { port: number; graceMs?: number };
  /**
   * After a `start` action: the pod may still read `EXITED` until the start takes effect, so `EXITED` is not a
   * failure until the status has left it (or `graceMs`, default 60000, passed).
   */
  startedFromStop?: { graceMs?: number };
  /**
   * How the commands check the host key (SshPod's `hostKeyChecking`). "pinned" (default): the pod is ready only
   * with host keys read from its sshd (and proven by its log when it prints them); any other value lets a pod
   * whose keys cannot be read be ready without them, with a warning. A key its log disproves fails in every mode.
   */
  hostKeyChecking?: HostKeyChecking;
  /**
   * How long to wait for the start script's host-key lines in the pod log after the keys were read, in ms, before
   * the pod counts as ready with the key from first contact. Default 15000 (`RUNPOD_SSH_HOST_KEY_LOG_WAIT_MS`).
   */
  hostKeyLogWaitMs?: number;
  /**
   * Start from the last list read of the account's pods when it is younger than one poll interval, instead of
   * waiting for the next one (PodReadiness: a pod of a fleet has mostly booted by the time its wait starts).
   */
  readFirst?: boolean;
}

/** A pod that accepts SSH, with the host keys read from its sshd. */
export interface ReadyPod {
  pod: Pod;
  /** `type base64` lines, preferred first; empty when they were not read (`waitForSsh: false`, proxy only). */
  hostKeys: string[];
  /** Why no host key was read or proven, for the user to see (a WARNING). */
  hostKeyNote?: string;
  /** How the keys were proven (see podHostKeyProof.ts); undefined without keys. */
  hostKeyProof?: HostKeyProof;
  /** Measurements: ms from start to the first SSH banner, and from the keys being read to their proof. */
  timings?: { bannerMs?: number; proofMs?: number };
}

/**
 * Failed reads of the host keys, with the banner answering, before a pod whose commands do not pin
 * (`hostKeyChecking` other than "pinned") counts as ready without them (a server without curve25519, one that
 * closes during the exchange). With "pinned", and for a server that presents a key it does not hold in any mode,
 * the wait goes on until its deadline and then fails.
 */
const HOST_KEY_TRIES = 3;

export type NotReadyReason = "timeout" | "error" | "exited" | "gone";

/** The pod did not become ready; `pod` is the last state seen. */
export class PodNotReadyError extends Error {
  constructor(
    message: string,
    readonly reason: NotReadyReason,
    readonly podId: string,
    readonly pod: Pod | undefined,
  ) {
    super(message);
    this.name = "PodNotReadyError";
  }
}

/** A compact, secret-free description of a pod's state for error messages (env is left out on purpose). */
export function describePodState(pod: Pod | undefined): string {
  if (!pod) return "  (the pod was never seen in the account's pod list)";
  const ssh = pod.ssh ?? {};
  const runtimePorts = (pod.runtime?.ports ?? []).map((p) => `${p.private}/${p.type} -> ${p.ip ?? "?"}:${p.public ?? "none"}`);
  return [
    `  status: ${pod.status}`,
    `  ports: ${JSON.stringify(pod.ports ?? [])}${runtimePorts.length ? ` (mapped: ${runtimePorts.join(", ")})` : " (no port mapping yet)"}`,
    `  ssh.direct: ${ssh.direct ? `${ssh.direct.username}@${ssh.direct.host}:${ssh.direct.port}` : "null"}`,
    `  ssh.proxy: ${ssh.proxy ? `${ssh.proxy.username}@${ssh.proxy.host}` : "null"}`,
    `  dataCenterId: ${pod.dataCenterId ?? "null"}, gpu: ${pod.gpu ? `${pod.gpu.count ?? 1} x ${pod.gpu.id}` : pod.cpu ? `cpu ${pod.cpu.id}` : "?"}`,
  ].join("\n");
}

/** The last log lines of a pod, best effort (an empty string when they cannot be read). */
export async function lastLogLines(client: RunpodClient, podId: string, count = 20): Promise<string> {
  try {
    const lines = await client.getPodLogs(podId, { tail: count, idleMs: 300, maxMs: 2500 });
    if (lines.length === 0) return "  (no log lines)";
    return lines.slice(-count).map((l) => `  ${l.source ?? "log"}: ${l.line}`).join("\n");
  } catch (e) {
    return `  (could not read the logs: ${(e as Error).message})`;
  }
}

function isFatalClientError(e: unknown): e is Error {
  return e instanceof RunpodConfigurationError || e instanceof RunpodUnauthorizedError || e instanceof RunpodForbiddenError;
}

/** What to do about host keys that could not be read or proven, for the deadline's message. */
function hostKeyHint(keyProblem: "unread" | "forged" | "disproven" | undefined): string {
  if (keyProblem === "unread") {
    return (
      "\nIts sshd answered, but its host key could not be read, so nothing could be pinned. If you accept trusting " +
      'the host key on first use instead, set hostKeyChecking: "accept-new" (an explicit, weaker choice).'
    );
  }
  if (keyProblem === "forged" || keyProblem === "disproven") {
    return (
      "\nWhat answers at the pod's address does not prove it holds the pod's host key: something other than the " +
      "pod's sshd may be answering there (an impostor). Nothing was trusted; check the network path, then run " +
      "`pulumi up` again."
    );
  }
  return "";
}

function hint(pod: Pod | undefined, allowProxyOnly: boolean): string {
  if (!pod) return "";
  if (pod.status === "RUNNING" && !pod.ssh?.direct) {
    return allowProxyOnly
      ? ""
      : "\nThe pod runs but has no public port for 22/tcp (Community Cloud hosts may have no public IP). Use cloud: \"SECURE\", " +
          "or set allowProxyOnly to accept SSH through Runpod's proxy only (no scp/sftp/rsync).";
  }
  if (pod.status === "RUNNING" && pod.ssh?.direct) {
    return "\nThe port is mapped but no SSH server answers: the image may not start sshd (Runpod's images start it only when PUBLIC_KEY is set), " +
      "or the start command (args) replaced the image's /start.sh. For images without sshd use the SshPod bootstrap mode.";
  }
  return "";
}

/** Waits until the pod accepts SSH (see the file comment). Resolves with the last pod state seen. */
export async function waitForPodReady(
  client: RunpodClient,
  podId: string,
  options: ReadinessOptions,
): Promise<ReadyPod> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const waitForSsh = options.waitForSsh ?? true;
  const graceMs = options.proxyOnlyGraceMs ?? 30_000;
  const fromEnv = Number(process.env.RUNPOD_SSH_PROGRESS_EVERY_MS);
  const progressEvery = options.progressEveryMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 30_000);
  const watcher = podWatcherFor(client);
  let lastPod: Pod | undefined;
  let lastBanner = "";
  let runningSince: number | undefined;
  let missing = 0;
  let lastProgress = started;
  let lastError: unknown;
  let resetSeen = !options.changedFrom;
  let stillStopped = options.startedFromStop !== undefined;
  let hostKeyFailures = 0;
  let keyProblem: "unread" | "forged" | "disproven" | undefined;
  let bannerAt: number | undefined;
  let keysReadAt: number | undefined;
  const checking = options.hostKeyChecking ?? "pinned";
  const fromEnvLogWait = Number(process.env.RUNPOD_SSH_HOST_KEY_LOG_WAIT_MS);
  const logWaitMs =
    options.hostKeyLogWaitMs ?? (Number.isFinite(fromEnvLogWait) && fromEnvLogWait >= 0 ? fromEnvLogWait : 15_000);
  let pending: PodSnapshot | undefined = options.readFirst ? watcher.cached(podId, watcher.intervalMs()) : undefined;

  const fail = async (reason: NotReadyReason, summary: string): Promise<never> => {
    const logs = await lastLogLines(client, podId);
    const message =
      `Pod ${options.label} (${podId}) ${summary}\n${describePodState(lastPod)}` +
      (lastBanner ? `\n  last SSH check: ${lastBanner}` : "") +
      `\n  last log lines:\n${logs}${keyProblem ? hostKeyHint(keyProblem) : keysReadAt ? "" : hint(lastPod, options.allowProxyOnly ?? false)}`;
    throw new PodNotReadyError(message, reason, podId, lastPod);
  };

  for (;;) {
    const now = Date.now();
    if (now >= deadline) {
      const waited = Math.round((now - started) / 1000);
      const errorNote = lastError && !lastPod ? ` (last error: ${(lastError as Error).message})` : "";
      await fail("timeout", `was not ready for SSH after ${waited} s (the readiness deadline)${errorNote}.`);
    }
    if (options.onProgress && now - lastProgress >= progressEvery) {
      lastProgress = now;
      const stage = !lastPod ? "waiting for the first status" : lastPod.status !== "RUNNING" ? lastPod.status : lastPod.ssh?.direct ? `RUNNING, waiting for sshd on ${lastPod.ssh.direct.host}:${lastPod.ssh.direct.port}` : "RUNNING, waiting for a public SSH port";
      options.onProgress(`pod ${options.label} (${podId}): ${stage} after ${Math.round((now - started) / 1000)} s`);
    }

    const snapshot = pending ?? (await watcher.next(podId, deadline - now));
    pending = undefined;
    if (!snapshot) continue;
    if (snapshot.error) {
      if (isFatalClientError(snapshot.error)) throw snapshot.error;
      lastError = snapshot.error;
      continue;
    }
    let pod = snapshot.pod;
    let podReadAt = snapshot.at;
    if (!pod) {
      // Not in the list: confirm with a direct read before concluding it is gone.
      if (++missing < 2) continue;
      try {
        podReadAt = Date.now();
        pod = await client.getPod(podId, { priority: "background" });
      } catch (e) {
        if (e instanceof RunpodNotFoundError) await fail("gone", "disappeared: it was deleted or terminated outside Pulumi while starting.");
        if (isFatalClientError(e)) throw e;
        lastError = e;
        continue;
      }
    }
    missing = 0;
    lastPod = pod;

    if (pod.status === "ERROR") await fail("error", "went to ERROR while starting.");
    const startGraceMs = options.startedFromStop?.graceMs ?? 60_000;
    if (pod.status === "EXITED" && stillStopped && Date.now() - started < startGraceMs) continue;
    stillStopped = false;
    if (pod.status === "EXITED") await fail("exited", "exited while starting (its container stopped; check the image and start command).");
    if (pod.status === "TERMINATED") await fail("gone", "was terminated while starting.");
    if (pod.status !== "RUNNING") {
      runningSince = undefined;
      resetSeen = true;
      continue;
    }
    runningSince ??= Date.now();

    const direct = pod.ssh?.direct;
    // Nothing the API reports reaches a probe, a command or the config block before it is checked.
    const pathProblems = sshPathProblems({
      host: direct?.host,
      port: direct?.port,
      user: direct?.username,
      proxyUser: pod.ssh?.proxy?.username,
      proxyHost: pod.ssh?.proxy?.host,
    });
    if (pathProblems.length > 0) await fail("error", `has an SSH path this package will not use: ${pathProblems.join("; ")}.`);
    if (!resetSeen && options.changedFrom) {
      const changed = direct && direct.port !== options.changedFrom.port;
      if (!changed && Date.now() - started < (options.changedFrom.graceMs ?? 60_000)) continue;
      resetSeen = true;
    }
    if (direct) {
      if (!waitForSsh) {
        const note =
          `pod ${options.label} (${podId}): waitForSsh is false, so no host key was read and none is pinned; its ` +
          "commands trust the host key on first use (accept-new) instead.";
        return { pod, hostKeys: [], hostKeyNote: note };
      }
      // Probe (no API call) until the banner answers; stay subscribed meanwhile, and look at the next tick
      // as soon as it comes (the status or the port can change after a reset).
      const probeStepMs = Math.min(200, watcher.minIntervalMs / 5);
      const unsubscribe = watcher.subscribe(podId, (s) => {
        pending ??= s;
      });
      try {
        while (!pending && Date.now() < deadline) {
          const banner = await readSshBanner(direct.host, direct.port, Math.min(3000, Math.max(200, deadline - Date.now())));
          lastBanner = `${direct.host}:${direct.port}: ${banner.detail}`;
          if (banner.ok) {
            bannerAt ??= Date.now();
            const readMs = Math.min(5000, Math.max(1000, deadline - Date.now()));
            const read = await readHostKeys(direct.host, direct.port, readMs);
            if (read.keys.length > 0) {
              keysReadAt ??= Date.now();
              const uptime = pod.runtime?.uptime;
              const proof = await proveHostKeys(
                client,
                podId,
                read.keys,
                {
                  waitedMs: Date.now() - keysReadAt,
                  // Bounded by the readiness deadline: a pod whose keys were read is not failed for a missing log.
                  logWaitMs: Math.min(logWaitMs, Math.max(0, deadline - 2000 - keysReadAt)),
                },
                // Only this container's log lines count (an earlier container's block is not this sshd's).
                typeof uptime === "number" ? { uptimeSec: uptime, readAtMs: podReadAt } : undefined,
              );
              const timings = { bannerMs: bannerAt - started, proofMs: Date.now() - keysReadAt };
              if (proof.proof) return { pod, hostKeys: read.keys, hostKeyProof: proof.proof, timings };
              if (proof.disproven) keyProblem = "disproven";
              lastBanner += `, ${proof.detail}`;
              await new Promise((r) => setTimeout(r, Math.max(probeStepMs, 1000)));
              continue;
            }
            if (read.forged) keyProblem = "forged";
            else if (keyProblem === undefined) keyProblem = "unread";
            if (!read.forged && checking !== "pinned" && ++hostKeyFailures >= HOST_KEY_TRIES) {
              const note =
                `the host keys of pod ${options.label} (${podId}) could not be read (${read.detail}). With ` +
                `hostKeyChecking "${checking}" its commands do not use a pinned key; nothing is pinned.`;
              return { pod, hostKeys: [], hostKeyNote: note };
            }
            lastBanner += `, but its host keys could not be read: ${read.detail}`;
          }
          await new Promise((r) => setTimeout(r, probeStepMs));
        }
      } finally {
        unsubscribe();
      }
      continue;
    }
    if (options.allowProxyOnly && pod.ssh?.proxy) {
      // Runpod says outright when 22/tcp got no public port; otherwise give the mapping a grace period.
      const noPublicPort = (pod.runtime?.ports ?? []).some((p) => p.private === 22 && (p.public === null || p.public === undefined));
      if (noPublicPort || Date.now() - runningSince >= graceMs) return { pod, hostKeys: [] };
    }
  }
}
