/**
 * The watchdog that runs inside a pod (POSIX `sh`, started by the launcher in watchdogStart.ts): it stops (or
 * terminates) the pod itself, through the v2 API with the pod-scoped `RUNPOD_API_KEY` Runpod gives every pod,
 * when the pod is past its lifetime or spend deadline, or idle for too long. It never relies on anything
 * outside the pod staying up: no Pulumi, no laptop.
 *
 * - Configuration: one env variable, `PULUMI_RUNPOD_WATCHDOG` (`start=…;lifetime=…;idle=…;expiry=…;spend=…;
 *   cost=…;api=…`, written by the Pod provider, podWatchdog.ts). `start` is the pod's start in epoch seconds as
 *   the provider set it, so a container restart (same env) continues the countdown instead of starting over.
 * - Clock: the container's clock may be wrong. The watchdog reads the API server's `Date` header (any answer
 *   carries one, a refusal too) at start, every ~10 minutes and again before it acts, and counts time on that
 *   clock; without an answer it uses its own and says so.
 * - Idle: no established TCP connection on the SSH port (`/proc/net/tcp`, `/proc/net/tcp6`) and every GPU under
 *   the threshold (`nvidia-smi`; without it, SSH sessions alone decide, and it says so), for `idle` seconds.
 * - Acting: `POST {api}/v2/pods/{RUNPOD_POD_ID}/action {"action":"stop"|"terminate"}`; 200/204 done, 409 (not
 *   valid now: already stopping) done; anything else, or no answer, is logged with the reason and retried with
 *   backoff (5 s doubling to 60 s) until it succeeds: never a silent no-op.
 * - Tools: `sh`, `awk`, `sed`, `tr`, `base64`, `date`, and `curl` or `wget` (installed with apt-get when both are
 *   missing and apt-get exists). Its lines go to the container log, prefixed `[pulumi-runpod-ssh watchdog]`.
 *
 * Test hooks (set only by the emulator): `PULUMI_RUNPOD_WATCHDOG_TIME_SCALE` (a whole number: time passes that
 * many times faster), `PULUMI_RUNPOD_WATCHDOG_SSH_PORT` (the port sshd listens on, default 22),
 * `PULUMI_RUNPOD_WATCHDOG_DIR` (its pid file, default /tmp), `PULUMI_RUNPOD_WATCHDOG_PARENT_PID` (exit with it).
 */

/** The env variable that carries the watchdog's configuration. */
export const WATCHDOG_ENV = "PULUMI_RUNPOD_WATCHDOG";
/** Prefix of every line the watchdog writes (the provider reads `expired: reason=<name>` from the pod log). */
export const WATCHDOG_LOG_PREFIX = "[pulumi-runpod-ssh watchdog]";
/** GPU utilisation (percent, the busiest GPU) under which the GPU counts as idle. */
export const IDLE_GPU_PERCENT = 5;

