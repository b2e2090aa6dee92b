// One training step of the Keras "simple MNIST convnet" (examples/mnist-cnn.exg; 34,826 parameters), batch 128,
// forward + backward + Adam 1e-3, in each library, in one run on one machine:
//   exprgrad  wasm backend, 2 threads, through the public compile() API with adam() (skipped, saying why, while
//             exprgrad lacks the ops of issue 13)
//   jax       jax-js: jit(valueAndGrad) + a jitted Adam, wasm device, lax.conv and lax.reduceWindow (NCHW inside)
//   jax-mm    the same in jax-js written with its matrix product: im2col by nine slices, pooling by reshape + max
//             (jax-js's generic convolution is far slower than its matmul; this is the fastest jax-js we found)
//   tfjs      TF.js wasm backend, the tfjs-layers model built like the Keras example, model.trainOnBatch
// Printed per library: ms per step (median and range over the steps after 3 warm-up ones), the loss after the last
// step, and GFLOP/s: the convolutions' share of a step (2·c1 + 3·c2 FLOP: forward, filter gradients, the second
// layer's input gradient) over the step's time, and the second convolution alone (128×13×13×32 ⋆ 3×3×32×64,
// forward) timed on its own. Each library runs in a child process of its own (loaded together they slow each other).
// exprgrad's single-op timings (the second conv; for reference the MLP's 128×784·784×512 product) go through the
// public evaluate(), so they include copying the inputs in and the result out; the peers' use resident tensors.
// Same initial weights (bench/cnn-peers.mjs) and the same random batch everywhere; dropout masks differ.
// Usage: npm run build && node bench/cnn-step.mjs [steps=20] [--only=exprgrad,jax,jax-mm,tfjs]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { B, CONV_FLOP, PARAM_COUNT, initWeights, jaxCnn, lcg, loadTfjsWasm, tfjsCnn, exprgradCnn } from './cnn-peers.mjs';

const args = process.argv.slice(2);
const steps = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
const lib = args.find((a) => a.startsWith('--lib='))?.slice(6);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const WARM = 3;
const CONV2_FLOP = CONV_FLOP.c2;
const MM_FLOP = 2 * 128 * 784 * 512;

function batch() {
  const r = lcg(12345);
  const x = Float32Array.from({ length: B * 784 }, () => r());
  const y = Float32Array.from({ length: B }, () => Math.floor(r() * 10));
  const yOneHot = new Float32Array(B * 10);
  y.forEach((c, i) => (yOneHot[i * 10 + c] = 1));
  return { x, y, yOneHot };
}

const stats = (times) => {
  const t = [...times].sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1] };
};

async function timeSteps(step) {
  const times = [];
  let loss = NaN;
  for (let s = 0; s < steps + WARM; s++) {
    const a = performance.now();
    loss = await step();
    if (s >= WARM) times.push(performance.now() - a);
  }
  return { ...stats(times), loss };
}

async function timeConv(run, reps = 10) {
  await run();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const a = performance.now();
    await run();
    times.push(performance.now() - a);
  }
  return stats(times).median;
}

/** For reference: exprgrad's wasm matrix product of the MLP's first layer (128×784 · 784×512) through compile(). */
async function mlpMatmulMs(opts) {
  const { compile } = await import('../dist/index.js');
  const c = compile('A : [128, 784]\nB : [784, 512]\nC = A @ B', { ...opts, wrt: [] });
  const A = Float32Array.from({ length: 128 * 784 }, (_, i) => Math.sin(i));
  const Bm = Float32Array.from({ length: 784 * 512 }, (_, i) => Math.cos(i));
  const ms = await timeConv(() => c.evaluate({ A, B: Bm }), 20);
  c.dispose();
  return ms;
}

