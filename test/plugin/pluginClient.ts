/**
 * Talks to the runpod-ssh plugin as the Pulumi engine does: starts `bin/pulumi-resource-runpod-ssh`, reads the
 * port it prints, and calls its ResourceProvider gRPC service with the stubs @pulumi/pulumi ships
 * (`proto/provider_grpc_pb`), property bags as protobuf Structs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

/** dist/test/plugin -> repository root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const PLUGIN_BIN = path.join(ROOT, "bin", "pulumi-resource-runpod-ssh");

const besidePulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-explicit-any */
const grpc = besidePulumi("@grpc/grpc-js") as any;
const providerGrpc = besidePulumi("@pulumi/pulumi/proto/provider_grpc_pb") as any;
const providerPb = besidePulumi("@pulumi/pulumi/proto/provider_pb") as any;
const pluginPb = besidePulumi("@pulumi/pulumi/proto/plugin_pb") as any;
const structPb = besidePulumi("google-protobuf/google/protobuf/struct_pb") as any;
const emptyPb = besidePulumi("google-protobuf/google/protobuf/empty_pb") as any;
/* eslint-enable @typescript-eslint/no-explicit-any */

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
function struct(bag: Bag | undefined): unknown {
  return structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(bag ?? {})));
}

/** A gRPC error from the plugin, with the status details kept for assertions. */
export interface PluginCallError extends Error {
  code: number;
  details: string;
}

export interface DiffAnswer {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export class PluginClient {
  private constructor(
    private readonly child: ChildProcess,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly client: any,
    readonly stderr: () => string,
  ) {}

  /** Starts the plugin with `env` added to (and overriding) this process's environment. */
  static async start(env: NodeJS.ProcessEnv = {}): Promise<PluginClient> {
    const child = spawn(PLUGIN_BIN, [], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      child.stdout!.on("data", (d: Buffer) => {
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

  private call<T>(method: string, request: unknown, read: (response: any) => T): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    return new Promise((resolve, reject) => {
      this.client[method](request, (error: PluginCallError | null, response: unknown) => (error ? reject(error) : resolve(read(response))));
    });
  }

  getSchema(): Promise<Bag> {
    const req = new providerPb.GetSchemaRequest();
    return this.call("getSchema", req, (r) => JSON.parse(r.getSchema()) as Bag);
  }

  getPluginInfo(): Promise<string> {
    return this.call("getPluginInfo", new emptyPb.Empty(), (r) => (r as typeof pluginPb.PluginInfo.prototype).getVersion() as string);
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
    return this.call("configure", req, () => undefined);
  }

  check(urn: string, olds: Bag, news: Bag): Promise<{ inputs: Bag; failures: Array<{ property: string; reason: string }> }> {
    const req = new providerPb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    return this.call("check", req, (r) => ({
      inputs: r.getInputs().toJavaScript() as Bag,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      failures: r.getFailuresList().map((f: any) => ({ property: f.getProperty() as string, reason: f.getReason() as string })),
    }));
  }

  diff(id: string, urn: string, olds: Bag, news: Bag): Promise<DiffAnswer> {
    const req = new providerPb.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const changes = providerPb.DiffResponse.DiffChanges;
    return this.call("diff", req, (r) => ({
      changes: r.getChanges() === changes.DIFF_SOME ? "some" : r.getChanges() === changes.DIFF_NONE ? "none" : "unknown",
      replaces: r.getReplacesList() as string[],
      deleteBeforeReplace: r.getDeletebeforereplace() as boolean,
    }));
  }

  create(urn: string, properties: Bag): Promise<{ id: string; properties: Bag }> {
    const req = new providerPb.CreateRequest();
    req.setUrn(urn);
    req.setProperties(struct(properties));
    return this.call("create", req, (r) => ({ id: r.getId() as string, properties: r.getProperties().toJavaScript() as Bag }));
  }

  read(id: string, urn: string, properties: Bag): Promise<{ id: string; properties: Bag }> {
    const req = new providerPb.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(struct(properties));
    return this.call("read", req, (r) => ({ id: r.getId() as string, properties: (r.getProperties()?.toJavaScript() ?? {}) as Bag }));
  }

  update(id: string, urn: string, olds: Bag, news: Bag): Promise<Bag> {
    const req = new providerPb.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    return this.call("update", req, (r) => r.getProperties().toJavaScript() as Bag);
  }

  delete(id: string, urn: string, properties: Bag): Promise<void> {
    const req = new providerPb.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(struct(properties));
    return this.call("delete", req, () => undefined);
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
