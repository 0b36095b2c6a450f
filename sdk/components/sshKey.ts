/**
 * `SshKey`: the key pods are reached with. An ED25519 key generated declaratively with `@pulumi/tls` (the
 * private half is a Pulumi secret, and written to a 0600 file at `pulumi up` unless told not to), or a public key
 * you bring; optionally registered on the Runpod account. One `SshKey` can serve a whole fleet of `SshPod`s.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as tlsTypes from "@pulumi/tls";
import type { AccountSshKey } from "../resources/accountSshKey";
import type { LocalKeyFile } from "../resources/localKeyFile";
import { childResourceClasses } from "./childResources";
import { parsePublicKey, PublicKeyError, type ParsedPublicKey } from "../ssh/publicKey";
import { describe } from "../pod/checkFailure";
import { podNameFor } from "../pod/podName";
import { InputProblems } from "./inputProblems";

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
   * Where the generated private key is written at `pulumi up` (mode 0600, in a 0700 directory; `~/` is expanded),
   * on the machine that runs it, and removed on destroy. The pods sharing this key point their commands at it
   * (their `identityFile`). Default `~/.ssh/runpod-<project>-<stack>-<name>`. A file there that holds another
   * key is never overwritten (`pulumi up` fails and says so). Only for a generated key. Changing it moves the file.
   */
  privateKeyFile?: string;
  /**
   * Write the generated private key to `privateKeyFile` (default true). false: nothing is written; the pods'
   * commands still point at `privateKeyFile`, so save the key there yourself, e.g. on another machine:
   * `pulumi stack output --show-secrets privateKeyOpenssh > <file> && chmod 600 <file>`. Only for a generated
   * key. Changing it writes or removes the file.
   */
  writePrivateKeyFile?: boolean;
}

/** Parses `publicKey`, recording the problem when it is not a usable key. */
function checkPublicKey(key: unknown, problems: InputProblems): ParsedPublicKey | undefined {
  try {
    return parsePublicKey(key as string, "publicKey");
  } catch (e) {
    if (!(e instanceof PublicKeyError)) throw e;
    problems.add("publicKey", e.problem);
    return undefined;
  }
}

/** Every invalid plain input at once, at construction (so at preview). */
function validate(name: string, args: SshKeyArgs): void {
  const problems = new InputProblems(`SshKey "${name}"`);
  if (args.registerOnAccount !== undefined && typeof args.registerOnAccount !== "boolean") {
    problems.add("registerOnAccount", `registerOnAccount must be true or false, got ${describe(args.registerOnAccount)}.`);
  }
  if (typeof args.publicKey === "string") checkPublicKey(args.publicKey, problems);
  else if (args.publicKey !== undefined && !pulumi.Output.isInstance(args.publicKey) && !(args.publicKey instanceof Promise)) {
    problems.add("publicKey", `publicKey must be one OpenSSH public key line (a string), got ${describe(args.publicKey)}.`);
  }
  if (typeof args.comment === "string") {
    if (/[\p{Cc}\u2028\u2029]/u.test(args.comment)) {
      problems.add("comment", "comment must be one line of plain text; remove the line break or control character.");
    } else if (args.comment.length > MAX_COMMENT_LENGTH) {
      problems.add("comment", `comment is ${args.comment.length} characters long; keep it to at most ${MAX_COMMENT_LENGTH}.`);
    }
  }
  if (args.writePrivateKeyFile !== undefined && typeof args.writePrivateKeyFile !== "boolean") {
    problems.add("writePrivateKeyFile", `writePrivateKeyFile must be true or false, got ${describe(args.writePrivateKeyFile)}.`);
  } else if (args.writePrivateKeyFile === true && args.publicKey !== undefined) {
    problems.add(
      "writePrivateKeyFile",
      "writePrivateKeyFile needs a generated key; with publicKey given, you already hold the private key. Remove one of them.",
    );
  }
  if (args.privateKeyFile !== undefined) {
    if (typeof args.privateKeyFile !== "string" || args.privateKeyFile.trim() === "" || args.privateKeyFile.endsWith("/")) {
      problems.add("privateKeyFile", "privateKeyFile must be a file path such as ~/.ssh/runpod-trainer (not a directory).");
    } else if (args.publicKey !== undefined) {
      problems.add(
        "privateKeyFile",
        "privateKeyFile needs a generated key; with publicKey given, you already hold the private key. Remove one of them.",
      );
    }
  }
  problems.throwIfAny();
}

/** The longest label AccountSshKey accepts (its `check` refuses longer ones). */
const MAX_COMMENT_LENGTH = 200;

/** What an `SshPod` uses of its key: an `SshKey`, or (inside the provider plugin) a reference to one by URN. */
export interface PodKey {
  readonly publicKeyOpenssh: pulumi.Output<string>;
  readonly privateKeyOpenssh: pulumi.Output<string | undefined>;
  readonly fingerprint: pulumi.Output<string>;
  /** The account registration pods must wait for, when this process created it. */
  readonly accountKey?: pulumi.Resource;
  /** The private-key path the commands of the pod named `podName` use by default. */
  podIdentityFile(podName: string): pulumi.Input<string>;
}

