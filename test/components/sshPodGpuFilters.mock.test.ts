/**
 * SshPod offers the Pod's host filters as `gpu.minRamPerGpu` and `gpu.minVcpuCountPerGpu` and hands them to its
 * Pod unchanged (under `pulumi.runtime.setMocks`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

const podInputs: Array<Record<string, unknown>> = [];

void pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      const inputs = args.inputs as Record<string, unknown>;
      if (args.type.endsWith(":Pod")) podInputs.push(inputs);
      const isKey = args.type === "tls:index/privateKey:PrivateKey";
      const state = isKey ? { ...inputs, publicKeyOpenssh: ed25519PublicKeyLine(), privateKeyOpenssh: "x" } : inputs;
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs as Record<string, unknown>,
  },
  "proj",
  "dev",
  false,
);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require("../../sdk") as typeof import("../../sdk");

test("SshPod passes gpu.minRamPerGpu and gpu.minVcpuCountPerGpu to its Pod", async () => {
  const pod = new sdk.SshPod("filtered", {
    image: "runpod/base:1.0.0",
    gpu: { ids: ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000"], minRamPerGpu: 64, minVcpuCountPerGpu: 8 },
  });
  await new Promise<void>((resolve) => pod.podId.apply(() => resolve()));
  assert.equal(podInputs.length, 1);
  assert.deepEqual(podInputs[0].gpu, { ids: ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000"], minRamPerGpu: 64, minVcpuCountPerGpu: 8 });
});
