/**
 * `LocalKeyFile`: a private key written to a local file at `pulumi up` (mode 0600 in a 0700 directory) and
 * removed on destroy. Used by `SshPod`'s `privateKeyFile`.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../providers/providerShims";

export interface LocalKeyFileArgs {
  /**
   * Where to write the key; `~/` is expanded. Changing it moves the file (delete, then write): a replacement.
   * @replaceOnChange
   */
  path: pulumi.Input<string>;
  /**
   * The private key (OpenSSH format). Kept secret in state; never an output. Changing it rewrites the file in
   * place.
   * @secret
   */
  content: pulumi.Input<string>;
}

/** A private key written to a local file (mode 0600) at `pulumi up`, and removed on destroy. */
export class LocalKeyFile extends pulumi.dynamic.Resource {
  /** The path as given. */
  declare public readonly path: pulumi.Output<string>;
  /** The path with `~` expanded. */
  declare public readonly absolutePath: pulumi.Output<string>;
  /** SHA-256 of the content written (hex), to notice a changed key without keeping the key as an output. */
  declare public readonly contentSha256: pulumi.Output<string>;

  constructor(name: string, args: LocalKeyFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("localKeyFile"),
      name,
      { path: args.path, content: pulumi.secret(args.content), absolutePath: undefined, contentSha256: undefined },
      { ...opts, additionalSecretOutputs: ["content"] },
      "runpod-ssh",
      "LocalKeyFile",
    );
  }
}
