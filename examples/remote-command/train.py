# A stand-in for a real job: proves the GPU is there and leaves a result to copy back.
import socket
import subprocess

gpus = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout.strip() or "no GPU visible"
with open("/workspace/result.txt", "w") as f:
    f.write(f"{socket.gethostname()}: {gpus}\n")
print("done")
