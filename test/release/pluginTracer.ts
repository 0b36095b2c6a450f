/**
 * Loaded with `node --require` into every Node process of a release test (NODE_OPTIONS); records only in the
 * runpod-ssh plugin the CLI installed (its script under `<PULUMI_HOME>/plugins/resource-runpod-ssh-v*`): every
 * module it resolves and every path it opens, reads, stats or lists, one per line in
 * `$RUNPOD_SSH_TRACE_DIR/<pid>.trace` (first line: argv and working folder). Self-contained: the test copies this
 * file out of the repository before use, so loading it touches nothing there.
 */
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-function-type */
import type ModuleType from "node:module";
import type fsType from "node:fs";

const script = process.argv[1] ?? "";
const traceDir = process.env.RUNPOD_SSH_TRACE_DIR;
if (traceDir && /[\\/]plugins[\\/]resource-runpod-ssh-v[^\\/]+[\\/]/.test(script)) {
  const fs = require("node:fs") as typeof fsType;
  const Module = require("node:module") as typeof ModuleType & { _resolveFilename: Function };
  const appendFileSync = fs.appendFileSync;
  const file = `${traceDir}/${process.pid}.trace`;
  appendFileSync(file, `${JSON.stringify({ argv: process.argv, cwd: process.cwd() })}\n`);
  const seen = new Set<string>();
  const record = (p: unknown) => {
    const text = typeof p === "string" ? p : p instanceof URL ? p.pathname : Buffer.isBuffer(p) ? p.toString() : "";
    if (!text || seen.has(text)) return;
    seen.add(text);
    appendFileSync(file, `${text}\n`);
  };
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, ...args: unknown[]): unknown {
    const resolved = resolveFilename.apply(this, args) as string;
    record(resolved);
    return resolved;
  };
  const fsRecord = fs as unknown as Record<string, Function>;
  for (const name of [
    "openSync",
    "readFileSync",
    "statSync",
    "lstatSync",
    "existsSync",
    "readdirSync",
    "open",
    "readFile",
    "stat",
    "readdir",
  ]) {
    const original = fsRecord[name];
    fsRecord[name] = function (this: unknown, ...args: unknown[]): unknown {
      record(args[0]);
      return original.apply(this, args) as unknown;
    };
  }
  for (const name of ["open", "readFile", "stat", "readdir"]) {
    const promises = fs.promises as unknown as Record<string, Function>;
    const original = promises[name];
    promises[name] = function (this: unknown, ...args: unknown[]): unknown {
      record(args[0]);
      return original.apply(this, args) as unknown;
    };
  }
}
