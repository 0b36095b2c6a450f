/**
 * A separate process that registers or removes one account key through the hosted AccountSshKey provider
 * (or, with NAIVE=1, with a plain read-merge-write and no read-back, to show the race is real).
 * Env: RUNPOD_API_URL, RUNPOD_API_KEY, KEY_LINE, ACTION=create|delete, NAIVE. Prints one JSON line.
 */
import { hostProvider } from "./dynamicHost";
import { RunpodClient } from "../../sdk/runpod";
import { addKey } from "../../sdk/ssh/accountKeySet";

async function main(): Promise<void> {
  const keyLine = process.env.KEY_LINE ?? "";
  const action = process.env.ACTION ?? "create";
  if (process.env.NAIVE === "1") {
    const client = new RunpodClient();
    const current = await client.getSshKeys();
    await client.putSshKeys(addKey(current, keyLine).keys);
    process.stdout.write(JSON.stringify({ ok: true }) + "\n");
    return;
  }
  const { provider } = await hostProvider("accountSshKey");
  const checked = await provider.check({}, { publicKey: keyLine });
  if (checked.failures?.length) throw new Error(JSON.stringify(checked.failures));
  if (action === "delete") {
    // The state a create by this stack would have left: the key was added by us.
    await provider.delete("id", { ...checked.inputs, registeredKey: (checked.inputs as { publicKey: string }).publicKey, alreadyPresent: false });
    process.stdout.write(JSON.stringify({ ok: true }) + "\n");
    return;
  }
  const created = await provider.create(checked.inputs);
  process.stdout.write(JSON.stringify({ ok: true, id: created.id, alreadyPresent: (created.outs as { alreadyPresent: boolean }).alreadyPresent }) + "\n");
}

main().catch((e: unknown) => {
  process.stdout.write(JSON.stringify({ ok: false, error: (e as Error).message }) + "\n");
  process.exitCode = 1;
});
