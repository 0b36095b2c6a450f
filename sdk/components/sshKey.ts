/**
 * `SshKey`: the key pods are reached with. An ED25519 key generated declaratively with `@pulumi/tls` (the
 * private half is a Pulumi secret), or a public key you bring; optionally registered on the Runpod account.
 * One `SshKey` can serve a whole fleet of `SshPod`s.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as tlsTypes from "@pulumi/tls";
import { AccountSshKey } from "../resources/accountSshKey";
import { LocalKeyFile } from "../resources/localKeyFile";
import { parsePublicKey } from "../ssh/publicKey";

export interface SshKeyArgs {
  /**
   * A public key you already have (one OpenSSH line, e.g. the contents of `~/.ssh/id_ed25519.pub`), validated
   * like `AccountSshKey.publicKey`. Default: a new ED25519 key generated with `@pulumi/tls`, whose private half
   * is available as the secret output `privateKeyOpenssh`. Changing it replaces the key (and the pods using it).
   */
  publicKey?: pulumi.Input<string>;
  /**
   * Register the key in the Runpod account's "SSH Public Keys" (removed again on destroy), so that pods created
   * with `startSsh` and Runpod's proxy accept it. Default true. Changing it adds or removes the registration.
   */
  registerOnAccount?: boolean;
  /** Label stored with the key on the account. Default `pulumi-runpod-ssh:<project>/<stack>/<name>`. Updates in place. */
  comment?: pulumi.Input<string>;
  /**
   * Write the generated private key to this file at `pulumi up` (mode 0600, in a 0700 directory; `~/` is
   * expanded) and remove it on destroy. Only for a generated key. Default: not written; read the key with
   * `pulumi stack output --show-secrets`. Changing it moves the file.
   */
  privateKeyFile?: string;
}

/** An SSH key for Runpod pods. */
export class SshKey extends pulumi.ComponentResource {
  /** The public key, one OpenSSH line. */
  public readonly publicKeyOpenssh: pulumi.Output<string>;
  /** The private key in OpenSSH format (secret); undefined when you brought your own public key. */
  public readonly privateKeyOpenssh: pulumi.Output<string | undefined>;
  /** `SHA256:...` fingerprint, as `ssh-keygen -lf` prints it. */
  public readonly fingerprint: pulumi.Output<string>;
  /** True when this component generated the key (so `privateKeyOpenssh` is set). */
  public readonly generated: boolean;
  /** The account registration, when `registerOnAccount` is true. Pods depend on it so they are created after it. */
  public readonly accountKey: AccountSshKey | undefined;
  /** Where the private key is written (`privateKeyFile`), or undefined. */
  public readonly privateKeyFile: string | undefined;
  /** The file resource writing the private key, when `privateKeyFile` is set. */
  public readonly privateKeyFileResource: LocalKeyFile | undefined;

  constructor(name: string, args: SshKeyArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("runpod-ssh:index:SshKey", name, {}, opts);
    if (args.registerOnAccount !== undefined && typeof args.registerOnAccount !== "boolean") {
      throw new Error(`SshKey "${name}": registerOnAccount must be true or false, got ${typeof args.registerOnAccount}.`);
    }
    const parent = { parent: this };
    this.generated = args.publicKey === undefined;
    if (args.privateKeyFile !== undefined) {
      if (typeof args.privateKeyFile !== "string" || args.privateKeyFile.trim() === "" || args.privateKeyFile.endsWith("/")) {
        throw new Error(`SshKey "${name}": privateKeyFile must be a file path such as ~/.ssh/runpod-trainer.`);
      }
      if (!this.generated) {
        throw new Error(`SshKey "${name}": privateKeyFile needs a generated key; with publicKey given, you already hold the private key.`);
      }
    }
    this.privateKeyFile = args.privateKeyFile;
    let publicKey: pulumi.Output<string>;
    if (this.generated) {
      // Loaded only when a key is generated: keeps `require("pulumi-runpod-ssh")` light.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const tls = require("@pulumi/tls") as typeof tlsTypes;
      const key = new tls.PrivateKey(`${name}-ed25519`, { algorithm: "ED25519" }, parent);
      publicKey = key.publicKeyOpenssh.apply((k) => k.trim());
      this.privateKeyOpenssh = pulumi.secret(key.privateKeyOpenssh);
    } else {
      // Validated here too, so a bad key fails the preview even when it is not registered on the account.
      publicKey = pulumi.output(args.publicKey!).apply((k) => parsePublicKey(k, `SshKey "${name}": publicKey`).line);
      this.privateKeyOpenssh = pulumi.output(undefined);
    }
    this.publicKeyOpenssh = publicKey;
    this.fingerprint = publicKey.apply((k) => parsePublicKey(k).fingerprint);
    this.accountKey =
      args.registerOnAccount === false
        ? undefined
        : new AccountSshKey(
            `${name}-account`,
            {
              publicKey,
              comment: args.comment ?? `pulumi-runpod-ssh:${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            },
            parent,
          );
    this.privateKeyFileResource =
      args.privateKeyFile !== undefined
        ? new LocalKeyFile(`${name}-private-key-file`, { path: args.privateKeyFile, content: this.privateKeyOpenssh.apply((k) => k ?? "") }, parent)
        : undefined;
    this.registerOutputs({
      publicKeyOpenssh: this.publicKeyOpenssh,
      privateKeyOpenssh: this.privateKeyOpenssh,
      fingerprint: this.fingerprint,
    });
  }
}
