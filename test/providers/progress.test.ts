/**
 * Progress lines reach the engine's Log service: our own encoding of `pulumirpc.LogRequest` over the declared
 * `@grpc/grpc-js`, received here by a stand-in engine built from @pulumi/pulumi's own generated stubs (test code
 * only: that proves the wire format matches what the engine decodes). When the call fails, lines fall back to
 * stderr and nothing throws.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { connectEngineLogger } from "../../sdk/providers/progress";

const loadBesidePulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));

interface LogRequest {
  getSeverity(): number;
  getMessage(): string;
  getUrn(): string;
  getEphemeral(): boolean;
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

test("a warning goes out with the engine's WARNING severity, never ephemeral; a plain line with INFO", async () => {
  const engine = await fakeEngine("ok");
  try {
    const { logger, reason } = connectEngineLogger(engine.address);
    assert.ok(logger, reason);
    logger.log("pod p1: host key not proven", { severity: "warning", ephemeral: true });
    await until(() => engine.received.length === 1, "the engine got the warning");
    logger.log("plain", {});
    await until(() => engine.received.length === 2, "the engine got the plain line");
    const [warning, plain] = engine.received;
    assert.equal(warning.getSeverity(), 2, "LogSeverity.WARNING");
    assert.equal(warning.getMessage(), "pod p1: host key not proven");
    assert.equal(warning.getEphemeral(), false, "a warning stays on screen");
    assert.equal(plain.getSeverity(), 1, "LogSeverity.INFO");
    assert.equal(plain.getUrn(), "");
    assert.equal(plain.getEphemeral(), false);
  } finally {
    engine.stop();
  }
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
