/** Reading the start script's host-key block from log lines: only the last block counts (a restart prints anew). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostKeyFingerprint, keysNotLogged, loggedFingerprints } from "../../sdk/ssh/hostKeyLog";
import { ed25519PublicKeyLine } from "../helpers/sshKeys";

const key = (): string => ed25519PublicKeyLine().split(" ").slice(0, 2).join(" ");

test("the last SSH host keys: block counts; lines that are not ssh-keygen output are skipped; no block is undefined", () => {
  const [old, fresh, other] = [key(), key(), key()];
  const block = (k: string): string[] => ["SSH host keys:", "Key: /etc/ssh/ssh_host_ed25519_key.pub", `256 ${hostKeyFingerprint(k)} root@x (ED25519)`];
  const lines = [...block(old), "Container reset", "echo 256 SHA256:not-a-fingerprint", ...block(fresh), "user output"];
  assert.deepEqual(loggedFingerprints(lines), [hostKeyFingerprint(fresh)]);
  assert.deepEqual(keysNotLogged([fresh, other], loggedFingerprints(lines)!), [other]);
  assert.equal(loggedFingerprints(["Setting up SSH...", "256 SHA256:x y"]), undefined);
  assert.deepEqual(loggedFingerprints(["SSH host keys:"]), []);
});
