// The wasm backend (src/backend/wasm/): matrix products in every transpose case against a float64 reference and
// the JS backend, at sizes that leave partial tiles and blocks (1×N, N×1, odd, past the depth and column blocks);
// every tensor op of the op table against the JS backend; a full MNIST-MLP training step; one thread against
// several (bitwise: each element is computed by the same instructions whoever computes it); inputs written in
// place; disposal; and worker threads that never keep a process alive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from '../../src/compile/compile.js';
import { CompiledTensor } from '../../src/compile/tensor.js';
import { makePlan } from '../../src/backend/plan.js';
import { getBackend } from '../../src/backend/registry.js';
import { parseProgram } from '../../src/parse/parse.js';
import { buildTape } from '../../src/tape/tape.js';
import { setWasmThreads, shutdownWasmThreads, wasmFeatures, type WasmRunner } from '../../src/backend/wasm/wasm.js';
import { setCallerTakesPart, threadStats } from '../../src/backend/wasm/engine.js';
import { mulberry32 } from '../helpers.js';
import { adamUpdate } from '../../src/nn/adam.js';
import { adam, momentum } from '../../src/tape/optim.js';
import { TENSOR_CASES } from '../util/tensor-cases.js';

type Shapes = Record<string, number[]>;
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

// Two threads even on a one-core machine, so splitting is always exercised.
beforeAll(() => setWasmThreads(2));
afterAll(() => shutdownWasmThreads());

function random(shapes: Shapes, seed: number): Record<string, Float32Array> {
  const rnd = mulberry32(seed);
  return Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, Float32Array.from({ length: size(s) }, () => rnd() * 2 - 1)]));
}

/** A forward-only runner for one expression, straight from the plan (no CompiledTensor). */
function runner(src: string, shapes: Shapes, backend: string, mode?: string) {
  const expr = parseProgram(src).result;
  const tape = buildTape(expr, { wrt: [], shapes });
  const plan = makePlan([expr], tape.shapes);
  return { expr, r: getBackend(backend).create(plan, { mode }) };
}

function product(src: string, shapes: Shapes, vals: Record<string, Float32Array>, backend: string, mode?: string): Float32Array {
  const { expr, r } = runner(src, shapes, backend, mode);
  for (const [k, v] of Object.entries(vals)) r.bind(k, v);
  r.run();
  const out = Float32Array.from(r.bufferOf(expr));
  r.dispose?.();
  return out;
}

/** op(A)·op(B) in float64, with Σ|a||b| per element for the error bound. */
function reference(tA: boolean, tB: boolean, m: number, k: number, n: number, A: Float32Array, B: Float32Array) {
  const C = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      let g = 0;
      for (let p = 0; p < k; p++) {
        const x = (tA ? A[p * m + i] : A[i * k + p]) * (tB ? B[j * k + p] : B[p * n + j]);
        s += x;
        g += Math.abs(x);
      }
      C[i * n + j] = s;
      mag[i * n + j] = g;
    }
  return { C, mag };
}

describe('wasm backend: features', () => {
  it('detects SIMD and threads, and says what runs', () => {
    const f = wasmFeatures();
    expect(f.simd).toBe(true); // Node ≥ 16.4
    const c = compile('A @ B', { shapes: { A: [2, 3], B: [3, 2] }, wrt: [], backend: 'wasm' }) as CompiledTensor;
    c.evaluate({ A: new Float32Array(6), B: new Float32Array(6) });
    expect(c.description).toMatch(/^WebAssembly SIMD \(float32\), \d+ threads?/);
    if (f.threads) expect(c.description).toContain('2 threads');
    const one = compile('A @ B', { shapes: { A: [2, 3], B: [3, 2] }, wrt: [], backend: 'wasm', mode: 'threads=1' }) as CompiledTensor;
    one.evaluate({ A: new Float32Array(6), B: new Float32Array(6) });
    expect(one.description).toMatch(/1 thread/);
  });

  it('computes float64 programs on the JS backend and says so', () => {
    const c = compile('sum(A @ B)', { shapes: { A: [2, 3], B: [3, 2] }, backend: 'wasm', dtype: 'float64' }) as CompiledTensor;
    expect(c.evaluate({ A: [1, 2, 3, 4, 5, 6], B: [1, 0, 0, 1, 1, 1] })).toBe(1 + 2 + 3 + 3 + 4 + 5 + 6 + 6);
    expect(c.description).toMatch(/float64.*float32 only/);
  });

  it('rejects an unknown mode', () => {
    const c = compile('A @ B', { shapes: { A: [2, 3], B: [3, 2] }, wrt: [], backend: 'wasm', mode: 'turbo' }) as CompiledTensor;
    expect(() => c.evaluate({ A: new Float32Array(6), B: new Float32Array(6) })).toThrow(/threads=N/);
  });
});

