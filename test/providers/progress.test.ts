/**
 * Progress lines reach the engine's Log service through @pulumi/pulumi's private gRPC stubs; when those are
 * missing, shaped differently or the call fails, lines fall back to stderr and nothing throws.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connectEngineLogger, loadBesidePulumi, type ModuleLoader } from "../../sdk/providers/progress";

interface LogRequest {
  getMessage(): string;
  getUrn(): string;
  getEphemeral(): boolean;
  getSeverity(): number;
}
type LogHandler = (call: { request: LogRequest }, done: (err: unknown, reply?: unknown) => void) => void;
interface GrpcServer {
  addService(service: unknown, impl: Record<string, LogHandler>): void;
  bindAsync(address: string, credentials: unknown, cb: (err: Error | null, port: number) => void): void;
  forceShutdown(): void;
}
interface Grpc {
  Server: new () => GrpcServer;
  ServerCredentials: { createInsecure(): unknown };
  status: { UNAVAILABLE: number };
}

/** A stand-in for the engine: a real gRPC server with the engine's Log method. */
async function fakeEngine(answer: "ok" | "error"): Promise<{ address: string; received: LogRequest[]; stop(): void }> {
  const grpc = loadBesidePulumi("@grpc/grpc-js") as Grpc;
  const { EngineService } = loadBesidePulumi("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineService: unknown };
  const { Empty } = loadBesidePulumi("google-protobuf/google/protobuf/empty_pb.js") as { Empty: new () => unknown };
  const received: LogRequest[] = [];
  const server = new grpc.Server();
  server.addService(EngineService, {
    log: (call, done) => {
      received.push(call.request);
      if (answer === "ok") done(null, new Empty());
      else done({ code: grpc.status.UNAVAILABLE, details: "engine went away" });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, received, stop: () => server.forceShutdown() };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(condition(), what);
}

/** Captures what is written to stderr while `fn` runs. */
async function capturingStderr(fn: () => Promise<void>): Promise<string> {
  const original = process.stderr.write.bind(process.stderr);
  let text = "";
  process.stderr.write = (chunk: string | Uint8Array): boolean => {
    text += String(chunk);
    return true;
  };
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return text;
}

test("with the installed @pulumi/pulumi, a line reaches the engine's Log service with its URN and ephemeral flag", async () => {
  const engine = await fakeEngine("ok");
  try {
    const { logger, reason } = connectEngineLogger(engine.address);
    assert.ok(logger, reason);
    logger.log("pod p1: waiting for sshd", { urn: "urn:pulumi:dev::proj::Pod::p1", ephemeral: true });
    await until(() => engine.received.length === 1, "the engine got the line");
    const req = engine.received[0];
    assert.equal(req.getMessage(), "pod p1: waiting for sshd");
    assert.equal(req.getUrn(), "urn:pulumi:dev::proj::Pod::p1");
    assert.equal(req.getEphemeral(), true);
  } finally {
    engine.stop();
  }
});

test("a line marked as a warning reaches the engine with severity WARNING (and never as an ephemeral status)", async () => {
  const engine = await fakeEngine("ok");
  const { LogSeverity } = loadBesidePulumi("@pulumi/pulumi/proto/engine_pb") as { LogSeverity: Record<string, number> };
  try {
    const { logger, reason } = connectEngineLogger(engine.address);
    assert.ok(logger, reason);
    logger.log("host key note", { urn: "urn:pulumi:dev::proj::Pod::p1", warning: true, ephemeral: true });
    logger.log("progress", { urn: "urn:pulumi:dev::proj::Pod::p1" });
    await until(() => engine.received.length === 2, "the engine got both lines");
    const [warning, info] = engine.received;
    assert.equal(warning.getSeverity(), LogSeverity.WARNING);
    assert.equal(warning.getEphemeral(), false);
    assert.equal(info.getSeverity(), LogSeverity.INFO);
  } finally {
    engine.stop();
  }
});

test("stubs that cannot be loaded: no logger, a reason, no throw", () => {
  const missing: ModuleLoader = (name) => {
    throw new Error(`Cannot find module '${name}'`);
  };
  const r = connectEngineLogger("127.0.0.1:1", missing);
  assert.equal(r.logger, null);
  assert.match(r.reason ?? "", /cannot load the engine's gRPC stubs \(Cannot find module '@grpc\/grpc-js'\)/);
});

test("stubs shaped differently (a newer @pulumi/pulumi): no logger, a reason, no throw", () => {
  const changed: ModuleLoader = (name) => {
    const real = loadBesidePulumi(name) as Record<string, unknown>;
    if (!name.endsWith("engine_pb")) return real;
    class LogRequestWithoutEphemeral {
      setSeverity(): void {}
      setMessage(): void {}
      setUrn(): void {}
    }
    return { ...real, LogRequest: LogRequestWithoutEphemeral };
  };
  const r = connectEngineLogger("127.0.0.1:1", changed);
  assert.equal(r.logger, null);
  assert.match(r.reason ?? "", /not shaped as this package expects/);
});

test("an engine that answers the Log call with an error: that line and the next go to stderr", async () => {
  const engine = await fakeEngine("error");
  try {
    const { logger } = connectEngineLogger(engine.address);
    assert.ok(logger);
    const written = await capturingStderr(async () => {
      logger.log("first line", {});
      await until(() => engine.received.length === 1, "the engine was asked");
      await new Promise((r) => setTimeout(r, 100));
      logger.log("second line", {});
    });
    assert.match(written, /\[pulumi-runpod-ssh\] first line\n/);
    assert.match(written, /\[pulumi-runpod-ssh\] second line\n/);
    assert.equal(engine.received.length, 1, "after a failure the engine is not asked again");
  } finally {
    engine.stop();
  }
});
