"""The parity matrix's Python route (test/engine/parity.engine.test.ts): the same JSON config values as the
TypeScript route (`keys`, `pods`, `outputs`), read with the plugin's generated Python SDK; every output of every
component is exported as `<resource name>__<output>`."""

import re

import pulumi
import pulumi_runpod_ssh as runpod_ssh

config = pulumi.Config()


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def export_all(name, resource, names):
    for output in names:
        pulumi.export(f"{name}__{output}", getattr(resource, snake(output)))


outputs = config.require_object("outputs")
keys = {}
for name, args in (config.get_object("keys") or {}).items():
    keys[name] = runpod_ssh.SshKey(name, **{snake(k): v for k, v in args.items()})
    export_all(name, keys[name], outputs["SshKey"])
for name, args in (config.get_object("pods") or {}).items():
    kwargs = {snake(k): (keys[v] if k == "sshKey" else v) for k, v in args.items()}
    export_all(name, runpod_ssh.SshPod(name, **kwargs), outputs["SshPod"])
