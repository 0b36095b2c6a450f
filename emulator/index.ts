/**
 * Local emulator of the Runpod REST v2 API (the subset this package uses) whose pods
 * run a real OpenSSH sshd on 127.0.0.1.
 *
 * ```ts
 * import { startEmulator } from "pulumi-runpod-ssh/emulator";
 * const emulator = await startEmulator();
 * process.env.RUNPOD_API_URL = emulator.url;
 * process.env.RUNPOD_API_KEY = emulator.apiKey;
 * // ... run your stack or client against it ...
 * await emulator.stop();
 * ```
 *
 * Standalone: `runpod-emulator --help` (dist/emulator/cli.js).
 * Importing this module does not load ajv; `startEmulator` does.
 */
export { startEmulator, DEFAULT_TIMINGS, DEFAULT_KEY_SET_LIMIT } from "./emulator";
export type {
  CreateFault,
  EmulatorFaults,
  EmulatorOptions,
  EmulatorPodView,
  PodFault,
  PodStatus,
  PodTimings,
  RateLimitWindow,
  RecordedRequest,
  RequestFault,
  RunpodEmulator,
  SshMode,
} from "./types";
export { DEFAULT_RATE_LIMIT } from "./rateLimit";
export { NO_CAPACITY_DETAIL, type ProblemDetails } from "./problem";
export { CREATE_FAULTS, POD_FAULTS } from "./faults";
export { CPU_FLAVORS, DATA_CENTERS, GPU_TYPES, TEMPLATES } from "./catalog";
export { loadSpecValidator, SPEC_PATH, type SentResponse, type SpecValidator } from "./specValidator";
export { startPodListener, type PodListener, type PodListenerOptions } from "./listeners";
