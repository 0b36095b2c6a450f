"""Hosts one Pulumi Python program for one `pulumi` command, through the language server the `pulumi` Python
SDK ships for its Automation API (the one LocalWorkspace starts for inline programs). The CLI connects to it with
`--client=127.0.0.1:<port>` instead of starting the `pulumi-language-python` host, which the Go module proxy here
does not serve. The program is the real `__main__.py` of the project folder, run as `python <folder>` would.

    <virtualenv>/bin/python scripts/engine/pythonProgramHost.py <project folder>

Prints `PORT=<n>` once listening and exits when its stdin closes.
"""

import os
import runpy
import sys
from concurrent import futures

import grpc
from pulumi.automation._server import LanguageServer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import language_pb2_grpc


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: pythonProgramHost.py <project folder holding __main__.py>")
    folder = os.path.abspath(sys.argv[1])

    def program() -> None:
        if folder not in sys.path:
            sys.path.insert(0, folder)
        runpy.run_path(os.path.join(folder, "__main__.py"), run_name="__main__")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageServer(program), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"PORT={port}", flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
