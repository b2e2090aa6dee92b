// MNIST training, epoch for epoch, with exprgrad and the two strongest JavaScript peers, in one run:
//   exprgrad  — its trainer (src/nn/train.ts) on the program examples/mnist-mlp.exg, backend wasm unless --backend;
//   TF.js     — @tensorflow/tfjs 4.22 on @tensorflow/tfjs-backend-wasm, through its Keras API (tf.sequential,
//               compile({adam, categoricalCrossentropy}), fit);
//   jax-js    — @jax-js/jax, jit(valueAndGrad(loss)) and a jitted Adam on its wasm device.
// The model and protocol are the seed's Keras ones: 784-512-256-128-10 relu/softmax, categorical cross-entropy,
// Adam (1e-3, 0.9, 0.999, 1e-7), batch 128, validation = the last 20% of the training set, the rest shuffled each
// epoch. All three start from the SAME weights (exprgrad's seeded Glorot-uniform init) and see the SAME batches in
// the SAME order (exprgrad's seeded shuffle), so their losses step by step and their accuracies can be compared
// directly: what differs is the arithmetic, not the luck of the draw.
// Each library runs in a child process of its own, one after another (never two at once).
// Epoch time: shuffling/batching + every training step (the loss read back, as Keras's progress bar does) +
// the validation pass. Test accuracy after the last epoch, not timed.
//
// Usage: npm install && node bench/mnist-epoch.mjs [--epochs=1] [--seed=1] [--only=exprgrad,tfjs,jax]
//                                                  [--backend=wasm|js|gpujs] [--data=DIR]
// Prints a table (s per epoch, ms per step* = the epoch's time over its steps, validation and test accuracy), the ratios to exprgrad, and how far
// each peer's per-step loss strays from exprgrad's. --json prints one JSON object instead.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jaxMlp } from './wasm-compare.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const a = argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined ? dflt : a.slice(name.length + 3);
};
const EPOCHS = Number(opt('epochs', '1'));
const SEED = Number(opt('seed', '1'));
const BACKEND = opt('backend', 'wasm');
const DATA = opt('data', undefined);
const ONLY = opt('only', 'exprgrad,tfjs,jax').split(',');
const CHILD = opt('child', undefined);
const JSON_OUT = argv.includes('--json');
const BATCH = 128;
const SPLIT = 0.2;
const LR = 1e-3, B1 = 0.9, B2 = 0.999, EPS = 1e-7;
const root = new URL('../', import.meta.url);
const log = (s) => process.stderr.write(`${s}\n`);

for (const [k, v] of [['epochs', EPOCHS], ['seed', SEED]]) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`mnist-epoch: --${k} must be a positive integer`);
    process.exit(2);
  }
}

// ── What every child shares: the data, the initial weights, the batch order ─────────────────────────────────────
async function common() {
  const { loadMnist } = await import(new URL('dist/node.js', root).href);
  const { Model, epochOrder } = await import(new URL('dist/index.js', root).href);
  const mnist = await loadMnist(DATA ? { dataDir: DATA } : {});
  const source = readFileSync(new URL('examples/mnist-mlp.exg', root), 'utf8');
  const model = Model.create(source, SEED);
  const total = mnist.train.count;
  const nVal = Math.floor(total * SPLIT);
  const nTrain = total - nVal;
  // The trainer's own epoch order (train() draws from the same epochOrder), so the peers see the same batches.
  const next = epochOrder(nTrain, SEED);
  const orders = Array.from({ length: EPOCHS }, () => Int32Array.from(next()));
  const scale = (u8) => Float32Array.from(u8, (v) => v / 255);
  const oneHot = (labels) => {
    const out = new Float32Array(labels.length * 10);
    labels.forEach((l, i) => (out[i * 10 + l] = 1));
    return out;
  };
  return { mnist, model, nTrain, nVal, orders, scale, oneHot, where: mnist.source };
}

function argmaxAccuracy(logits, labels, classes = 10) {
  let ok = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    if (best === labels[r]) ok++;
  }
  return ok / labels.length;
}

function version(name) {
  try {
    return JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), 'utf8')).version;
  } catch {
    return '?';
  }
}

