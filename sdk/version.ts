/**
 * This package's version, sent in the User-Agent and served by the plugin: read from package.json, the one place a
 * release's version is set (dist/sdk/version.js -> ../../package.json, in the repository and in the installed
 * package or plugin archive alike).
 */
import path from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PACKAGE_VERSION: string = (require(path.join(__dirname, "..", "..", "package.json")) as { version: string })
  .version;
