/**
 * STAND-IN for the `tls` resource plugin, for offline runs of this repository's tests and demo only.
 *
 * `@pulumi/tls` makes the engine load resource plugin `tls` at the version in its package.json; the real plugin
 * is downloaded from Pulumi's servers, which these machines cannot reach, and it cannot be built here. This
 * stand-in serves the one resource our components create, `tls:index/privateKey:PrivateKey` with
 * `algorithm: "ED25519"`, with real key material (Node's crypto) and the outputs the real plugin reports for it.
 * Any other algorithm or resource type is refused with a message saying this is the stand-in. Users with network
 * get the real plugin automatically; nothing in the package depends on this file.
 *
 *   pulumi-resource-tls (a two-line script installed by engine/workspace.ts) -> node tlsStandInPlugin.js <engine>
 */
import crypto from "node:crypto";
import * as provider from "@pulumi/pulumi/provider";

const PRIVATE_KEY_TYPE = "tls:index/privateKey:PrivateKey";

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function wrap(base64: string, width: number): string {
  return base64.match(new RegExp(`.{1,${width}}`, "g"))!.join("\n");
}

/** An ED25519 key in every encoding the real plugin outputs. */
export function ed25519KeyMaterial(): Record<string, string> {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const seed = Buffer.from(jwk.d!, "base64url");
  const pub = Buffer.from(jwk.x!, "base64url");
  const publicBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  const check = crypto.randomBytes(4);
  let privateSection = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(""),
  ]);
  const padding: number[] = [];
  for (let i = 1; (privateSection.length + padding.length) % 8 !== 0; i++) padding.push(i);
  privateSection = Buffer.concat([privateSection, Buffer.from(padding)]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    Buffer.from([0, 0, 0, 1]),
    sshString(publicBlob),
    sshString(privateSection),
  ]);
  const publicKeyOpenssh = `ssh-ed25519 ${publicBlob.toString("base64")}\n`;
  const sha256 = crypto.createHash("sha256").update(publicBlob).digest("base64").replace(/=+$/, "");
  const md5 = crypto.createHash("md5").update(publicBlob).digest("hex").match(/../g)!.join(":");
  const pkcs8 = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return {
    privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(body.toString("base64"), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`,
    privateKeyPem: pkcs8,
    privateKeyPemPkcs8: pkcs8,
    publicKeyOpenssh,
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    publicKeyFingerprintSha256: `SHA256:${sha256}`,
    publicKeyFingerprintMd5: md5,
  };
}

function refuse(what: string): never {
  throw new Error(
    `${what} is not served by the offline stand-in tls plugin of pulumi-runpod-ssh's tests (it serves only ` +
      `${PRIVATE_KEY_TYPE} with algorithm ED25519). Use the real plugin: run with network access so Pulumi can install it.`,
  );
}

function tlsVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("@pulumi/tls/package.json") as { version: string }).version;
}

type Props = Record<string, unknown>;

const standIn: provider.Provider = {
  version: tlsVersion(),
  async check(urn: string, _olds: Props, news: Props) {
    if (!urn.includes(`$${PRIVATE_KEY_TYPE}::`) && !urn.includes(`::${PRIVATE_KEY_TYPE}::`)) refuse(`Resource ${urn}`);
    if (news.algorithm !== "ED25519") {
      const reason = `Algorithm ${JSON.stringify(news.algorithm)} is not ED25519, the only one the stand-in tls plugin serves.`;
      return { inputs: news, failures: [{ property: "algorithm", reason }] };
    }
    // The real plugin fills in the schema defaults at check, so they are in the inputs diff compares.
    return { inputs: { ...news, ecdsaCurve: news.ecdsaCurve ?? "P224", rsaBits: news.rsaBits ?? 2048 } };
  },
  async diff(_id: string, _urn: string, olds: Props, news: Props) {
    const replaces = ["algorithm", "ecdsaCurve", "rsaBits"].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
  async create(_urn: string, inputs: Props) {
    const id = crypto.randomBytes(20).toString("hex");
    return { id, outs: { ...inputs, ...ed25519KeyMaterial() } };
  },
  async read(id: string, _urn: string, props: Props) {
    return { id, props };
  },
  async delete() {
    // Nothing outside the state to remove, as with the real plugin.
  },
};

if (require.main === module) {
  void provider.main(standIn, process.argv.slice(2));
}
