// Runs in the browser (driven by test/browser/browser.test.ts): every tensor-op case, every elementwise op of the
// registry (ops computed by their own evaluation, such as erf, run as native functions in the shaders) and an MLP
// gradient on the gpujs backend in gpu.js's WebGL2 mode, compared with the JS backend in the same page. Results go to
// window.__results as plain data; the Node test asserts on them.
import { compile, CompiledTensor, Model, FusedStep, rng, ops, call, sym, format } from '../../src/index.js';
import { TENSOR_CASES } from '../util/tensor-cases.js';

interface CaseResult {
  name: string;
  worst: number;
  description: string;
  error?: string;
  /** Largest relative difference accepted (default 1e-4). */
  tolerance?: number;
}

function values(shapes: Record<string, number[]>, seed: number): Record<string, Float32Array> {
  const rnd = rng(seed);
  const out: Record<string, Float32Array> = {};
  for (const [name, s] of Object.entries(shapes)) {
    const n = s.reduce((a, b) => a * b, 1);
    out[name] = Float32Array.from({ length: n }, () => (name === 'y' ? Math.floor(rnd() * 3) : rnd() * 2 - 1));
  }
  if (out.Y) for (let i = 0; i < out.Y.length; i++) out.Y[i] = Math.abs(out.Y[i]) + 0.1;
  return out;
}

function compare(src: string, shapes: Record<string, number[]>, wrt: string[], seed: number, inDomain = false, into?: Record<string, (v: number) => number>): CaseResult {
  const vals = values(shapes, seed);
  // Arguments in (0.2, 0.8): inside most elementwise ops' domains (log, asin, pow, …) and away from their kinks;
  // `into` maps them further for the others (acosh: + 1; polygamma's integer order: 0…3).
  if (inDomain) for (const k of Object.keys(shapes)) if (k !== 'R') vals[k] = vals[k].map((v) => 0.2 + 0.6 * Math.abs(v));
  if (into) for (const [k, f] of Object.entries(into)) vals[k] = vals[k].map(f);
  const js = compile(src, { shapes, wrt }) as CompiledTensor;
  const ref = js.gradient(vals);
  const refCopy = Object.fromEntries(Object.entries(ref.gradient).map(([k, v]) => [k, Float32Array.from(v)]));
  const g = compile(src, { shapes, wrt, backend: 'gpujs', mode: 'webgl2' }) as CompiledTensor;
  const got = g.gradient(vals);
  let worst = Math.abs(got.value - ref.value) / Math.max(1, Math.abs(ref.value));
  for (const k of wrt) {
    const a = got.gradient[k];
    const b = refCopy[k];
    let scale = 1;
    b.forEach((v) => (scale = Math.max(scale, Math.abs(v))));
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  }
  const description = g.description;
  g.dispose();
  return { name: src, worst, description };
}

const MLP = `x : [32, 64]
y : [32]
W1 : [64, 48]; b1 : [48]
W2 : [48, 10]; b2 : [10]
h1 = relu(x @ W1 + b1)
logits = h1 @ W2 + b2
loss = mean(softmax_cross_entropy(logits, y))`;

