"""Quickstart: one SSH-ready Runpod pod, from Python.

    python3 -m venv venv && venv/bin/pip install -r requirements.txt
    pulumi config set --secret runpod-ssh:token    # paste your Runpod API key at the prompt (or export RUNPOD_API_KEY)
    pulumi up
    eval "$(pulumi stack output sshCommand)"         # a shell on the pod

The private key is written to ~/.ssh/runpod-<project>-<stack>-quickstart (mode 0600) and removed by `pulumi destroy`.
"""

import pulumi
import pulumi_runpod_ssh as runpod_ssh

config = pulumi.Config()

pod = runpod_ssh.SshPod(
    "quickstart",
    image=config.get("image") or "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
    # Tried in order until one has capacity.
    gpu=runpod_ssh.PodGpuArgs(
        ids=config.get_object("gpuTypes") or ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000", "NVIDIA L4"],
    ),
    cloud=runpod_ssh.PodCloud.SECURE,
    private_key_file=config.get("privateKeyFile"),  # default: ~/.ssh/runpod-<project>-<stack>-quickstart
    # Optional: `pulumi config set --path 'env.MY_VAR' value` (a change updates the pod in place).
    env=config.get_object("env"),
)

pulumi.export("podId", pod.pod_id)
pulumi.export("host", pod.host)
pulumi.export("port", pod.port)
pulumi.export("sshCommand", pod.ssh_command)
pulumi.export("proxySshCommand", pod.proxy_ssh_command)
pulumi.export("scpCommand", pod.scp_command)
pulumi.export("rsyncCommand", pod.rsync_command)
pulumi.export("sshTarget", pod.ssh_target)
pulumi.export("sshConfig", pod.ssh_config)
pulumi.export("fingerprint", pod.fingerprint)
pulumi.export("privateKeyOpenssh", pod.private_key_openssh)
