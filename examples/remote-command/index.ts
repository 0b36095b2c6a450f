/**
 * Remote commands on a pod: `SshPod.connection` goes straight into `@pulumi/command`'s remote resources, which
 * run over SSH with the generated key and verify the pod's pinned host key.
 *
 *   npm install pulumi-runpod-ssh @pulumi/pulumi @pulumi/tls @pulumi/command
 *   pulumi config set --secret runpod:token    # paste your Runpod API key at the prompt (or export RUNPOD_API_KEY)
 *   pulumi up
 *   pulumi stack output gpuInfo
 *
 * The connection is an input of each remote resource: when the pod gets a new port (a reset, or a start after
 * `running: false`), @pulumi/command runs the command again on the new container. While the pod is stopped the
 * connection's `host` holds the reason, so a remote resource updated then fails with it; add
 * `ignoreChanges: ["connection"]` to a one-off command that must not run again.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();

const pod = new SshPod("trainer", {
  image: config.get("image") ?? "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
  gpu: { ids: ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000"] },
  mounts: { persistent: { size: 20, path: "/workspace" } },
});

// Copy a training script into the volume, then run a command once the pod answers.
const script = new command.remote.CopyToRemote("train-script", {
  connection: pod.connection,
  source: new pulumi.asset.FileAsset(config.get("script") ?? "train.py"),
  remotePath: "/workspace/train.py",
});

const gpu = new command.remote.Command(
  "gpu-info",
  {
    connection: pod.connection,
    create: "nvidia-smi --query-gpu=name,memory.total --format=csv,noheader",
  },
  { dependsOn: [script] },
);

export const gpuInfo = gpu.stdout;
export const sshCommand = pod.sshCommand;
export const knownHostsLine = pod.knownHostsLine;
