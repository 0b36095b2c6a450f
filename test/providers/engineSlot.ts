/**
 * One resource driven the way the Pulumi engine drives a dynamic provider on each `pulumi up`:
 * check(old inputs, new inputs) -> (inputs deep-equal: nothing) -> diff(id, state outputs, checked inputs) ->
 * no change: a "same" step (the outputs stay, the inputs are recorded) | replace: delete then create when
 * diff asks for deleteBeforeReplace, else create then delete | update(id, state outputs, checked inputs).
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Provider = Required<Pick<dynamic.ResourceProvider, "check" | "diff" | "create" | "update" | "delete">>;

/** What a step did, as the preview would have promised it. */
export interface StepResult {
  promise: "none" | "update" | "replace";
  deleteBeforeReplace: boolean;
  replaces: string[];
  /** The id before the step (a replacement changes it). */
  previousId: string;
}

export class EngineSlot {
  id = "";
  inputs: Record<string, unknown> = {};
  outs: Record<string, unknown> = {};

  constructor(private readonly provider: Provider) {}

  /** The first `pulumi up`: check and create. */
  async create(raw: Record<string, unknown>): Promise<void> {
    const checked = await this.provider.check({}, raw);
    assert.deepEqual(checked.failures ?? [], [], "the inputs pass check");
    const created = await this.provider.create(checked.inputs);
    this.id = created.id;
    this.inputs = checked.inputs as Record<string, unknown>;
    this.outs = (created.outs ?? {}) as Record<string, unknown>;
  }

  /** A later `pulumi up` with `raw` as the program's inputs. */
  async up(raw: Record<string, unknown>): Promise<StepResult> {
    const previousId = this.id;
    const checked = await this.provider.check(this.inputs, raw);
    assert.deepEqual(checked.failures ?? [], [], "the inputs pass check");
    const news = checked.inputs as Record<string, unknown>;
    if (isDeepStrictEqual(news, this.inputs))
      return { promise: "none", deleteBeforeReplace: false, replaces: [], previousId };
    const diff = await this.provider.diff(this.id, this.outs, news);
    const replaces = diff.replaces ?? [];
    if (!diff.changes) {
      this.inputs = news;
      return { promise: "none", deleteBeforeReplace: false, replaces, previousId };
    }
    const deleteBeforeReplace = diff.deleteBeforeReplace ?? false;
    if (replaces.length > 0) {
      if (deleteBeforeReplace) await this.provider.delete(this.id, this.outs);
      const created = await this.provider.create(news);
      if (!deleteBeforeReplace) await this.provider.delete(this.id, this.outs);
      this.id = created.id;
      this.outs = (created.outs ?? {}) as Record<string, unknown>;
      this.inputs = news;
      return { promise: "replace", deleteBeforeReplace, replaces, previousId };
    }
    const updated = await this.provider.update(this.id, this.outs, news);
    this.outs = (updated.outs ?? {}) as Record<string, unknown>;
    this.inputs = news;
    return { promise: "update", deleteBeforeReplace, replaces, previousId };
  }

  /** `pulumi destroy`. */
  async destroy(): Promise<void> {
    if (this.id) await this.provider.delete(this.id, this.outs);
    this.id = "";
  }
}