describe('wasm backend: matrix products against float64 and the JS backend', () => {
  // [m, k, n]: 1×N, N×1, single elements, odd sizes, partial 4×8 tiles, depth past the 256-deep block, columns
  // past the 512-wide block, and products large enough to be split between threads.
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 13],
    [13, 7, 1],
    [1, 300, 1],
    [5, 3, 9],
    [4, 8, 8],
    [7, 257, 17],
    [33, 64, 40],
    [3, 5, 521],
    [64, 300, 130],
    [130, 70, 96],
    [37, 520, 29],
  ];
  const forms = [
    ['NN', 'A @ B', false, false],
    ['TN', 'Aᵀ @ B', true, false],
    ['NT', 'A @ Bᵀ', false, true],
    ['TT', 'Aᵀ @ Bᵀ', true, true],
  ] as const;
  for (const [label, src, tA, tB] of forms) {
    it.each(sizes)(`${label} %i×%i · ×%i`, (m, k, n) => {
      const shapes = { A: tA ? [k, m] : [m, k], B: tB ? [n, k] : [k, n] };
      const vals = random(shapes, m * 1000 + k * 10 + n);
      const { C, mag } = reference(tA, tB, m, k, n, vals.A, vals.B);
      const multi = product(src, shapes, vals, 'wasm');
      const single = product(src, shapes, vals, 'wasm', 'threads=1');
      const js = product(src, shapes, vals, 'js');
      for (let i = 0; i < m * n; i++) {
        // float32 products summed in float32: error ≤ k·ε·Σ|a·b| (a loose bound; typical errors are far smaller)
        const tol = (k + 2) * 2 ** -23 * mag[i] + 1e-30;
        if (!(Math.abs(multi[i] - C[i]) <= tol)) expect.fail(`${label} element ${i}: ${multi[i]} vs ${C[i]} (tol ${tol})`);
        if (!(Math.abs(js[i] - multi[i]) <= 2 * tol)) expect.fail(`${label} element ${i}: wasm ${multi[i]} vs js ${js[i]}`);
      }
      expect(multi).toEqual(single); // bitwise: threads and memories do not change results
    });
  }

  it.runIf(wasmFeatures().threads)('splits large products between threads with identical results', () => {
    const before = { ...threadStats };
    for (const [src, shapes] of [
      ['A @ B', { A: [128, 784], B: [784, 512] }],
      ['Aᵀ @ B', { A: [128, 784], B: [128, 512] }],
      ['A @ Bᵀ', { A: [128, 512], B: [784, 512] }],
      ['A @ B', { A: [700, 300], B: [300, 12] }], // narrow: split by rows
    ] as [string, Shapes][]) {
      const vals = random(shapes, 7);
      const single = product(src, shapes, vals, 'wasm', 'threads=1');
      expect(product(src, shapes, vals, 'wasm')).toEqual(single);
      // The worker alone computes every chunk: its results are the calling thread's.
      setCallerTakesPart(false);
      try {
        expect(product(src, shapes, vals, 'wasm')).toEqual(single);
      } finally {
        setCallerTakesPart(true);
      }
    }
    expect(threadStats.splitJobs - before.splitJobs).toBe(8);
    expect(threadStats.chunks - threadStats.callerChunks).toBeGreaterThan(before.chunks - before.callerChunks);
  });
});

describe('wasm backend: fused and replaced steps', () => {
  const shapes = { x: [37, 21], W: [21, 19], b: [19], V: [19, 5], R: [37, 5] };
  const wrt = ['x', 'W', 'b', 'V'];
  const src = 'z = x @ W\nh = relu(z + b)\nloss = sum(R * (h @ V))';

  it('folds the bias add and relu into the matrix product, bitwise as the separate loops', () => {
    const vals = random(shapes, 11);
    for (let i = 0; i < 19; i++) vals.b[i] = i % 3 === 0 ? 0 : vals.b[i]; // some exact zeros after relu
    const fused = compile(src, { shapes, wrt, backend: 'wasm' }) as CompiledTensor;
    const apart = compile(src, { shapes, wrt, backend: 'wasm', keep: ['z'] }) as CompiledTensor; // z kept: not folded
    const a = fused.gradient(vals);
    const b = apart.gradient(vals);
    expect(fused.js).toMatch(/matmul \[37, 19\] with the bias add and relu of the next steps fused in/);
    expect(fused.js).toMatch(/matmul \[37, 19\] with the step mask \(relu backward\)/);
    expect(apart.js).not.toMatch(/bias add/);
    expect(a.value).toBe(b.value);
    for (const name of wrt) expect(Float32Array.from(a.gradient[name]), name).toEqual(Float32Array.from(b.gradient[name]));
    const js = (compile(src, { shapes, wrt }) as CompiledTensor).gradient(vals);
    expect(a.value).toBeCloseTo(js.value, 3);
  });

  it('sums columns (a bias gradient) bitwise as the JS reduction does', () => {
    for (const [r, c] of [
      [1, 1],
      [37, 13],
      [128, 512],
      [3, 4],
    ]) {
      const vals = random({ A: [r, c] }, r + c);
      expect(product('sum(A, axis=0)', { A: [r, c] }, vals, 'wasm')).toEqual(product('sum(A, axis=0)', { A: [r, c] }, vals, 'js'));
    }
  });
});

