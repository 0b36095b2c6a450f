/**
 * Fleet: one key, N pods, a map of ready-made commands.
 *
 *   pulumi config set count 4
 *   pulumi up
 *   pulumi stack output sshCommands --json
 */
import * as pulumi from "@pulumi/pulumi";
import { SshKey, SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();
const count = config.getNumber("count") ?? 3;

// One key for the whole fleet, registered once on the account, written once to disk.
const key = new SshKey("fleet-key", { privateKeyFile: config.get("privateKeyFile") ?? "~/.ssh/runpod-fleet" });

const workers = Array.from(
  { length: count },
  (_, i) =>
    new SshPod(`worker-${i}`, {
      sshKey: key,
      image: config.get("image") ?? "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
      gpu: { ids: ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000"] },
    }),
);

const byName = (pick: (w: SshPod) => pulumi.Output<string>): pulumi.Output<Record<string, string>> =>
  pulumi.all(workers.map(pick)).apply((values) => Object.fromEntries(values.map((v, i) => [`worker-${i}`, v])));

export const podIds = byName((w) => w.podId);
export const sshCommands = byName((w) => w.sshCommand);
export const scpCommands = byName((w) => w.scpCommand);
export const sftpCommands = byName((w) => w.sftpCommand);
export const rsyncCommands = byName((w) => w.rsyncCommand);
export const sshTargets = byName((w) => w.sshTarget);
/** All hosts as one ~/.ssh/config file. */
export const sshConfig = pulumi.all(workers.map((w) => w.sshConfig)).apply((blocks) => blocks.join("\n\n"));
export const fingerprint = key.fingerprint;
export const privateKeyOpenssh = key.privateKeyOpenssh;
