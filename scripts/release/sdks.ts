/**
 * The Python and Go SDKs of this package, generated from sdk/plugin/schema.json by Pulumi's own generators
 * (scripts/sdkgen.ts, built at the pinned Pulumi version so the output does not depend on the CLI a machine has)
 * and committed where Pulumi providers commit them:
 *
 * - sdk/python/: a pip-installable project (`pulumi_runpod_ssh`, pyproject.toml); its pulumi-plugin.json names
 *   the plugin, its version and the download server.
 * - sdk/go/runpodssh/: the Go module `github.com/pulumi-runpod-ssh/pulumi-runpod-ssh/sdk/go/runpodssh`, with its
 *   own go.mod, so `go get` resolves it from the repository at the tag `sdk/go/runpodssh/v<version>`. The module
 *   is rooted there and not at sdk/ (pulumi-command's layout) because sdk/ holds this package's TypeScript
 *   source, which would otherwise ship inside the Go module zip.
 *
 * `npm run sdks` rewrites both; a test regenerates them into a temp folder and compares (drift check).
 */
import fs from "node:fs";
import path from "node:path";
import { ensureSdkGenerator, generateSdk } from "../sdkgen";
import { goStep, PINNED_PULUMI_VERSION, type Log } from "../toolchain";
import { GO_MODULE } from "../schema/buildSchema";

/** dist/scripts/release -> repository root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const SCHEMA_FILE = path.join(ROOT, "sdk", "plugin", "schema.json");
/** Where the generated SDKs are committed, relative to the repository root. */
export const PYTHON_SDK_DIR = path.join("sdk", "python");
export const GO_SDK_DIR = path.join("sdk", "go", "runpodssh");
/** The tag `go get <module>@v<version>` resolves (a module in a subfolder is tagged with that folder as prefix). */
export function goModuleTag(version: string): string {
  return `${GO_SDK_DIR.split(path.sep).join("/")}/v${version}`;
}

/** The go.mod of the Go SDK: the Pulumi Go SDK at the version the generator was built from. */
export function goModFile(): string {
  return `module ${GO_MODULE}\n\ngo 1.22\n\nrequire github.com/pulumi/pulumi/sdk/v3 v${PINNED_PULUMI_VERSION}\n`;
}

/**
 * Writes both SDKs under `root` (sdk/python, sdk/go/runpodssh), replacing what is there. With `tidy`, also runs
 * `go mod tidy` in the Go module (go.sum; needs the Go module proxy); the drift check leaves it out.
 */
export async function generateSdks(root: string, options: { tidy: boolean; log?: Log }): Promise<void> {
  const log = options.log ?? ((l: string) => console.error(l));
  const generator = await ensureSdkGenerator({ version: PINNED_PULUMI_VERSION }, log);
  const python = path.join(root, PYTHON_SDK_DIR);
  const goParent = path.dirname(path.join(root, GO_SDK_DIR));
  const goSum = path.join(root, GO_SDK_DIR, "go.sum");
  const keptGoSum = fs.existsSync(goSum) ? fs.readFileSync(goSum) : undefined;
  fs.rmSync(python, { recursive: true, force: true });
  fs.rmSync(goParent, { recursive: true, force: true });
  await generateSdk(generator, "python", SCHEMA_FILE, python);
  // The Go generator writes <package>/...; its package folder is the last element of the import path.
  await generateSdk(generator, "go", SCHEMA_FILE, goParent);
  const goModule = path.join(root, GO_SDK_DIR);
  if (!fs.existsSync(path.join(goModule, "pulumi-plugin.json"))) {
    throw new Error(`the Go generator wrote no ${GO_SDK_DIR}/pulumi-plugin.json; is importBasePath ${GO_MODULE}?`);
  }
  fs.writeFileSync(path.join(goModule, "go.mod"), goModFile());
  if (keptGoSum) fs.writeFileSync(goSum, keptGoSum);
  if (options.tidy) {
    await goStep(["mod", "tidy"], goModule, { ...process.env, GOFLAGS: "-mod=mod" }, "Go SDK dependencies", log);
  }
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

if (require.main === module) {
  generateSdks(ROOT, { tidy: true }).then(
    () => console.log(`wrote ${PYTHON_SDK_DIR} and ${GO_SDK_DIR}`),
    (e: unknown) => {
      console.error((e as Error).message);
      process.exit(1);
    },
  );
}