describe('wasm backend: every tensor op against the JS backend', () => {
  for (const [op, cases] of Object.entries(TENSOR_CASES)) {
    it.each(cases)(`${op}: %s`, (src, shapes, wrt) => {
      const rnd = mulberry32(op.length * 31 + src.length);
      const vals: Record<string, Float32Array> = {};
      for (const [name, s] of Object.entries(shapes)) {
        vals[name] = Float32Array.from({ length: size(s) }, () => (name === 'y' ? Math.floor(rnd() * 3) : rnd() * 2 - 1));
      }
      if (shapes.Y) {
        const Y = vals.Y;
        const [r, c] = shapes.Y;
        for (let i = 0; i < r; i++) {
          let t = 0;
          for (let j = 0; j < c; j++) t += (Y[i * c + j] = Math.abs(Y[i * c + j]) + 0.1);
          for (let j = 0; j < c; j++) Y[i * c + j] /= t;
        }
      }
      const js = compile(src, { shapes, wrt }) as CompiledTensor;
      const wasm = compile(src, { shapes, wrt, backend: 'wasm' }) as CompiledTensor;
      const a = js.gradient(vals);
      const b = wasm.gradient(vals);
      expect(b.value).toBeCloseTo(a.value, 5);
      for (const name of wrt) {
        const ga = a.gradient[name];
        const gb = b.gradient[name];
        expect(gb.length).toBe(ga.length);
        for (let i = 0; i < ga.length; i++) expect(Math.abs(gb[i] - ga[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ga[i])));
      }
      wasm.dispose();
    });
  }
});

