import { test } from "node:test";
import assert from "node:assert/strict";
import { RunpodClient, RunpodConfigurationError, userAgent } from "../../sdk/runpod";
import { resolveApiUrl } from "../../sdk/runpod/settings";
import { PACKAGE_VERSION } from "../../sdk/version";
import { startStubServer } from "./stubServer";

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(vars)) {
    saved[k] = process.env[k];
    if (vars[k] === undefined) delete process.env[k];
    else process.env[k] = vars[k];
  }
  try {
    return fn();
  } finally {
    for (const k of Object.keys(saved)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

test("the base URL defaults to Runpod's and is overridable by option and by RUNPOD_API_URL", () => {
  withEnv({ RUNPOD_API_URL: undefined }, () => {
    assert.equal(resolveApiUrl(), "https://api.runpod.io");
  });
  withEnv({ RUNPOD_API_URL: "http://127.0.0.1:9999/" }, () => {
    assert.equal(resolveApiUrl(), "http://127.0.0.1:9999");
    assert.equal(resolveApiUrl("http://localhost:1"), "http://localhost:1");
  });
  assert.throws(() => resolveApiUrl("ftp://x"), /http or https/);
  assert.throws(() => resolveApiUrl("https://api.runpod.io/?api_key=abc"), /must not carry credentials/);
  assert.throws(() => resolveApiUrl("not a url"), /not a valid URL/);
});

test("a missing key fails the first call, naming both ways to set it, and sends nothing", async () => {
  const stub = await startStubServer(() => ({ status: 200, body: { keys: [] } }));
  try {
    const client = withEnv({ RUNPOD_API_KEY: undefined }, () => new RunpodClient({ apiUrl: stub.url }));
    await assert.rejects(client.getSshKeys(), (e: unknown) => {
      assert.ok(e instanceof RunpodConfigurationError);
      assert.match(e.message, /RUNPOD_API_KEY/);
      assert.match(e.message, /pulumi config set --secret runpod:token/);
      return true;
    });
    assert.equal(stub.requests.length, 0);
  } finally {
    await stub.close();
  }
});

test("the key comes from RUNPOD_API_KEY, goes only in the Bearer header, and our User-Agent is sent", async () => {
  const stub = await startStubServer(() => ({ status: 200, body: { keys: [] } }));
  try {
    const key = "rpa_envkey_0123456789";
    const client = withEnv({ RUNPOD_API_KEY: key }, () => new RunpodClient({ apiUrl: stub.url, rateLimiter: false }));
    await client.getSshKeys();
    const req = stub.requests[0];
    assert.equal(req.headers.authorization, `Bearer ${key}`);
    assert.ok(!req.url.includes(key), "key must not be in the URL");
    assert.equal(req.headers["user-agent"], userAgent());
    assert.match(String(req.headers["user-agent"]), new RegExp(`^pulumi-runpod-ssh/${PACKAGE_VERSION.replace(/\./g, "\\.")} \\(node `));
  } finally {
    await stub.close();
  }
});

test("an explicit apiKey option wins over the environment, and a key with a line break is refused", async () => {
  const stub = await startStubServer(() => ({ status: 200, body: { keys: [] } }));
  try {
    const client = withEnv({ RUNPOD_API_KEY: "from-env-xxxx" }, () => new RunpodClient({ apiUrl: stub.url, apiKey: "from-option-yyyy", rateLimiter: false }));
    await client.getSshKeys();
    assert.equal(stub.requests[0].headers.authorization, "Bearer from-option-yyyy");
  } finally {
    await stub.close();
  }
  assert.throws(() => new RunpodClient({ apiKey: "abc\ndef" }), /whitespace or control characters/);
});

test("PACKAGE_VERSION matches package.json", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require("../../../package.json") as { version: string };
  assert.equal(PACKAGE_VERSION, pkg.version);
});
