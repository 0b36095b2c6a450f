module runpod-ssh-go

go 1.26

require (
	github.com/pulumi/pulumi/sdk/v3 v3.274.1
	github.com/pulumi-runpod-ssh/pulumi-runpod-ssh/sdk/go/runpodssh v0.1.0
)

// The SDK `pulumi package add` generates; the path is where it writes it.
replace github.com/pulumi-runpod-ssh/pulumi-runpod-ssh/sdk/go/runpodssh => ./sdks/runpod-ssh/runpodssh
