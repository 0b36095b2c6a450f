/**
 * Start commands (the pod's `args`) for images that do not start sshd themselves, and for password login.
 *
 * Built on Runpod's documented start command for custom images: install openssh-server, `mkdir -p ~/.ssh`,
 * `chmod 700`, append `$PUBLIC_KEY` to `~/.ssh/authorized_keys`, `service ssh start`, then the rest of the
 * original start command in place of `sleep infinity`. Differences:
 * - each key line of `PUBLIC_KEY` / `SSH_PUBLIC_KEY` is added once (restarts do not duplicate it);
 * - password mode sets root's password from a SHA-512 crypt hash (`RUNPOD_SSH_PASSWORD_HASH`; never the
 *   password itself, since Runpod returns env in full) and enables password login;
 * - the user's own start command runs after sshd (or `sleep infinity` when there is none);
 * - once sshd runs it prints its host keys to the container log as Runpod's official start script does
 *   (`SSH host keys:`, then `Key: <path>` and `ssh-keygen -lf <path>` per key), so the pod provider can prove the
 *   key it reads over the network against the log it reads over the API (hostKeyLog.ts);
 * - immune to quoting accidents: the script travels base64-encoded inside the args, and the user's command
 *   is base64-encoded inside the script, so quotes, `$`, newlines and backslashes arrive as written.
 */

/** Env variable carrying the SHA-512 crypt hash of the root password (password mode). */
export const PASSWORD_HASH_ENV = "RUNPOD_SSH_PASSWORD_HASH";

export interface StartScriptOptions {
  /** Install and start sshd (for images without it). */
  installSshd: boolean;
  /** Enable password login for root from `RUNPOD_SSH_PASSWORD_HASH`. */
  passwordLogin: boolean;
  /**
   * What runs after sshd: the user's start command, the image's own `/start.sh` (official Runpod images; it
   * starts sshd, Jupyter and the rest), or nothing (`sleep infinity`).
   */
  then: { command: string } | "image-start" | "sleep";
}

/** Prints the host keys as Runpod's start script does (see the file comment); `SSH host keys:` is hostKeyLog.ts's. */
const HOST_KEY_LINES = [
  'echo "SSH host keys:"',
  'for key in "${RUNPOD_SSH_HOST_KEY_DIR:-/etc/ssh}"/*.pub; do [ -f "$key" ] || continue; echo "Key: $key"; ssh-keygen -lf "$key"; done',
];

/** The bash script that runs in the pod. */
export function startScript(options: StartScriptOptions): string {
  const lines = [
    "#!/bin/bash",
    "# Written by pulumi-runpod-ssh (start command for SSH access).",
    "set -u",
    'log() { echo "[pulumi-runpod-ssh] $*"; }',
    'SSHD_CONFIG="${RUNPOD_SSH_SSHD_CONFIG:-/etc/ssh/sshd_config}"',
  ];
  if (options.installSshd) {
    lines.push(
      'if ! command -v sshd >/dev/null 2>&1; then',
      '  log "installing openssh-server"',
      "  export DEBIAN_FRONTEND=noninteractive",
      '  (apt-get update && apt-get install -y --no-install-recommends openssh-server) || log "could not install openssh-server"',
      "fi",
      'mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh"',
      'touch "$HOME/.ssh/authorized_keys" && chmod 600 "$HOME/.ssh/authorized_keys"',
      'printf "%s\\n" "${PUBLIC_KEY:-}" "${SSH_PUBLIC_KEY:-}" | tr -d "\\r" | while IFS= read -r key; do',
      '  [ -z "$key" ] && continue',
      '  grep -qxF -- "$key" "$HOME/.ssh/authorized_keys" || printf "%s\\n" "$key" >> "$HOME/.ssh/authorized_keys"',
      "done",
    );
  }
  if (options.passwordLogin) {
    lines.push(
      `if [ -n "\${${PASSWORD_HASH_ENV}:-}" ]; then`,
      `  printf "root:%s\\n" "\${${PASSWORD_HASH_ENV}}" | chpasswd -e && log "root password set"`,
      '  if [ -f "$SSHD_CONFIG" ]; then',
      '    sed -i -E "s/^#?[[:space:]]*PasswordAuthentication[[:space:]].*/PasswordAuthentication yes/; s/^#?[[:space:]]*PermitRootLogin[[:space:]].*/PermitRootLogin yes/" "$SSHD_CONFIG"',
      '    grep -q "^PasswordAuthentication yes" "$SSHD_CONFIG" || echo "PasswordAuthentication yes" >> "$SSHD_CONFIG"',
      '    grep -q "^PermitRootLogin yes" "$SSHD_CONFIG" || echo "PermitRootLogin yes" >> "$SSHD_CONFIG"',
      "  fi",
      "else",
      `  log "${PASSWORD_HASH_ENV} is not set; password login stays off"`,
      "fi",
    );
  }
  const startSshd = [
    "mkdir -p /run/sshd 2>/dev/null",
    'service ssh start || /usr/sbin/sshd || log "could not start sshd"',
    ...HOST_KEY_LINES,
  ];
  if (options.then === "image-start") {
    lines.push(
      "if [ -x /start.sh ]; then exec /start.sh; fi",
      ...startSshd,
      "exec sleep infinity",
    );
  } else if (options.then === "sleep") {
    lines.push(...startSshd, "exec sleep infinity");
  } else {
    const encoded = Buffer.from(options.then.command, "utf8").toString("base64");
    lines.push(
      ...startSshd,
      `USER_COMMAND="$(printf "%s" "${encoded}" | base64 -d)"`,
      'log "starting the start command"',
      'exec bash -c "$USER_COMMAND"',
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The pod `args` that run `script`: `bash -c '<decode and run>'`. Only base64 characters travel inside the
 * quotes, so nothing in the script or the user's command can break the quoting.
 */
export function startArgs(script: string): string {
  const encoded = Buffer.from(script, "utf8").toString("base64");
  return `bash -c 'echo ${encoded} | base64 -d > /tmp/pulumi-runpod-ssh-start.sh && exec bash /tmp/pulumi-runpod-ssh-start.sh'`;
}
