/**
 * test/engine/watchdog.engine.test.ts, TypeScript route: an SshPod with the lines a user adds for a pod that
 * stops itself (README "Stopping a forgotten pod"); `maxLifetime` and `privateKeyFile` come from the config.
 */
import * as pulumi from "@pulumi/pulumi";
import { SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();
const pod = new SshPod("gpu", {
  image: "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
  gpu: { id: "NVIDIA GeForce RTX 4090" },
  privateKeyFile: config.require("privateKeyFile"),
  maxLifetime: config.require("maxLifetime"),
  idleTimeout: "1d",
  onExpiry: "stop",
});

export const podId = pod.podId;
export const stopsAt = pod.stopsAt;
export const costPerHour = pod.costPerHour;
export const sshCommand = pod.sshCommand;
