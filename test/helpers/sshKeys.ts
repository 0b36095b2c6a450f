/**
 * OpenSSH public key lines made in-process (no ssh-keygen), for tests that need many real keys quickly.
 */
import { generateKeyPairSync } from "node:crypto";
import { sshString } from "../../sdk/ssh/wire";


/** A fresh, well-formed `ssh-ed25519 <base64> [comment]` line. */
export function ed25519PublicKeyLine(comment = ""): string {
  const { publicKey } = generateKeyPairSync("ed25519");
  // The SPKI DER of an Ed25519 key ends with the 32-byte raw public key.
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString("base64")}${comment ? ` ${comment}` : ""}`;
}
