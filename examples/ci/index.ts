/**
 * CI: a pod for one job. The workflow next to this file (github-actions.yml) runs `pulumi up`, saves the key with
 * `pulumi stack output --show-secrets privateKeyOpenssh > key && chmod 600 key`, copies a file in with scpCommand,
 * runs a command with sshCommand, and destroys the stack whatever happened.
 */
import * as pulumi from "@pulumi/pulumi";
import { SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();

const pod = new SshPod("ci-job", {
  image: config.get("image") ?? "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
  gpu: { ids: config.getObject<string[]>("gpuTypes") ?? ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000", "NVIDIA L4"] },
  // The job saves the key as ./key in its working directory; the commands point there.
  identityFile: config.get("identityFile") ?? "key",
  readinessTimeoutSeconds: config.getNumber("readinessTimeoutSeconds") ?? 900,
});

export const sshCommand = pod.sshCommand;
export const scpCommand = pod.scpCommand;
export const sshTarget = pod.sshTarget;
export const rsyncCommand = pod.rsyncCommand;
export const privateKeyOpenssh = pod.privateKeyOpenssh;
