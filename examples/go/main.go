// Quickstart: one SSH-ready Runpod pod, from Go.
//
//	pulumi config set --secret runpod-ssh:token    # paste your Runpod API key at the prompt (or export RUNPOD_API_KEY)
//	pulumi up
//	eval "$(pulumi stack output sshCommand)"         # a shell on the pod
//
// The private key is written to ~/.ssh/runpod-<project>-<stack>-quickstart (mode 0600) and removed by `pulumi destroy`.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/pulumi-runpod-ssh/pulumi-runpod-ssh/sdk/go/runpodssh"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		// Default (unset): ~/.ssh/runpod-<project>-<stack>-quickstart.
		var privateKeyFile *string
		if v := cfg.Get("privateKeyFile"); v != "" {
			privateKeyFile = &v
		}
		pod, err := runpodssh.NewSshPod(ctx, "quickstart", &runpodssh.SshPodArgs{
			Image: pulumi.String("runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404"),
			// Tried in order until one has capacity.
			Gpu: &runpodssh.PodGpuArgs{
				Ids: pulumi.StringArray{
					pulumi.String("NVIDIA GeForce RTX 4090"),
					pulumi.String("NVIDIA RTX A5000"),
					pulumi.String("NVIDIA L4"),
				},
			},
			Cloud:          runpodssh.PodCloudSecure,
			PrivateKeyFile: privateKeyFile,
		})
		if err != nil {
			return err
		}
		ctx.Export("podId", pod.PodId)
		ctx.Export("host", pod.Host)
		ctx.Export("port", pod.Port)
		ctx.Export("sshCommand", pod.SshCommand)
		ctx.Export("proxySshCommand", pod.ProxySshCommand)
		ctx.Export("scpCommand", pod.ScpCommand)
		ctx.Export("rsyncCommand", pod.RsyncCommand)
		ctx.Export("sshTarget", pod.SshTarget)
		ctx.Export("sshConfig", pod.SshConfig)
		ctx.Export("fingerprint", pod.Fingerprint)
		ctx.Export("privateKeyOpenssh", pod.PrivateKeyOpenssh)
		return nil
	})
}
