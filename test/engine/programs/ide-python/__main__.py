"""The Python route of test/engine/ideCost.engine.test.ts: the same SshPod as the TypeScript route (ide-ts)."""

import pulumi
import pulumi_runpod_ssh as runpod_ssh

config = pulumi.Config()
jupyter_port = config.require_int("jupyterPort")
pod = runpod_ssh.SshPod(
    "nb",
    image="runpod/pytorch:2.4.0",
    gpu={"ids": ["NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 4090"]},
    max_cost_per_hour=1,
    ports=[f"{jupyter_port}/http"],
    tunnel_local_ports={str(jupyter_port): config.require_int("localPort")},
    jupyter_password=config.require_secret("jupyterPassword"),
    mounts={"persistent": {"size": 20, "path": "/workspace"}},
    private_key_file=config.require("privateKeyFile"),
)
for name in ["vscode_uri", "ssh_config", "tunnels", "tunnel_command", "jupyter_password", "cost_per_hour",
             "stopped_storage_cost_per_month", "spend", "pod_id"]:
    parts = name.split("_")
    pulumi.export(parts[0] + "".join(p.title() for p in parts[1:]), getattr(pod, name))
