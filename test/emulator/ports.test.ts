/**
 * Public ports: the emulator never maps one port to two pods, even when the kernel hands the same free port out
 * twice (it often does). Before the port book, two pods starting close together could share a mapping; the one
 * whose sshd lost the bind then pointed `ssh.direct` at the other pod's sshd, whose banner made it look ready
 * (the benchmark's "reported ready but the emulator has no sshdReadyAt for it").
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { test } from "node:test";
import { freePort } from "../../emulator/ids";
import { PortBook } from "../../emulator/ports";
import { PodStore, type Pod } from "../../emulator/pods";
import { placePod, resolveCreate } from "../../emulator/podRules";
import { FaultInjector } from "../../emulator/faults";
import { SshdManager, locateSshTools } from "../../emulator/sshd";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

const run = promisify(execFile);

/** A port finder that returns `ports` first, then real free ports. */
function finder(...ports: number[]): () => Promise<number> {
  return async () => ports.shift() ?? (await freePort());
}

test("the book never hands out a port it holds, and hands it out again once released", async () => {
  const book = new PortBook(finder(40001, 40001, 40001, 40002, 40001));
  assert.equal(await book.take(), 40001);
  assert.equal(await book.take(), 40002, "the repeated 40001 was skipped");
  assert.ok(book.holds(40001) && book.holds(40002));
  book.release(40001);
  assert.equal(await book.take(), 40001);
});

test("two pods given the same free port by the kernel get different ports, each pointing at its own sshd", async () => {
  const shared = await freePort();
  const tools = locateSshTools();
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), "ports-test-"));
  const sshd = new SshdManager(tools, freePort, () => undefined);
  const store = new PodStore({
    timings: { provisioningMs: 10, startingMs: 10, sshdStartMs: 400 },
    sshMode: "image",
    sshd,
    rootDir,
    log: () => undefined,
    // The kernel's answer for both pods' 22/tcp: the same port.
    ports: new PortBook(finder(shared, shared)),
  });
  const body = {
    image: "runpod/base:1.0.0",
    gpu: { id: "NVIDIA GeForce RTX 4090", count: 1 },
    ports: ["22/tcp"],
    env: { PUBLIC_KEY: ed25519PublicKeyLine() },
  };
  const place = (name: string): Pod => {
    const { config } = resolveCreate({ ...body, name });
    return store.create(config, placePod(config, new FaultInjector()), null);
  };
  try {
    const a = place("a");
    await new Promise((r) => setTimeout(r, 60));
    const b = place("b");
    // Watch both mappings until both sshd listen: they never coincide.
    const deadline = Date.now() + 10_000;
    while (!(a.container?.sshdReadyAt && b.container?.sshdReadyAt) && Date.now() < deadline) {
      const portA = a.sshMapping?.public;
      const portB = b.sshMapping?.public;
      assert.ok(portA === undefined || portB === undefined || portA !== portB, `both pods mapped to ${String(portA)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(a.container?.sshdReadyAt && b.container?.sshdReadyAt, "both sshd listen");
    assert.equal(a.sshMapping?.public, shared, "the first pod keeps the port");
    assert.notEqual(b.sshMapping?.public, shared);
    for (const pod of [a, b]) {
      const { stdout } = await run("ssh-keyscan", ["-t", "ed25519", "-p", String(pod.sshMapping?.public), "127.0.0.1"]);
      const own = fs.readFileSync(path.join(pod.dir, "ssh_host_ed25519_key.pub"), "utf8").split(" ")[1];
      assert.ok(stdout.includes(own), `pod ${pod.config.name}'s port answers with its own host key`);
    }
  } finally {
    store.shutdown();
    await sshd.stopAll();
    fs.rmSync(rootDir, { recursive: true, force: true });
  }
});
