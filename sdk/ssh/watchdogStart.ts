/**
 * How the watchdog (watchdogScript.ts) gets started in a pod: the pod's start command (`args`) becomes a small
 * launcher that writes the watchdog to /tmp, starts it in the background (its lines go to the container log),
 * then hands over to what would have run without it:
 * - image mode, no `args`: the image's own `/start.sh` (Runpod's images: sshd, Jupyter, ...), else `sleep infinity`;
 * - bootstrap mode (sshdMode: "bootstrap", passwordLogin) or your own `args`: that start command, run with `sh -c`.
 * A container restart runs the launcher again, and the watchdog continues the countdown from the pod's start
 * (in its env). The launcher and the command it wraps travel base64-encoded, so no quoting can break.
 */
import { watchdogScript } from "./watchdogScript";

/** The file the launcher is written to in the pod (the emulator recognises the wrapper by it). */
export const WATCHDOG_LAUNCHER = "/tmp/pulumi-runpod-ssh-watchdog-start.sh";

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** The launcher script (POSIX sh). `inner`: the start command it hands over to; undefined for the image's own. */
export function watchdogLauncher(inner: string | undefined): string {
  return [
    "#!/bin/sh",
    "# Written by pulumi-runpod-ssh: starts the pod's watchdog, then the pod's start command. See docs/watchdog.md.",
    `WATCHDOG_SCRIPT_B64='${b64(watchdogScript())}'`,
    `INNER_ARGS_B64='${inner !== undefined && inner.trim() !== "" ? b64(inner) : ""}'`,
    'printf "%s" "$WATCHDOG_SCRIPT_B64" | base64 -d > /tmp/pulumi-runpod-ssh-watchdog.sh',
    "sh /tmp/pulumi-runpod-ssh-watchdog.sh &",
    'if [ -n "$INNER_ARGS_B64" ]; then exec sh -c "$(printf "%s" "$INNER_ARGS_B64" | base64 -d)"; fi',
    "if [ -x /start.sh ]; then exec /start.sh; fi",
    'echo "[pulumi-runpod-ssh watchdog] no /start.sh in this image and no args: the container only sleeps"',
    "exec sleep infinity",
    "",
  ].join("\n");
}

/** The pod `args` that run the launcher around `inner` (the start command that would run without a watchdog). */
export function watchdogArgs(inner: string | undefined): string {
  return `sh -c 'echo ${b64(watchdogLauncher(inner))} | base64 -d > ${WATCHDOG_LAUNCHER} && exec sh ${WATCHDOG_LAUNCHER}'`;
}

/** True when `args` is a watchdog launcher (so a later update keeps it rather than stacking another). */
export function isWatchdogArgs(args: string | undefined | null): boolean {
  return typeof args === "string" && args.includes(WATCHDOG_LAUNCHER);
}
