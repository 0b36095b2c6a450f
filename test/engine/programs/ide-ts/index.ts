/**
 * The TypeScript route of test/engine/ideCost.engine.test.ts: one SshPod exposing the test's fake Jupyter port
 * (config `jupyterPort`), its tunnel remapped to `localPort`, a Jupyter password from secret config, a volume and a
 * cost cap that skips the first GPU candidate. Exports the IDE and cost outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { SshPod } from "pulumi-runpod-ssh";

const config = new pulumi.Config();
const jupyterPort = config.requireNumber("jupyterPort");
const pod = new SshPod("nb", {
  image: "runpod/pytorch:2.4.0",
  gpu: { ids: ["NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 4090"] },
  maxCostPerHour: 1,
  ports: [`${jupyterPort}/http`],
  tunnelLocalPorts: { [String(jupyterPort)]: config.requireNumber("localPort") },
  jupyterPassword: config.requireSecret("jupyterPassword"),
  mounts: { persistent: { size: 20, path: "/workspace" } },
  privateKeyFile: config.require("privateKeyFile"),
});
export const vscodeUri = pod.vscodeUri;
export const sshConfig = pod.sshConfig;
export const tunnels = pod.tunnels;
export const tunnelCommand = pod.tunnelCommand;
export const jupyterPassword = pod.jupyterPassword;
export const costPerHour = pod.costPerHour;
export const stoppedStorageCostPerMonth = pod.stoppedStorageCostPerMonth;
export const spend = pod.spend;
export const podId = pod.podId;
