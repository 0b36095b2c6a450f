/**
 * pulumi-runpod-ssh: SSH-ready Runpod pods from one `pulumi up`.
 *
 * - Components: `SshKey`, `SshPod`. Resources: `AccountSshKey`, `Pod`, `PodReadiness`, `LocalKeyFile`,
 *   `SshPassword`.
 * - SSH helpers usable without Pulumi: key parsing, the command builder, the banner check, reading and pinning
 *   a server's host keys.
 * - The plain Runpod v2 client lives at `pulumi-runpod-ssh/client`, so that a Pulumi program loading this
 *   entry point does not load the HTTP and validation libraries it only needs inside the providers.
 */
export { PACKAGE_VERSION } from "./version";
export { parsePublicKey, fingerprintOf, keyIdentity, PublicKeyError, type ParsedPublicKey } from "./ssh/publicKey";
export { readSshBanner } from "./ssh/sshBanner";
export { readHostKeys, knownHostsLine, pinnedHostKey, type HostKeyScan } from "./ssh/hostKeys";
export type { SshPodConnection } from "./ssh/connection";
export { AccountSshKey, type AccountSshKeyArgs } from "./resources/accountSshKey";
export {
  Pod,
  defaultPodName,
  type PodArgs,
  type PodGpuArgs,
  type PodCpuArgs,
  type PodMountsArgs,
  type PodPersistentMountArgs,
  type PodNetworkMountArgs,
  type PodNetworkVolumeArgs,
  type PodCloud,
} from "./resources/pod";
export type { Integer } from "./resources/integer";
export { addProgressSink } from "./providers/progress";
export { SshKey, type SshKeyArgs } from "./components/sshKey";
export { SshPod, type SshPodArgs, type SshdMode } from "./components/sshPod";
export { LocalKeyFile, type LocalKeyFileArgs } from "./resources/localKeyFile";
export { SshPassword, type SshPasswordArgs } from "./resources/sshPassword";
export { NetworkVolume, type NetworkVolumeArgs, type NetworkVolumeType } from "./resources/networkVolume";
export { PodReadiness, type PodReadinessArgs } from "./resources/podReadiness";
export { buildSshCommands, shellQuote, type HostKeyChecking, type SshCommands } from "./ssh/sshCommands";
