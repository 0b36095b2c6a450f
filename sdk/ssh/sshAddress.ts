/**
 * Checks for what the API reports about a pod's SSH path before any of it reaches a command, the `sshConfig`
 * block or a `known_hosts` line: a host is an IPv4/IPv6 address or a DNS name, a user (and the proxy user, the
 * pod host id) matches a strict pattern, a port is 1..65535. A value with a newline, a space, a quote or a `-` at
 * its start could otherwise add options (`ProxyCommand`) to a config block or words to a command.
 */
import net from "node:net";

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/** Why `host` is not an IP address or a host name, or undefined when it is one. */
export function hostProblem(host: string): string | undefined {
  if (typeof host === "string" && (net.isIP(host) !== 0 || HOSTNAME.test(host))) return undefined;
  return `host ${JSON.stringify(host)} is not an IP address or a host name`;
}

/** Why `user` is not a plain user name, or undefined. */
export function userProblem(user: string, what = "user"): string | undefined {
  if (typeof user === "string" && USER.test(user)) return undefined;
  return `${what} ${JSON.stringify(user)} is not a plain user name (letters, digits, ".", "_", "-")`;
}

/** Why `port` is not a TCP port, or undefined. */
export function portProblem(port: number): string | undefined {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return undefined;
  return `port ${JSON.stringify(port)} is not between 1 and 65535`;
}

/** What the API reported about one pod's SSH path. */
export interface ReportedSshPath {
  host?: string | null;
  port?: number | null;
  user?: string | null;
  proxyUser?: string | null;
  proxyHost?: string | null;
}

/** Every problem with the reported values (null and undefined are "not reported", not a problem). */
export function sshPathProblems(path: ReportedSshPath): string[] {
  const problems: Array<string | undefined> = [];
  if (path.host !== null && path.host !== undefined) problems.push(hostProblem(path.host));
  if (path.port !== null && path.port !== undefined) problems.push(portProblem(path.port));
  if (path.user !== null && path.user !== undefined) problems.push(userProblem(path.user));
  if (path.proxyUser !== null && path.proxyUser !== undefined) problems.push(userProblem(path.proxyUser, "proxy user"));
  if (path.proxyHost !== null && path.proxyHost !== undefined) problems.push(hostProblem(path.proxyHost));
  return problems.filter((p): p is string => p !== undefined);
}

/** An error for values that failed the checks, naming the pod and what was wrong. */
export class InvalidSshPathError extends Error {
  constructor(podId: string, problems: readonly string[]) {
    super(
      `Runpod reported an SSH path for pod ${podId} that this package will not put in a command: ` +
        `${problems.join("; ")}. Nothing was written with it; report it to Runpod support if it persists.`,
    );
    this.name = "InvalidSshPathError";
  }
}

/** Throws an InvalidSshPathError when any reported value fails the checks. */
export function assertSshPath(podId: string, path: ReportedSshPath): void {
  const problems = sshPathProblems(path);
  if (problems.length > 0) throw new InvalidSshPathError(podId, problems);
}