const results: CaseResult[] = [];
const log = document.getElementById('log')!;
for (const [op, cases] of Object.entries(TENSOR_CASES)) {
  for (const [src, shapes, wrt] of cases) {
    try {
      results.push(compare(src, shapes, wrt, src.length * 7 + op.length));
    } catch (err) {
      results.push({ name: src, worst: Infinity, description: '', error: String((err as Error).message ?? err) });
    }
  }
}
for (const [name, spec] of Object.entries(ops)) {
  if (spec.arity === 0) continue;
  const args = Array.from({ length: spec.arity }, (_, i) => `A${i + 1}`);
  const shapes: Record<string, number[]> = { R: [3, 4] };
  for (const a of args) shapes[a] = [3, 4];
  const src = `sum(R * (${format(call(name, args.map((a) => sym(a))), 'plain')}))`;
  // arguments outside (0.2, 0.8) for ops whose domain lies elsewhere, integers for integer-only arguments
  const ints = spec.integerArgs ?? [];
  const grid = [0.2, 0.35, 0.5, 0.65, 0.8];
  const shift = !grid.every((v) => spec.smooth(args.map((_, i) => (ints.includes(i) ? 1 : v)), 1e-3));
  const into: Record<string, (v: number) => number> = {};
  args.forEach((a, i) => {
    if (ints.includes(i)) into[a] = (v) => Math.floor(v * 5);
    else if (shift) into[a] = (v) => v + 1;
  });
  try {
    // GLSL's transcendental functions carry no precision guarantee (SwiftShader's sin is good to about 1e-4).
    const wrt = args.filter((_, i) => !ints.includes(i));
    results.push({ ...compare(src, shapes, wrt, name.length * 13, true, into), tolerance: 1e-3 });
  } catch (err) {
    results.push({ name: src, worst: Infinity, description: '', error: String((err as Error).message ?? err) });
  }
}
try {
  results.push(compare(MLP, { x: [32, 64], y: [32], W1: [64, 48], b1: [48], W2: [48, 10], b2: [10] }, ['W1', 'b1', 'W2', 'b2'], 5));
} catch (err) {
  results.push({ name: 'MLP', worst: Infinity, description: '', error: String((err as Error).message ?? err) });
}
// The wasm backend in the browser (one thread: the test server is not cross-origin isolated, so there is no
// SharedArrayBuffer) against the JS backend on the MLP gradient.
try {
  const shapes = { x: [32, 64], y: [32], W1: [64, 48], b1: [48], W2: [48, 10], b2: [10] };
  const vals = values(shapes, 21);
  const js = compile(MLP, { shapes, wrt: ['W1', 'b1', 'W2', 'b2'] }) as CompiledTensor;
  const ref = js.gradient(vals);
  const refCopy = Object.fromEntries(Object.entries(ref.gradient).map(([k, v]) => [k, Float32Array.from(v)]));
  const w = compile(MLP, { shapes, wrt: ['W1', 'b1', 'W2', 'b2'], backend: 'wasm', mode: 'threads=1' }) as CompiledTensor;
  const got = w.gradient(vals);
  let worst = Math.abs(got.value - ref.value);
  for (const k of Object.keys(refCopy)) {
    let scale = 1;
    refCopy[k].forEach((v) => (scale = Math.max(scale, Math.abs(v))));
    got.gradient[k].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - refCopy[k][i]) / scale)));
  }
  results.push({ name: 'wasm backend (browser, 1 thread)', worst, description: w.description });
  w.dispose();
} catch (err) {
  results.push({ name: 'wasm backend', worst: Infinity, description: '', error: String((err as Error).stack ?? err) });
}

// A device-resident training step: forward, backward and Adam on WebGL2 textures for 5 steps, parameters read
// back only at the end, against the same steps on the JS backend.
try {
  const program = MLP.replace('x : [32, 64]', 'x : [32, 64]');
  const host = Model.create(program, 3);
  const gpu = Model.create(program, 3);
  gpu.execution = { backend: 'gpujs', mode: 'webgl2' };
  const a = new FusedStep(host, 32);
  const b = new FusedStep(gpu, 32);
  const data = values({ x: [32, 64], y: [32] }, 11);
  for (let s = 0; s < 5; s++) {
    await a.step(data.x, data.y);
    await b.step(data.x, data.y);
  }
  b.syncParams();
  let worst = Math.abs(a.loss() - b.loss());
  for (const p of host.spec.params) {
    const ref = host.params[p];
    let scale = 1e-3;
    ref.forEach((v) => (scale = Math.max(scale, Math.abs(v))));
    gpu.params[p].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref[i]) / scale)));
  }
  results.push({ name: 'fused training step (5 steps, device-resident)', worst, description: b.description });
  b.dispose();
} catch (err) {
  results.push({ name: 'fused training step', worst: Infinity, description: '', error: String((err as Error).stack ?? err) });
}
log.textContent = results.map((r) => `${r.worst.toExponential(2)}  ${r.name}  ${r.description}${r.error ? '  ERROR ' + r.error : ''}`).join('\n');
(window as unknown as { __results: CaseResult[] }).__results = results;
