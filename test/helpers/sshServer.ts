/**
 * A real OpenSSH sshd for tests, outside the emulator: fresh host keys of the types asked for, listening on
 * 127.0.0.1 at a given (or free) port and letting the given public keys in. Used to stand in for another
 * server answering on a pod's recorded port (an impostor with other host keys), and for servers with several
 * host keys.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../emulator/ids";
import { locateSshTools, sshLoginUser } from "../../emulator/sshd";

export interface TestSshServer {
  port: number;
  /** Its host public keys, `type base64`, in the order of `hostKeyTypes`. */
  hostKeys: string[];
  /** Kills sshd and its sessions and removes its files. Idempotent. */
  stop(): Promise<void>;
}

export interface TestSshServerOptions {
  /** Port to listen on; default a free one. */
  port?: number;
  /** Host key types, default `["ed25519"]`: `ssh-keygen -t` names (ed25519, ecdsa, rsa), with `:bits` for a size. */
  hostKeyTypes?: string[];
  /** authorized_keys content. */
  authorizedKeys: string;
}

export async function startTestSshServer(options: TestSshServerOptions): Promise<TestSshServer> {
  const tools = locateSshTools();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-sshd-"));
  const port = options.port ?? (await freePort());
  const types = options.hostKeyTypes ?? ["ed25519"];
  const hostKeys: string[] = [];
  const hostKeyLines: string[] = [];
  for (const spec of types) {
    const [type, bits] = spec.split(":");
    const file = path.join(dir, `ssh_host_${type}${bits ?? ""}_key`);
    execFileSync(tools.sshKeygen, ["-q", "-t", type, ...(bits ? ["-b", bits] : []), "-N", "", "-C", "", "-f", file]);
    hostKeys.push(fs.readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" "));
    hostKeyLines.push(`HostKey ${file}`);
  }
  fs.writeFileSync(path.join(dir, "authorized_keys"), `${options.authorizedKeys.trim()}\n`, { mode: 0o600 });
  const config = [
    "ListenAddress 127.0.0.1",
    `Port ${port}`,
    ...hostKeyLines,
    `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
    `PidFile ${path.join(dir, "sshd.pid")}`,
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    `AllowUsers ${sshLoginUser()}`,
    "Subsystem sftp internal-sftp",
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "sshd_config"), config, { mode: 0o600 });
  if (process.getuid?.() === 0) fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(tools.sshd, ["-D", "-e", "-f", path.join(dir, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`test sshd did not listen within 10 s: ${stderr}`)), 10_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/Server listening on/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`test sshd exited before listening on ${port}: ${stderr}`));
    });
  });
  let stopped = false;
  return {
    port,
    hostKeys,
    async stop() {
      if (stopped) return;
      stopped = true;
      // sshd and its sessions share the process group started above.
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