// ── exprgrad: the product's own trainer ──────────────────────────────────────────────────────────────────────────
async function runExprgrad(c) {
  const { train } = await import(new URL('dist/index.js', root).href);
  const { model, mnist } = c;
  model.execution = { backend: BACKEND };
  const losses = [];
  let prevSum = 0;
  let prevSeen = 0;
  const epochs = [];
  const res = await train(model, mnist.train, mnist.test, { epochs: EPOCHS, seed: SEED, batchSize: BATCH, lr: LR, validationSplit: SPLIT }, {
    onEvent: (e) => {
      if (e.type === 'step') {
        // The event carries the running mean; the step's own loss is the difference of running sums.
        if (e.step === 1) prevSum = prevSeen = 0;
        const seen = Math.min(e.step * BATCH, c.nTrain);
        const sum = e.loss * seen;
        losses.push((sum - prevSum) / (seen - prevSeen));
        prevSum = sum;
        prevSeen = seen;
      } else if (e.type === 'epoch') {
        epochs.push({ seconds: e.seconds, loss: e.loss, val_accuracy: e.val_accuracy });
        log(`  exprgrad epoch ${e.epoch}: ${e.seconds.toFixed(2)} s, loss ${e.loss.toFixed(4)}, validation ${(e.val_accuracy * 100).toFixed(2)}%`);
      }
    },
  });
  return { description: `exprgrad ${JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version} (${res.kernels})`, epochs, losses, test_accuracy: res.test.accuracy };
}

