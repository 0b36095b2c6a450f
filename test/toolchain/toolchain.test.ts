/**
 * The toolchain script's decisions, without building anything: which CLI it takes (PATH, cache), what it says
 * when it cannot build one (no go, no disk), and how it reads versions and the proxy's refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  checkFreeDisk,
  compareVersions,
  ensureToolchain,
  isNotServed,
  PINNED_PULUMI_VERSION,
  ToolchainError,
} from "../../scripts/toolchain";
import { withEnv } from "../helpers/env";

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, "..", "..", "scripts", "toolchain.js");

function fakePulumi(dir: string, version: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "pulumi");
  fs.writeFileSync(file, `#!/bin/sh\necho v${version}\n`, { mode: 0o755 });
  return file;
}

test("versions compare numerically, ignoring a leading v and pre-release suffixes", () => {
  assert.equal(compareVersions("3.141.0", "3.141.0"), 0);
  assert.equal(compareVersions("v3.274.1", "3.141.0"), 1);
  assert.equal(compareVersions("3.99.0", "3.141.0"), -1);
  assert.equal(compareVersions("3.141.0-alpha.1", "3.141.0"), 0);
});

test("the proxy's refusals are told apart from build failures", () => {
  assert.ok(isNotServed("reading https://proxy.golang.org/...: 403 Forbidden\n\tserver response: This module version is not available."));
  assert.ok(isNotServed("go: github.com/pulumi/pulumi/pkg/v3@v3.270.0: invalid version: unknown revision pkg/v3.270.0"));
  assert.ok(!isNotServed("# github.com/pulumi/pulumi/pkg/v3/cmd/pulumi\n./main.go:10: undefined: foo"));
});

test("a cached build is used as it is, with the dynamic-provider plugin placed beside it", async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-cache-"));
  try {
    const bin = path.join(cache, `v${PINNED_PULUMI_VERSION}`, "bin");
    fakePulumi(bin, PINNED_PULUMI_VERSION);
    fs.writeFileSync(path.join(bin, "BUILD-INFO.json"), "{}");
    const toolchain = await withEnv({ PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR: cache, PATH: "/nonexistent" }, () => ensureToolchain(() => undefined));
    assert.equal(toolchain.source, "cache");
    assert.equal(toolchain.pulumi, path.join(bin, "pulumi"));
    const plugin = path.join(bin, "pulumi-resource-pulumi-nodejs");
    assert.ok(fs.statSync(plugin).mode & 0o100, "the dynamic-provider plugin is executable beside pulumi");
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test("a recent pulumi on PATH is used; an old one is ignored with a note", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-path-"));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-cache-"));
  try {
    const recent = path.join(dir, "recent");
    fakePulumi(recent, "3.200.0");
    fs.writeFileSync(path.join(recent, "pulumi-resource-pulumi-nodejs"), "#!/bin/sh\n", { mode: 0o755 });
    const found = await withEnv({ PATH: recent }, () => ensureToolchain(() => undefined));
    assert.deepEqual([found.source, found.version], ["path", "3.200.0"]);

    const old = path.join(dir, "old");
    fakePulumi(old, "3.100.0");
    const bin = path.join(cache, `v${PINNED_PULUMI_VERSION}`, "bin");
    fakePulumi(bin, PINNED_PULUMI_VERSION);
    fs.writeFileSync(path.join(bin, "BUILD-INFO.json"), "{}");
    const notes: string[] = [];
    const chosen = await withEnv({ PATH: old, PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR: cache }, () => ensureToolchain((l) => notes.push(l)));
    assert.equal(chosen.source, "cache");
    assert.match(notes.join("\n"), /ignoring .*pulumi: version 3\.100\.0 is older than 3\.141\.0/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test("without go and without a usable CLI, npm run toolchain fails naming what is missing", async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-cache-"));
  const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-nopath-"));
  try {
    const failure = await run(process.execPath, [SCRIPT], {
      env: { PATH: emptyPath, PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR: cache, HOME: os.tmpdir() },
    }).then(
      () => assert.fail("expected a failure"),
      (e: Error & { code?: number; stderr?: string }) => e,
    );
    assert.equal(failure.code, 1);
    assert.match(failure.stderr ?? "", /`go` is not installed/);
    assert.match(failure.stderr ?? "", /Install Go .* or install the Pulumi CLI/);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
    fs.rmSync(emptyPath, { recursive: true, force: true });
  }
});

test("too little free disk stops before building, saying how much is needed and what to do", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-disk-"));
  try {
    assert.throws(
      () => checkFreeDisk(dir, Number.MAX_SAFE_INTEGER),
      (e: unknown) => e instanceof ToolchainError && /needs about \d+ GB free/.test(e.message) && /PULUMI_RUNPOD_SSH_TOOLCHAIN_DIR/.test(e.message),
    );
    assert.doesNotThrow(() => checkFreeDisk(dir, 1));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
