/**
 * Test program of the real-engine suite: an SshPod and a Pod built from the JSON config values `sshPod` and
 * `pod`, so a test can feed them any input (bad ones included) and change one input at a time.
 */
import * as pulumi from "@pulumi/pulumi";
import { Pod, SshPod, type PodArgs, type SshPodArgs } from "pulumi-runpod-ssh";

const config = new pulumi.Config();
const sshPodArgs = config.getObject<SshPodArgs>("sshPod");
const podArgs = config.getObject<PodArgs>("pod");
// Env values passed as secrets, to check that no message prints them.
const secretEnv = Object.fromEntries(
  Object.entries(config.getObject<Record<string, string>>("secretEnv") ?? {}).map(([k, v]) => [k, pulumi.secret(v)]),
);
const keyFile = config.get("keyFile");

const sshPod = sshPodArgs ? new SshPod("ssh-pod", { ...(keyFile ? { privateKeyFile: keyFile } : {}), ...sshPodArgs }) : undefined;
const pod = podArgs ? new Pod("pod", { ...podArgs, env: { ...(podArgs.env as Record<string, string> | undefined), ...secretEnv } }) : undefined;

export const sshCommand = sshPod?.sshCommand;
export const sshPodId = sshPod?.podId;
export const identityFile = sshPod?.identityFile;
export const podId = pod?.podId;
