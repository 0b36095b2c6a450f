/**
 * Builds a Pulumi Go program that uses this package, the way a Go user's machine does after
 * `pulumi package add`: the Go SDK generated from the plugin's schema by Pulumi's own generator (sdkgen.ts) as a
 * local module, the program's go.mod pointing at it with `replace`, then `go build`. The binary then runs under the
 * real CLI through engine/goProgramHost.ts, the stand-in for Pulumi's Go language host (refused by the proxy here).
 */
import fs from "node:fs";
import path from "node:path";
import { goStep, type Log, type Toolchain } from "./toolchain";
import { ensureSdkGenerator, generateSdk } from "./sdkgen";
import { GO_MODULE } from "./schema/buildSchema";

/** The Go module path of the generated SDK (the schema's `language.go.importBasePath`). */
export const GO_SDK_MODULE = GO_MODULE;

/**
 * Copies the Go program in `programDir` (main.go, go.mod) into `workDir`, generates the SDK into
 * `workDir/sdks/runpod-ssh`, and builds; returns the binary's path.
 */
export async function buildGoProgram(
  toolchain: Toolchain,
  schemaFile: string,
  programDir: string,
  workDir: string,
  log: Log = (l) => console.error(l),
): Promise<string> {
  const generator = await ensureSdkGenerator(toolchain, log);
  const sdkRoot = path.join(workDir, "sdks", "runpod-ssh");
  await generateSdk(generator, "go", schemaFile, sdkRoot);
  const sdkModule = path.join(sdkRoot, "runpodssh");
  fs.writeFileSync(
    path.join(sdkModule, "go.mod"),
    `module ${GO_SDK_MODULE}\n\ngo 1.26\n\nrequire github.com/pulumi/pulumi/sdk/v3 v${toolchain.version}\n`,
  );
  for (const file of ["main.go", "go.mod"]) fs.copyFileSync(path.join(programDir, file), path.join(workDir, file));
  const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
  const started = Date.now();
  // The program requires the published SDK module; this build uses the one just generated.
  await goStep(["mod", "edit", "-replace", `${GO_SDK_MODULE}=./sdks/runpod-ssh/runpodssh`], workDir, env, "SDK replace", log);
  await goStep(["mod", "tidy"], sdkModule, env, "SDK dependencies", log);
  await goStep(["mod", "tidy"], workDir, env, "program dependencies", log);
  const binary = path.join(workDir, "program");
  await goStep(["build", "-o", binary, "."], workDir, env, "compiling the program", log);
  log(`built the Go program in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}
