// One training step as one graph: forward, backward and the Adam update, planned and run on a backend together.
//
// In:  a Model (program + parameters), a batch size, Adam settings, the model's execution options.
// Out: a FusedStep whose step(x, y) runs the whole update. The Adam update is part of the tape, written with the
//      graph's own constructors (so GPU backends generate its kernels like any other):
//        m′ = β₁m + (1 − β₁)g      v′ = β₂v + (1 − β₂)g²      p′ = p − α_t·m′/(√v′ + ε)
//      with g the tape's adjoint of p and α_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) (Keras's form, as src/nn/adam.ts).
// On backends with device-resident values (gpu.js on WebGL/WebGPU), parameters and moments stay on the device
// between steps as textures, each replaced texture freed; the host copies (model.params) are refreshed only when
// asked (syncParams). The loss and logits are read back only when asked (loss(), logits()).
// On backends that update optimizer state in place (js, wasm: Backend.adamInPlace), the graph stops at the
// gradients and the runner's adamUpdate applies the same formula to the parameters and moments where they lie
// (wasm: in its memory, one SIMD pass per parameter), so no new values are written elsewhere and copied back.

import { Expr, sym, num } from '../ir/expr.js';
import { add, mul, sub, div, fn } from '../ir/build.js';
import { buildTape } from '../tape/tape.js';
import { inferShapes } from '../tensor/shapes.js';
import { makePlan } from '../backend/plan.js';
import { getBackend, type Runner } from '../backend/backend.js';
import '../backend/compiled-tensor.js'; // registers the built-in backends
import { parseProgram } from '../parse/parse.js';
import type { Model } from './model.js';
import { ExprError } from '../errors.js';
import type { AdamOptions } from './adam.js';

import type { Shape } from '../ir/tensor-ops.js';

/** Names of internal state inputs: brackets cannot appear in the language's names, so they never clash. */
const moment = (kind: 'm' | 'v', p: string) => `${kind}[${p}]`;
const ALPHA = '[alpha]';

interface State {
  name: string;
  shape: Shape;
  /** Host copy (parameters: the model's own arrays). */
  host: Float32Array;
  /** The node computing the next value (the update in the graph). */
  next?: Expr;
  /** Device value currently bound, if any (owned here). */
  device?: unknown;
}

export interface FusedStepOptions {
  /** Keep Adam's update in the graph even where the backend could apply it in place (for comparisons). */
  readonly adamInGraph?: boolean;
}

/** Adam's step count and moments, shared by the fused steps of every batch size of one training run. */
export class AdamState {
  t = 0;
  readonly m = new Map<string, Float32Array>();
  readonly v = new Map<string, Float32Array>();
}

export class FusedStep {
  readonly batch: number;
  private readonly runner: Runner;
  private readonly states: State[] = [];
  private readonly lossNode: Expr;
  private readonly logitsNode: Expr;
  private readonly alpha = new Float32Array(1);
  private readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private hostStale = false;
  /** Views into the backend's memory holding each state input (wasm), when the backend offers them. */
  private readonly views?: Float32Array[];
  /** In-place mode: each parameter's gradient node and the indices of its p, m, v states. */
  private readonly inPlace?: { g: Expr; p: number; m: number; v: number }[];
  private readonly epsilon: number;
  /** The views hold older values than the host copies (after a sync): load them before the next step. */
  private viewsStale = true;

