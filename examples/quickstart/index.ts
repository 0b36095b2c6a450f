/**
 * Quickstart: one SSH-ready Runpod pod.
 *
 *   pulumi config set --secret runpod:token    # paste your Runpod API key at the prompt (or export RUNPOD_API_KEY)
 *   pulumi up
 *   eval "$(pulumi stack output sshCommand)"         # a shell on the pod
 *
 * The private key is written to ~/.ssh/runpod-quickstart (mode 0600) and removed by `pulumi destroy`. The
 * commands pin the pod's host key (read by `pulumi up`), so even the first connection is verified.
 *
 *   pulumi config set running false && pulumi up                      # stop it for the night (GPU billing stops;
 *                                                                     # the container disk is cleared)
 *   pulumi config set running true && pulumi up                       # start it again: new port, new host key
 */
import * as pulumi from "@pulumi/pulumi";
import { SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();

const pod = new SshPod("quickstart", {
  image: config.get("image") ?? "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
  // Tried in order until one has capacity.
  gpu: { ids: config.getObject<string[]>("gpuTypes") ?? ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000", "NVIDIA L4"] },
  cloud: "SECURE",
  privateKeyFile: config.get("privateKeyFile") ?? "~/.ssh/runpod-quickstart",
  // Optional: `pulumi config set --path 'env.MY_VAR' value` (a change updates the pod in place).
  env: config.getObject<Record<string, string>>("env"),
  running: config.getBoolean("running"),
});

export const podId = pod.podId;
export const host = pod.host;
export const port = pod.port;
export const user = pod.user;
export const sshCommand = pod.sshCommand;
export const proxySshCommand = pod.proxySshCommand;
export const scpCommand = pod.scpCommand;
export const sftpCommand = pod.sftpCommand;
export const rsyncCommand = pod.rsyncCommand;
export const sshTarget = pod.sshTarget;
export const sshConfig = pod.sshConfig;
export const identityFile = pod.identityFile;
export const publicKeyOpenssh = pod.publicKeyOpenssh;
export const fingerprint = pod.fingerprint;
export const privateKeyOpenssh = pod.privateKeyOpenssh;
export const hostKeys = pod.hostKeys;
export const knownHostsLine = pod.knownHostsLine;
