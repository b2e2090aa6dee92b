// The fused training step (src/nn/fused-step.ts): Adam as a graph-level update applied in place by each backend
// (js, wasm) against the reference: the compiled gradient and the host Adam (src/nn/adam.ts), step for step, on the
// trainer's model convention, including a gradient that is a constant (d appears only in a term linear in it), a
// parameter that only a regularizer touches (c), and an Adam state that does not fit the model.
import { afterAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/nn/model.js';
import { AdamState, FusedStep } from '../../src/nn/fused-step.js';
import { shutdownWasmThreads } from '../../src/backend/wasm/wasm.js';
import { compile } from '../../src/compile/compile.js';
import { CompiledTensor } from '../../src/compile/tensor.js';
import { Adam } from '../../src/nn/adam.js';
import { mulberry32 } from '../helpers.js';

afterAll(() => shutdownWasmThreads());

const PROGRAMS = {
  mlp: `x : [8, 16]
y : [8]
W1 : [16, 12]; b1 : [12]
W2 : [12, 3]; b2 : [3]
h = relu(x @ W1 + b1)
logits = h @ W2 + b2
loss = mean(softmax_cross_entropy(logits, y))`,
  regularized: `x : [8, 16]
y : [8]
W1 : [16, 12]; b1 : [12]
W2 : [12, 3]; b2 : [3]
c : [5]
d : [4]
logits = relu(x @ W1 + b1) @ W2 + b2
loss = mean(softmax_cross_entropy(logits, y)) + 0.001 * sum(W1 * W1) + 0.01 * sum(b2) + 0.1 * sum((c - 1) * (c - 1)) + 0.5 * sum(d)`,
};

function batch(seed: number) {
  const rnd = mulberry32(seed);
  return { x: Float32Array.from({ length: 8 * 16 }, () => rnd()), y: Float32Array.from({ length: 8 }, () => Math.floor(rnd() * 3)) };
}

async function steps(src: string, backend: string, mode: string | undefined, reference: boolean, n: number) {
  const model = Model.create(src, 3);
  model.execution = { backend, mode };
  const state = new AdamState();
  if (reference) {
    // The gradient on the same backend, then Adam on the host.
    const c = compile(src, { wrt: model.spec.params, backend, mode }) as CompiledTensor;
    const opt = new Adam(model.params, { lr: 1e-2 });
    const losses: number[] = [];
    for (let k = 0; k < n; k++) {
      const { value, gradient } = c.gradient({ ...model.params, ...batch(k) });
      losses.push(value);
      opt.step(gradient);
    }
    const { m, v } = opt.state();
    for (const p of model.spec.params) (state.m.set(p, m[p]), state.v.set(p, v[p]));
    c.dispose();
    return { model, state, losses };
  }
  const s = new FusedStep(model, 8, { lr: 1e-2 }, state);
  const losses: number[] = [];
  for (let k = 0; k < n; k++) {
    const { x, y } = batch(k);
    await s.step(x, y);
    losses.push(s.loss());
  }
  s.syncParams();
  s.dispose();
  return { model, state, losses };
}

function worst(a: Float32Array, b: Float32Array): number {
  let scale = 1e-3;
  a.forEach((v) => (scale = Math.max(scale, Math.abs(v))));
  let w = 0;
  b.forEach((v, i) => (w = Math.max(w, Math.abs(v - a[i]) / scale)));
  return w;
}

describe('FusedStep: Adam in place equals the compiled gradient and the host Adam', () => {
  for (const [name, src] of Object.entries(PROGRAMS)) {
    for (const [backend, mode] of [['js', undefined], ['wasm', 'threads=1'], ['wasm', undefined]] as const) {
      it(`${name}, ${backend}${mode ? ' ' + mode : ''}: parameters and moments after 6 steps`, async () => {
        const inPlace = await steps(src, backend, mode, false, 6);
        const graph = await steps(src, backend, mode, true, 6);
        for (const p of inPlace.model.spec.params) {
          expect(worst(graph.model.params[p], inPlace.model.params[p]), p).toBeLessThan(2e-6);
          expect(worst(graph.state.m.get(p)!, inPlace.state.m.get(p)!), `m ${p}`).toBeLessThan(2e-6);
          expect(worst(graph.state.v.get(p)!, inPlace.state.v.get(p)!), `v ${p}`).toBeLessThan(2e-6);
          expect(inPlace.model.params[p]).not.toEqual(Model.create(src, 3).params[p]); // every parameter moved
        }
        inPlace.losses.forEach((l, k) => expect(Math.abs(l - graph.losses[k]), `loss ${k}`).toBeLessThan(1e-5));
        expect(inPlace.losses.at(-1)!).toBeLessThan(inPlace.losses[0]);
      });
    }
  }

  it('js and wasm agree to 1e-6 after one in-place step', async () => {
    // One step from zero moments: the parameters differ only through the gradients, which the matrix products
    // compute in different orders; with the same gradient buffers the update itself is the same (see the wasm test).
    const a = await steps(PROGRAMS.mlp, 'js', undefined, false, 1);
    const b = await steps(PROGRAMS.mlp, 'wasm', 'threads=1', false, 1);
    for (const p of a.model.spec.params) expect(worst(a.model.params[p], b.model.params[p]), p).toBeLessThan(1e-6);
  });

  it('refuses an Adam state made for another model, with a clear message', () => {
    const state = new AdamState();
    state.m.set('W1', new Float32Array(3));
    state.v.set('W1', new Float32Array(3));
    for (const backend of ['js', 'wasm', 'gpujs']) {
      const model = Model.create(PROGRAMS.mlp, 1);
      model.execution = { backend, mode: backend === 'gpujs' ? 'cpu' : undefined };
      expect(() => new FusedStep(model, 8, {}, state), backend).toThrow(/the Adam state does not fit this model: W1 has 192 values, its moments 3 and 3/);
    }
  });
});
