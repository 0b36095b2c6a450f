"""test/engine/watchdog.engine.test.ts, Python route: an SshPod that stops itself after `maxLifetime`."""

import pulumi
import pulumi_runpod_ssh as runpod_ssh

config = pulumi.Config()
pod = runpod_ssh.SshPod(
    "gpu",
    image="runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
    gpu={"id": "NVIDIA GeForce RTX 4090"},
    private_key_file=config.require("privateKeyFile"),
    max_lifetime=config.require("maxLifetime"),
    idle_timeout="1d",
    on_expiry="stop",
)

pulumi.export("podId", pod.pod_id)
pulumi.export("stopsAt", pod.stops_at)
pulumi.export("costPerHour", pod.cost_per_hour)
pulumi.export("sshCommand", pod.ssh_command)
