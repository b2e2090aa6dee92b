// Accuracy of the Keras "simple MNIST convnet" (examples/mnist-cnn.exg) trained by exprgrad and by TF.js's Keras API
// from the SAME initial weights and the SAME batches in the SAME order, per seed, on MNIST or Fashion-MNIST:
//   exprgrad — its trainer (src/nn/train.ts) on examples/mnist-cnn.exg (wasm unless --backend); reported as skipped,
//              with the reason, while exprgrad cannot compile the program (the ops of issue 13);
//   TF.js    — @tensorflow/tfjs 4.22, wasm backend, tf.sequential built like the Keras example (bench/cnn-peers.mjs),
//              compile({adam, categoricalCrossentropy}), fit one epoch at a time on exprgrad's epoch order.
// The Keras protocol: Adam (1e-3, 0.9, 0.999, 1e-7), batch 128, 15 epochs, validation = the last 10% of the training
// set, the rest shuffled each epoch (exprgrad's seeded epochOrder, which its trainer draws too). Initial weights:
// exprgrad's own seeded init of the program (Model.create) where it parses, else bench/cnn-peers.mjs's Glorot-uniform
// from the seed (said in the output). Dropout masks come from each library's own generator, so per-step losses
// agree only roughly; the comparison is of accuracies (mean over seeds).
//   Keras    — Keras 3 itself (bench/cnn-keras.py, run by $KERAS_PYTHON, default python3, on $KERAS_BACKEND, default
//              torch), the same layers, weights, batches and order, model.fit one epoch at a time: the reference
//              implementation of the API TF.js copies, and ~10× faster than TF.js's wasm backend here.
// Each (library, seed) runs in a child process of its own, one after another.
//
// Usage: npm run build && node bench/cnn-accuracy.mjs [--epochs N] [--seeds 1,2,3] [--dataset mnist|fashion-mnist]
//          [--only exprgrad,tfjs,keras] [--limit N (first N training images, before the split: quick checks)]
//          [--data DIR] [--backend wasm|js|gpujs] [--json]
// Fashion-MNIST is read from --data, else $EXPRGRAD_FASHION_MNIST_DIR, else ../shared/data/fashion-mnist where it
// exists, else the cache / a download (exprgrad's loader, every file checked).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initWeights, loadTfjsWasm, PARAMS, SHAPES, tfjsCnn } from './cnn-peers.mjs';

const argv = process.argv.slice(2);
/** --name=value or --name value. */
const opt = (name, dflt) => {
  const i = argv.findIndex((s) => s === `--${name}` || s.startsWith(`--${name}=`));
  if (i < 0) return dflt;
  return argv[i].includes('=') ? argv[i].slice(name.length + 3) : argv[i + 1];
};
const EPOCHS = Number(opt('epochs', '15'));
const SEEDS = opt('seeds', opt('seed', '1,2,3')).split(',').map(Number);
const DATASET = opt('dataset', 'mnist');
const ONLY = opt('only', 'exprgrad,tfjs').split(',');
const LIMIT = opt('limit', undefined) === undefined ? undefined : Number(opt('limit'));
const BACKEND = opt('backend', 'wasm');
const CHILD = opt('child', undefined);
const JSON_OUT = argv.includes('--json');
const BATCH = 128;
const SPLIT = 0.1;
const LR = 1e-3;
const root = new URL('../', import.meta.url);
const log = (s) => process.stderr.write(`${s}\n`);
const SHARED_FASHION = fileURLToPath(new URL('../shared/data/fashion-mnist', root));
const DATA = opt('data', undefined) ?? (DATASET === 'fashion-mnist' && !process.env.EXPRGRAD_FASHION_MNIST_DIR && existsSync(SHARED_FASHION) ? SHARED_FASHION : undefined);