/** The watchdog script (POSIX sh). */
export function watchdogScript(): string {
  return `#!/bin/sh
# Written by pulumi-runpod-ssh: the pod's watchdog (maxLifetime, idleTimeout, maxSpend). See docs/watchdog.md.
log() { echo "${WATCHDOG_LOG_PREFIX} $*"; }
conf="\${${WATCHDOG_ENV}:-}"
if [ -z "$conf" ]; then log "${WATCHDOG_ENV} is not set: no limit to enforce, exiting"; exit 0; fi
field() { printf '%s\\n' "$conf" | tr ';' '\\n' | sed -n "s/^$1=//p" | head -n 1; }
int_or() { case "$1" in ''|*[!0-9]*) echo "$2" ;; *) echo "$1" ;; esac; }
start=$(int_or "$(field start)" 0)
lifetime=$(int_or "$(field lifetime)" 0)
idle=$(int_or "$(field idle)" 0)
expiry=$(field expiry); [ "$expiry" = terminate ] || expiry=stop
spend=$(field spend); cost=$(field cost)
api=$(field api); api=\${api:-\${RUNPOD_API_URL:-https://api.runpod.io}}; api=\${api%/}
scale=$(int_or "\${PULUMI_RUNPOD_WATCHDOG_TIME_SCALE:-1}" 1); [ "$scale" -ge 1 ] || scale=1
ssh_port=$(int_or "\${PULUMI_RUNPOD_WATCHDOG_SSH_PORT:-22}" 22)
pod="\${RUNPOD_POD_ID:-}"; key="\${RUNPOD_API_KEY:-}"
scaled() { v=$(( $1 / scale )); [ "$v" -ge 1 ] || v=1; echo "$v"; }
interval=$(scaled 30)
wdir="\${PULUMI_RUNPOD_WATCHDOG_DIR:-/tmp}"
pidfile="$wdir/pulumi-runpod-ssh-watchdog.pid"
errfile="$wdir/pulumi-runpod-ssh-watchdog.err"
parent="\${PULUMI_RUNPOD_WATCHDOG_PARENT_PID:-}"
# Emulator only: end with the emulator.
alive() { [ -z "$parent" ] || kill -0 "$parent" 2>/dev/null || { rm -f "$pidfile"; exit 0; }; }
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then log "already running (pid $(cat "$pidfile")), exiting"; exit 0; fi
echo $$ > "$pidfile"

if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    log "neither curl nor wget found: installing curl with apt-get"
    (DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates) >/dev/null 2>&1 || log "could not install curl"
  fi
  command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 || log "ERROR: neither curl nor wget is available: the watchdog cannot call the API, so it cannot stop this pod; add curl to the image"
fi

# Epoch seconds from an HTTP Date header ("Sat, 05 Dec 2026 04:55:16 GMT"), portable awk (no GNU date -d).
http_date_epoch() {
  awk '{ m = (index("JanFebMarAprMayJunJulAugSepOctNovDec", $3) + 2) / 3; y = $4 + 0; d = $2 + 0
    if (m < 1 || y < 1970) exit 1
    if (m <= 2) y -= 1
    era = int(y / 400); yoe = y - era * 400; mp = (m + 9) % 12
    doy = int((153 * mp + 2) / 5) + d - 1; doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    split($5, t, ":"); print (era * 146097 + doe - 719468) * 86400 + t[1] * 3600 + t[2] * 60 + t[3] }'
}
# The API server's clock (epoch seconds), empty when it does not answer.
server_clock() {
  if command -v curl >/dev/null 2>&1; then
    hdr=$(curl -sS -m 10 -o /dev/null -D - -H "Authorization: Bearer $key" "$api/v2/pods/$pod" 2>/dev/null | tr -d '\\r' | sed -n 's/^[Dd][Aa][Tt][Ee]: *//p' | head -n 1)
  else
    hdr=$(wget -S -q -T 10 -O /dev/null --header="Authorization: Bearer $key" "$api/v2/pods/$pod" 2>&1 | tr -d '\\r' | sed -n 's/^ *[Dd][Aa][Tt][Ee]: *//p' | head -n 1)
  fi
  [ -n "$hdr" ] && printf '%s\\n' "$hdr" | http_date_epoch
}
offset=0
measure_clock() {
  local_before=$(date +%s); server=$(server_clock); local_after=$(date +%s)
  if [ -z "$server" ]; then log "could not read the API's clock ($api unreachable); counting on this container's clock"; return; fi
  new=$(( server - (local_before + local_after) / 2 ))
  # The Date header has 1 s resolution: ignore differences of 2 s or less.
  if [ "$new" -gt 2 ] || [ "$new" -lt -2 ]; then
    [ "$new" = "$offset" ] || log "this container's clock is off by $(( -new )) s from the API's; counting on the API's clock"
    offset=$new
  else
    offset=0
  fi
}
now() { echo $(( $(date +%s) + offset )); }

# Established TCP connections on the SSH port (both address families).
ssh_sessions() {
  hex=$(printf '%04X' "$ssh_port")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$hex" '$4 == "01" && substr($2, length($2) - 4) == p { n++ } END { print n + 0 }'
}
have_gpu_tool=yes
gpu_util() {
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    [ "$have_gpu_tool" = yes ] && log "nvidia-smi not found: idle means no SSH session only"
    have_gpu_tool=no; echo 0; return
  fi
  nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits 2>/dev/null | awk 'BEGIN { m = 0 } { v = $1 + 0; if (v > m) m = v } END { print m }'
}

# POST the action; prints the HTTP status (000: no answer) and leaves the error text in $call_error.
call_action() {
  body="{\\"action\\":\\"$1\\"}"
  if command -v curl >/dev/null 2>&1; then
    code=$(curl -sS -m 30 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$body" "$api/v2/pods/$pod/action" 2>"$errfile")
  elif command -v wget >/dev/null 2>&1; then
    code=$(wget -S -q -T 30 -O /dev/null --header="Authorization: Bearer $key" --header='Content-Type: application/json' --post-data="$body" "$api/v2/pods/$pod/action" 2>&1 | awk '/^ *HTTP\\// { c = $2 } END { print c + 0 }')
    : > "$errfile"
  else
    echo "neither curl nor wget in the image" > "$errfile"; code=000
  fi
  call_error=$(tr '\\n' ' ' < "$errfile" 2>/dev/null)
  case "$code" in ''|0) code=000 ;; esac
  echo "$code"
}

expire() {
  reason=$1; detail=$2
  log "expired: reason=$reason action=$expiry ($detail)"
  delay=$(scaled 5); cap=$(scaled 60); attempt=0
  while :; do
    attempt=$((attempt + 1))
    if [ -z "$pod" ] || [ -z "$key" ]; then
      log "ERROR: RUNPOD_POD_ID or RUNPOD_API_KEY is not set in this container: cannot $expiry the pod; retrying in \${delay}s (stop it by hand)"
    else
      code=$(call_action "$expiry")
      call_error=$(tr '\\n' ' ' < "$errfile" 2>/dev/null)
      case "$code" in
        200|204) log "pod $pod: $expiry requested (reason=$reason, attempt $attempt)"; rm -f "$pidfile"; exit 0 ;;
        409) log "pod $pod: the API answered 409 ($expiry not valid now: already stopping or stopped)"; rm -f "$pidfile"; exit 0 ;;
        000) log "attempt $attempt: the Runpod API at $api did not answer ($call_error); retrying in \${delay}s" ;;
        401|403) log "attempt $attempt: the API refused the pod-scoped key (HTTP $code); retrying in \${delay}s" ;;
        *) log "attempt $attempt: the API answered HTTP $code; retrying in \${delay}s" ;;
      esac
    fi
    sleep "$delay"; alive
    delay=$((delay * 2)); [ "$delay" -le "$cap" ] || delay=$cap
  done
}

measure_clock
spend_secs=0
if [ -n "$spend" ]; then
  if [ -n "$cost" ] && awk -v c="$cost" 'BEGIN { exit !(c > 0) }'; then
    spend_secs=$(awk -v s="$spend" -v c="$cost" 'BEGIN { printf "%d", s / c * 3600 }')
  else
    log "maxSpend is set but the pod's cost per hour is not known yet: only the other limits apply until it is"
  fi
fi
hard=0; hard_reason=""
if [ "$lifetime" -gt 0 ]; then hard=$lifetime; hard_reason=maxLifetime; fi
if [ "$spend_secs" -gt 0 ] && { [ "$hard" -eq 0 ] || [ "$spend_secs" -lt "$hard" ]; }; then hard=$spend_secs; hard_reason=maxSpend; fi
[ "$start" -gt 0 ] || start=$(now)
log "started for pod \${pod:-?}: $expiry $( [ "$hard" -gt 0 ] && echo "at $hard s after start ($hard_reason)" ) $( [ "$idle" -gt 0 ] && echo "after $idle s idle" ); checks every \${interval}s"
last_active=$(now)
checks=0
while :; do
  t=$(now)
  if [ "$hard" -gt 0 ] && [ $(( (t - start) * scale )) -ge "$hard" ]; then
    measure_clock; t=$(now)
    if [ $(( (t - start) * scale )) -ge "$hard" ]; then
      expire "$hard_reason" "$(( (t - start) * scale )) s since the pod's start, limit $hard s"
    fi
  fi
  if [ "$idle" -gt 0 ]; then
    sessions=$(ssh_sessions); util=$(gpu_util)
    if [ "$sessions" -gt 0 ] || [ "$util" -ge ${IDLE_GPU_PERCENT} ]; then
      last_active=$t
    elif [ $(( (t - last_active) * scale )) -ge "$idle" ]; then
      expire idleTimeout "no SSH session and GPU under ${IDLE_GPU_PERCENT}% for $(( (t - last_active) * scale )) s, limit $idle s"
    fi
  fi
  checks=$((checks + 1))
  if [ $((checks % 20)) -eq 0 ]; then measure_clock; fi
  sleep "$interval"; alive
done
`;
}