describe('wasm backend: MNIST MLP training step', () => {
  const MLP = `h1 = relu(x @ W1 + b1)
h2 = relu(h1 @ W2 + b2)
h3 = relu(h2 @ W3 + b3)
loss = mean(softmax_cross_entropy(h3 @ W4 + b4, y))`;
  const B = 128;
  const dims = [784, 512, 256, 128, 10];
  const rnd = mulberry32(42);
  const shapes: Shapes = { x: [B, 784], y: [B] };
  const vals: Record<string, Float32Array> = {};
  for (let l = 0; l < 4; l++) {
    const [fi, fo] = [dims[l], dims[l + 1]];
    shapes[`W${l + 1}`] = [fi, fo];
    shapes[`b${l + 1}`] = [fo];
    const limit = Math.sqrt(6 / (fi + fo));
    vals[`W${l + 1}`] = Float32Array.from({ length: fi * fo }, () => (rnd() * 2 - 1) * limit);
    vals[`b${l + 1}`] = Float32Array.from({ length: fo }, () => (rnd() * 2 - 1) * 0.1);
  }
  vals.x = Float32Array.from({ length: B * 784 }, () => rnd());
  vals.y = Float32Array.from({ length: B }, () => Math.floor(rnd() * 10));
  const wrt = Object.keys(shapes).filter((k) => k !== 'x' && k !== 'y');

  const step = (backend: string, mode?: string) => {
    const c = compile(MLP, { shapes, wrt, backend, mode }) as CompiledTensor;
    const { value, gradient } = c.gradient(vals);
    const copy = Object.fromEntries(Object.entries(gradient).map(([k, v]) => [k, Float32Array.from(v)]));
    c.dispose();
    return { value, gradient: copy };
  };

  it('matches the JS backend within float32 tolerance', () => {
    const js = step('js');
    const wasm = step('wasm');
    expect(wasm.value).toBeCloseTo(js.value, 4);
    for (const name of wrt) {
      const a = js.gradient[name];
      const b = wasm.gradient[name];
      let largest = 0;
      let worst = 0;
      for (let i = 0; i < a.length; i++) {
        largest = Math.max(largest, Math.abs(a[i]));
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      expect(largest).toBeGreaterThan(0);
      expect(worst / largest, name).toBeLessThan(1e-4);
    }
  });

  it('gives bitwise the same gradients on one thread and on several', () => {
    const multi = step('wasm');
    const single = step('wasm', 'threads=1');
    expect(multi.value).toBe(single.value);
    for (const name of wrt) expect(multi.gradient[name], name).toEqual(single.gradient[name]);
  });
});

describe('wasm backend: buffers', () => {
  it('reads inputs written in place (inputView) and copies bound ones at run()', () => {
    const shapes = { A: [5, 6], B: [6, 3] };
    const vals = random(shapes, 3);
    const expected = product('A @ B', shapes, vals, 'js');
    const { expr, r } = runner('A @ B', shapes, 'wasm');
    const w = r as WasmRunner;
    w.inputView('A').set(vals.A);
    w.inputView('B').set(vals.B);
    w.run();
    expect(Float32Array.from(w.bufferOf(expr))).toEqual(product('A @ B', shapes, vals, 'wasm'));
    for (let i = 0; i < expected.length; i++) expect(w.bufferOf(expr)[i]).toBeCloseTo(expected[i], 5);
    // Bound data is copied in at every run, so changing it between runs is seen.
    const A2 = vals.A.map((v) => -v);
    w.bind('A', A2);
    w.run();
    for (let i = 0; i < expected.length; i++) expect(w.bufferOf(expr)[i]).toBeCloseTo(-expected[i], 5);
    expect(() => w.inputView('nope')).toThrow(RangeError);
    expect(() => w.bind('A', new Float32Array(3))).toThrow(RangeError);
    w.dispose!();
    expect(() => w.run()).toThrow(/disposed/);
  });

  it('gives a disposed runner\'s memory to the next one', () => {
    const shapes = { A: [64, 64], B: [64, 64] };
    const first = runner('A @ B', shapes, 'wasm').r as WasmRunner;
    const at = first.inputView('A').byteOffset;
    first.dispose!();
    const second = runner('A @ B', shapes, 'wasm').r as WasmRunner;
    expect(second.inputView('A').byteOffset).toBe(at);
    second.dispose!();
  });

  it('allocates nothing per step: buffers are views of one memory, the same after every run', () => {
    const c = compile('sum(relu(x @ W + b))', { shapes: { x: [8, 16], W: [16, 4], b: [4] }, backend: 'wasm' }) as CompiledTensor;
    const vals = random({ x: [8, 16], W: [16, 4], b: [4] }, 5);
    const g1 = c.gradient(vals).gradient.W;
    const g2 = c.gradient(vals).gradient.W;
    expect(g2).toBe(g1);
    expect(g1.buffer).toBe(c.gradient(vals).gradient.b.buffer);
    c.dispose();
  });
});

describe('wasm backend: Adam in place', () => {
  const h = { alpha: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  const opt = adam({ lr: 1, beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon });
  /** A training step whose gradient of p is 2·x, p, m, v in the runner's memory; the same update in JS on copies. */
  function both(n: number, mode: string | undefined, seed: number) {
    const c = compile('loss = sum(p * (x * 2))', { shapes: { x: [n], p: [n] }, wrt: ['p'], backend: 'wasm', mode, optimizer: opt }) as CompiledTensor;
    const rnd = mulberry32(seed);
    const x = Float32Array.from({ length: n }, () => rnd() * 2 - 1);
    const [p, m, v] = [0, 1, 2].map(() => new Float32Array(n));
    for (let i = 0; i < n; i++) {
      p[i] = rnd() * 2 - 1;
      m[i] = (rnd() * 2 - 1) * 1e-2;
      v[i] = i % 7 === 0 ? 0 : rnd() * 1e-4; // v = 0 exercises ε
    }
    const want = { p: p.slice(), m: m.slice(), v: v.slice() };
    c.setState('p', p);
    c.setState('m[p]', m);
    c.setState('v[p]', v);
    for (let t = 0; t < 3; t++) {
      c.t = 0; // α_t at t = 1 with lr 1 is √(1 − β₂)/(1 − β₁): the scalar input, rounded to float32 as the kernel reads it
      void c.step({ x });
      const alpha = Math.fround(Math.sqrt(1 - h.beta2) / (1 - h.beta1));
      const g = Float32Array.from(x, (a) => a * 2);
      adamUpdate(want.p, g, want.m, want.v, alpha, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.epsilon);
    }
    const [P, M, V] = ['p', 'm[p]', 'v[p]'].map((k) => c.state(k));
    return { c, p: P, m: M, v: V, want };
  }

  for (const mode of ['threads=1', undefined]) {
    it(`the SIMD kernel is bitwise the JS loop, whole vectors and tails (${mode ?? 'shared memory'})`, () => {
      for (const n of [1, 3, 4, 5, 8, 1027]) {
        const { c, p, m, v, want } = both(n, mode, n);
        expect(c.js, 'the update runs as the SIMD kernel').toContain("Adam's update");
        expect(m, `m, n = ${n}`).toEqual(want.m);
        expect(v, `v, n = ${n}`).toEqual(want.v);
        expect(p, `p, n = ${n}`).toEqual(want.p);
        c.dispose();
      }
    });
  }

  it('split between threads (chunks claimed by the workers, too) it is still bitwise the JS loop', () => {
    for (const callerTakesPart of [true, false]) {
      setCallerTakesPart(callerTakesPart);
      try {
        const before = threadStats.splitJobs;
        const { c, p, m, v, want } = both(200_003, undefined, 11); // several chunks of ≥ 32,768 floats, and a tail
        expect(threadStats.splitJobs - before, 'split jobs').toBeGreaterThanOrEqual(3);
        expect(m).toEqual(want.m);
        expect(v).toEqual(want.v);
        expect(p).toEqual(want.p);
        c.dispose();
      } finally {
        setCallerTakesPart(true);
      }
    }
  });

  it('follows the formula in float64 to float32 rounding, and moves every parameter', () => {
    // One step by the textbook formula in float64 from p = 0.5, m = v = 0.
    const n = 101;
    const rnd = mulberry32(9);
    const x = Float64Array.from({ length: n }, () => rnd() * 2 - 1);
    const c = compile('loss = sum(p * (x * 2))', { shapes: { x: [n], p: [n] }, wrt: ['p'], backend: 'wasm', optimizer: adam({ lr: h.alpha / (Math.sqrt(1 - h.beta2) / (1 - h.beta1)) }) }) as CompiledTensor;
    c.setState('p', new Float32Array(n).fill(0.5));
    c.setState('m[p]', new Float32Array(n));
    c.setState('v[p]', new Float32Array(n));
    void c.step({ x: Float32Array.from(x) });
    const P = c.state('p');
    for (let i = 0; i < n; i++) {
      const g = 2 * Math.fround(x[i]);
      const m1 = (1 - h.beta1) * g;
      const v1 = (1 - h.beta2) * g * g;
      const ref = 0.5 - (h.alpha * m1) / (Math.sqrt(v1) + h.epsilon);
      expect(Math.abs(P[i] - ref)).toBeLessThan(1e-6);
      expect(P[i]).not.toBe(0.5);
    }
    c.dispose();
  });

  it('an update that is not Adam runs as the generated loop, on wasm as on js', () => {
    const n = 9;
    const x = Float32Array.from({ length: n }, (_, i) => i - 4);
    const results = ['js', 'wasm'].map((backend) => {
      const c = compile('loss = sum(p * (x * 2))', { shapes: { x: [n], p: [n] }, wrt: ['p'], backend, optimizer: momentum({ lr: 0.1, mu: 0.5 }) }) as CompiledTensor;
      c.setState('p', new Float32Array(n).fill(1));
      c.setState('u[p]', new Float32Array(n));
      for (let t = 0; t < 2; t++) void c.step({ x });
      expect(c.js).not.toContain("Adam's update");
      const p = Float32Array.from(c.state('p'));
      c.dispose();
      return p;
    });
    // u1 = 2x, p1 = 1 − 0.1·2x; u2 = 0.5·2x + 2x = 3x, p2 = p1 − 0.1·3x
    const want = Float32Array.from(x, (a) => Math.fround(Math.fround(1 - 0.1 * Math.fround(2 * a)) - 0.1 * Math.fround(3 * a)));
    expect(results[0]).toEqual(want);
    expect(results[1]).toEqual(want);
  });
});

describe('wasm backend: worker threads', () => {
  const dist = fileURLToPath(new URL('../../dist/backend/wasm/wasm.js', import.meta.url));
  it.runIf(existsSync(dist) && wasmFeatures().threads)('do not keep a Node process alive', () => {
    const script = `
      const { compile, setWasmThreads } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      setWasmThreads(2);
      const c = compile('sum(A @ B)', { shapes: { A: [128, 256], B: [256, 128] }, backend: 'wasm' });
      const v = c.evaluate({ A: new Float32Array(128 * 256).fill(1), B: new Float32Array(256 * 128).fill(1) });
      console.log(c.description, v);`;
    const t0 = Date.now();
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/2 threads 4194304/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