const bad = (m) => {
  console.error(`cnn-accuracy: ${m}`);
  process.exit(2);
};
if (!Number.isInteger(EPOCHS) || EPOCHS < 1) bad('--epochs must be a positive integer');
if (SEEDS.some((s) => !Number.isInteger(s) || s < 1)) bad('--seeds must be positive integers, e.g. 1,2,3');
if (!['mnist', 'fashion-mnist'].includes(DATASET)) bad('--dataset must be mnist or fashion-mnist');
if (LIMIT !== undefined && (!Number.isInteger(LIMIT) || LIMIT < 2 * BATCH)) bad(`--limit must be an integer ≥ ${2 * BATCH}`);

// ── What every child shares: data, initial weights, batch order ──────────────────────────────────────────────────
async function common(seed) {
  const { loadMnist } = await import(new URL('dist/node.js', root).href);
  const { Model, epochOrder } = await import(new URL('dist/index.js', root).href);
  const data = await loadMnist({ dataset: DATASET, ...(DATA ? { dataDir: DATA } : {}) });
  const source = readFileSync(new URL('examples/mnist-cnn.exg', root), 'utf8');
  let model;
  let weights;
  let init;
  try {
    model = Model.create(source, seed);
    weights = Object.fromEntries(PARAMS.map((k) => [k, Float32Array.from(model.params[k])]));
    init = "exprgrad's own seeded init (Model.create)";
  } catch (e) {
    weights = initWeights(seed);
    init = `bench/cnn-peers.mjs's Glorot-uniform (exprgrad cannot build the program yet: ${String(e.message).split('\n')[0]})`;
  }
  const total = LIMIT === undefined ? data.train.count : Math.min(LIMIT, data.train.count);
  const nVal = Math.floor(total * SPLIT);
  const nTrain = total - nVal;
  const next = epochOrder(nTrain, seed);
  const orders = Array.from({ length: EPOCHS }, () => Int32Array.from(next()));
  return { data, model, weights, init, total, nTrain, nVal, orders, where: data.source };
}

function argmaxAccuracy(scores, labels, classes = 10) {
  let ok = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[r * classes + c] > scores[r * classes + best]) best = c;
    if (best === labels[r]) ok++;
  }
  return ok / labels.length;
}

// ── exprgrad: the product's own trainer ──────────────────────────────────────────────────────────────────────────
async function runExprgrad(c, seed) {
  if (!c.model) throw new Error(c.init.replace(/^.*\(exprgrad/, 'exprgrad').replace(/\)$/, ''));
  const { train } = await import(new URL('dist/index.js', root).href);
  c.model.execution = { backend: BACKEND };
  const epochs = [];
  const losses = [];
  const res = await train(c.model, c.data.train, c.data.test, { epochs: EPOCHS, seed, batchSize: BATCH, lr: LR, validationSplit: SPLIT, limit: LIMIT }, {
    onEvent: (e) => {
      if (e.type === 'epoch') {
        epochs.push({ seconds: e.seconds, loss: e.loss, val_accuracy: e.val_accuracy });
        log(`  exprgrad seed ${seed} epoch ${e.epoch}: ${e.seconds.toFixed(1)} s, loss ${e.loss.toFixed(4)}, validation ${(e.val_accuracy * 100).toFixed(2)}%`);
      } else if (e.type === 'step' && e.step === 1) losses.push(e.loss);
    },
  });
  return { description: `exprgrad (${res.kernels})`, epochs, first_losses: losses, test_accuracy: res.test.accuracy };
}

