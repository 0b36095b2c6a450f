/**
 * The URN a resource will have, as its own input (the owner tag that progress lines and the pod's env carry).
 *
 * `pulumi.createUrn(name, type, parent)` returns an Output that depends on the parent resource; when the parent is
 * a component, the engine SDK expands that dependency to every child of the component. Two children of one
 * component that each take such an owner tag (SshPod's Pod and PodReadiness) would then wait for each other, and
 * the program hangs with "promises were still active". The URN is only a string: here it carries no dependency.
 */
import * as pulumi from "@pulumi/pulumi";

/** The URN of a resource named `name` of type `type` under `parent` (the stack when none), with no dependency. */
export function ownerUrn(name: string, type: string, parent?: pulumi.Resource): pulumi.Output<string> {
  const urn = pulumi.createUrn(name, type, parent);
  return pulumi.output(new Promise<string>((resolve) => urn.apply((u) => resolve(u))));
}
