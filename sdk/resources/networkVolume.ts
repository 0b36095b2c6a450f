/**
 * `NetworkVolume`: a Runpod network volume, storage that outlives pods. Attach it to a `Pod` or `SshPod` with
 * `networkVolume: { id: volume.volumeId, dataCenter: volume.dataCenter }`. Protected from deletion by default.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../providers/providerShims";
import { podNameFor } from "../pod/podName";
import type { Integer } from "./integer";

export interface NetworkVolumeArgs {
  /** The volume's name on Runpod. Default `<project>-<stack>-<resource name>`. Updates in place. */
  name?: pulumi.Input<string>;
  /**
   * Size in GB, a whole number from 10 to 4096. Growing it updates in place; shrinking it is refused at preview
   * (Runpod cannot shrink a volume).
   */
  size: pulumi.Input<Integer>;
  /**
   * The data center, e.g. `"EU-RO-1"`; pods that attach the volume run there (and in Secure Cloud). Changing it
   * replaces the volume (deleting it and its data), so it is refused while `deletionProtection` is on.
   * @replaceOnChange
   */
  dataCenter: pulumi.Input<string>;
  /**
   * Storage tier, `"STANDARD"` or `"HIGH_PERFORMANCE"`. Default: the data center's primary tier. Changing it
   * replaces the volume (refused while `deletionProtection` is on).
   * @replaceOnChange
   */
  type?: pulumi.Input<NetworkVolumeType>;
  /**
   * Refuse to delete the volume (and its data): `pulumi destroy`, removing it from the program, or a change that
   * replaces it fails with a message instead. Default true. To delete it: set false, `pulumi up`, then destroy.
   * No API call on change.
   */
  deletionProtection?: pulumi.Input<boolean>;
}

/** A network volume's storage tier. */
export type NetworkVolumeType = "STANDARD" | "HIGH_PERFORMANCE";

/** A Runpod network volume. */
export class NetworkVolume extends pulumi.dynamic.Resource {
  /** The volume id: pass it to a Pod's or SshPod's `networkVolume.id`. */
  declare public readonly volumeId: pulumi.Output<string>;
  /** The volume's name on Runpod. */
  declare public readonly name: pulumi.Output<string>;
  /** Size in GB. */
  declare public readonly size: pulumi.Output<Integer>;
  /** The data center the volume (and every pod using it) is in. */
  declare public readonly dataCenter: pulumi.Output<string>;
  /** The storage tier, `STANDARD` or `HIGH_PERFORMANCE`. */
  declare public readonly type: pulumi.Output<string>;
  /** Whether deleting the volume is refused. */
  declare public readonly deletionProtection: pulumi.Output<boolean>;

  constructor(name: string, args: NetworkVolumeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("networkVolume"),
      name,
      {
        ...args,
        name: args.name ?? podNameFor(pulumi.getProject(), pulumi.getStack(), name),
        volumeId: undefined,
        type: args.type,
        deletionProtection: args.deletionProtection,
      },
      opts,
      "runpod-ssh",
      "NetworkVolume",
    );
  }
}
