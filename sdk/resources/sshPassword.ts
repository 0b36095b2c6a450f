/**
 * `SshPassword`: a random root password for password-mode pods (secret), made once and kept in state, with
 * the SHA-512 crypt hash that is set in the pod.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../providers/providerShims";
import type { Integer } from "./integer";

export interface SshPasswordArgs {
  /**
   * Length of the password, 16 to 128. Default 24 (about 140 bits). Changing it makes a new password (a
   * replacement).
   * @replaceOnChange
   */
  length?: pulumi.Input<Integer>;
}

/** A random root password for password-mode pods, made once and kept in state as a secret. */
export class SshPassword extends pulumi.dynamic.Resource {
  /**
   * The password (secret).
   * @secret
   */
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
