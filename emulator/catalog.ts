/**
 * The emulator's small built-in catalog: GPU types, CPU flavors, data centers,
 * CUDA versions and pod templates. Prices and host sizes are plausible, not current.
 */

/** A GPU type that can be placed. */
export interface GpuType {
  id: string;
  memoryGb: number;
  /** USD per GPU per hour on Secure Cloud. */
  securePrice: number;
  /** USD per GPU per hour on Community Cloud, `null` when not offered there. */
  communityPrice: number | null;
  /** Largest `gpu.count` a single machine offers. */
  maxCount: number;
  /** CUDA versions the machines with this GPU report. */
  cudaVersions: readonly string[];
  /** Host system RAM per GPU, in GB, on the machines with this GPU (what `gpu.minRamPerGpu` filters on). */
  ramPerGpuGb: number;
  /** Host vCPUs per GPU on the machines with this GPU (what `gpu.minVcpuCountPerGpu` filters on). */
  vcpuPerGpu: number;
}

const MODERN_CUDA = ["12.4", "12.6", "12.8", "12.9"] as const;
const BLACKWELL_CUDA = ["12.8", "12.9"] as const;

/** GPU types known to the emulator; any other `gpu.id` gets the "no instances" 400. */
export const GPU_TYPES: readonly GpuType[] = [
  { id: "NVIDIA GeForce RTX 4090", memoryGb: 24, securePrice: 0.69, communityPrice: 0.34, maxCount: 8, cudaVersions: MODERN_CUDA, ramPerGpuGb: 41, vcpuPerGpu: 6 },
  { id: "NVIDIA GeForce RTX 5090", memoryGb: 32, securePrice: 0.94, communityPrice: 0.69, maxCount: 8, cudaVersions: BLACKWELL_CUDA, ramPerGpuGb: 46, vcpuPerGpu: 8 },
  { id: "NVIDIA RTX A5000", memoryGb: 24, securePrice: 0.27, communityPrice: 0.16, maxCount: 8, cudaVersions: ["11.8", "12.2", ...MODERN_CUDA], ramPerGpuGb: 25, vcpuPerGpu: 9 },
  { id: "NVIDIA RTX A6000", memoryGb: 48, securePrice: 0.49, communityPrice: 0.33, maxCount: 8, cudaVersions: ["11.8", "12.2", ...MODERN_CUDA], ramPerGpuGb: 50, vcpuPerGpu: 8 },
  { id: "NVIDIA A40", memoryGb: 48, securePrice: 0.4, communityPrice: null, maxCount: 8, cudaVersions: ["12.2", ...MODERN_CUDA], ramPerGpuGb: 50, vcpuPerGpu: 9 },
  { id: "NVIDIA L4", memoryGb: 24, securePrice: 0.43, communityPrice: null, maxCount: 4, cudaVersions: MODERN_CUDA, ramPerGpuGb: 50, vcpuPerGpu: 12 },
  { id: "NVIDIA H100 PCIe", memoryGb: 80, securePrice: 2.39, communityPrice: 1.99, maxCount: 8, cudaVersions: MODERN_CUDA, ramPerGpuGb: 188, vcpuPerGpu: 16 },
  { id: "NVIDIA H100 80GB HBM3", memoryGb: 80, securePrice: 2.69, communityPrice: 2.39, maxCount: 8, cudaVersions: MODERN_CUDA, ramPerGpuGb: 125, vcpuPerGpu: 20 },
];

/** A CPU flavor (`cpu.id`). */
export interface CpuFlavor {
  id: string;
  /** Memory the API derives per vCPU, in GB. */
  memoryPerVcpuGb: number;
  /** USD per vCPU per hour. */
  pricePerVcpu: number;
  /** Largest `vcpuCount` offered. */
  maxVcpu: number;
}

export const CPU_FLAVORS: readonly CpuFlavor[] = [
  { id: "cpu3c", memoryPerVcpuGb: 2, pricePerVcpu: 0.03, maxVcpu: 32 },
  { id: "cpu3g", memoryPerVcpuGb: 4, pricePerVcpu: 0.04, maxVcpu: 32 },
  { id: "cpu5c", memoryPerVcpuGb: 2, pricePerVcpu: 0.035, maxVcpu: 64 },
  { id: "cpu5g", memoryPerVcpuGb: 4, pricePerVcpu: 0.045, maxVcpu: 64 },
];

/** Data centers known to the emulator; an unknown `dataCenterIds` entry cannot be placed. */
export const DATA_CENTERS: readonly string[] = ["US-KS-2", "US-TX-3", "EU-RO-1", "EU-SE-1", "CA-MTL-1"];

/** A pod template usable as `templateId`. */
export interface PodTemplate {
  id: string;
  name: string;
  image: string;
  args?: string;
  disk?: number;
  ports?: string[];
  env?: Record<string, string>;
  persistentMount?: { size: number; path: string };
  startSsh?: boolean;
  startJupyter?: boolean;
  /** Serverless templates cannot back a pod (422). */
  serverless?: boolean;
}

/** Built-in templates. */
export const TEMPLATES: readonly PodTemplate[] = [
  {
    id: "runpod-torch-v240",
    name: "Runpod Pytorch 2.4.0",
    image: "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
    disk: 50,
    ports: ["8888/http", "22/tcp"],
    env: { JUPYTER_LAB_ROOT: "/workspace" },
    persistentMount: { size: 20, path: "/workspace" },
    startSsh: true,
    startJupyter: true,
  },
  {
    id: "runpod-ubuntu",
    name: "Runpod Ubuntu",
    image: "runpod/base:1.0.2-ubuntu2404",
    disk: 20,
    ports: ["22/tcp"],
    env: { TZ: "UTC" },
    startSsh: true,
  },
  {
    id: "serverless-worker",
    name: "Serverless worker (not usable for pods)",
    image: "runpod/worker-comfyui:5.0.0-base",
    serverless: true,
  },
];

export function findGpuType(id: string): GpuType | undefined {
  return GPU_TYPES.find((gpu) => gpu.id === id);
}

export function findCpuFlavor(id: string): CpuFlavor | undefined {
  return CPU_FLAVORS.find((flavor) => flavor.id === id);
}

export function findTemplate(id: string): PodTemplate | undefined {
  return TEMPLATES.find((template) => template.id === id);
}

/** Compare `major.minor` versions numerically (12.11 > 12.2). */
export function compareCudaVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/**
 * Highest CUDA version a machine with this GPU can offer under the request's
 * constraints, or `undefined` when none matches (a capacity error on Runpod).
 */
export function pickCudaVersion(gpu: GpuType, allowed: readonly string[] | undefined, min: string | undefined): string | undefined {
  const candidates = gpu.cudaVersions.filter(
    (version) =>
      (!allowed || allowed.length === 0 || allowed.includes(version)) && (!min || compareCudaVersions(version, min) >= 0),
  );
  return [...candidates].sort(compareCudaVersions).pop();
}
