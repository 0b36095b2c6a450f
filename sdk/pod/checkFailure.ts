/**
 * Check failures in the shape the Pulumi engine prints them:
 *
 *   `<type> resource '<name>': property <property> value <value> has a problem: <reason>`
 *
 * The engine looks the value up by `property` among the resource's top-level inputs, so `property` is always a
 * top-level input name (a nested path such as `ports[2]` would print `value <nil>`); the nested path goes into the
 * reason instead. Every reason is a full sentence that names the input (starting with its name or path, or with a
 * capital), says what is wrong and how to fix it, and ends with a period.
 */

/** A rejected input, in the shape Pulumi's `check` returns. */
export interface CheckFailure {
  /** The top-level input the problem is in (the engine prints its value next to the reason). */
  property: string;
  /** A full sentence naming the input (with the nested path when there is one) and how to fix it. */
  reason: string;
  /** The nested path, such as `ports[2]` (the engine ignores it; components report it). */
  path?: string;
}

/** Where a problem is: the top-level input, then object keys and array indexes. */
export type InputPath = ReadonlyArray<string | number>;

const IDENTIFIER_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `ports[2]`, `gpu.ids[0]`, `env.MODEL`, `env["MY-VAR"]`: a path as the user would write it in code. */
export function pathText(path: InputPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (out === "") out = segment;
    else out += IDENTIFIER_RE.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Collects failures, one per distinct (property, reason), in the order found. */
export class CheckFailures {
  readonly list: CheckFailure[] = [];

  /** Records a problem at `path`; `sentence` is the full reason (it names `pathText(path)` itself). */
  add(path: InputPath, sentence: string): void {
    const property = String(path[0] ?? "");
    if (!this.list.some((f) => f.property === property && f.reason === sentence)) {
      this.list.push({ property, reason: sentence, path: pathText(path) });
    }
  }
}

/** How a wrong value is named in a message: its type, and the value itself when it is short and not text. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "a string";
  if (typeof value === "object") return "an object";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${typeof value === "number" ? "the number" : typeof value} ${String(value)}`;
  }
  return typeof value;
}
