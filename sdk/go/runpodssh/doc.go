// SSH-ready Runpod GPU pods from one `pulumi up`: keys, pods, readiness and ready-made ssh/scp/sftp/rsync commands.
package runpodssh
