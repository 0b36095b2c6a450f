/**
 * Test program of the real-engine reliability suite (test/reliability/engine/): a fleet of `count` SshPods
 * (default 10) sharing one SshKey, so one account key line serves the whole fleet. `generation` is passed to every
 * pod's env, so raising it makes an `up` with in-place updates (a PATCH per pod).
 */
import * as pulumi from "@pulumi/pulumi";
import { SshKey, SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();
const count = config.getNumber("count") ?? 10;
const generation = config.get("generation") ?? "1";

const key = new SshKey("fleet-key", { privateKeyFile: config.require("privateKeyFile") });

const pods = Array.from(
  { length: count },
  (_, i) =>
    new SshPod(`pod-${i}`, {
      sshKey: key,
      image: "runpod/base:1.0.0",
      gpu: { ids: ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000"] },
      env: { FLEET_GENERATION: generation },
    }),
);

export const podIds = pulumi.all(pods.map((p) => p.podId));
export const sshCommand0 = pods[0]?.sshCommand;
