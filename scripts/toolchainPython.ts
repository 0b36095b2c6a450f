/**
 * A virtualenv for running Python programs under the real CLI here: `pulumi` from PyPI plus local packages (the
 * generated SDK of this package, scripts/sdkgen.ts). Programs then run through scripts/engine/pythonProgramHost.py
 * (the Python SDK's Automation API language server, `--client`), since Pulumi's Python language host cannot be
 * built here.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import path from "node:path";
import { ToolchainError, type Log } from "./toolchain";

const run = promisify(execFile);

/** The `pulumi` Python SDK installed from PyPI (the newest it serves that is not newer than the CLI). */
export const PINNED_PYTHON_SDK_VERSION = "3.272.0";
/** The first `python3`/`python` on PATH that is 3.9 or newer with venv. */
export async function pythonCommand(): Promise<string> {
  for (const candidate of ["python3", "python"]) {
    try {
      const { stdout } = await run(candidate, ["-c", "import sys, venv; print(sys.version_info >= (3, 9))"], {
        timeout: 30_000,
      });
      if (stdout.trim() === "True") return candidate;
    } catch {
      // try the next one
    }
  }
  throw new ToolchainError(
    "Python 3.9 or newer with its venv module is needed for the Python tests; install python3 and python3-venv.",
  );
}

/** Creates a virtualenv in `dir` with `pulumi` from PyPI and the given local packages; returns its python. */
export async function createVirtualenv(
  dir: string,
  localPackages: string[],
  log: Log = (l) => console.error(l),
): Promise<string> {
  const python = await pythonCommand();
  const started = Date.now();
  await run(python, ["-m", "venv", dir], { timeout: 120_000 });
  const venvPython = path.join(dir, "bin", "python");
  try {
    await run(
      venvPython,
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        `pulumi==${PINNED_PYTHON_SDK_VERSION}`,
        ...localPackages,
      ],
      {
        timeout: 15 * 60_000,
      },
    );
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new ToolchainError(
      `pip could not install pulumi==${PINNED_PYTHON_SDK_VERSION} into ${dir}: ${(err.stderr || err.message).trim()}`,
    );
  }
  log(`virtualenv with pulumi ${PINNED_PYTHON_SDK_VERSION} ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return venvPython;
}
