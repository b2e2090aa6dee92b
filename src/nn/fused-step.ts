// One training step as one graph: forward, backward and Adam's update, compiled by compile()'s own path.
//
// In:  a Model (program + parameters), a batch size, Adam settings, the Adam state shared by the steps of every
//      batch size of one training run, the model's execution options (backend, mode).
// Out: a FusedStep whose step(x, y) runs the whole update: a CompiledTensor with the optimizer adam()
//      (src/tape/optim.ts), so the update is part of the plan and each backend runs it where the values lie (js: in
//      the model's own arrays; wasm: in its memory, Adam's SIMD kernel; gpu.js: as textures on the device).
//      Dropout is active here only, its masks drawn from `dropoutSeed` (src/compile/dropout.ts). The
//      host copies (model.params, the Adam state) are refreshed only when asked (syncParams); the loss and logits
//      are read back only when asked (loss(), logits()).

import { parseProgram } from '../parse/parse.js';
import { compileTensor, type CompiledTensor } from '../compile/tensor.js';
import { adam, type AdamOptions } from '../tape/optim.js';
import { batchShapes, type Model } from './model.js';
import { ExprError } from '../errors.js';

/** Adam's step count and moments, shared by the fused steps of every batch size of one training run. */
export class AdamState {
  t = 0;
  readonly m = new Map<string, Float32Array>();
  readonly v = new Map<string, Float32Array>();
}

export class FusedStep {
  readonly batch: number;
  private readonly compiled: CompiledTensor;
  /** Each state input and its host copy: parameters, then their moments. */
  private readonly states: [string, Float32Array][] = [];
  /** The runner holds newer values than the host copies. */
  private hostStale = false;
  /** The runner must take the host copies before the next step (at first, and after a sync). */
  private load = true;

  constructor(
    private readonly model: Model,
    batch: number,
    options: AdamOptions = {},
    private readonly state: AdamState = new AdamState(),
    dropoutSeed = 0,
  ) {
    this.batch = batch;
    const program = parseProgram(model.spec.source);
    const shapes = batchShapes(model.spec, batch);
    const params = model.spec.params;
    const exec = model.execution;
    this.compiled = compileTensor(
      program.result,
      { shapes, wrt: params, keep: ['logits'], backend: exec.backend ?? 'js', mode: exec.mode, optimizer: adam(options), seed: dropoutSeed },
      program.statements,
    );
    for (const p of params) {
      const size = model.params[p].length;
      const m = state.m.get(p) ?? state.m.set(p, new Float32Array(size)).get(p)!;
      const v = state.v.get(p) ?? state.v.set(p, new Float32Array(size)).get(p)!;
      if (m.length !== size || v.length !== size) {
        throw new ExprError('usage', `the Adam state does not fit this model: ${p} has ${size} values, its moments ${m.length} and ${v.length}`);
      }
      const [mName, vName] = this.compiled.stateNames(p);
      this.states.push([p, model.params[p]], [mName, m], [vName, v]);
    }
  }

  /** What runs the kernels. */
  get description(): string {
    return this.compiled.description;
  }

  /** One update from a batch (pixels already scaled; labels as class indices or one-hot rows). */
  async step(x: Float32Array, y: Float32Array): Promise<void> {
    if (this.load) {
      for (const [name, host] of this.states) this.compiled.setState(name, host);
      this.load = false;
    }
    this.compiled.t = this.state.t;
    await this.compiled.step({ x, y });
    this.state.t = this.compiled.t;
    this.hostStale = true;
  }

  /** The batch loss of the last step (read back now). */
  loss(): number {
    return this.compiled.lastResult() as number;
  }

  /** The logits of the last step's batch (read back now). */
  logits(): Float32Array | Float64Array {
    return this.compiled.valueOf('logits');
  }

  /**
   * Copy the runner's parameters and moments back to the host (model.params and the shared Adam state), for
   * evaluation, saving, or a step of another batch size; the next step starts again from the host values.
   */
  syncParams(): void {
    if (!this.hostStale) return;
    for (const [name, host] of this.states) {
      const now = this.compiled.state(name);
      if (now !== host) host.set(now);
    }
    this.hostStale = false;
    this.load = true;
  }

  dispose(): void {
    this.compiled.dispose();
  }
}
