/**
 * Type-level test: compiles (as part of `tsc -p tsconfig.json`, so `npm test` fails otherwise) only if
 * `SshPod.connection` is accepted where `@pulumi/command` takes a connection, and names no field that
 * `remote.ConnectionArgs` lacks. Types only: nothing here is loaded at run time, so the `command` plugin is never
 * needed.
 */
import type * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import type { SshPod } from "../../sdk";
import type { SshPodConnection } from "../../sdk/ssh/connection";

type ConnectionArgs = command.types.input.remote.ConnectionArgs;

export function commandOnPod(pod: SshPod): command.remote.CommandArgs {
  return { connection: pod.connection, create: "nvidia-smi" };
}

export function copyToPod(pod: SshPod, source: pulumi.asset.Asset): command.remote.CopyToRemoteArgs {
  return { connection: pod.connection, source, remotePath: "/workspace/" };
}

export function plainConnection(value: SshPodConnection): ConnectionArgs {
  return value;
}

/** Every field of SshPodConnection is a ConnectionArgs field (an Output of an object skips excess-property checks). */
type Unknown = Exclude<keyof SshPodConnection, keyof ConnectionArgs>;
export const noUnknownField: [Unknown] extends [never] ? true : Unknown = true;

/** The field names the issue asks for are there. */
type Wanted = "host" | "port" | "user" | "privateKey" | "hostKey";
export const wantedFields: [Exclude<Wanted, keyof SshPodConnection>] extends [never] ? true : false = true;

// The checks above can fail: a connection without its host is refused.
// @ts-expect-error host is required by remote.ConnectionArgs
export const withoutHost: ConnectionArgs = { port: 22, user: "root" };
