/**
 * How much environment a pod's container can actually receive.
 *
 * Runpod documents only a count (at most 50 variables per pod) and its API takes any string values (`env` is an
 * object of strings, with no size limit in the contract). The size limit comes from Linux: the container's
 * first process is started with `execve`, which refuses (E2BIG, "argument list too long", and the container never
 * starts) when
 * - one `NAME=value` string, with its terminating NUL, is over MAX_ARG_STRLEN = 32 pages = 131072 bytes (a
 *   constant compiled into the kernel, the same on every x86-64 and arm64 host with 4 KiB pages), or
 * - all argument and environment strings together, with their pointers, are over ARG_MAX = a quarter of the
 *   stack limit: 2 MiB at the usual 8 MiB stack (`getconf ARG_MAX` prints 2097152).
 * Both were measured on Linux with `execve` (Node's `spawnSync`): a 131072-byte entry starts, 131073 gets E2BIG.
 *
 * The env we send is only part of what the container gets: the image's own `ENV` lines and the variables Runpod
 * and Docker add (RUNPOD_*, PATH, HOSTNAME, ...) share the same 2 MiB, and so does the start command (`args`). So
 * this package allows half of it, 1 MiB, for the env it sends plus `args`, and leaves the other half to them.
 */

/** MAX_ARG_STRLEN: the largest `NAME=value` string, counting its terminating NUL, a new program accepts. */
export const MAX_ENV_ENTRY_BYTES = 131_072;
/** ARG_MAX at the default 8 MiB stack: everything a new program receives (arguments and environment). */
export const LINUX_ARG_MAX_BYTES = 2 * 1024 * 1024;
/** What this package lets the env it sends plus `args` take: half of ARG_MAX (see above). */
export const MAX_ENV_TOTAL_BYTES = LINUX_ARG_MAX_BYTES / 2;

/** The bytes one variable takes in the new program's memory: `NAME=value` and a NUL. */
export function envEntryBytes(name: string, value: string): number {
  return Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
}

/** The bytes the env and the start command take, with the pointer to each string. */
export function startBytes(env: Readonly<Record<string, string>>, args: string | undefined): number {
  let total = 0;
  for (const [name, value] of Object.entries(env)) total += envEntryBytes(name, value) + 8;
  if (args !== undefined) total += Buffer.byteLength(args) + 1 + 8;
  return total;
}
