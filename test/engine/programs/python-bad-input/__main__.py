"""Invalid inputs from Python, chosen by the `case` config value: "pod", a Pod whose ports the plugin's check
refuses; "sshPod", an SshPod whose own inputs the plugin refuses at construct. `pulumi preview` must fail,
naming each input, before anything reaches Runpod."""

import pulumi
import pulumi_runpod_ssh as runpod_ssh

case = pulumi.Config().require("case")

if case == "pod":
    runpod_ssh.Pod(
        "bad-ports",
        image="runpod/pytorch:2.4.0",
        gpu=runpod_ssh.PodGpuArgs(id="NVIDIA GeForce RTX 4090"),
        ports=["8888/http", "99999/tcp"],
        env={"1BAD": "x"},
    )
else:
    runpod_ssh.SshPod(
        "bad-modes",
        image="runpod/pytorch:2.4.0",
        gpu=runpod_ssh.PodGpuArgs(ids=["NVIDIA GeForce RTX 4090"]),
        sshd_mode="weird",
        host_alias="has space",
    )
