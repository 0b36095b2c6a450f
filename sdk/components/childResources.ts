/**
 * The classes the components (`SshKey`, `SshPod`) create their child resources with.
 *
 * In a TypeScript program these are the dynamic resources (`Pod`, `AccountSshKey`, ...), so `new SshPod(...)`
 * needs no plugin. Inside the provider plugin, which serves the same components to other languages through
 * `construct`, children must be real custom resources of the plugin's own types (`runpod-ssh:index:Pod`, ...):
 * dynamic providers cannot run for a Python, Go or YAML program. The plugin switches the classes once, when it
 * starts (sdk/plugin/pluginResources.ts); the component code is the same in both places.
 */
import type * as pulumi from "@pulumi/pulumi";
import { AccountSshKey, type AccountSshKeyArgs } from "../resources/accountSshKey";
import { LocalKeyFile, type LocalKeyFileArgs } from "../resources/localKeyFile";
import { Pod, type PodArgs } from "../resources/pod";
import { SshPassword, type SshPasswordArgs } from "../resources/sshPassword";
import { PodReadiness, type PodReadinessArgs } from "../resources/podReadiness";

type ResourceClass<Args, Instance> = new (name: string, args: Args, opts?: pulumi.CustomResourceOptions) => Instance;

export interface ChildResourceClasses {
  AccountSshKey: ResourceClass<AccountSshKeyArgs, AccountSshKey>;
  LocalKeyFile: ResourceClass<LocalKeyFileArgs, LocalKeyFile>;
  Pod: ResourceClass<PodArgs, Pod>;
  SshPassword: ResourceClass<SshPasswordArgs, SshPassword>;
  PodReadiness: ResourceClass<PodReadinessArgs, PodReadiness>;
}

/** The TypeScript library's own: dynamic resources. */
export const DYNAMIC_CHILD_RESOURCES: ChildResourceClasses = { AccountSshKey, LocalKeyFile, Pod, SshPassword, PodReadiness };

let classes: ChildResourceClasses = DYNAMIC_CHILD_RESOURCES;

/** The classes components use now. */
export function childResourceClasses(): ChildResourceClasses {
  return classes;
}

/** Switches the classes for this process (the provider plugin does, at start). */
export function useChildResourceClasses(next: ChildResourceClasses): void {
  classes = next;
}
