/**
 * Secrets on the plugin's wire. The engine sends a secret property value as an object
 * `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": <the value>}` to providers
 * that accept secrets (the Node provider server says it does), and keeps a value secret that a provider returns
 * in that shape. The provider logic works on plain values, so the plugin's front door unwraps every property
 * bag before the logic sees it and wraps the results again:
 *
 * - a top-level property that held a secret anywhere inside it comes back as a whole secret (a secret env value
 *   makes the whole `env` secret: never less secret than what went in);
 * - the properties the schema marks secret are always returned as secrets.
 */

/** The key marking a special value on the wire, and its value for a secret (Pulumi's RPC constants). */
export const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

type Bag = Record<string, unknown>;

function isSecret(value: unknown): value is { value?: unknown } {
  return !!value && typeof value === "object" && (value as Bag)[SIGNATURE_KEY] === SECRET_SIGNATURE;
}

/** `value` with every secret wrapper removed; `found` is set when there was one. */
function reveal(value: unknown, found: { secret: boolean }): unknown {
  if (isSecret(value)) {
    found.secret = true;
    return reveal(value.value, found);
  }
  if (Array.isArray(value)) return value.map((v) => reveal(v, found));
  if (value && typeof value === "object") {
    const out: Bag = {};
    for (const [k, v] of Object.entries(value)) out[k] = reveal(v, found);
    return out;
  }
  return value;
}

export interface RevealedBag {
  /** The properties as plain values. */
  values: Bag;
  /** The top-level properties that held a secret. */
  secretKeys: Set<string>;
}

/** Unwraps a property bag as the engine sent it. */
export function revealSecrets(bag: unknown): RevealedBag {
  const values: Bag = {};
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries((bag ?? {}) as Bag)) {
    const found = { secret: false };
    values[key] = reveal(value, found);
    if (found.secret) secretKeys.add(key);
  }
  return { values, secretKeys };
}

/** Wraps `value` as a secret on the wire. */
export function asSecret(value: unknown): Bag {
  return { [SIGNATURE_KEY]: SECRET_SIGNATURE, value };
}

/** A copy of `bag` with the named top-level properties (those present and not null) wrapped as secrets. */
export function concealSecrets(bag: Bag, keys: Iterable<string>): Bag {
  const out: Bag = { ...bag };
  for (const key of keys) {
    if (out[key] !== undefined && out[key] !== null && !isSecret(out[key])) out[key] = asSecret(out[key]);
  }
  return out;
}
