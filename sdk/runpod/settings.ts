/**
 * Where the client's settings come from: explicit options first, then the environment conventions the
 * Runpod ecosystem shares (`RUNPOD_API_KEY`, and `RUNPOD_API_URL` to point at another endpoint such as the
 * local emulator). The key is never logged and never put in a URL.
 */
import { RunpodConfigurationError, registerSecret } from "./errors";

/** Runpod's public API (REST v2 lives under `/v2`). */
export const DEFAULT_API_URL = "https://api.runpod.io";

/** The message a user sees when no key can be found; names every way to set one. */
export const MISSING_API_KEY_MESSAGE =
  "No Runpod API key found. Set the RUNPOD_API_KEY environment variable, or in a Pulumi stack run " +
  "`pulumi config set --secret runpod:token <your key>` (keys are created at Runpod console > Settings > API Keys).";

/** Resolves and checks the API base URL: an explicit value, else `RUNPOD_API_URL`, else Runpod's. */
export function resolveApiUrl(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const raw = (explicit ?? env.RUNPOD_API_URL ?? DEFAULT_API_URL).trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RunpodConfigurationError(
      `Runpod API URL ${JSON.stringify(raw)} is not a valid URL; expected something like ${DEFAULT_API_URL}.`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new RunpodConfigurationError(`Runpod API URL must use http or https, got ${url.protocol}.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new RunpodConfigurationError(
      "Runpod API URL must not carry credentials, a query or a fragment; pass the API key as apiKey or RUNPOD_API_KEY.",
    );
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * Resolves the API key: an explicit value, else `RUNPOD_API_KEY`. Returns undefined when there is none, so
 * that the error is raised by the first call that needs a key rather than at construction.
 */
export function resolveApiKey(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = (explicit ?? env.RUNPOD_API_KEY)?.trim();
  if (!key) return undefined;
  registerSecret(key);
  if (/[\s\p{Cc}]/u.test(key)) {
    throw new RunpodConfigurationError(
      "The Runpod API key contains whitespace or control characters; copy it again without line breaks.",
    );
  }
  return key;
}

/** Returns the key or throws the missing-key error. */
export function requireApiKey(key: string | undefined): string {
  if (!key) throw new RunpodConfigurationError(MISSING_API_KEY_MESSAGE);
  return key;
}
