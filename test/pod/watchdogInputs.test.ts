/**
 * The watchdog inputs without Pulumi or a pod: durations (a unit required, bounds, clear errors), the check of
 * maxLifetime/idleTimeout/onExpiry/maxSpend (every problem at once), the deadline and `stopsAt`, the env
 * variable, the launcher around each kind of start command (and the emulator's reading of it), what a change
 * does (update in place; a pod its watchdog stopped is left stopped), the stop reason from the log, the WARNINGs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import path from "node:path";
import { readCodeBlocks } from "../engine/markdownBlocks";
import { formatDuration, MAX_DURATION_SECONDS, parseDuration } from "../../sdk/pod/duration";
import { argsWithWatchdog, deadline, watchdogEnvValue, watchdogProblems, watchdogSettings, LIFETIME_BOUNDS } from "../../sdk/pod/podWatchdog";
import { expiryWarning, stopReasonFromLog, stopsAt } from "../../sdk/pod/podExpiry";
import { checkPodSpec } from "../../sdk/pod/podCheck";
import { podChange } from "../../sdk/pod/podDiff";
import { isWatchdogArgs, watchdogArgs } from "../../sdk/ssh/watchdogStart";
import { startArgs, startScript } from "../../sdk/ssh/startScript";
import { innerArgs, unwrapWatchdogArgs } from "../../emulator/podWatchdog";
import { watchdogScript } from "../../sdk/ssh/watchdogScript";

const base = { image: "runpod/base:1.0", gpu: { id: "NVIDIA GeForce RTX 4090" } };
const bounds = { min: 60, max: MAX_DURATION_SECONDS };

test("durations: units s, m, h, d and combinations parse; formatDuration round-trips (property)", () => {
  assert.deepEqual(parseDuration("90s", bounds), { seconds: 90 });
  assert.deepEqual(parseDuration("30m", bounds), { seconds: 1800 });
  assert.deepEqual(parseDuration("2h", bounds), { seconds: 7200 });
  assert.deepEqual(parseDuration("1h30m", bounds), { seconds: 5400 });
  assert.deepEqual(parseDuration(" 1D ", bounds), { seconds: 86_400 });
  fc.assert(
    fc.property(fc.integer({ min: 60, max: MAX_DURATION_SECONDS }), (seconds) => {
      assert.deepEqual(parseDuration(formatDuration(seconds), bounds), { seconds });
    }),
  );
});

test("durations: a bare number is refused with the fix (a unit), whatever the number (property)", () => {
  fc.assert(
    fc.property(fc.nat({ max: 1_000_000 }), (n) => {
      const text = parseDuration(String(n), bounds);
      assert.ok("problem" in text && text.problem.includes("has no unit") && text.problem.includes(`"${n}m"`), JSON.stringify(text));
      const number = parseDuration(n, bounds);
      assert.ok("problem" in number && number.problem.includes(`"${n}m"`), JSON.stringify(number));
    }),
  );
});

test("durations: bounds, unknown units, repeated units and junk each say what is wrong and how to fix it", () => {
  const problem = (text: unknown): string => {
    const r = parseDuration(text, bounds);
    assert.ok("problem" in r, `${String(text)} should be refused`);
    return r.problem;
  };
  assert.match(problem("31d"), /above the maximum of 30d; use at most "30d"/);
  assert.match(problem("30s"), /below the minimum of 1m/);
  assert.match(problem("2w"), /unknown unit "w"; use s \(seconds\), m \(minutes\), h \(hours\) or d \(days\)/);
  assert.match(problem("1h1h"), /gives the unit "h" twice/);
  assert.match(problem("1.5h"), /not a duration; use whole numbers/);
  assert.match(problem("soon"), /not a duration/);
  assert.match(problem(""), /must not be empty/);
  assert.match(problem(true), /must be a duration string/);
  // Over the bound by any amount (property).
  fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), (extra) => assert.match(problem(formatDuration(MAX_DURATION_SECONDS + extra * 60)), /above the maximum/)));
});

test("check: every watchdog problem at once, each naming its input, next to the other inputs' problems", () => {
  const failures = checkPodSpec({ ...base, disk: 0, maxLifetime: "2", idleTimeout: "10y", onExpiry: "delete", maxSpend: -5 });
  const byInput = new Map(failures.map((f) => [f.property, f.reason]));
  assert.match(byInput.get("maxLifetime") ?? "", /^maxLifetime "2" has no unit; write it with one, e\.g\. "2m"/);
  assert.match(byInput.get("idleTimeout") ?? "", /^idleTimeout "10y" uses the unknown unit "y"/);
  assert.match(byInput.get("onExpiry") ?? "", /^onExpiry must be "stop" \(keeps the disk\) or "terminate"/);
  assert.match(byInput.get("maxSpend") ?? "", /^maxSpend must be more than 0/);
  assert.ok(byInput.has("disk"), "the other inputs are still checked");
  assert.deepEqual(checkPodSpec({ ...base, maxLifetime: "2h", idleTimeout: "30m", onExpiry: "terminate", maxSpend: 25 }), []);
  assert.match(watchdogProblems({ onExpiry: "stop" })[0][1], /no limit is: add maxLifetime, idleTimeout or maxSpend/);
  assert.match(watchdogProblems({ maxSpend: "10" })[0][1], /must be a number of US dollars/);
  assert.match(watchdogProblems({ maxSpend: 1e9 })[0][1], /above the maximum/);
});

test("check: the watchdog's env variable counts against Runpod's 50 variables", () => {
  const env = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`V${i}`, "x"]));
  assert.deepEqual(checkPodSpec({ ...base, env }), []);
  const failures = checkPodSpec({ ...base, env, maxLifetime: "1h" });
  assert.match(failures.find((f) => f.property === "env")?.reason ?? "", /adds 2 \(PULUMI_RUNPOD_SSH_OWNER, PULUMI_RUNPOD_WATCHDOG\).*Remove 1/);
});

test("deadline and stopsAt: the earlier of maxLifetime and maxSpend / cost; idleTimeout alone has none", () => {
  const start = Date.parse("2026-01-01T00:00:00Z");
  const both = watchdogSettings({ maxLifetime: "10h", maxSpend: 2 })!;
  assert.deepEqual(deadline(both, start, 0.5)?.reason, "maxSpend", "$2 at $0.50/hr is 4h, before 10h");
  assert.equal(stopsAt(both, start, 0.5), "2026-01-01T04:00:00.000Z");
  assert.equal(stopsAt(both, start, 0.1), "2026-01-01T10:00:00.000Z", "$2 at $0.10/hr is 20h: the lifetime comes first");
  assert.equal(stopsAt(both, start, null), "2026-01-01T10:00:00.000Z", "no cost yet: the lifetime only");
  assert.equal(stopsAt(watchdogSettings({ idleTimeout: "30m" }), start, 1), null);
  assert.equal(watchdogSettings({}), undefined);
  assert.equal(stopsAt(undefined, start, 1), null);
  fc.assert(
    fc.property(fc.integer({ min: 60, max: LIFETIME_BOUNDS.max }), fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.double({ min: 0.05, max: 50, noNaN: true }), (life, spend, cost) => {
      const s = watchdogSettings({ maxLifetime: formatDuration(life), maxSpend: spend })!;
      const due = deadline(s, start, cost)!;
      assert.equal(due.atMs, start + Math.min(life * 1000, Math.floor((spend / cost) * 3600) * 1000));
    }),
  );
});

test("env variable: start, limits, action, cost (maxSpend only) and the API URL, in one variable", () => {
  const s = watchdogSettings({ maxLifetime: "2h", idleTimeout: "30m", maxSpend: 5, onExpiry: "terminate" })!;
  assert.equal(
    watchdogEnvValue(s, 1_700_000_000_500, "http://127.0.0.1:9/", 0.69),
    "start=1700000000;lifetime=7200;idle=1800;expiry=terminate;spend=5;cost=0.69;api=http://127.0.0.1:9",
  );
  assert.equal(watchdogEnvValue(watchdogSettings({ maxLifetime: "1m" })!, 0, "https://api.runpod.io", 0.69), "start=0;lifetime=60;expiry=stop;api=https://api.runpod.io");
});

test("launcher: wraps the image's start, the bootstrap and any args; never twice; the emulator reads back what it wraps (property)", () => {
  const s = watchdogSettings({ maxLifetime: "1h" });
  assert.equal(argsWithWatchdog(undefined, undefined), undefined, "no limit: the start command is untouched");
  assert.equal(argsWithWatchdog("python app.py", undefined), "python app.py");
  const image = argsWithWatchdog(undefined, s)!;
  assert.ok(isWatchdogArgs(image));
  assert.deepEqual(unwrapWatchdogArgs(image), { script: watchdogScript(), inner: null });
  assert.equal(argsWithWatchdog(image, s), image, "not wrapped twice");
  assert.ok(isWatchdogArgs(argsWithWatchdog(undefined, undefined, true)), "kept once installed (a limit removed later)");
  const bootstrap = startArgs(startScript({ installSshd: true, passwordLogin: false, then: "sleep" }));
  assert.equal(innerArgs(argsWithWatchdog(bootstrap, s)!), bootstrap);
  assert.equal(innerArgs("python app.py"), "python app.py");
  assert.equal(innerArgs(null), null);
  fc.assert(
    fc.property(fc.string({ minLength: 1 }).filter((t) => t.trim() !== ""), (inner) => {
      const wrapped = watchdogArgs(inner);
      assert.match(wrapped, /^sh -c 'echo [A-Za-z0-9+/=]+ \| base64 -d > \/tmp\/pulumi-runpod-ssh-watchdog-start\.sh && exec sh \/tmp\/pulumi-runpod-ssh-watchdog-start\.sh'$/);
      assert.equal(unwrapWatchdogArgs(wrapped)?.inner, inner);
    }),
    { numRuns: 50 },
  );
});

test("what a change does: watchdog inputs update in place; a pod its watchdog stopped is not started again until running changes", () => {
  const olds = { ...base, name: "p", status: "RUNNING", maxLifetime: "1h" };
  assert.deepEqual(podChange(olds, { ...base, name: "p", maxLifetime: "2h" }), { replaces: [], updates: ["maxLifetime"] });
  assert.deepEqual(podChange(olds, { ...base, name: "p", maxLifetime: "1h", onExpiry: "stop" }), { replaces: [], updates: [] }, "the default written out");
  assert.deepEqual(podChange({ ...base, name: "p", status: "RUNNING" }, { ...base, name: "p", maxSpend: 3 }).updates, ["maxSpend"]);
  const stoppedByWatchdog = { ...olds, status: "EXITED", stopReason: "maxLifetime" };
  assert.deepEqual(podChange(stoppedByWatchdog, { ...base, name: "p", maxLifetime: "1h" }).updates, [], "left stopped");
  assert.deepEqual(podChange(stoppedByWatchdog, { ...base, name: "p", maxLifetime: "1h", running: false }).updates, ["running"]);
  const stoppedOutside = { ...olds, status: "EXITED", stopReason: null };
  assert.deepEqual(podChange(stoppedOutside, { ...base, name: "p", maxLifetime: "1h" }).updates, ["running"], "stopped outside Pulumi: started as before");
});

test("stop reason: the last `expired:` line of the watchdog; other lines and unknown reasons are not one", () => {
  const p = "[pulumi-runpod-ssh watchdog]";
  assert.equal(stopReasonFromLog([`${p} started`, `${p} expired: reason=idleTimeout action=stop (x)`, "Container stopped"]), "idleTimeout");
  assert.equal(stopReasonFromLog([`${p} expired: reason=maxLifetime action=stop`, `${p} expired: reason=maxSpend action=stop`]), "maxSpend");
  assert.equal(stopReasonFromLog([`${p} expired: reason=bogus`, "expired: reason=maxLifetime"]), null);
  assert.equal(stopReasonFromLog([]), null);
});

test("WARNINGs: stopped by its watchdog (and left stopped), or running past its deadline; none otherwise", () => {
  const at = "2026-01-01T00:00:00.000Z";
  const t = Date.parse(at);
  const pod = { label: "gpu", id: "p1", stopsAt: at, stopReason: null, nowMs: t };
  assert.match(expiryWarning({ ...pod, status: "EXITED", stopReason: "maxLifetime" }) ?? "", /pod gpu \(p1\) was stopped by its watchdog \(maxLifetime\)\. `pulumi up` leaves it stopped/);
  assert.match(expiryWarning({ ...pod, status: "RUNNING", nowMs: t + 3 * 60_000 }) ?? "", /past its deadline \(stopsAt 2026-01-01T00:00:00\.000Z\) and still RUNNING/);
  assert.equal(expiryWarning({ ...pod, status: "RUNNING", nowMs: t + 60_000 }), null, "within the grace of a check interval");
  assert.equal(expiryWarning({ ...pod, status: "EXITED" }), null, "stopped by the user: no warning");
  assert.equal(expiryWarning({ ...pod, status: "RUNNING", stopsAt: null, nowMs: t + 1e9 }), null);
});

test("README: the three lines a user adds to the quickstart are valid inputs that mean what their comments say", () => {
  const readme = path.join(__dirname, "..", "..", "..", "README.md");
  const blocks = readCodeBlocks(readme).filter((b) => b.section.startsWith("Stopping a forgotten pod") && b.lang === "ts");
  assert.equal(blocks.length, 1);
  const lines = blocks[0].text.trim().split("\n");
  assert.equal(lines.length, 3, "three lines");
  const args = Object.fromEntries(
    lines.map((line) => {
      const m = /^\s*(\w+): ("[^"]*"|\d+(?:\.\d+)?),\s*\/\/ .+$/.exec(line);
      assert.ok(m, `"${line}" is one input with a comment`);
      return [m[1], JSON.parse(m[2]) as unknown];
    }),
  );
  const quickstart = readCodeBlocks(readme).find((b) => b.section === "Quickstart (TypeScript)" && b.lang === "ts")!;
  assert.match(quickstart.text, /new SshPod\("trainer", \{/, "the lines go into the quickstart's SshPod arguments");
  assert.deepEqual(checkPodSpec({ ...base, ...args }), []);
  const s = watchdogSettings(args)!;
  assert.deepEqual([s.lifetimeSeconds, s.idleSeconds, s.maxSpend, s.onExpiry], [8 * 3600, 45 * 60, 20, "stop"]);
});
