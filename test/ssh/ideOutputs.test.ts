import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import {
  buildIdeOutputs,
  httpPorts,
  tunnelLocalPortProblems,
  vscodeFolderProblems,
  vscodeUri,
  type IdeOutputOptions,
} from "../../sdk/ssh/ideOutputs";
import { NO_DIRECT_PATH_REASON, STOPPED_REASON, buildSshCommands, type SshTarget } from "../../sdk/ssh/sshCommands";

const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBrx8C8JaWMJtWb0N/0pIVpY4VjesWtkXR89Ou+hEW";
const target: SshTarget = {
  host: "195.26.233.3",
  port: 34446,
  user: "root",
  proxyUser: "7h9k2m4n6p-64411eb2",
  proxyHost: "ssh.runpod.io",
  hostKeys: [ED],
};
const options: IdeOutputOptions = {
  podId: "7h9k2m4n6p",
  identityFile: "/keys/my pod",
  hostAlias: "trainer",
  ports: ["8888/http", "22/tcp", "6006/http"],
};

/** The words a POSIX shell makes of a command. */
function argv(command: string): string[] {
  const out = execFileSync("sh", ["-c", `eval "set -- $1"; for a in "$@"; do printf '%s\\0' "$a"; done`, "sh", command]);
  return out.toString().split("\0").slice(0, -1);
}

test("vscodeUri opens the sshConfig host alias at /workspace by default, another folder when asked", () => {
  assert.equal(buildIdeOutputs(target, options).vscodeUri, "vscode://vscode-remote/ssh-remote+trainer/workspace");
  assert.equal(
    buildIdeOutputs(target, { ...options, vscodeFolder: "/root/my code" }).vscodeUri,
    "vscode://vscode-remote/ssh-remote+trainer/root/my%20code",
  );
  const config = buildSshCommands(target, options).sshConfig;
  assert.match(config, /^Host trainer\n/, "the URI's alias is the Host of the sshConfig block");
});

test("each HTTP port gets an ssh -N -L tunnel over the pinned direct path, with the same host-key words as sshCommand", () => {
  const ide = buildIdeOutputs(target, options);
  assert.deepEqual(Object.keys(ide.tunnels), ["6006", "8888"], "HTTP ports only (a map: numeric keys iterate in order)");
  const words = argv(ide.tunnels["8888"]);
  const ssh = argv(buildSshCommands(target, options).sshCommand);
  assert.deepEqual(words.slice(0, 2), ["ssh", "-N"]);
  assert.deepEqual(words.slice(2, 2 + ssh.length - 2), ssh.slice(1, -1), "port, identity and every -o option of sshCommand");
  assert.ok(words.includes(`KnownHostsCommand=/bin/echo [195.26.233.3]:34446 ${ED}`), "the host key is pinned");
  const l = words.indexOf("-L");
  assert.equal(words[l + 1], "8888:localhost:8888");
  assert.ok(words.includes("ExitOnForwardFailure=yes"));
  assert.equal(words.at(-1), "root@195.26.233.3");
  const all = argv(ide.tunnelCommand);
  assert.deepEqual(all.filter((_, i) => all[i - 1] === "-L"), ["8888:localhost:8888", "6006:localhost:6006"]);
});

test("tunnelLocalPorts remaps the local side only", () => {
  const ide = buildIdeOutputs(target, { ...options, tunnelLocalPorts: { "8888": 18888 } });
  assert.ok(argv(ide.tunnels["8888"]).includes("18888:localhost:8888"));
  assert.ok(argv(ide.tunnels["6006"]).includes("6006:localhost:6006"));
});

test("stopped or proxy-only pods: every IDE output says why there is none; no HTTP port: tunnelCommand says how to get one", () => {
  const stopped = buildIdeOutputs({ ...target, stopped: true }, options);
  assert.equal(stopped.vscodeUri, STOPPED_REASON);
  assert.deepEqual(stopped.tunnels, { "8888": STOPPED_REASON, "6006": STOPPED_REASON });
  assert.equal(stopped.tunnelCommand, STOPPED_REASON);
  const proxy = buildIdeOutputs({ ...target, host: null, port: null, user: null, hostKeys: [] }, options);
  assert.equal(proxy.vscodeUri, NO_DIRECT_PATH_REASON);
  assert.equal(proxy.tunnels["8888"], NO_DIRECT_PATH_REASON);
  const none = buildIdeOutputs(target, { ...options, ports: ["22/tcp"] });
  assert.deepEqual(none.tunnels, {});
  assert.match(none.tunnelCommand, /no HTTP port.*"8888\/http"/);
});

test("input checks name the input and the fix", () => {
  assert.deepEqual(vscodeFolderProblems("/workspace"), []);
  assert.match(vscodeFolderProblems("workspace")[0], /vscodeFolder must be an absolute folder path/);
  assert.deepEqual(tunnelLocalPortProblems({ "8888": 18888 }, ["8888/http"]), []);
  assert.match(tunnelLocalPortProblems({ "9999": 1 }, ["8888/http"])[0], /port 9999 is not exposed as HTTP; add "9999\/http"/);
  assert.match(tunnelLocalPortProblems({ "8888": 70000 }, ["8888/http"])[0], /must be a local port number 1\.\.65535/);
  assert.match(
    tunnelLocalPortProblems({ "8888": 9000, "6006": 9000 }, ["8888/http", "6006/http"])[0],
    /uses local port 9000, already used for pod port (6006|8888); pick another/,
  );
  assert.match(tunnelLocalPortProblems([1], undefined)[0], /must be a map/);
});

test("property: any alias and folder give a URI that decodes back to them, and every tunnel forwards its own port", () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[A-Za-z0-9._-]{1,30}$/),
      fc.array(fc.stringMatching(/^[^/\r\n]{1,12}$/), { maxLength: 4 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 5 }),
      (alias, parts, ports) => {
        const folder = `/${parts.join("/")}`;
        const uri = vscodeUri(alias, folder);
        const m = /^vscode:\/\/vscode-remote\/ssh-remote\+([^/]*)(\/.*)$/.exec(uri);
        assert.ok(m, uri);
        assert.equal(decodeURIComponent(m[1]), alias);
        assert.equal(m[2].split("/").map(decodeURIComponent).join("/"), folder);
        const ide = buildIdeOutputs(target, { ...options, hostAlias: alias, ports: ports.map((p) => `${p}/http`) });
        assert.deepEqual(httpPorts(ports.map((p) => `${p}/http`)), ports);
        for (const p of ports) {
          const words = ide.tunnels[String(p)].split(" ");
          assert.equal(words[words.indexOf("-L") + 1], `${p}:localhost:${p}`);
        }
      },
    ),
    { numRuns: 200 },
  );
});