async function runExprgrad() {
  const source = readFileSync(new URL('../examples/mnist-cnn.exg', import.meta.url), 'utf8');
  const opts = { backend: 'wasm', mode: 'threads=2' };
  const matmulMs = await mlpMatmulMs(opts);
  const made = await exprgradCnn(source, opts);
  if (made.error) {
    (await import('../dist/index.js')).shutdownWasmThreads?.();
    return { error: made.error, matmulMs };
  }
  const { step } = made;
  const w = initWeights(1);
  for (const [k, v] of Object.entries(w)) step.setState(k, v);
  const { x, y } = batch();
  const t0 = performance.now();
  await step.step({ x, y });
  const setupMs = performance.now() - t0;
  const r = await timeSteps(async () => {
    await step.step({ x, y });
    return Number(step.lastResult());
  });
  let conv2Ms;
  try {
    const { compile } = await import('../dist/index.js');
    const c = compile('h : [128, 13, 13, 32]\nK : [3, 3, 32, 64]\nout = conv2d(h, K)', { ...opts, wrt: [] });
    const h = Float32Array.from({ length: 128 * 13 * 13 * 32 }, (_, i) => Math.sin(i));
    const K = Float32Array.from({ length: 3 * 3 * 32 * 64 }, (_, i) => Math.cos(i));
    conv2Ms = await timeConv(() => c.evaluate({ h, K }));
    c.dispose();
  } catch (e) {
    conv2Ms = undefined;
  }
  const { shutdownWasmThreads } = await import('../dist/index.js');
  step.dispose();
  shutdownWasmThreads?.();
  return { description: `exprgrad ${step.description ?? 'wasm'} (compile() + adam())`, setupMs, ...r, conv2Ms, matmulMs };
}

async function runJax(conv = 'lax') {
  let jax;
  try {
    jax = await import('@jax-js/jax');
  } catch (e) {
    return { error: `@jax-js/jax failed to load: ${e.message}` };
  }
  const { numpy: np, init, defaultDevice, blockUntilReady, tree, random } = jax;
  const got = await init('wasm');
  defaultDevice('wasm');
  const cnn = jaxCnn(jax, { conv });
  const { x: xf, yOneHot } = batch();
  let params = cnn.init(initWeights(1));
  let m = tree.map((p) => np.zerosLike(p.ref), params);
  let v = tree.map((p) => np.zerosLike(p.ref), params);
  const x = np.array(xf).reshape(cnn.layout.x);
  const y = np.array(yOneHot).reshape([B, 10]);
  let key = random.key(1);
  let t = 0;
  const step = async () => {
    t++;
    const alpha = (1e-3 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    const [k1, k2] = random.split(key, 2);
    key = k1;
    const keep = random.bernoulli(k2, 0.5, [B, 1600]).astype(np.float32).mul(2);
    const [value, grads] = cnn.vg(tree.ref(params), x.ref, y.ref, keep);
    const next = cnn.adam(params, grads, m, v, np.array([alpha]).reshape([]));
    params = next.p;
    m = next.m;
    v = next.v;
    await blockUntilReady(params);
    return (await value.data())[0];
  };
  const t0 = performance.now();
  await step();
  const setupMs = performance.now() - t0;
  const r = await timeSteps(step);
  const h = np.array(Float32Array.from({ length: 128 * 13 * 13 * 32 }, (_, i) => Math.sin(i))).reshape(cnn.layout.h);
  const K = np.array(Float32Array.from({ length: 3 * 3 * 32 * 64 }, (_, i) => Math.cos(i))).reshape(cnn.layout.K);
  const conv2Ms = await timeConv(async () => {
    const o = cnn.conv2(h.ref, K.ref);
    await blockUntilReady(o);
    o.dispose();
  });
  let version = '';
  try {
    version = JSON.parse(readFileSync(new URL('../node_modules/@jax-js/jax/package.json', import.meta.url), 'utf8')).version;
  } catch {}
  const how = conv === 'lax' ? 'lax.conv + lax.reduceWindow, NCHW' : 'im2col slices @ filter matrix + reshape-max pooling, NHWC';
  return { description: `jax-js ${version} (jit, wasm device, ${how}; devices ${got.join(', ')})`, setupMs, ...r, conv2Ms };
}

async function runTfjs() {
  const { tf, error } = await loadTfjsWasm();
  if (error) return { error };
  const { x: xf, yOneHot } = batch();
  const model = tfjsCnn(tf, initWeights(1));
  const x = tf.tensor4d(xf, [B, 28, 28, 1]);
  const y = tf.tensor2d(yOneHot, [B, 10]);
  const step = async () => {
    const out = await model.trainOnBatch(x, y);
    return Array.isArray(out) ? out[0] : out;
  };
  const t0 = performance.now();
  await step();
  const setupMs = performance.now() - t0;
  const r = await timeSteps(step);
  const h = tf.tensor4d(Float32Array.from({ length: 128 * 13 * 13 * 32 }, (_, i) => Math.sin(i)), [128, 13, 13, 32]);
  const K = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 32 * 64 }, (_, i) => Math.cos(i)), [3, 3, 32, 64]);
  const conv2Ms = await timeConv(async () => {
    const o = tf.conv2d(h, K, 1, 'valid');
    await o.data();
    o.dispose();
  });
  let threads = '';
  try {
    const n = tf.backend()?.wasm?.tfjs?.getThreadsCount?.();
    if (n !== undefined) threads = `, ${n} thread${n === 1 ? '' : 's'}`;
  } catch {}
  return { description: `TF.js ${tf.version_core ?? ''} wasm backend${threads}, tfjs-layers trainOnBatch`, setupMs, ...r, conv2Ms };
}

