/**
 * `PodReadiness`: the wait for a pod's SSH, as a resource of its own, for a `Pod` with `deferReadiness: true`.
 * The Pod's create then returns as soon as Runpod accepted the pod, so every pod of a fleet starts booting within
 * the first seconds of `pulumi up` whatever the engine's `--parallel`; this resource waits until the pod is
 * RUNNING, sshd answers and the host keys were read (and proven by the pod's log), and holds the address and the
 * pinned keys. `SshPod` creates one per pod (`<name>-ready`) and takes its commands' address from it.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../providers/providerShims";
import type { Integer } from "./integer";
import { ownerUrn } from "./ownerUrn";

export interface PodReadinessArgs {
  /**
   * The pod to wait for: a Pod's `podId`. A new id replaces this resource (a new wait).
   * @replaceOnChange
   */
  podId: pulumi.Input<string>;
  /** The pod's name, used in messages (a Pod's `name`). Updates in place (no wait). */
  podName: pulumi.Input<string>;
  /**
   * The Pod's `containerGeneration`. A new value means the pod got a new container (a reset, a start): the
   * update waits for SSH again, on the new port. Default: none (wait once).
   */
  containerGeneration?: pulumi.Input<Integer>;
  /**
   * The Pod's `running` input. `false`: nothing to wait for, the outputs show the stopped pod (no address, no
   * keys); turning it back to true waits for the started pod. Default true. Updates in place.
   */
  running?: pulumi.Input<boolean>;
  /** As the Pod's `allowProxyOnly`: accept a pod reachable only through Runpod's proxy. Default false. Updates in place (no wait). */
  allowProxyOnly?: pulumi.Input<boolean>;
  /** As the Pod's `waitForSsh`: false is ready without a banner or host keys (a WARNING). Default true. Updates in place (no wait). */
  waitForSsh?: pulumi.Input<boolean>;
  /** As the Pod's `hostKeyChecking`: "pinned" (default) needs the host keys. Updates in place (no wait). */
  hostKeyChecking?: pulumi.Input<"pinned" | "accept-new" | "strict" | "off">;
  /** How long to wait for SSH, in seconds. Default 900 (15 minutes). Updates in place (no wait). */
  readinessTimeoutSeconds?: pulumi.Input<Integer>;
  /**
   * Keep a pod whose first wait failed instead of terminating it (it keeps billing until destroyed). Default
   * false: the pod is terminated and `pulumi up --refresh` creates a new one. Updates in place (no wait).
   */
  keepOnFailure?: pulumi.Input<boolean>;
}

/** The pod, SSH-ready: its address and pinned host keys. */
export class PodReadiness extends pulumi.dynamic.Resource {
  /** The pod id. */
  declare public readonly podId: pulumi.Output<string>;
  /** Status when the wait ended (`RUNNING`; `EXITED` while stopped). */
  declare public readonly status: pulumi.Output<string>;
  /** Public IP of the direct SSH path, or null (proxy only, stopped). */
  declare public readonly publicIp: pulumi.Output<string | null>;
  /** Public port mapped to 22/tcp, or null. Changes on every container reset. */
  declare public readonly sshPort: pulumi.Output<Integer | null>;
  /** User of the direct SSH path (`root`). */
  declare public readonly sshUser: pulumi.Output<string | null>;
  /** The proxy user (`<podHostId>`). */
  declare public readonly proxyUser: pulumi.Output<string | null>;
  /** The proxy host (`ssh.runpod.io`). */
  declare public readonly proxyHost: pulumi.Output<string | null>;
  /** True when the pod has a direct (public IP) SSH path. */
  declare public readonly hasPublicIp: pulumi.Output<boolean>;
  /** The pod's SSH host keys (`type base64`, ed25519 first), read from its sshd; empty when not read. */
  declare public readonly hostKeys: pulumi.Output<string[]>;
  /** The pinned key as a `known_hosts` line, `[host]:port type base64`, or null. */
  declare public readonly knownHostsLine: pulumi.Output<string | null>;
  /** How the pinned key was proven: "api-log" or "first-contact"; null without a key. */
  declare public readonly hostKeyProof: pulumi.Output<"api-log" | "first-contact" | null>;
  /** The data center the pod runs in, as the ready pod reports it (a deferred Pod's create may not know it yet). */
  declare public readonly dataCenterId: pulumi.Output<string | null>;

  constructor(name: string, args: PodReadinessArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("podReadiness"),
      name,
      {
        ...args,
        ownerTag: ownerUrn(name, "pulumi-nodejs:dynamic/runpod-ssh:PodReadiness", opts?.parent),
        status: undefined,
        publicIp: undefined,
        sshPort: undefined,
        sshUser: undefined,
        proxyUser: undefined,
        proxyHost: undefined,
        hasPublicIp: undefined,
        hostKeys: undefined,
        knownHostsLine: undefined,
        hostKeyProof: undefined,
        dataCenterId: undefined,
      },
      opts,
      "runpod-ssh",
      "PodReadiness",
    );
  }
}