// ── TF.js through its Keras API ──────────────────────────────────────────────────────────────────────────────────
async function runTfjs(c, seed) {
  const { tf, error } = await loadTfjsWasm();
  if (error) throw new Error(error);
  const { data, weights, total, nTrain, nVal, orders } = c;
  const images = (split, count) => tf.tidy(() => tf.tensor4d(Float32Array.from(split.images.subarray(0, count * 784), (v) => v / 255), [count, 28, 28, 1]));
  const onehot = (labels) => tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10).toFloat());
  const X = images(data.train, total);
  const Y = onehot(data.train.labels.subarray(0, total));
  const Xval = X.slice([nTrain, 0, 0, 0], [nVal, 28, 28, 1]);
  const Yval = Y.slice([nTrain, 0], [nVal, 10]);
  tf.setSeed?.(seed);
  const net = tfjsCnn(tf, weights);
  const epochs = [];
  const first_losses = [];
  for (let e = 0; e < EPOCHS; e++) {
    const t0 = performance.now();
    const order = tf.tensor1d(orders[e], 'int32');
    const xs = tf.gather(X, order);
    const ys = tf.gather(Y, order);
    let firstStep = true;
    const h = await net.fit(xs, ys, {
      batchSize: BATCH,
      epochs: 1,
      shuffle: false,
      validationData: [Xval, Yval],
      verbose: 0,
      callbacks: {
        onBatchEnd: async (_b, logs) => {
          if (firstStep) first_losses.push(logs.loss);
          firstStep = false;
        },
      },
    });
    tf.dispose([order, xs, ys]);
    const rec = { seconds: (performance.now() - t0) / 1000, loss: h.history.loss[0], val_accuracy: h.history.val_acc[0] };
    epochs.push(rec);
    log(`  TF.js seed ${seed} epoch ${e + 1}: ${rec.seconds.toFixed(1)} s, loss ${rec.loss.toFixed(4)}, validation ${(rec.val_accuracy * 100).toFixed(2)}%`);
  }
  const Xt = images(data.test, data.test.count);
  const probs = net.predict(Xt, { batchSize: 500 });
  const test_accuracy = argmaxAccuracy(await probs.data(), data.test.labels);
  return { description: `TF.js ${tf.version_core} (Keras API, wasm backend)`, epochs, first_losses, test_accuracy };
}

// ── Keras 3 itself, in Python ────────────────────────────────────────────────────────────────────────────────────
async function runKeras(c, seed) {
  const dir = mkdtempSync(join(tmpdir(), 'exprgrad-keras-'));
  try {
    const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const k of PARAMS) writeFileSync(join(dir, `${k}.f32`), bytes(c.weights[k]));
    const orders = new Int32Array(EPOCHS * c.nTrain);
    c.orders.forEach((o, e) => orders.set(o, e * c.nTrain));
    writeFileSync(join(dir, 'orders.i32'), bytes(orders));
    writeFileSync(join(dir, 'train-images.u8'), bytes(c.data.train.images.subarray(0, c.total * 784)));
    writeFileSync(join(dir, 'train-labels.u8'), bytes(c.data.train.labels.subarray(0, c.total)));
    writeFileSync(join(dir, 'test-images.u8'), bytes(c.data.test.images));
    writeFileSync(join(dir, 'test-labels.u8'), bytes(c.data.test.labels));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ epochs: EPOCHS, batch: BATCH, lr: LR, nTrain: c.nTrain, nVal: c.nVal, total: c.total, seed, shapes: SHAPES }));
    const python = process.env.KERAS_PYTHON ?? 'python3';
    const r = spawnSync(python, [fileURLToPath(new URL('cnn-keras.py', import.meta.url)), dir], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.error) throw new Error(`cannot run ${python} (set KERAS_PYTHON to a Python with keras and torch): ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${python} bench/cnn-keras.py exited with ${r.status} (a Python with keras 3 and a backend is needed: KERAS_PYTHON)`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── Child: one library, one seed, one JSON line ──────────────────────────────────────────────────────────────────
if (CHILD) {
  const [name, seedText] = CHILD.split(':');
  const seed = Number(seedText);
  try {
    const c = await common(seed);
    const out = await { exprgrad: runExprgrad, tfjs: runTfjs, keras: runKeras }[name](c, seed);
    process.stdout.write(`${JSON.stringify({ name, seed, where: c.where, init: c.init, nTrain: c.nTrain, nVal: c.nVal, ...out })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ name, seed, error: String(e?.message ?? e).split('\n')[0] })}\n`);
  }
  process.exit(0);
}

// ── Parent ───────────────────────────────────────────────────────────────────────────────────────────────────────
function runChild(name, seed) {
  return new Promise((resolve) => {
    const args = [fileURLToPath(import.meta.url), `--child=${name}:${seed}`, `--epochs=${EPOCHS}`, `--dataset=${DATASET}`, `--backend=${BACKEND}`];
    if (DATA) args.push(`--data=${DATA}`);
    if (LIMIT !== undefined) args.push(`--limit=${LIMIT}`);
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? ''));
      } catch {
        resolve({ name, seed, error: `the child exited with ${code} and printed no result` });
      }
    });
  });
}

