// Gradient checks for tensor programs, generated from the op tables: every tensor op and every scalar op applied
// pointwise (with broadcasting) is differentiated through the tape on the float64 backend and compared with
// central differences; the float32 backend is compared with float64 within a stated tolerance.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile/compile.js';
import { CompiledTensor } from '../../src/compile/tensor.js';
import { ops, type OpSpec } from '../../src/ir/ops.js';
import { allOps } from '../../src/ir/registry.js';
import { mulberry32 } from '../helpers.js';
import { TENSOR_CASES } from '../util/tensor-cases.js';

type Shapes = Record<string, number[]>;
type Vals = Record<string, Float64Array>;

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function randomValues(shapes: Shapes, rnd: () => number, pick?: (name: string) => (() => number) | undefined): Vals {
  const out: Vals = {};
  for (const [name, s] of Object.entries(shapes)) {
    const draw = pick?.(name) ?? (() => rnd() * 2 - 1);
    out[name] = Float64Array.from({ length: size(s) }, draw);
  }
  return out;
}

/** Largest |tape − central difference| relative to max(1, |fd|), over every input element. */
function gradError(c: CompiledTensor, vals: Vals, h = 1e-6): number {
  const { gradient } = c.gradient(vals);
  const grads = Object.fromEntries(Object.entries(gradient).map(([k, v]) => [k, Float64Array.from(v)]));
  let worst = 0;
  for (const name of c.wrt) {
    const x = vals[name];
    for (let i = 0; i < x.length; i++) {
      const orig = x[i];
      x[i] = orig + h;
      const up = c.evaluate(vals) as number;
      x[i] = orig - h;
      const down = c.evaluate(vals) as number;
      x[i] = orig;
      const fd = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(grads[name][i] - fd) / Math.max(1, Math.abs(fd)));
    }
  }
  return worst;
}

const labels = (n: number, classes: number, rnd: () => number) => () => Math.floor(rnd() * classes) % classes;

describe('tensor ops: tape gradients against float64 central differences', () => {
  it('covers every tensor op of the registry (tensor-ops.ts and conv-ops.ts)', () => {
    expect(Object.keys(TENSOR_CASES).sort()).toEqual(allOps().filter((o) => !o.elementwise).map((o) => o.name).sort());
  });
  for (const [op, cases] of Object.entries(TENSOR_CASES)) {
    it.each(cases)(`${op}: %s`, (src, shapes, wrt) => {
      const rnd = mulberry32(op.length * 7919 + src.length);
      const c = compile(src, { shapes, wrt, dtype: 'float64' }) as CompiledTensor;
      const vals = randomValues(shapes, rnd, (name) => (name === 'y' ? labels(0, 3, rnd) : undefined));
      if (shapes.Y) {
        // soft labels that sum to 1 per row
        const Y = vals.Y;
        for (let r = 0; r < 4; r++) {
          let s = 0;
          for (let k = 0; k < 3; k++) s += (Y[r * 3 + k] = rnd() + 0.1);
          for (let k = 0; k < 3; k++) Y[r * 3 + k] /= s;
        }
      }
      expect(gradError(c, vals)).toBeLessThan(1e-6);
    });
  }
});

describe('scalar ops applied pointwise to tensors, with broadcasting', () => {
  const cases = Object.entries(ops as Record<string, OpSpec>).filter(([, s]) => s.arity > 0);
  it.each(cases)('%s', (name, spec) => {
    const rnd = mulberry32(name.length * 104729 + name.charCodeAt(0));
    const n = spec.variadic ? 3 : spec.arity;
    // Argument 0 is a matrix, the others alternate a row vector and a column; R weights the output.
    const argShapes: number[][] = [[3, 4], [4], [3, 1]].slice(0, n);
    while (argShapes.length < n) argShapes.push([4]);
    const names = argShapes.map((_, i) => `a${i}`);
    const shapes: Shapes = Object.fromEntries(names.map((a, i) => [a, argShapes[i]]));
    shapes.R = [3, 4];
    const inner = ['add', 'sub', 'mul', 'div', 'pow'].includes(name)
      ? `(${names[0]} ${{ add: '+', sub: '-', mul: '*', div: '/', pow: '^' }[name]} ${names[1]})`
      : name === 'neg'
        ? `(-${names[0]})`
        : `${name}(${names.join(', ')})`;
    // no gradient in arguments that take integers only (finite differences leave the integers)
    const wrt = names.filter((_, i) => !(spec.integerArgs ?? []).includes(i));
    const c = compile(`sum(R * ${inner})`, { shapes, wrt, dtype: 'float64' }) as CompiledTensor;
    // Draw points where the op is smooth with a margin (so central differences are meaningful).
    let vals: Vals | undefined;
    for (let attempt = 0; attempt < 200 && !vals; attempt++) {
      // every other attempt draws positive values (log(x, b), root(x, n) and polygamma(n, x) need them), and
      // integers for the arguments that take only those (polygamma's order)
      const positive = attempt % 2 === 1;
      const v = randomValues(shapes, rnd, () => () => (positive ? rnd() * 3 + 0.2 : rnd() * 3 - 1.5));
      if (positive) for (const i of spec.integerArgs ?? []) v[`a${i}`] = v[`a${i}`].map(Math.floor);
      if (name === 'pow') v.a0 = v.a0.map((x) => Math.abs(x) + 0.3);
      if (n === 1) {
        // one argument: draw each element until it lies where the op is smooth
        v.a0 = v.a0.map((x) => {
          for (let k = 0; k < 1000 && !spec.smooth([x], 0.05); k++) x = rnd() * 6 - 3;
          return x;
        });
      }
      let ok = true;
      for (let i = 0; i < 3 && ok; i++) {
        for (let j = 0; j < 4 && ok; j++) {
          const xs = [v.a0[i * 4 + j], v.a1?.[j], v.a2?.[i]].slice(0, n) as number[];
          ok = spec.smooth(xs, 0.05);
        }
      }
      if (ok) vals = v;
    }
    expect(vals, `no smooth point found for ${name}`).toBeDefined();
    expect(gradError(c, vals!)).toBeLessThan(1e-5);
  });
});

