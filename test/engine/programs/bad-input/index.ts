/**
 * Test program: an SshPod and a Pod built from the JSON config values `sshPod` and `pod`, so the real-engine
 * suite can feed them bad input and read what `pulumi preview` prints.
 */
import * as pulumi from "@pulumi/pulumi";
import { Pod, SshPod, type PodArgs, type SshPodArgs } from "pulumi-runpod-ssh";

const config = new pulumi.Config();
const sshPodArgs = config.getObject<SshPodArgs>("sshPod");
const podArgs = config.getObject<PodArgs>("pod");

if (sshPodArgs) new SshPod("bad-ssh-pod", { privateKeyFile: "/tmp/unused-bad-input-key", ...sshPodArgs });
if (podArgs) new Pod("bad-pod", podArgs);
