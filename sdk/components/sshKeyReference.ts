/**
 * `SshKeyReference`: an `SshKey` created elsewhere, read back from the engine by its URN. The provider plugin
 * constructs each component in its own `construct` call, so when a Python, Go or YAML program passes one `SshKey`
 * to several `SshPod`s (a fleet), the SshPod receives the key as a resource reference; this class rehydrates it
 * (Pulumi's `urn` resource option: outputs come from the engine, nothing is created) and gives the SshPod what
 * it uses of a key (PodKey).
 *
 * No account-registration dependency is needed: the referenced key's `construct` returned, so its children (the
 * account registration included) were created, before any program could pass the reference on.
 *
 * Secrets: the engine hands back the referenced key's `privateKeyOpenssh` as a secret, and every output derived
 * from it is a secret too. The pods' outputs must only depend on it where they carry the key (`connection`):
 * whether a key was generated is not secret (a TypeScript `SshKey` knows it as a plain boolean), so it is read
 * without the secret mark, and nothing else of the key reaches the commands.
 */
import * as pulumi from "@pulumi/pulumi";
import { defaultIdentityFile, type PodKey } from "./sshKey";

export class SshKeyReference extends pulumi.ComponentResource implements PodKey {
  declare readonly publicKeyOpenssh: pulumi.Output<string>;
  declare readonly privateKeyOpenssh: pulumi.Output<string | undefined>;
  declare readonly fingerprint: pulumi.Output<string>;
  /** The referenced key's `privateKeyFile`, as it registered it. */
  declare readonly privateKeyFile: pulumi.Output<string | undefined>;

  constructor(name: string, urn: string) {
    const outputs = {
      publicKeyOpenssh: undefined,
      privateKeyOpenssh: undefined,
      fingerprint: undefined,
      privateKeyFile: undefined,
    };
    super("runpod-ssh:index:SshKey", name, outputs, { urn });
  }

  /** Whether the referenced key was generated (holds a private key): not a secret, unlike the key itself. */
  get generated(): pulumi.Output<boolean> {
    return pulumi.unsecret(this.privateKeyOpenssh.apply((privateKey) => privateKey !== undefined && privateKey !== null));
  }

  /**
   * The referenced key's file: a generated key always registers one (written there unless it was told not to); a
   * key brought as a public key registers none. Read from `privateKeyFile` alone, never from the secret private
   * key, so the commands built from it stay plain outputs.
   */
  podIdentityFile(podName: string): pulumi.Output<string> {
    return this.privateKeyFile.apply((file) => defaultIdentityFile(file ?? undefined, false, podName));
  }
}