// ── TF.js through its Keras API ──────────────────────────────────────────────────────────────────────────────────
async function runTfjs(c) {
  const tfmod = await import('@tensorflow/tfjs');
  const tf = tfmod.default ?? tfmod;
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend did not start');
  await tf.ready();
  const { mnist, model: init, nTrain, nVal, orders, scale, oneHot } = c;
  const F = 784;
  const X = tf.tensor2d(scale(mnist.train.images), [mnist.train.count, F]);
  const Y = tf.tensor2d(oneHot(mnist.train.labels), [mnist.train.count, 10]);
  const Xval = X.slice([nTrain, 0], [nVal, F]);
  const Yval = Y.slice([nTrain, 0], [nVal, 10]);
  const net = tf.sequential();
  const sizes = [784, 512, 256, 128, 10];
  for (let l = 1; l <= 4; l++) {
    net.add(tf.layers.dense({ units: sizes[l], activation: l < 4 ? 'relu' : 'softmax', ...(l === 1 ? { inputShape: [784] } : {}) }));
  }
  net.setWeights([1, 2, 3, 4].flatMap((l) => [tf.tensor2d(init.params[`W${l}`], [sizes[l - 1], sizes[l]]), tf.tensor1d(init.params[`b${l}`])]));
  net.compile({ optimizer: tf.train.adam(LR, B1, B2, EPS), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const losses = [];
  const epochs = [];
  for (let e = 0; e < EPOCHS; e++) {
    const t0 = performance.now();
    const order = tf.tensor1d(orders[e], 'int32');
    const xs = tf.gather(X, order);
    const ys = tf.gather(Y, order);
    const h = await net.fit(xs, ys, {
      batchSize: BATCH, epochs: 1, shuffle: false, validationData: [Xval, Yval], verbose: 0,
      callbacks: { onBatchEnd: async (_b, logs) => void losses.push(logs.loss) },
    });
    const seconds = (performance.now() - t0) / 1000;
    tf.dispose([order, xs, ys]);
    const rec = { seconds, loss: h.history.loss[0], val_accuracy: h.history.val_acc[0] };
    epochs.push(rec);
    log(`  TF.js epoch ${e + 1}: ${seconds.toFixed(2)} s, loss ${rec.loss.toFixed(4)}, validation ${(rec.val_accuracy * 100).toFixed(2)}%`);
  }
  const Xt = tf.tensor2d(scale(mnist.test.images), [mnist.test.count, F]);
  const probs = net.predict(Xt, { batchSize: 1000 });
  const test_accuracy = argmaxAccuracy(await probs.data(), mnist.test.labels);
  let threads = '';
  try {
    const n = tf.backend()?.wasm?.tfjs?.getThreadsCount?.();
    if (n !== undefined) threads = `, ${n} thread${n === 1 ? '' : 's'}`;
  } catch {
    /* not exposed */
  }
  return { description: `TF.js ${tf.version_core} (Keras API, wasm backend${threads})`, epochs, losses, test_accuracy };
}

// ── jax-js: jit(valueAndGrad) and a jitted Adam ──────────────────────────────────────────────────────────────────
async function runJax(c) {
  const jax = await import('@jax-js/jax');
  const { numpy: np, init, defaultDevice, blockUntilReady, tree } = jax;
  const devices = await init('wasm');
  defaultDevice('wasm');
  const { mnist, model: start, nTrain, nVal, orders } = c;
  const F = 784;
  const sizes = [784, 512, 256, 128, 10];
  let params = {};
  for (let l = 1; l <= 4; l++) {
    params[`W${l}`] = np.array(start.params[`W${l}`]).reshape([sizes[l - 1], sizes[l]]);
    params[`b${l}`] = np.array(start.params[`b${l}`]);
  }
  let m = tree.map((p) => np.zerosLike(p.ref), params);
  let v = tree.map((p) => np.zerosLike(p.ref), params);
  const { vg, logitsOf, adam } = jaxMlp(jax, { beta1: B1, beta2: B2, epsilon: EPS });
  const images = mnist.train.images;
  const labels = mnist.train.labels;
  const accuracyOn = async (imgs, labs, from, count) => {
    const chunk = 1000;
    let ok = 0;
    for (let s = 0; s < count; s += chunk) {
      const n = Math.min(chunk, count - s);
      const xb = new Float32Array(n * F);
      for (let k = 0; k < n * F; k++) xb[k] = imgs[(from + s) * F + k] / 255;
      const z = logitsOf(tree.ref(params), np.array(xb).reshape([n, F]));
      ok += argmaxAccuracy(await z.data(), labs.subarray(from + s, from + s + n)) * n;
    }
    return ok / count;
  };
  const losses = [];
  const epochs = [];
  let t = 0;
  const xb = new Float32Array(BATCH * F);
  for (let e = 0; e < EPOCHS; e++) {
    const t0 = performance.now();
    const order = orders[e];
    let sum = 0;
    for (let from = 0; from < nTrain; from += BATCH) {
      const n = Math.min(BATCH, nTrain - from);
      const x = n === BATCH ? xb : new Float32Array(n * F);
      const y = new Float32Array(n * 10);
      for (let b = 0; b < n; b++) {
        const i = order[from + b];
        for (let k = 0; k < F; k++) x[b * F + k] = images[i * F + k] / 255;
        y[b * 10 + labels[i]] = 1;
      }
      t++;
      const alpha = (LR * Math.sqrt(1 - B2 ** t)) / (1 - B1 ** t);
      const [value, grads] = vg(tree.ref(params), np.array(x).reshape([n, F]), np.array(y).reshape([n, 10]));
      const next = adam(params, grads, m, v, np.array([alpha]).reshape([]));
      params = next.p;
      m = next.m;
      v = next.v;
      await blockUntilReady(params);
      const l = (await value.data())[0];
      losses.push(l);
      sum += l * n;
    }
    const val_accuracy = await accuracyOn(images, labels, nTrain, nVal);
    const seconds = (performance.now() - t0) / 1000;
    epochs.push({ seconds, loss: sum / nTrain, val_accuracy });
    log(`  jax-js epoch ${e + 1}: ${seconds.toFixed(2)} s, loss ${(sum / nTrain).toFixed(4)}, validation ${(val_accuracy * 100).toFixed(2)}%`);
  }
  const test_accuracy = await accuracyOn(mnist.test.images, mnist.test.labels, 0, mnist.test.count);
  return { description: `jax-js ${version('@jax-js/jax')} (jit, wasm device, devices: ${devices.join(', ')})`, epochs, losses, test_accuracy };
}

// ── Child: run one library, print one JSON line ──────────────────────────────────────────────────────────────────
if (CHILD) {
  const runners = { exprgrad: runExprgrad, tfjs: runTfjs, jax: runJax };
  try {
    const c = await common();
    const out = await runners[CHILD](c);
    process.stdout.write(`${JSON.stringify({ name: CHILD, where: c.where, nTrain: c.nTrain, ...out })}\n`);
    process.exit(0);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ name: CHILD, error: String(e?.message ?? e) })}\n`);
    process.exit(0);
  }
}

// ── Parent: run the children in turn, compare ────────────────────────────────────────────────────────────────────
function runChild(name) {
  return new Promise((resolve) => {
    const args = [fileURLToPath(import.meta.url), `--child=${name}`, `--epochs=${EPOCHS}`, `--seed=${SEED}`, `--backend=${BACKEND}`];
    if (DATA) args.push(`--data=${DATA}`);
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ name, error: `the child exited with ${code} and printed no result` });
      }
    });
  });
}

const names = ['exprgrad', 'tfjs', 'jax'].filter((n) => ONLY.includes(n));
if (names.length === 0) {
  console.error('mnist-epoch: --only names none of exprgrad, tfjs, jax');
  process.exit(2);
}
log(`MNIST MLP 784-512-256-128-10, batch ${BATCH}, Adam ${LR}, ${EPOCHS} epoch${EPOCHS === 1 ? '' : 's'}, seed ${SEED}; node ${process.version}`);
const results = [];
for (const n of names) {
  log(`${n} …`);
  results.push(await runChild(n));
}
const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
const ours = results.find((r) => r.name === 'exprgrad' && !r.error);
const rows = results.map((r) => {
  if (r.error) return { name: r.name, error: r.error };
  const secs = r.epochs.map((e) => e.seconds);
  const row = {
    name: r.name,
    description: r.description,
    seconds_per_epoch: mean(secs),
    seconds_first_epoch: secs[0],
    ms_per_step: (mean(secs) * 1000) / Math.ceil(r.nTrain / BATCH), // the epoch (validation included) per step
    val_accuracy: r.epochs.at(-1).val_accuracy,
    test_accuracy: r.test_accuracy,
  };
  if (ours && r !== ours) {
    row.time_vs_exprgrad = row.seconds_per_epoch / mean(ours.epochs.map((e) => e.seconds));
    // How far the peer's loss strays from exprgrad's on the same batches from the same start.
    const n = Math.min(r.losses.length, ours.losses.length);
    const rel = (k) => Math.abs(r.losses[k] - ours.losses[k]) / Math.abs(ours.losses[k]);
    let first = 0;
    for (let k = 0; k < Math.min(n, 20); k++) first = Math.max(first, rel(k));
    row.loss_rel_diff_first_20_steps = first;
    row.loss_mean_abs_diff_all_steps = mean(Array.from({ length: n }, (_, k) => Math.abs(r.losses[k] - ours.losses[k])));
  }
  return row;
});
if (JSON_OUT) {
  console.log(JSON.stringify({ epochs: EPOCHS, seed: SEED, batch: BATCH, node: process.version, data: ours?.where, results: rows }, null, 2));
} else {
  console.log(`\nMNIST MLP, ${EPOCHS} epoch${EPOCHS === 1 ? '' : 's'} from the same initial weights and batch order (seed ${SEED}); data: ${ours?.where ?? results.find((r) => r.where)?.where ?? '?'}`);
  const pct = (x) => `${(x * 100).toFixed(2)}%`;
  const pad = (s, w) => String(s).padEnd(w);
  console.log(`${pad('library', 10)}${pad('s/epoch', 10)}${pad('ms/step*', 10)}${pad('val acc', 10)}${pad('test acc', 10)}${pad('× exprgrad time', 17)}description`);
  for (const r of rows) {
    if (r.error) {
      console.log(`${pad(r.name, 10)}failed: ${r.error}`);
      continue;
    }
    console.log(`${pad(r.name, 10)}${pad(r.seconds_per_epoch.toFixed(2), 10)}${pad(r.ms_per_step.toFixed(1), 10)}${pad(pct(r.val_accuracy), 10)}${pad(pct(r.test_accuracy), 10)}${pad(r.time_vs_exprgrad === undefined ? '' : `${r.time_vs_exprgrad.toFixed(1)}×`, 17)}${r.description}`);
  }
  console.log('* the epoch\'s time (validation pass included) divided by its steps');
  for (const r of rows) {
    if (r.loss_rel_diff_first_20_steps !== undefined) {
      console.log(`${r.name} vs exprgrad, per-step loss: largest relative difference over the first 20 steps ${r.loss_rel_diff_first_20_steps.toExponential(2)}, mean absolute difference over all steps ${r.loss_mean_abs_diff_all_steps.toExponential(2)}`);
    }
  }
}
