"""test/engine/volumes.engine.test.ts, Python route (the plugin's generated SDK): a NetworkVolume
(`volumeDataCenter`, `protect` for its deletion_protection) and an SshPod of GPU `gpu` on it; with
`fallbackDataCenters` (JSON list) a second SshPod pinned there with allow_unpinned_fallback."""

import json

import pulumi
import pulumi_runpod_ssh as runpod_ssh

config = pulumi.Config()
image = "runpod/base:1.0.2-ubuntu2404"
protect = config.get_bool("protect")
volume = runpod_ssh.NetworkVolume(
    "data",
    size=10,
    data_center=config.require("volumeDataCenter"),
    deletion_protection=True if protect is None else protect,
)
pod = runpod_ssh.SshPod(
    "dev",
    image=image,
    gpu=runpod_ssh.PodGpuArgs(id=config.require("gpu")),
    network_volume=runpod_ssh.PodNetworkVolumeArgs(id=volume.volume_id, data_center=volume.data_center),
)
pulumi.export("sshCommand", pod.ssh_command)
pulumi.export("podId", pod.pod_id)
pulumi.export("dataCenterId", pod.data_center_id)
pulumi.export("volumeId", volume.volume_id)

fallback = config.get("fallbackDataCenters")
if fallback:
    other = runpod_ssh.SshPod(
        "anywhere",
        image=image,
        gpu=runpod_ssh.PodGpuArgs(id=config.require("gpu")),
        data_center_ids=json.loads(fallback),
        allow_unpinned_fallback=True,
    )
    pulumi.export("fallbackDataCenterId", other.data_center_id)
