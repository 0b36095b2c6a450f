/**
 * Custom image without sshd: the bootstrap start command installs openssh-server, writes the key, starts sshd,
 * then runs your own start command (here a small HTTP server on 8000, exposed as 8000/http).
 */
import * as pulumi from "@pulumi/pulumi";
import { SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();

const pod = new SshPod("custom", {
  image: config.get("image") ?? "ubuntu:22.04",
  gpu: { id: config.get("gpuType") ?? "NVIDIA GeForce RTX 4090" },
  ports: ["8000/http"],
  sshdMode: "bootstrap",
  // Anything goes here: quotes, $VARS and newlines arrive as written.
  startCommand: config.get("startCommand") ?? `cd /tmp && echo "hello from $(hostname)" > index.html && python3 -m http.server 8000`,
  privateKeyFile: config.get("privateKeyFile") ?? "~/.ssh/runpod-custom",
});

export const sshCommand = pod.sshCommand;
export const scpCommand = pod.scpCommand;
export const sshTarget = pod.sshTarget;
export const sshConfig = pod.sshConfig;