const MLP = `h1 = relu(x @ W1 + b1)
h2 = relu(h1 @ W2 + b2)
h3 = relu(h2 @ W3 + b3)
loss = mean(softmax_cross_entropy(h3 @ W4 + b4, y))`;
const PARAMS = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'W4', 'b4'];

function mlpShapes(B: number, d: number[]): Shapes {
  return {
    x: [B, d[0]], y: [B],
    W1: [d[0], d[1]], b1: [d[1]], W2: [d[1], d[2]], b2: [d[2]], W3: [d[2], d[3]], b3: [d[3]], W4: [d[3], d[4]], b4: [d[4]],
  };
}

describe('the MLP program', () => {
  it('gradients match float64 central differences', () => {
    const shapes = mlpShapes(5, [7, 6, 5, 4, 3]);
    const rnd = mulberry32(42);
    const c = compile(MLP, { shapes, wrt: PARAMS, dtype: 'float64' }) as CompiledTensor;
    const vals = randomValues(shapes, rnd, (name) => (name === 'y' ? labels(0, 3, rnd) : name === 'x' ? () => rnd() : undefined));
    expect(gradError(c, vals)).toBeLessThan(1e-6);
  });

  it('float32 backend matches the float64 reference within 1e-4 (relative to the largest gradient)', () => {
    const shapes = mlpShapes(16, [32, 24, 16, 12, 10]);
    const rnd = mulberry32(7);
    const vals = randomValues(shapes, rnd, (name) => (name === 'y' ? labels(0, 10, rnd) : undefined));
    const c64 = compile(MLP, { shapes, wrt: PARAMS, dtype: 'float64' }) as CompiledTensor;
    const c32 = compile(MLP, { shapes, wrt: PARAMS }) as CompiledTensor;
    const r64 = c64.gradient(vals);
    const g64 = Object.fromEntries(Object.entries(r64.gradient).map(([k, v]) => [k, Float64Array.from(v)]));
    const r32 = c32.gradient(vals);
    expect(Math.abs(r32.value - r64.value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(r64.value)));
    for (const p of PARAMS) {
      const scale = Math.max(...g64[p].map(Math.abs), 1e-3);
      let worst = 0;
      r32.gradient[p].forEach((g, i) => (worst = Math.max(worst, Math.abs(g - g64[p][i]))));
      expect(worst / scale, p).toBeLessThan(1e-4);
    }
  });

  it('a steady-state step allocates no new buffers: gradients come back in the same arrays', () => {
    const shapes = mlpShapes(8, [10, 9, 8, 7, 4]);
    const rnd = mulberry32(3);
    const c = compile(MLP, { shapes, wrt: PARAMS }) as CompiledTensor;
    const vals = randomValues(shapes, rnd, (name) => (name === 'y' ? labels(0, 4, rnd) : undefined));
    const f32 = Object.fromEntries(Object.entries(vals).map(([k, v]) => [k, Float32Array.from(v)]));
    const first = c.gradient(f32).gradient;
    const second = c.gradient(f32).gradient;
    for (const p of PARAMS) expect(second[p]).toBe(first[p]);
  });

  it('names the statement and operands on a shape mismatch', () => {
    const shapes = { ...mlpShapes(8, [10, 9, 8, 7, 4]), W3: [9, 7] };
    expect(() => compile(MLP, { shapes })).toThrow(/line 3 \(h3 = …\): @ of h2 \[8, 8\] and W3 \[9, 7\]: inner dimensions differ/);
  });

  it('prints its gradients as formulas using the program names', () => {
    const c = compile(MLP, { shapes: mlpShapes(128, [784, 512, 256, 128, 10]), wrt: PARAMS }) as CompiledTensor;
    const f = c.gradientFormulas();
    expect(f.get('W4')).toBe('h3ᵀ @ ((softmax(h3 @ W4 + b4, axis=1) − onehot(y, 10))/128)');
    expect(f.get('b4')).toBe('sum((softmax(h3 @ W4 + b4, axis=1) − onehot(y, 10))/128, axis=0)');
  });
});
