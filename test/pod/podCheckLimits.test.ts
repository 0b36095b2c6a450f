/**
 * Pod inputs a pod cannot use, refused at check: image references Docker cannot pull, and env the container
 * cannot receive (Linux's per-variable and total limits, containerLimits.ts). Each refusal names the input and
 * the nested path, on the top-level property.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { checkPodSpec } from "../../sdk/pod/podCheck";
import { imageReferenceProblem } from "../../sdk/pod/imageReference";
import { MAX_ENV_ENTRY_BYTES, MAX_ENV_TOTAL_BYTES } from "../../sdk/pod/containerLimits";
import { OWNER_ENV, type PodSpec } from "../../sdk/pod/podSpec";

const base: PodSpec = { image: "runpod/base:1.0.0", gpu: { id: "NVIDIA GeForce RTX 4090" } };
const DIGEST = "a".repeat(64);

test("valid image references pass", () => {
  for (const image of [
    "ubuntu",
    "ubuntu:22.04",
    "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
    "nvcr.io/nvidia/pytorch:24.01-py3",
    "ghcr.io/org/team/img:v1.2_3",
    "localhost:5000/img",
    "localhost/img",
    "registry.example.com:5000/a/b@sha256:" + DIGEST,
    "img:tag@sha256:" + DIGEST,
    "[::1]:5000/img:1",
    "a__b/c-d--e/f.g",
    "Registry.Example.com/team/img",
    "img:" + "t".repeat(128),
  ]) {
    assert.equal(imageReferenceProblem(image), undefined, image);
    assert.deepEqual(checkPodSpec({ ...base, image }), [], image);
  }
});

test("each kind of bad image reference is refused at check with its own sentence", () => {
  const cases: Array<[string, RegExp]> = [
    ["Runpod/pytorch:2.1", /capital letters in "Runpod"; repository names are lowercase\. Write "runpod"\./],
    ["runpod/PyTorch", /capital letters in "PyTorch"/],
    ["docker pull runpod/base:1.0", /contains white space; give only the image reference \(without "docker pull"/],
    ["https://ghcr.io/org/img:1", /starts with a URL scheme/],
    ["runpod/base:", /has the tag "", which is not a valid tag/],
    ["runpod/base:-rc", /has the tag "-rc"/],
    ["runpod/base:" + "t".repeat(129), /not a valid tag: a tag is 1 to 128/],
    ["runpod/base:1:2", /has the path part|not a valid tag/],
    ["runpod//base", /empty path part/],
    ["runpod/base@sha256:abc", /not a valid content digest\. Write "@sha256:" followed by the 64/],
    ["runpod/base@sha256:" + DIGEST.toUpperCase(), /not a valid content digest/],
    ["-runpod/base", /path part "-runpod"/],
    ["runpod/base_", /path part "base_"/],
    ["registry.exa_mple.com/img", /registry host "registry.exa_mple.com", which is not a valid host name/],
    ["registry.example.com:http/img", /registry port "http"; a port is digits only/],
    [":1.0", /no repository name/],
    ["a/" + "b".repeat(260), /repository name of 262 characters; Docker allows at most 255/],
    ["img\u0000", /control character/],
  ];
  for (const [image, reason] of cases) {
    const failures = checkPodSpec({ ...base, image });
    assert.equal(failures.length, 1, `${image}: ${JSON.stringify(failures)}`);
    assert.equal(failures[0].property, "image");
    assert.match(failures[0].reason, /^image /, image);
    assert.match(failures[0].reason, /\.$/, image);
    assert.match(failures[0].reason, reason, image);
  }
});

test("the per-variable limit is Linux's: 131072 bytes for NAME=value and its NUL (measured with execve)", () => {
  // The constant is what this machine's kernel enforces.
  const fits = spawnSync("/bin/true", [], { env: { X: "a".repeat(MAX_ENV_ENTRY_BYTES - 3) } });
  const over = spawnSync("/bin/true", [], { env: { X: "a".repeat(MAX_ENV_ENTRY_BYTES - 2) } });
  assert.equal(fits.status, 0, String(fits.error));
  assert.equal((over.error as NodeJS.ErrnoException).code, "E2BIG");

  const atLimit = { BIG: "a".repeat(MAX_ENV_ENTRY_BYTES - "BIG=".length - 1) };
  assert.deepEqual(checkPodSpec({ ...base, env: atLimit }), []);
  const failures = checkPodSpec({ ...base, env: { BIG: atLimit.BIG + "a" } });
  assert.equal(failures.length, 1, JSON.stringify(failures.map((f) => f.reason)));
  assert.equal(failures[0].property, "env");
  assert.match(
    failures[0].reason,
    /^env\.BIG is 131073 bytes long \(as NAME=value\); Linux passes at most 131072 bytes per variable/,
  );
  assert.match(failures[0].reason, /Keep large data in a file/);
});

test("env, args and the added variables together are limited to 1 MiB; the owner tag and keys count", () => {
  const chunk = "a".repeat(100_000);
  const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`V${i}`, chunk]));
  assert.deepEqual(checkPodSpec({ ...base, env: ten }), [], "about 1,000,000 bytes fit");
  const eleven = { ...ten, V10: chunk };
  const failures = checkPodSpec({ ...base, env: eleven });
  assert.equal(failures.length, 1);
  assert.equal(failures[0].property, "env");
  assert.match(
    failures[0].reason,
    new RegExp(
      `^env is too large: env, args and the variables this package adds take \\d+ bytes together, over the ${MAX_ENV_TOTAL_BYTES} bytes`,
    ),
  );

  const args = "x".repeat(MAX_ENV_TOTAL_BYTES);
  const byArgs = checkPodSpec({ ...base, args });
  assert.equal(byArgs[0]?.property, "args", JSON.stringify(byArgs));
  assert.match(byArgs[0].reason, /^args is too large/);

  // The owner tag's value is part of what is sent.
  const nearly = { ...ten, V10: "a".repeat(MAX_ENV_TOTAL_BYTES - 10 * 100_011 - 200) };
  assert.deepEqual(checkPodSpec({ ...base, env: nearly }), []);
  assert.equal(
    checkPodSpec({ ...base, env: nearly }, "urn:" + "o".repeat(300)).length,
    1,
    `a long ${OWNER_ENV} tips it over`,
  );
});

test("keys that make PUBLIC_KEY longer than one variable may be are refused on sshPublicKeys", () => {
  const keys = Array.from({ length: 1800 }, () => {
    const blob = Buffer.concat([
      Buffer.from([0, 0, 0, 11]),
      Buffer.from("ssh-ed25519"),
      Buffer.from([0, 0, 0, 32]),
      randomBytes(32),
    ]);
    return `ssh-ed25519 ${blob.toString("base64")}`;
  });
  const failures = checkPodSpec({ ...base, sshPublicKeys: keys });
  assert.ok(failures.length >= 1, "refused");
  assert.ok(
    failures.every((f) => f.property === "sshPublicKeys"),
    JSON.stringify(failures.map((f) => f.property)),
  );
  assert.match(
    failures[0].reason,
    /^sshPublicKeys make (SSH_)?PUBLIC_KEY \d+ bytes long; .*Give fewer keys \(1800 given\)\.$/,
  );
  assert.deepEqual(checkPodSpec({ ...base, sshPublicKeys: keys.slice(0, 100) }), []);
});