/**
 * The default file of a generated key named `name`: `~/.ssh/runpod-<project>-<stack>-<name>` (the project too, so
 * that two projects with a stack and a resource of the same names do not meet), at most 128 characters after
 * `runpod-` like a pod name, and only characters that need no quoting (others become `_`).
 */
export function defaultPrivateKeyFile(name: string): string {
  return `~/.ssh/runpod-${podNameFor(pulumi.getProject(), pulumi.getStack(), name).replace(/[^A-Za-z0-9._-]/g, "_")}`;
}

/**
 * The default identity file of a pod's commands: the key's `privateKeyFile` (a generated key always has one),
 * else for a generated key the default file of the pod's name, else (a public key you brought) `~/.ssh/id_ed25519`.
 */
export function defaultIdentityFile(privateKeyFile: string | undefined, generated: boolean, podName: string): string {
  return privateKeyFile ?? (generated ? defaultPrivateKeyFile(podName) : "~/.ssh/id_ed25519");
}

/** An SSH key for Runpod pods. */
export class SshKey extends pulumi.ComponentResource implements PodKey {
  /** The public key, one OpenSSH line. */
  public readonly publicKeyOpenssh: pulumi.Output<string>;
  /**
   * The private key in OpenSSH format (secret); undefined when you brought your own public key.
   * @secret
   */
  public readonly privateKeyOpenssh: pulumi.Output<string | undefined>;
  /** `SHA256:...` fingerprint, as `ssh-keygen -lf` prints it. */
  public readonly fingerprint: pulumi.Output<string>;
  /** True when this component generated the key (so `privateKeyOpenssh` is set). */
  public readonly generated: boolean;
  /** The account registration, when `registerOnAccount` is true. Pods depend on it so they are created after it. */
  public readonly accountKey: AccountSshKey | undefined;
  /**
   * The generated key's file (`privateKeyFile`, or its default), written at `pulumi up` unless
   * `writePrivateKeyFile` is false; undefined for a public key you brought.
   */
  public readonly privateKeyFile: string | undefined;
  /** The file resource writing the private key (a generated key, unless `writePrivateKeyFile` is false). */
  public readonly privateKeyFileResource: LocalKeyFile | undefined;

  constructor(name: string, args: SshKeyArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("runpod-ssh:index:SshKey", name, {}, opts);
    validate(name, args);
    const parent = { parent: this };
    this.generated = args.publicKey === undefined;
    this.privateKeyFile = this.generated ? (args.privateKeyFile ?? defaultPrivateKeyFile(name)) : undefined;
    let publicKey: pulumi.Output<string>;
    if (this.generated) {
      // Loaded only when a key is generated: keeps `require("pulumi-runpod-ssh")` light.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const tls = require("@pulumi/tls") as typeof tlsTypes;
      const key = new tls.PrivateKey(`${name}-ed25519`, { algorithm: "ED25519" }, parent);
      publicKey = key.publicKeyOpenssh.apply((k) => k.trim());
      this.privateKeyOpenssh = pulumi.secret(key.privateKeyOpenssh);
    } else {
      // Validated here too, so a bad key fails the preview even when it is not registered on the account (a plain
      // string was already checked by `validate`; this catches a key that arrives as an Output).
      publicKey = pulumi.output(args.publicKey!).apply((k) => {
        const problems = new InputProblems(`SshKey "${name}"`);
        const parsed = checkPublicKey(k, problems);
        problems.throwIfAny();
        return parsed!.line;
      });
      this.privateKeyOpenssh = pulumi.output(undefined);
    }
    this.publicKeyOpenssh = publicKey;
    this.fingerprint = publicKey.apply((k) => parsePublicKey(k).fingerprint);
    // Dynamic resources in a TypeScript program; the plugin's own custom resources inside the plugin.
    const { AccountSshKey, LocalKeyFile } = childResourceClasses();
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
    // Written by default, so the commands of the pods using this key work on the machine that ran `pulumi up`.
    this.privateKeyFileResource =
      this.privateKeyFile !== undefined && args.writePrivateKeyFile !== false
        ? new LocalKeyFile(`${name}-private-key-file`, { path: this.privateKeyFile, content: this.privateKeyOpenssh.apply((k) => k ?? "") }, parent)
        : undefined;
    this.registerOutputs({
      publicKeyOpenssh: this.publicKeyOpenssh,
      privateKeyOpenssh: this.privateKeyOpenssh,
      fingerprint: this.fingerprint,
      // Read back by a reference to this key (sshKeyReference.ts), for its pods' default identity file.
      privateKeyFile: this.privateKeyFile,
    });
  }

  podIdentityFile(podName: string): string {
    return defaultIdentityFile(this.privateKeyFile, this.generated, podName);
  }
}