const names = ['exprgrad', 'tfjs', 'keras'].filter((n) => ONLY.includes(n));
if (names.length === 0) bad('--only names none of exprgrad, tfjs, keras');
log(`CNN (examples/mnist-cnn.exg) on ${DATASET}, batch ${BATCH}, Adam ${LR}, ${EPOCHS} epoch${EPOCHS === 1 ? '' : 's'}, validation split ${SPLIT}, seeds ${SEEDS.join(',')}${LIMIT ? `, first ${LIMIT} training images` : ''}; node ${process.version}`);
const results = [];
for (const seed of SEEDS) {
  for (const n of names) {
    log(`${n}, seed ${seed} …`);
    results.push(await runChild(n, seed));
  }
}
const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
const summary = {};
for (const n of names) {
  const ok = results.filter((r) => r.name === n && !r.error);
  const failed = results.filter((r) => r.name === n && r.error);
  summary[n] = {
    seeds: ok.map((r) => r.seed),
    test_accuracy: ok.map((r) => r.test_accuracy),
    mean_test_accuracy: ok.length ? mean(ok.map((r) => r.test_accuracy)) : undefined,
    seconds_per_epoch: ok.length ? mean(ok.flatMap((r) => r.epochs.map((e) => e.seconds))) : undefined,
    description: ok[0]?.description,
    errors: failed.map((r) => `seed ${r.seed}: ${r.error}`),
  };
}
for (const ref of ['tfjs', 'keras']) {
  if (summary.exprgrad?.mean_test_accuracy !== undefined && summary[ref]?.mean_test_accuracy !== undefined) {
    summary[`difference_points_${ref}`] = 100 * (summary.exprgrad.mean_test_accuracy - summary[ref].mean_test_accuracy);
  }
}
const first = results.find((r) => !r.error);
if (JSON_OUT) {
  console.log(JSON.stringify({ dataset: DATASET, epochs: EPOCHS, seeds: SEEDS, limit: LIMIT, data: first?.where, init: first?.init, summary, results }, null, 2));
} else {
  const pct = (x) => (x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
  console.log(`\nCNN on ${DATASET}, ${EPOCHS} epoch(s) per seed, ${first?.nTrain ?? '?'} training / ${first?.nVal ?? '?'} validation images; data: ${first?.where ?? '?'}`);
  console.log(`initial weights: ${first?.init ?? '?'}`);
  for (const n of names) {
    const s = summary[n];
    if (!s.seeds.length) {
      console.log(`  ${n.padEnd(9)} skipped: ${s.errors[0] ?? 'no result'}`);
      continue;
    }
    console.log(`  ${n.padEnd(9)} test accuracy ${s.test_accuracy.map((a, i) => `seed ${s.seeds[i]} ${pct(a)}`).join(', ')}; mean ${pct(s.mean_test_accuracy)}; ${s.seconds_per_epoch.toFixed(1)} s/epoch  (${s.description})`);
    for (const e of s.errors) console.log(`            failed: ${e}`);
  }
  for (const [ref, label] of [['tfjs', 'TF.js'], ['keras', 'Keras']]) {
    const d = summary[`difference_points_${ref}`];
    if (d !== undefined) console.log(`  exprgrad − ${label}: ${d.toFixed(2)} points (goal: within 0.15)`);
  }
}
void SHAPES;
