/**
 * Talks to the runpod-ssh plugin as the Pulumi engine does: starts `bin/pulumi-resource-runpod-ssh`, reads the
 * port it prints, and calls its ResourceProvider gRPC service with the stubs @pulumi/pulumi ships
 * (`proto/provider_grpc_pb`), property bags as protobuf Structs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import type * as pb from "@pulumi/pulumi/proto/provider_pb";

/** dist/test/plugin -> repository root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const PLUGIN_BIN = path.join(ROOT, "bin", "pulumi-resource-runpod-ssh");

// The stubs and gRPC library exactly as @pulumi/pulumi loads them (its own dependencies), typed by its .d.ts files.
const besidePulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = besidePulumi("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const providerGrpc = besidePulumi(
  "@pulumi/pulumi/proto/provider_grpc_pb",
) as typeof import("@pulumi/pulumi/proto/provider_grpc_pb");
const providerPb = besidePulumi("@pulumi/pulumi/proto/provider_pb") as typeof pb;
const structPb = besidePulumi(
  "google-protobuf/google/protobuf/struct_pb",
) as typeof import("google-protobuf/google/protobuf/struct_pb");
const emptyPb = besidePulumi(
  "google-protobuf/google/protobuf/empty_pb",
) as typeof import("google-protobuf/google/protobuf/empty_pb");
type JsonObject = Parameters<typeof structPb.Struct.fromJavaScript>[0];
type Client = InstanceType<typeof providerGrpc.ResourceProviderClient>;
type ServiceError = import("@grpc/grpc-js").ServiceError;
type PluginInfo = import("@pulumi/pulumi/proto/plugin_pb").PluginInfo;
type Empty = import("google-protobuf/google/protobuf/empty_pb").Empty;

export const SECRET_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Bag = Record<string, unknown>;

export function secret(value: unknown): Bag {
  return { [SECRET_KEY]: SECRET_SIG, value };
}

export function isSecret(value: unknown): boolean {
  return !!value && typeof value === "object" && (value as Bag)[SECRET_KEY] === SECRET_SIG;
}

/** A URN as the engine makes it for a top-level resource of `type` named `name`. */
export function urnOf(type: string, name: string, project = "plugin-test", stack = "dev"): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/** JSON round trip drops undefined, which protobuf Structs cannot hold. */
function struct(bag: Bag | undefined): InstanceType<typeof structPb.Struct> {
  return structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(bag ?? {})) as JsonObject);
}

function bag(value: InstanceType<typeof structPb.Struct> | undefined): Bag {
  return value?.toJavaScript() ?? {};
}

/** A gRPC error from the plugin, with the status details kept for assertions. */
export interface PluginCallError extends Error {
  code: number;
  details: string;
}

export interface Checked {
  inputs: Bag;
  failures: Array<{ property: string; reason: string }>;
}

/** A resource's id and properties as the plugin returned them. */
export interface Stored {
  id: string;
  properties: Bag;
}

export interface DiffAnswer {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export class PluginClient {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: Client,
    readonly stderr: () => string,
  ) {}

  /**
   * Starts the plugin with `env` added to (and overriding) this process's environment. `command` is how it is
   * started: by default the executable plugin, as the engine starts it.
   */
  static async start(env: NodeJS.ProcessEnv = {}, command: string[] = [PLUGIN_BIN]): Promise<PluginClient> {
    const child = spawn(command[0], command.slice(1), {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const line = /^(\d+)\s*$/m.exec(stdout);
        if (line) resolve(Number(line[1]));
      });
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`the plugin exited (${code}) before printing its port: ${stderr}`)));
    });
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new PluginClient(child, client, () => stderr);
  }

  /** One unary call, as a promise. */
  private call<Res, T>(
    invoke: (callback: (error: ServiceError | null, response: Res) => void) => unknown,
    read: (response: Res) => T,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      invoke((error, response) => (error ? reject(error) : resolve(read(response))));
    });
  }

  getSchema(): Promise<Bag> {
    const req = new providerPb.GetSchemaRequest();
    return this.call<pb.GetSchemaResponse, Bag>(
      (cb) => this.client.getSchema(req, cb),
      (r) => JSON.parse(r.getSchema()) as Bag,
    );
  }

  getPluginInfo(): Promise<string> {
    return this.call<PluginInfo, string>(
      (cb) => this.client.getPluginInfo(new emptyPb.Empty(), cb),
      (r) => r.getVersion(),
    );
  }

  /** Configure as the engine sends it: the stack's `runpod-ssh:*` config as variables and as args. */
  configure(config: Record<string, string>, options: { secretToken?: boolean } = {}): Promise<void> {
    const req = new providerPb.ConfigureRequest();
    const variables = req.getVariablesMap();
    const args: Bag = {};
    for (const [key, value] of Object.entries(config)) {
      variables.set(`runpod-ssh:config:${key}`, value);
      args[key] = key === "token" && options.secretToken ? secret(value) : value;
    }
    req.setArgs(struct(args));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    return this.call<pb.ConfigureResponse, undefined>(
      (cb) => this.client.configure(req, cb),
      () => undefined,
    );
  }

  check(urn: string, olds: Bag, news: Bag): Promise<Checked> {
    const req = new providerPb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    return this.call<pb.CheckResponse, Checked>(
      (cb) => this.client.check(req, cb),
      (r) => ({
        inputs: bag(r.getInputs()),
        failures: r.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      }),
    );
  }

  diff(id: string, urn: string, olds: Bag, news: Bag): Promise<DiffAnswer> {
    const req = new providerPb.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const changes = providerPb.DiffResponse.DiffChanges;
    return this.call<pb.DiffResponse, DiffAnswer>(
      (cb) => this.client.diff(req, cb),
      (r) => ({
        changes:
          r.getChanges() === changes.DIFF_SOME ? "some" : r.getChanges() === changes.DIFF_NONE ? "none" : "unknown",
        replaces: r.getReplacesList(),
        deleteBeforeReplace: r.getDeletebeforereplace(),
      }),
    );
  }

  create(urn: string, properties: Bag): Promise<Stored> {
    const req = new providerPb.CreateRequest();
    req.setUrn(urn);
    req.setProperties(struct(properties));
    const stored = (r: pb.CreateResponse): Stored => ({ id: r.getId(), properties: bag(r.getProperties()) });
    return this.call<pb.CreateResponse, Stored>((cb) => this.client.create(req, cb), stored);
  }

  read(id: string, urn: string, properties: Bag): Promise<Stored> {
    const req = new providerPb.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(struct(properties));
    const stored = (r: pb.ReadResponse): Stored => ({ id: r.getId(), properties: bag(r.getProperties()) });
    return this.call<pb.ReadResponse, Stored>((cb) => this.client.read(req, cb), stored);
  }

  update(id: string, urn: string, olds: Bag, news: Bag): Promise<Bag> {
    const req = new providerPb.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    return this.call<pb.UpdateResponse, Bag>(
      (cb) => this.client.update(req, cb),
      (r) => bag(r.getProperties()),
    );
  }

  delete(id: string, urn: string, properties: Bag): Promise<void> {
    const req = new providerPb.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(struct(properties));
    return this.call<Empty, undefined>(
      (cb) => this.client.delete(req, cb),
      () => undefined,
    );
  }

  /** Closes the connection and stops the plugin. */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }
}
