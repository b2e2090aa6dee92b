// The wasm backend against the JS backend, in one run:
//   1. ms per MNIST-MLP training step (784-512-256-128-10, batch 128, forward + backward + Adam: the trainer's
//      FusedStep), median and range, and the gradient alone;
//   2. GFLOP/s of the 128×784×512 matrix product in each transpose case (NN: A@B, TN: Aᵀ@B, NT: A@Bᵀ), operands
//      read in place, measured on the runner alone (no input copies).
// Configurations: js, wasm with 1 thread (its own memory, no workers), wasm with every core (shared memory);
// with --compare also jax-js and TF.js (wasm), the repository's dev dependencies (--compare=DIR: the versions
// installed in DIR instead), each measured in a child process of its own after ours (bench/wasm-compare.mjs).
// Usage: npm run build && node bench/wasm-step.mjs [steps=50] [--only=js,wasm1,wasm,jax,tfjs] [--compare[=DIR]]
import { compile, wasmFeatures, Model, FusedStep, AdamState } from '../dist/index.js';
import { readFileSync } from 'node:fs';
import { makePlan } from '../dist/backend/plan.js';
import { getBackend } from '../dist/backend/registry.js';
import { parseProgram } from '../dist/parse/parse.js';
import { buildTape } from '../dist/tape/tape.js';
import { threadStats } from '../dist/backend/wasm/engine.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const steps = Number(args.find((a) => /^\d+$/.test(a)) ?? 50);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const compareArg = args.find((a) => a === '--compare' || a.startsWith('--compare='));
const compareDir = compareArg === undefined ? undefined : compareArg.slice(10) || fileURLToPath(new URL('..', import.meta.url));

const MLP = `h1 = relu(x @ W1 + b1)
h2 = relu(h1 @ W2 + b2)
h3 = relu(h2 @ W3 + b3)
loss = mean(softmax_cross_entropy(h3 @ W4 + b4, y))`;
const B = 128;
const dims = [784, 512, 256, 128, 10];

function setup() {
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const shapes = { x: [B, 784], y: [B] };
  const params = {};
  for (let l = 0; l < 4; l++) {
    const [fi, fo] = [dims[l], dims[l + 1]];
    shapes[`W${l + 1}`] = [fi, fo];
    shapes[`b${l + 1}`] = [fo];
    const limit = Math.sqrt(6 / (fi + fo));
    params[`W${l + 1}`] = Float32Array.from({ length: fi * fo }, () => (rnd() * 2 - 1) * limit);
    params[`b${l + 1}`] = new Float32Array(fo);
  }
  const x = Float32Array.from({ length: B * 784 }, () => rnd());
  const y = Float32Array.from({ length: B }, () => Math.floor(rnd() * 10));
  return { shapes, params, x, y };
}

const configs = [
  { name: 'js', backend: 'js' },
  { name: 'wasm1', backend: 'wasm', mode: 'threads=1' },
  { name: 'wasm', backend: 'wasm' },
].filter((c) => !only || only.includes(c.name));

const stats = (times) => {
  const t = [...times].sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1] };
};

