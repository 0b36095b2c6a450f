/**
 * `SshPassword`: a random root password for password-mode pods (secret), made once and kept in state, with
 * the SHA-512 crypt hash that is set in the pod.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../providers/providerShims";

export interface SshPasswordArgs {
  /** Length of the password. Default 24 (about 140 bits). Changing it makes a new password. */
  length?: pulumi.Input<number>;
}

export class SshPassword extends pulumi.dynamic.Resource {
  /** The password (secret). */
  declare public readonly password: pulumi.Output<string>;
  /** Its SHA-512 crypt hash (`$6$...`), safe to put in the pod's env. */
  declare public readonly hash: pulumi.Output<string>;

  constructor(name: string, args: SshPasswordArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("password"),
      name,
      { length: args.length ?? 24, password: undefined, hash: undefined },
      { ...opts, additionalSecretOutputs: ["password"] },
      "runpod-ssh",
      "SshPassword",
    );
  }
}
