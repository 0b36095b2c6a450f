/**
 * SshPassword's provider logic: a random root password, made once at create and kept in state (secret), with
 * its SHA-512 crypt hash, which is what goes into the pod.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { randomBytes } from "node:crypto";
import { sha512Crypt } from "../ssh/sha512Crypt";
import { UNKNOWN, type CheckFailure } from "../pod/podSpec";
import { describe } from "../pod/checkFailure";

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/** A random password of `length` characters from an unambiguous alphabet (no 0/O, 1/l/I). */
export function generatePassword(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 256 - (256 % ALPHABET.length)) out += ALPHABET[b % ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export interface SshPasswordInputs {
  length: number;
}

export const passwordProvider = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const failures: CheckFailure[] = [];
    const length = news.length ?? 24;
    if (length !== UNKNOWN && (typeof length !== "number" || !Number.isInteger(length) || length < 16 || length > 128)) {
      failures.push({ property: "length", reason: `length (of the password) must be a whole number from 16 to 128, got ${describe(length)}.` });
    }
    return { inputs: { ...news, length }, failures };
  },
  async diff(_id: string, olds: SshPasswordInputs, news: SshPasswordInputs): Promise<dynamic.DiffResult> {
    const changed = olds.length !== news.length;
    return { changes: changed, replaces: changed ? ["length"] : [] };
  },
  async create(inputs: SshPasswordInputs): Promise<dynamic.CreateResult> {
    const password = generatePassword(inputs.length);
    return { id: `password-${randomBytes(4).toString("hex")}`, outs: { length: inputs.length, password, hash: sha512Crypt(password) } };
  },
  async read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult> {
    return { id, props };
  },
  async update(_id: string, olds: Record<string, unknown>): Promise<dynamic.UpdateResult> {
    return { outs: olds };
  },
  async delete(): Promise<void> {
    // Nothing outside Pulumi's state to remove.
  },
};
