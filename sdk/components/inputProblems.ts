/**
 * Invalid component inputs, reported all at once: the components (`SshPod`, `SshKey`) collect every problem,
 * then throw one `pulumi.InputPropertiesError` listing them, each with its property path (`gpu.ids`,
 * `extraPublicKeys[1]`) and a full sentence that names the input and says how to fix it. Its message lists the
 * sentences too, since a Pulumi program prints an uncaught error's message (the engine pretty-prints the
 * `errors` only for errors raised inside a provider).
 *
 * The error also carries the marker of `pulumi.RunError` (`__pulumiRunError`): for an error a program throws,
 * the Node.js SDK prints a RunError as its message alone, while any other error is printed as "Unhandled
 * exception" with our own stack trace, which tells the user nothing about their input. Seen under the real CLI.
 */
import * as pulumi from "@pulumi/pulumi";

export class InputProblems {
  readonly errors: pulumi.InputPropertyErrorDetails[] = [];

  constructor(
    /** `SshPod "trainer"`: who the inputs belong to. */
    private readonly owner: string,
  ) {}

  add(propertyPath: string, reason: string): void {
    if (!this.errors.some((e) => e.propertyPath === propertyPath && e.reason === reason))
      this.errors.push({ propertyPath, reason });
  }

  /**
   * The error to throw, or undefined when every input is valid. `errorClass` is `pulumi.InputPropertiesError`
   * (from @pulumi/pulumi 3.138, so in every release of the peer range); should it be missing all the same, a plain
   * Error with the same message and the same `errors` is thrown (pass `null` to get it).
   */
  error(
    errorClass: typeof pulumi.InputPropertiesError | null = pulumi.InputPropertiesError ?? null,
  ): Error | undefined {
    if (this.errors.length === 0) return undefined;
    const count = this.errors.length === 1 ? "1 invalid input" : `${this.errors.length} invalid inputs`;
    const message = `${this.owner} has ${count}:\n${this.errors.map((e) => `  - ${e.reason}`).join("\n")}`;
    const errors = [...this.errors];
    const error = errorClass ? new errorClass({ message, errors }) : Object.assign(new Error(message), { errors });
    // Printed like a pulumi.RunError by the program host: the message, without a stack trace.
    Object.defineProperty(error, "__pulumiRunError", { value: true });
    return error;
  }

  throwIfAny(): void {
    const error = this.error();
    if (error) throw error;
  }
}

/**
 * The plain part of an input value: Outputs and promises (not known while the program runs) become `unknown`, so
 * checks written for provider inputs skip them as they skip values unknown at preview.
 */
export function knownPart(value: unknown, unknown: string): unknown {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return unknown;
  if (Array.isArray(value)) return value.map((v) => knownPart(v, unknown));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, knownPart(v, unknown)]));
  }
  return value;
}