  constructor(
    private readonly model: Model,
    batch: number,
    adam: AdamOptions = {},
    private readonly state: AdamState = new AdamState(),
    options: FusedStepOptions = {},
  ) {
    this.batch = batch;
    this.lr = adam.lr ?? 1e-3;
    this.beta1 = adam.beta1 ?? 0.9;
    this.beta2 = adam.beta2 ?? 0.999;
    const eps = (this.epsilon = adam.epsilon ?? 1e-7);
    const program = parseProgram(model.spec.source);
    const shapes: Record<string, Shape> = { ...model.spec.shapes, x: [batch, model.spec.features] };
    const ys = model.spec.shapes.y;
    shapes.y = ys.length === 2 ? [batch, ys[1]] : [batch];
    const params = model.spec.params;
    const tape = buildTape(program.result, { wrt: params, shapes, context: { statements: program.statements } });
    this.lossNode = tape.output;
    this.logitsNode = [...program.statements].reverse().find((s) => s.name === 'logits')!.expr;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const exec = model.execution;
    const backend = getBackend(exec.backend ?? 'js');
    const inPlace = backend.adamInPlace === true && !options.adamInGraph;
    const updates: Expr[] = [];
    const buffers: Record<string, number> = {};
    params.forEach((p, i) => {
      const g = tape.grads[i];
      const size = model.params[p].length;
      const hostM = state.m.get(p) ?? state.m.set(p, new Float32Array(size)).get(p)!;
      const hostV = state.v.get(p) ?? state.v.set(p, new Float32Array(size)).get(p)!;
      if (hostM.length !== size || hostV.length !== size) {
        throw new ExprError('usage', `the Adam state does not fit this model: ${p} has ${size} values, its moments ${hostM.length} and ${hostV.length}`);
      }
      const [mName, vName] = [moment('m', p), moment('v', p)];
      if (inPlace) {
        // The runner applies the update (adamUpdate) where the values lie; the graph only computes g.
        this.states.push({ name: p, shape: shapes[p], host: model.params[p] }, { name: mName, shape: shapes[p], host: hostM }, { name: vName, shape: shapes[p], host: hostV });
        buffers[mName] = buffers[vName] = size;
        updates.push(g);
        return;
      }
      const m = sym(mName);
      const v = sym(vName);
      const m1 = add(mul(num(b1), m), mul(num(1 - b1), g));
      const v1 = add(mul(num(b2), v), mul(num(1 - b2), mul(g, g)));
      const p1 = sub(sym(p), div(mul(sym(ALPHA), m1), add(fn('sqrt', v1), num(eps))));
      shapes[mName] = shapes[p];
      shapes[vName] = shapes[p];
      this.states.push(
        { name: p, shape: shapes[p], host: model.params[p], next: p1 },
        { name: mName, shape: shapes[p], host: hostM, next: m1 },
        { name: vName, shape: shapes[p], host: hostV, next: v1 },
      );
      updates.push(p1, m1, v1);
    });
    shapes[ALPHA] = [];
    const roots = [this.lossNode, this.logitsNode, ...updates];
    const lookup = (n: string) => (Object.hasOwn(shapes, n) ? shapes[n] : undefined);
    const allShapes = inferShapes(roots, lookup, { statements: program.statements }, tape.shapes);
    const plan = makePlan(roots, allShapes, { views: backend.views !== false });
    this.runner = backend.create(plan, { mode: exec.mode, ...(inPlace ? { buffers } : {}) });
    const r = this.runner;
    if (inPlace) {
      if (!r.adamUpdate || !r.stateBuffer) throw new Error(`internal: backend ${backend.name} declares adamInPlace without adamUpdate`);
      // Each state's buffer on the runner's side: parameters are inputs (a view of the runner's memory, or the
      // host array bound), moments its state buffers; where one is not the host array, steps keep it and
      // syncParams copies it back.
      this.views = this.states.map((s, k) => {
        if (k % 3 !== 0) return r.stateBuffer!(s.name) as Float32Array;
        if (r.inputView) return r.inputView(s.name);
        r.bind(s.name, s.host);
        return s.host;
      });
      this.inPlace = params.map((_, i) => ({ g: tape.grads[i], p: 3 * i, m: 3 * i + 1, v: 3 * i + 2 }));
      return;
    }
    if (r.inputView) this.views = this.states.map((s) => r.inputView!(s.name));
    else for (const s of this.states) r.bind(s.name, s.host);
    r.bind(ALPHA, this.alpha);
  }

  /** What runs the kernels. */
  get description(): string {
    return this.runner.description;
  }

  /** One update from a batch (pixels already scaled; labels as class indices or one-hot rows). */
  async step(x: Float32Array, y: Float32Array): Promise<void> {
    const t = ++this.state.t;
    const alpha = (this.lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    this.alpha[0] = alpha;
    this.runner.bind('x', x);
    this.runner.bind('y', y);
    this.runner.bind(ALPHA, this.alpha);
    const r = this.runner;
    const views = this.views;
    if (views && this.viewsStale) {
      this.states.forEach((s, i) => views[i] !== s.host && views[i].set(s.host));
      this.viewsStale = false;
    }
    await r.run();
    if (this.inPlace && views) {
      const h = { alpha, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
      for (const u of this.inPlace) r.adamUpdate!(views[u.p], views[u.m], views[u.v], u.g, h);
      this.hostStale = this.states.some((s, i) => views[i] !== s.host);
    } else if (views) {
      // Addressable backend memory: the new values go straight into the inputs' own buffers (no host copies).
      this.states.forEach((s, i) => views[i].set(r.bufferOf(s.next!)));
      this.hostStale = true;
    } else if (r.takeValue && r.bindValue) {
      // Device-resident: the new values become the next step's inputs; the old ones are freed.
      for (const s of this.states) {
        const next = r.takeValue(s.next!);
        if (s.device !== undefined) r.releaseValue?.(s.device);
        s.device = next;
        r.bindValue(s.name, next);
      }
      this.hostStale = true;
    } else {
      // Host buffers: copy the new values over the bound inputs (the model's own parameter arrays).
      for (const s of this.states) s.host.set(r.bufferOf(s.next!));
    }
  }

  /** The batch loss of the last step (read back now). */
  loss(): number {
    return this.runner.bufferOf(this.lossNode)[0];
  }

  /** The logits of the last step's batch (read back now). */
  logits(): Float32Array | Float64Array {
    return this.runner.bufferOf(this.logitsNode);
  }

  /**
   * Copy device-resident parameters and moments back to the host (model.params and the shared Adam state), for
   * evaluation, saving, or a step of another batch size; the device copies are then dropped and the next step
   * starts from the host values.
   */
  syncParams(): void {
    if (!this.hostStale) return;
    if (this.views) {
      this.states.forEach((s, i) => this.views![i] !== s.host && s.host.set(this.views![i]));
      this.hostStale = false;
      this.viewsStale = true; // another step size may change the host copies before this one runs again
      return;
    }
    for (const s of this.states) {
      if (s.device === undefined) continue;
      if (this.runner.readValue) s.host.set(this.runner.readValue(s.device, s.shape));
      this.runner.releaseValue?.(s.device);
      s.device = undefined;
      this.runner.bind(s.name, s.host);
    }
    this.hostStale = false;
  }

  dispose(): void {
    for (const s of this.states) if (s.device !== undefined) this.runner.releaseValue?.(s.device);
    this.runner.dispose?.();
  }
}
