/**
 * What a pod's start script does, as the emulator models it (pods.ts): whether it prints the host keys to the log,
 * and which keys its sshd authorizes.
 */
import type { PodConfig } from "./podRules";
import type { SshMode } from "./types";

/**
 * Whether the pod's start script prints its host keys to the log once sshd runs (`SSH host keys:`, then
 * `Key: <path>` and `ssh-keygen -lf` per key): Runpod's official images (`runpod/*`, their /start.sh) and this
 * package's bootstrap (`args` running pulumi-runpod-ssh-start.sh). Other images print nothing.
 */
export function printsHostKeys(config: Pick<PodConfig, "image" | "args">): boolean {
  if (config.args !== null && config.args.includes(BOOTSTRAP_MARKER)) return true;
  return config.args === null && /^(docker\.io\/)?runpod\//.test(config.image);
}

/** What this package's start command (sdk/ssh/startScript.ts `startArgs`) writes and runs. */
const BOOTSTRAP_MARKER = "pulumi-runpod-ssh-start.sh";

/** The keys sshd would authorize for this env, or why the start script would not start sshd. */
export function sshdKeysFor(env: Readonly<Record<string, string>>, mode: SshMode): { keys: string } | { reason: string } {
  const present = (name: string): string | undefined => {
    const value = env[name];
    return value !== undefined && value.trim() !== "" ? value : undefined;
  };
  if (mode === "override") {
    const keys = present("SSH_PUBLIC_KEY") ?? present("PUBLIC_KEY");
    return keys ? { keys } : { reason: "SSH_PUBLIC_KEY and PUBLIC_KEY not set, not starting sshd" };
  }
  const keys = present("PUBLIC_KEY");
  return keys ? { keys } : { reason: "PUBLIC_KEY not set, not starting sshd" };
}
