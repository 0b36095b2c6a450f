module runpod-ssh-go

go 1.26

require (
	github.com/pulumi/pulumi/sdk/v3 v3.274.1
	github.com/pulumi-runpod-ssh/pulumi-runpod-ssh/sdk/go/runpodssh v0.1.0
)