console.log(`node ${process.version}, ${JSON.stringify(wasmFeatures())}`);
console.log(`\nMLP 784-512-256-128-10, batch ${B}: ms per training step (forward + backward + Adam), ${steps} steps after 5 warm-up;`);
console.log('the configurations take turns, one step each per round, so a change in the machine\'s load touches them alike');
// Each entry: name, description, setup ms, step() (may be async; returns the loss), and optionally the time of
// gradient() alone.
const entries = [];
// The step is the trainer's own (FusedStep: forward, backward and Adam planned together; on js and wasm Adam is
// applied in place by the runner) on examples/mnist-mlp.exg with setup()'s weights; `gradient() alone` is a
// compile()d gradient of the same program on the same backend, for the split between gradient and update.
const source = readFileSync(new URL('../examples/mnist-mlp.exg', import.meta.url), 'utf8');
for (const cfg of configs) {
  const { shapes, params, x, y } = setup();
  const t0 = performance.now();
  const model = Model.create(source, 1);
  for (const [k, v] of Object.entries(params)) model.params[k].set(v);
  model.execution = { backend: cfg.backend, mode: cfg.mode };
  const fused = new FusedStep(model, B, { lr: 1e-3 }, new AdamState());
  await fused.step(x, y);
  const grad = compile(MLP, { shapes, wrt: Object.keys(params), backend: cfg.backend, mode: cfg.mode });
  const inputs = { x, y, ...params };
  grad.gradient(inputs);
  const entry = { name: cfg.name, description: fused.description, setupMs: performance.now() - t0, times: [], runTimes: [], dispose: () => (fused.dispose(), grad.dispose()) };
  entry.step = async () => {
    await fused.step(x, y);
    return fused.loss();
  };
  entry.alone = () => {
    const a = performance.now();
    grad.gradient(inputs);
    return performance.now() - a;
  };
  entries.push(entry);
}
const losses = {};
for (let s = 0; s < steps + 5; s++) {
  for (const e of entries) {
    const a = performance.now();
    losses[e.name] = await e.step();
    const t = performance.now() - a;
    const alone = e.alone();
    if (s >= 5) {
      e.times.push(t);
      e.runTimes.push(alone);
    }
  }
}
const split = { ...threadStats };
for (const e of entries) {
  const st = stats(e.times);
  const alone = e.runTimes.length ? `gradient() alone ${stats(e.runTimes).median.toFixed(2)} ms; ` : '';
  console.log(`  ${e.name.padEnd(6)} ${e.description}`);
  console.log(`         median ${st.median.toFixed(2).padStart(6)} ms, range ${st.min.toFixed(2)}–${st.max.toFixed(2)} ms  (${alone}setup ${e.setupMs.toFixed(0)} ms)`);
  e.dispose();
}
if (split.chunks > 0) {
  console.log(`  wasm: matrix products split between threads: ${split.splitJobs}; chunks computed by workers: ${(100 * (1 - split.callerChunks / split.chunks)).toFixed(0)}%`);
}
if (compareDir) {
  // Each library in a process of its own: loaded into this one, they slow the JS backend by a third.
  for (const lib of ['jax', 'tfjs']) {
    if (only && !only.includes(lib)) continue;
    const res = spawnSync(process.execPath, [fileURLToPath(new URL('./wasm-compare.mjs', import.meta.url)), lib, compareDir, String(steps)], { encoding: 'utf8' });
    let out;
    try {
      out = JSON.parse(res.stdout.trim().split('\n').at(-1));
    } catch {
      out = { error: (res.stderr || res.stdout).trim().split('\n').slice(0, 3).join(' ') };
    }
    if (out.error) {
      console.log(`  ${lib.padEnd(6)} not measured: ${out.error}`);
      continue;
    }
    console.log(`  ${lib.padEnd(6)} ${out.description} (own process)`);
    console.log(`         median ${out.median.toFixed(2).padStart(6)} ms, range ${out.min.toFixed(2)}–${out.max.toFixed(2)} ms  (setup ${out.setupMs.toFixed(0)} ms)`);
    losses[lib] = out.loss;
  }
}
console.log(`  loss after ${steps + 5} steps: ${Object.entries(losses).map(([k, v]) => `${k} ${v.toFixed(5)}`).join(', ')}`);

if (configs.length) console.log('\nMatrix product 128×784 · 784×512 (2·128·784·512 = 102.8 MFLOP), operands read in place:');
const cases = [
  ['NN', 'A @ B', { A: [128, 784], B: [784, 512] }],
  ['TN', 'Aᵀ @ B', { A: [784, 128], B: [784, 512] }],
  ['NT', 'A @ Bᵀ', { A: [128, 784], B: [512, 784] }],
];
const flop = 2 * 128 * 784 * 512;
for (const [label, src, shapes] of configs.length ? cases : []) {
  const parts = [];
  for (const cfg of configs) {
    const expr = parseProgram(src).result;
    const tape = buildTape(expr, { wrt: [], shapes });
    const plan = makePlan([expr], tape.shapes);
    const runner = getBackend(cfg.backend).create(plan, { mode: cfg.mode });
    for (const [name, s] of Object.entries(shapes)) {
      const data = Float32Array.from({ length: s[0] * s[1] }, (_, i) => Math.sin(i));
      if (runner.inputView) runner.inputView(name).set(data); // written once into wasm memory: no copy per run
      else runner.bind(name, data);
    }
    runner.run();
    const reps = cfg.backend === 'js' ? 5 : 40;
    const times = [];
    for (let r = 0; r < reps; r++) {
      const a = performance.now();
      runner.run();
      times.push(performance.now() - a);
    }
    const { median } = stats(times);
    parts.push(`${cfg.name} ${(flop / median / 1e6).toFixed(1)} GFLOP/s (${median.toFixed(2)} ms)`);
    runner.dispose?.();
  }
  console.log(`  ${label} ${src.padEnd(7)} ${parts.join(' · ')}`);
}
