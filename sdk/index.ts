/**
 * pulumi-runpod-ssh: SSH-ready Runpod pods from one `pulumi up`.
 *
 * This entry point exports the plain Runpod v2 client (no Pulumi needed) and, as they land, the Pulumi
 * resources and components built on it.
 */
export * from "./runpod";
export { PACKAGE_VERSION } from "./version";
