/**
 * pulumi-runpod-ssh: SSH-ready Runpod pods from one `pulumi up`.
 *
 * - Pulumi resources: `AccountSshKey` (a key on the Runpod account) and `Pod` (a pod that accepts SSH).
 * - The plain Runpod v2 client (`RunpodClient`) and SSH key helpers, usable without Pulumi.
 */
export * from "./runpod";
export { PACKAGE_VERSION } from "./version";
export { parsePublicKey, fingerprintOf, keyIdentity, PublicKeyError, type ParsedPublicKey } from "./ssh/publicKey";
export { readSshBanner } from "./ssh/sshBanner";
export { AccountSshKey, type AccountSshKeyArgs } from "./resources/accountSshKey";
export { Pod, defaultPodName, type PodArgs, type PodGpuArgs, type PodCpuArgs, type PodMountsArgs } from "./resources/pod";
export { addProgressSink } from "./providers/progress";
export { SshKey, type SshKeyArgs } from "./components/sshKey";
export { SshPod, type SshPodArgs, type SshdMode } from "./components/sshPod";
export { LocalKeyFile, type LocalKeyFileArgs } from "./resources/localKeyFile";
export { SshPassword, type SshPasswordArgs } from "./resources/sshPassword";
export { buildSshCommands, shellQuote, type HostKeyChecking, type SshCommands } from "./ssh/sshCommands";
