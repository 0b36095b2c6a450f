/** Benchmark baseline: one dynamic resource whose provider does nothing. */
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

new Trivial("trivial");
