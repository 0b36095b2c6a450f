/**
 * The YAML language host's decisions, without building anything: a host beside the CLI or on PATH is used as it
 * is, a cached build is copied beside a cached CLI (where the CLI looks first), and without `go` the message
 * says what to install.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ToolchainError, type Toolchain } from "../../scripts/toolchain";
import { ensureYamlHost, PINNED_YAML_VERSION } from "../../scripts/toolchainYaml";
import { withEnv } from "../helpers/env";

function executable(file: string, body = "#!/bin/sh\n"): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body, { mode: 0o755 });
  return file;
}

function toolchainIn(binDir: string, source: Toolchain["source"]): Toolchain {
  return { pulumi: path.join(binDir, "pulumi"), binDir, version: "3.274.1", source };
}

test("a YAML host beside the CLI, or else on PATH, is used as it is", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yaml-host-"));
  try {
    const cliDir = path.join(dir, "cli");
    const beside = executable(path.join(cliDir, "pulumi-language-yaml"));
    const found = await ensureYamlHost(toolchainIn(cliDir, "path"), () => undefined);
    assert.deepEqual([found.source, found.binary], ["beside-cli", beside]);

    const otherCli = path.join(dir, "other-cli");
    fs.mkdirSync(otherCli);
    const onPath = executable(path.join(dir, "path-bin", "pulumi-language-yaml"));
    const fromPath = await withEnv({ PATH: path.dirname(onPath), PULUMI_RUNPOD_SSH_IGNORE_PATH_CLI: undefined }, () =>
      ensureYamlHost(toolchainIn(otherCli, "path"), () => undefined),
    );
    assert.deepEqual([fromPath.source, fromPath.binary], ["path", onPath]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a cached build is copied beside a cached CLI, where the CLI looks for language hosts first", async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "yaml-cache-"));
  try {
    const cliDir = path.join(cache, "v3.274.1", "bin");
    fs.mkdirSync(cliDir, { recursive: true });
    const bin = path.join(cache, `language-yaml-v${PINNED_YAML_VERSION}`, "bin");
    executable(path.join(bin, "pulumi-language-yaml"), "#!/bin/sh\necho cached-yaml-host\n");
    fs.writeFileSync(path.join(bin, "BUILD-INFO.json"), "{}");
    const host = await withEnv({ PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR: cache, PATH: "/nonexistent" }, () =>
      ensureYamlHost(toolchainIn(cliDir, "cache"), () => undefined),
    );
    assert.equal(host.source, "cache");
    assert.equal(host.binary, path.join(cliDir, "pulumi-language-yaml"));
    assert.match(fs.readFileSync(host.binary, "utf8"), /cached-yaml-host/);
    assert.ok(fs.statSync(host.binary).mode & 0o100, "executable");
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test("without go and without a cached host, the message says what to install", async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "yaml-nogo-"));
  try {
    const cliDir = path.join(cache, "cli");
    fs.mkdirSync(cliDir);
    await assert.rejects(
      withEnv({ PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR: cache, PATH: "/nonexistent" }, () =>
        ensureYamlHost(toolchainIn(cliDir, "cache"), () => undefined),
      ),
      (e: Error) => e instanceof ToolchainError && /YAML language host.*`go` is not installed.*Install Go/s.test(e.message),
    );
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
