/**
 * What every provider method needs at call time: the Runpod client (credentials resolved now, never stored in
 * the serialized provider) and a way to report progress.
 *
 * Credentials: the stack config `runpod:token` (a secret; read in `configure`) or `RUNPOD_API_KEY`; the URL from
 * `runpod:apiUrl` or `RUNPOD_API_URL`. A missing key fails the first call that needs it, naming both ways to
 * set it.
 */
import { RunpodClient, type ClientEvent } from "../runpod/client";
import { RunpodConfigurationError } from "../runpod/errors";
import { MISSING_API_KEY_MESSAGE } from "../runpod/settings";
import { registerSecret } from "../runpod/errors";
import { keyFingerprint } from "../runpod/rateLimiter";
import { reportProgress } from "./progress";

/** The dynamic provider host's config reader (`configure` request). */
export interface ConfigReader {
  get(key: string): string | undefined;
}

interface Settings {
  token?: string;
  apiUrl?: string;
}

let settings: Settings = {};
let missingKeyMessage = MISSING_API_KEY_MESSAGE;

/** The message for a missing key, naming the settings of the front door in use (the plugin has its own). */
export function setMissingKeyMessage(message: string): void {
  missingKeyMessage = message;
}
const clients = new Map<string, RunpodClient>();

/** Called from the provider's `configure`: remembers the stack's Runpod settings for this process. */
export function configureFromStack(config: ConfigReader): void {
  const read = (key: string): string | undefined => {
    const v = config.get(key);
    return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
  };
  settings = { token: read("runpod:token"), apiUrl: read("runpod:apiUrl") };
  registerSecret(settings.token);
}

/** For tests and programs that drive providers directly: set or clear the settings. */
export function setProviderSettings(next: Settings): void {
  settings = { ...next };
  registerSecret(settings.token);
  clients.clear();
}

function onClientEvent(event: ClientEvent): void {
  if (event.reason === "rate-limited" && event.delayMs >= 2000) {
    reportProgress(`Runpod rate limit reached; waiting ${Math.ceil(event.delayMs / 1000)} s before ${event.operation}`);
  } else if (event.reason === "transient" && event.attempt >= 2) {
    reportProgress(`${event.operation} failed (${event.message}); retry ${event.attempt} in ${Math.ceil(event.delayMs / 1000)} s`);
  }
}

/** The client for the configured account, created on first use. Throws the missing-key error when there is no key. */
export function runpodClient(): RunpodClient {
  const key = settings.token ?? process.env.RUNPOD_API_KEY?.trim();
  if (!key) throw new RunpodConfigurationError(missingKeyMessage);
  const apiUrl = settings.apiUrl ?? process.env.RUNPOD_API_URL;
  const id = `${apiUrl ?? ""}#${keyFingerprint(key)}`;
  let client = clients.get(id);
  if (!client) {
    client = new RunpodClient({ apiKey: key, apiUrl, onEvent: onClientEvent });
    clients.set(id, client);
  }
  return client;
}
