/**
 * What every provider method needs at call time: the Runpod client (credentials resolved now, never stored in
 * the serialized provider) and a way to report progress.
 *
 * Credentials: the stack config `runpod:token` (a secret; read in `configure`) or `RUNPOD_API_KEY`; the URL from
 * `runpod:apiUrl` or `RUNPOD_API_URL`. A missing, empty or unusable key fails the `check` of every resource that
 * calls the API (so `pulumi preview`), and any call that needs it, naming both ways to set it.
 */
import { RunpodClient, type ClientEvent } from "../runpod/client";
import { RunpodConfigurationError } from "../runpod/errors";
import { MISSING_API_KEY_MESSAGE, resolveApiKey } from "../runpod/settings";
import { registerSecret } from "../runpod/errors";
import { keyFingerprint } from "../runpod/rateLimiter";
import { reportProgress } from "./progress";
import type { CheckFailure } from "../pod/podSpec";

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

/** The configured key (stack config, else `RUNPOD_API_KEY`), checked; throws the missing-key error when there is none. */
function configuredApiKey(): string {
  const key = resolveApiKey(settings.token);
  if (!key) throw new RunpodConfigurationError(missingKeyMessage);
  return key;
}

/**
 * The check failure for a missing, empty or unusable API key, or none. Added by the `check` of every resource
 * that calls the API, so such a key fails `pulumi preview` (with no API call), not only `pulumi up`. A failure
 * on no property, not a thrown error: the engine then prints the message alone, without a stack trace.
 */
export function apiKeyCheckFailures(): CheckFailure[] {
  try {
    configuredApiKey();
    return [];
  } catch (e) {
    if (!(e instanceof RunpodConfigurationError)) throw e;
    return [{ property: "", reason: e.message }];
  }
}

/** The client for the configured account, created on first use. Throws the missing-key error when there is no key. */
export function runpodClient(): RunpodClient {
  const key = configuredApiKey();
  const apiUrl = settings.apiUrl ?? process.env.RUNPOD_API_URL;
  const id = `${apiUrl ?? ""}#${keyFingerprint(key)}`;
  let client = clients.get(id);
  if (!client) {
    client = new RunpodClient({ apiKey: key, apiUrl, onEvent: onClientEvent });
    clients.set(id, client);
  }
  return client;
}
