/**
 * The default pod name, `<project>-<stack>-<resource name>`: also how you find a stack's pod in the Runpod
 * console. Runpod allows 128 characters; a longer name keeps its start and ends with a hash of the whole.
 */
import { createHash } from "node:crypto";

export const MAX_POD_NAME_LENGTH = 128;

export function podNameFor(project: string, stack: string, resourceName: string): string {
  const full = `${project}-${stack}-${resourceName}`;
  if (full.length <= MAX_POD_NAME_LENGTH) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, MAX_POD_NAME_LENGTH - 9)}-${hash}`;
}