if (lib) {
  const run = { exprgrad: runExprgrad, jax: () => runJax('lax'), 'jax-mm': () => runJax('matmul'), tfjs: runTfjs }[lib];
  let out;
  try {
    out = run ? await run() : { error: `unknown library ${lib}` };
  } catch (e) {
    out = { error: `${e.message}`.split('\n')[0] };
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

console.log(`node ${process.version}; CNN of examples/mnist-cnn.exg (${PARAM_COUNT.toLocaleString('en-US')} parameters), batch ${B}`);
console.log(`ms per training step (forward + backward + Adam), ${steps} steps after ${WARM} warm-up; each library in its own process`);
console.log(`conv FLOP per step ${(CONV_FLOP.step / 1e6).toFixed(0)} M (forward ${(CONV_FLOP.forward / 1e6).toFixed(0)} M); second conv alone ${(CONV2_FLOP / 1e6).toFixed(0)} MFLOP`);
const results = {};
for (const name of ['exprgrad', 'jax', 'jax-mm', 'tfjs']) {
  if (only && !only.includes(name)) continue;
  const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--lib=${name}`, String(steps)], { encoding: 'utf8' });
  let out;
  try {
    out = JSON.parse(res.stdout.trim().split('\n').at(-1));
  } catch {
    out = { error: (res.stderr || res.stdout || `exit ${res.status}`).trim().split('\n').slice(0, 3).join(' ') };
  }
  const mm = out.matmulMs ? `; for reference, its MLP product 128×784·784×512 through compile(): ${out.matmulMs.toFixed(2)} ms, ${(MM_FLOP / out.matmulMs / 1e6).toFixed(1)} GFLOP/s (evaluate() with input copies)` : '';
  if (out.error) {
    console.log(`  ${name.padEnd(8)} skipped: ${out.error}${mm}`);
    continue;
  }
  results[name] = out;
  const gf = (flop, ms) => (ms ? `${(flop / ms / 1e6).toFixed(1)} GFLOP/s` : 'n/a');
  console.log(`  ${name.padEnd(8)} ${out.description}`);
  console.log(
    `           median ${out.median.toFixed(1).padStart(7)} ms, range ${out.min.toFixed(1)}–${out.max.toFixed(1)} ms (first step ${out.setupMs.toFixed(0)} ms); ` +
      `loss ${out.loss.toFixed(4)}; convs in the step ${gf(CONV_FLOP.step, out.median)}; second conv alone ${out.conv2Ms ? `${out.conv2Ms.toFixed(2)} ms, ${gf(CONV2_FLOP, out.conv2Ms)}` : 'n/a'}${mm}`,
  );
}
const names = Object.keys(results);
if (results.exprgrad) for (const n of names.filter((k) => k !== 'exprgrad')) console.log(`  ${n} / exprgrad: ${(results[n].median / results.exprgrad.median).toFixed(2)}× the time per step`);
