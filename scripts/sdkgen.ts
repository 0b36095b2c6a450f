/**
 * SDKs of this package in other languages, generated the way `pulumi package add` generates them, with Pulumi's
 * own generators (`github.com/pulumi/pulumi/pkg/v3/codegen/python` and `.../codegen/go`), where `pulumi package
 * add` cannot run: it reaches those generators through the language hosts, and the Go module proxy here refuses
 * Pulumi's Python and Go hosts (`.../sdk/python/cmd/pulumi-language-python/v3`, `.../sdk/go/pulumi-language-go/v3`).
 *
 * A tiny Go program of ours calls the generators. Its source is written into the toolchain cache and built there
 * against the CLI's pkg/v3 version (`sdkgen`; nothing of Pulumi's code is committed). It also binds the schema
 * first, which validates it against Pulumi's package metaschema.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { buildGoMain, checkFreeDisk, toolchainCacheDir, ToolchainError, type Log, type Toolchain } from "./toolchain";

const run = promisify(execFile);

export type SdkLanguage = "python" | "go";

/** Our generator program: binds (and so validates) a schema file and writes its SDK in one language. */
const SDKGEN_MAIN = `// Written by pulumi-runpod-ssh's scripts/sdkgen.ts: writes an SDK of a Pulumi package schema
// with Pulumi's own generators. Usage: sdkgen <python|go> <schema.json> <output folder>
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 {
		fail(fmt.Errorf("usage: sdkgen <python|go> <schema.json> <output folder>"))
	}
	language, schemaFile, outDir := os.Args[1], os.Args[2], os.Args[3]
	data, err := os.ReadFile(schemaFile)
	fail(err)
	var spec schema.PackageSpec
	fail(json.Unmarshal(data, &spec))
	pkg, diags, err := schema.BindSpec(spec, schema.NewNullLoader(), schema.ValidationOptions{})
	fail(err)
	if diags.HasErrors() {
		fail(fmt.Errorf("the schema does not bind: %s", diags.Error()))
	}
	var files map[string][]byte
	switch language {
	case "python":
		files, err = python.GeneratePackage("pulumi-runpod-ssh", pkg, nil, nil)
	case "go":
		files, err = gogen.GeneratePackage("pulumi-runpod-ssh", pkg, nil)
	default:
		err = fmt.Errorf("unknown language %q: use python or go", language)
	}
	fail(err)
	for name, content := range files {
		path := filepath.Join(outDir, name)
		fail(os.MkdirAll(filepath.Dir(path), 0o755))
		fail(os.WriteFile(path, content, 0o644))
	}
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`;

function sdkgenDir(toolchain: Pick<Toolchain, "version">): string {
  return path.join(toolchainCacheDir(), `sdkgen-v${toolchain.version}`);
}

/**
 * Builds (once per Pulumi version and generator source) and returns the path of `sdkgen`. The version is the CLI's
 * for the engine tests; the committed SDKs (scripts/release/sdks.ts) use the pinned one so they regenerate
 * byte for byte whatever CLI a machine has.
 */
export async function ensureSdkGenerator(toolchain: Pick<Toolchain, "version">, log: Log = (l) => console.error(l)): Promise<string> {
  const dir = sdkgenDir(toolchain);
  const binary = path.join(dir, "bin", "sdkgen");
  const source = path.join(dir, "module", "main.go");
  if (fs.existsSync(binary) && fs.existsSync(source) && fs.readFileSync(source, "utf8") === SDKGEN_MAIN) return binary;
  checkFreeDisk(toolchainCacheDir(), 1024 ** 3);
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  log(`building sdkgen against github.com/pulumi/pulumi/pkg/v3@v${toolchain.version} into ${path.dirname(binary)}`);
  const seconds = await buildGoMain({
    dir,
    moduleName: "pulumi-runpod-ssh/sdkgen",
    files: { "main.go": SDKGEN_MAIN },
    require: [`github.com/pulumi/pulumi/pkg/v3@v${toolchain.version}`, `github.com/pulumi/pulumi/sdk/v3@v${toolchain.version}`],
    buildArgs: ["-o", binary, "."],
    log,
  });
  log(`built sdkgen in ${seconds} s`);
  return binary;
}

/** Writes the `language` SDK of `schemaFile` into `outDir` (Python: a pip-installable project). */
export async function generateSdk(
  generator: string,
  language: SdkLanguage,
  schemaFile: string,
  outDir: string,
): Promise<void> {
  try {
    await run(generator, [language, schemaFile, outDir], { timeout: 120_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new ToolchainError(
      `Generating the ${language} SDK from ${schemaFile} failed: ${(err.stderr || err.message).trim()}`,
    );
  }
}
