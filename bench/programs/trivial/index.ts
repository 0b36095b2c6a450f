/**
 * Benchmark baseline: `count` dynamic resources (config, default 1) whose provider does nothing: the engine's own
 * floor for a stack of that many resources (bench/engine.ts compares our programs with it).
 */
import * as pulumi from "@pulumi/pulumi";

const noop: pulumi.dynamic.ResourceProvider = {
  async create() {
    return { id: "trivial", outs: {} };
  },
};

class Trivial extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(noop, name, {}, undefined, "Trivial");
  }
}

const count = new pulumi.Config().getNumber("count") ?? 1;
for (let i = 0; i < count; i++) new Trivial(i === 0 ? "trivial" : `trivial-${i}`);
