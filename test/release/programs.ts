/**
 * The release tests' own programs, one per language, each a user's fresh project: one SshPod with the private key
 * at `privateKeyFile` (config), exporting podId and sshCommand. No path of the repository appears in any of them.
 */
import fs from "node:fs";
import path from "node:path";

const IMAGE = "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404";
const GPU = "NVIDIA GeForce RTX 4090";

export const YAML_PROGRAM = `name: installed-yaml
runtime: yaml
config:
  privateKeyFile:
    type: string
resources:
  trainer:
    type: runpod-ssh:index:SshPod
    properties:
      image: ${IMAGE}
      gpu:
        ids: ["${GPU}"]
      privateKeyFile: \${privateKeyFile}
outputs:
  podId: \${trainer.podId}
  sshCommand: \${trainer.sshCommand}
`;

export const PYTHON_PROGRAM = `import pulumi
import pulumi_runpod_ssh as runpod_ssh

config = pulumi.Config()
pod = runpod_ssh.SshPod(
    "trainer",
    image="${IMAGE}",
    gpu=runpod_ssh.PodGpuArgs(ids=["${GPU}"]),
    private_key_file=config.require("privateKeyFile"),
)
pulumi.export("podId", pod.pod_id)
pulumi.export("sshCommand", pod.ssh_command)
`;

export const GO_MODULE_PATH = "github.com/pulumi-runpod-ssh/pulumi-runpod-ssh/sdk/go/runpodssh";

export const GO_PROGRAM = `package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"${GO_MODULE_PATH}"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		pod, err := runpodssh.NewSshPod(ctx, "trainer", &runpodssh.SshPodArgs{
			Image:          pulumi.String("${IMAGE}"),
			Gpu:            &runpodssh.PodGpuArgs{Ids: pulumi.StringArray{pulumi.String("${GPU}")}},
			PrivateKeyFile: pulumi.StringRef(config.New(ctx, "").Require("privateKeyFile")),
		})
		if err != nil {
			return err
		}
		ctx.Export("podId", pod.PodId)
		ctx.Export("sshCommand", pod.SshCommand)
		return nil
	})
}
`;

export const NODE_PROGRAM = `const pulumi = require("@pulumi/pulumi");
const { SshPod } = require("pulumi-runpod-ssh");

const pod = new SshPod("trainer", {
  image: "${IMAGE}",
  gpu: { ids: ["${GPU}"] },
  privateKeyFile: new pulumi.Config().require("privateKeyFile"),
});
exports.podId = pod.podId;
exports.sshCommand = pod.sshCommand;
`;

export type Language = "yaml" | "python" | "go" | "nodejs";

/** Writes the project (Pulumi.yaml and the program) of `language` into `dir`. */
export function writeProject(language: Language, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  if (language === "yaml") return write("Pulumi.yaml", YAML_PROGRAM);
  const runtime = language === "nodejs" ? "nodejs" : language;
  write("Pulumi.yaml", `name: installed-${language}\nruntime: ${runtime}\n`);
  if (language === "python") write("__main__.py", PYTHON_PROGRAM);
  if (language === "go") write("main.go", GO_PROGRAM);
  if (language === "nodejs") {
    write("index.js", NODE_PROGRAM);
    write(
      "package.json",
      `${JSON.stringify({ name: "installed-nodejs", private: true, main: "index.js" }, null, 2)}\n`,
    );
  }
}
