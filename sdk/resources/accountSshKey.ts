/**
 * `AccountSshKey`: one SSH public key registered on the Runpod account ("SSH Public Keys" in the account
 * settings), without ever losing anybody else's key; removed (only it) on destroy.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../providers/providerShims";

export interface AccountSshKeyArgs {
  /**
   * The OpenSSH public key line, e.g. the contents of `~/.ssh/id_ed25519.pub` or a `tls.PrivateKey`'s
   * `publicKeyOpenssh`. Validated at preview: a fingerprint, a key without its type, several keys, a private
   * key, PuTTY text, authorized_keys options, a key OpenSSH would not load (cut, damaged, or too small) or a
   * control character in the line are refused with a message saying how to fix it; CRLF and surrounding
   * whitespace are normalized. Changing it to a different key replaces the resource.
   * @replaceOnChange
   */
  publicKey: pulumi.Input<string>;
  /**
   * Label stored after the key on the account (replaces the key's own comment), e.g. `ci@my-stack`.
   * Default: the key's own comment. A short mark `pulumi:<hash of this resource's URN>` follows it, so the
   * account's key list shows which keys a stack manages. Changing it updates the line in place; when the key
   * was already on the account in somebody else's line (`alreadyPresent`), that line is never rewritten and the
   * new comment is only recorded.
   */
  comment?: pulumi.Input<string>;
}

/** A public key registered on the Runpod account. */
export class AccountSshKey extends pulumi.dynamic.Resource {
  /** The key as given, normalized (`type base64 [comment]`). */
  declare public readonly publicKey: pulumi.Output<string>;
  /**
   * The line that carries the key on the account: the one this resource registered, or, when the key was
   * already there, somebody else's line as it was when this resource was created.
   */
  declare public readonly registeredKey: pulumi.Output<string>;
  /** The key type, e.g. `ssh-ed25519`. */
  declare public readonly keyType: pulumi.Output<string>;
  /** `SHA256:...` fingerprint, as `ssh-keygen -lf` prints it. Also the resource id. */
  declare public readonly fingerprint: pulumi.Output<string>;
  /**
   * True when the key was already registered in somebody else's line before this resource: that line is then
   * never modified, and left there on destroy.
   */
  declare public readonly alreadyPresent: pulumi.Output<boolean>;

  constructor(name: string, args: AccountSshKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("accountSshKey"),
      name,
      {
        publicKey: args.publicKey,
        comment: args.comment,
        ownerTag: pulumi.createUrn(name, "pulumi-nodejs:dynamic/runpod-ssh:AccountSshKey", opts?.parent),
        registeredKey: undefined,
        keyType: undefined,
        fingerprint: undefined,
        alreadyPresent: undefined,
      },
      opts,
      "runpod-ssh",
      "AccountSshKey",
    );
  }
}
