// Other JavaScript ML libraries running the same MNIST-MLP training step as bench/wasm-step.mjs, for comparison:
// jax-js (@jax-js/jax, its wasm device) and TensorFlow.js (@tensorflow/tfjs, for the gradients, + @tensorflow/tfjs-backend-wasm).
// They are dev dependencies of this repository (pass --compare to bench/wasm-step.mjs); to measure other versions,
// install them in a scratch folder and pass --compare=DIR. bench/wasm-step.mjs runs this file once per library in
// a child process:
//   node bench/wasm-compare.mjs jax|tfjs DIR [steps=50]   → one line of JSON: description, median, min, max, loss
// Each step: forward, backward, Adam (lr 1e-3, β 0.9/0.999, ε 1e-7), waiting until the new parameters are computed.
// The data and initial parameters are bench/wasm-step.mjs's (same generator, same seed).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

async function load(dir, name) {
  const require = createRequire(pathToFileURL(`${dir}/package.json`));
  let path;
  try {
    path = require.resolve(name);
  } catch {
    return undefined;
  }
  return import(pathToFileURL(path).href);
}

/**
 * The MNIST MLP and Keras's Adam (ε added to √v, as exprgrad does) written for jax-js, shared with
 * bench/mnist-epoch.mjs: forward(p, x) → logits; vg = jit(valueAndGrad(mean softmax cross-entropy of one-hot y));
 * adam(p, g, m, v, alpha) → { p, m, v }, jitted, alpha the step size with both bias corrections folded in.
 */
export function jaxMlp(jax, { beta1: b1 = 0.9, beta2: b2 = 0.999, epsilon: eps = 1e-7 } = {}) {
  const { numpy: np, nn, valueAndGrad, jit } = jax;
  const forward = (p, x) => {
    let h = nn.relu(np.matmul(x, p.W1).add(p.b1));
    h = nn.relu(np.matmul(h, p.W2).add(p.b2));
    h = nn.relu(np.matmul(h, p.W3).add(p.b3));
    return np.matmul(h, p.W4).add(p.b4);
  };
  const loss = (p, x, y) => {
    const z = forward(p, x);
    return np.mean(nn.logsumexp(z.ref, -1).sub(np.sum(y.mul(z), -1)));
  };
  const adam = jit((p, g, m, v, alpha) => {
    const out = { p: {}, m: {}, v: {} };
    const keys = Object.keys(p);
    keys.forEach((k, i) => {
      const gk = g[k];
      const mk = m[k].mul(b1).add(gk.ref.mul(1 - b1));
      const vk = v[k].mul(b2).add(gk.ref.mul(gk).mul(1 - b2));
      const a = i === keys.length - 1 ? alpha : alpha.ref;
      out.p[k] = p[k].sub(a.mul(mk.ref).div(np.sqrt(vk.ref).add(eps)));
      out.m[k] = mk;
      out.v[k] = vk;
    });
    return out;
  });
  return { forward, vg: jit(valueAndGrad(loss)), logitsOf: jit(forward), adam };
}

/** data: { x: Float32Array [B·784], yOneHot: Float32Array [B·10], params: { W1, b1, … } (Float32Array), dims, B }. */
export async function jaxStep(dir, data) {
  let jax;
  try {
    jax = await load(dir, '@jax-js/jax');
  } catch (e) {
    return { error: `@jax-js/jax failed to load: ${e.message}` };
  }
  if (!jax) return { error: '@jax-js/jax is not installed there' };
  const { numpy: np, init, defaultDevice, blockUntilReady, tree } = jax;
  const got = await init('wasm');
  defaultDevice('wasm');
  const { dims, B } = data;
  const arr = (f, shape) => np.array(f).reshape(shape);
  let params = {};
  for (let l = 1; l <= 4; l++) {
    params[`W${l}`] = arr(data.params[`W${l}`], [dims[l - 1], dims[l]]);
    params[`b${l}`] = arr(data.params[`b${l}`], [dims[l]]);
  }
  let m = tree.map((p) => np.zerosLike(p.ref), params);
  let v = tree.map((p) => np.zerosLike(p.ref), params);
  const x = arr(data.x, [B, dims[0]]);
  const y = arr(data.yOneHot, [B, dims[4]]);
  const { vg, adam } = jaxMlp(jax);
  const b1 = 0.9, b2 = 0.999, lr = 1e-3;
  let t = 0;
  const step = async () => {
    t++;
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    const [value, grads] = vg(tree.ref(params), x.ref, y.ref);
    const next = adam(params, grads, m, v, np.array([alpha]).reshape([]));
    params = next.p;
    m = next.m;
    v = next.v;
    await blockUntilReady(params);
    return (await value.data())[0];
  };
  return { step, description: `jax-js ${jaxVersion(dir)} (jit, wasm device; threads only where a Web Worker global exists: ${typeof Worker === 'function' ? 'yes' : 'not in Node'}; devices ${got.join(', ')})` };
}

function jaxVersion(dir) {
  try {
    return JSON.parse(readFileSync(`${dir}/node_modules/@jax-js/jax/package.json`, 'utf8')).version;
  } catch {
    return '';
  }
}

export async function tfjsStep(dir, data) {
  let tf;
  try {
    tf = await load(dir, '@tensorflow/tfjs'); // the union package registers the gradients; tfjs-core alone does not
    if (!tf) return { error: '@tensorflow/tfjs is not installed there' };
    const w = await load(dir, '@tensorflow/tfjs-backend-wasm');
    if (!w) return { error: '@tensorflow/tfjs-backend-wasm is not installed there' };
    tf = tf.default ?? tf;
    await tf.setBackend('wasm');
    await tf.ready();
  } catch (e) {
    return { error: `TF.js wasm failed to start: ${e.message}` };
  }
  const { dims, B } = data;
  const params = {};
  for (let l = 1; l <= 4; l++) {
    params[`W${l}`] = tf.variable(tf.tensor2d(data.params[`W${l}`], [dims[l - 1], dims[l]]));
    params[`b${l}`] = tf.variable(tf.tensor1d(data.params[`b${l}`]));
  }
  const x = tf.tensor2d(data.x, [B, dims[0]]);
  const y = tf.tensor2d(data.yOneHot, [B, dims[4]]);
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
  const loss = () => {
    let h = tf.relu(tf.add(tf.matMul(x, params.W1), params.b1));
    h = tf.relu(tf.add(tf.matMul(h, params.W2), params.b2));
    h = tf.relu(tf.add(tf.matMul(h, params.W3), params.b3));
    const z = tf.add(tf.matMul(h, params.W4), params.b4);
    return tf.mean(tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(y, z), -1)));
  };
  const step = async () => {
    const value = opt.minimize(loss, true);
    const out = (await value.data())[0];
    value.dispose();
    return out;
  };
  let threads = '';
  try {
    const backend = tf.backend();
    const n = backend?.wasm?.tfjs?.getThreadsCount?.();
    threads = n === undefined ? '' : `, ${n} thread${n === 1 ? '' : 's'}`;
  } catch {
    /* not exposed */
  }
  return { step, description: `TF.js ${tf.version_core ?? ''} wasm backend${threads}` };
}

/** The same data as bench/wasm-step.mjs's setup(). */
function setup(B, dims) {
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const params = {};
  for (let l = 0; l < 4; l++) {
    const [fi, fo] = [dims[l], dims[l + 1]];
    const limit = Math.sqrt(6 / (fi + fo));
    params[`W${l + 1}`] = Float32Array.from({ length: fi * fo }, () => (rnd() * 2 - 1) * limit);
    params[`b${l + 1}`] = new Float32Array(fo);
  }
  const x = Float32Array.from({ length: B * 784 }, () => rnd());
  const y = Float32Array.from({ length: B }, () => Math.floor(rnd() * 10));
  const yOneHot = new Float32Array(B * 10);
  for (let i = 0; i < B; i++) yOneHot[i * 10 + y[i]] = 1;
  return { params, x, yOneHot };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [lib, dir, stepsArg] = process.argv.slice(2);
  const steps = Number(stepsArg ?? 50);
  const B = 128;
  const dims = [784, 512, 256, 128, 10];
  const t0 = performance.now();
  const made = await (lib === 'jax' ? jaxStep : tfjsStep)(dir, { ...setup(B, dims), dims, B });
  if (made.error) {
    console.log(JSON.stringify({ error: made.error }));
    process.exit(0);
  }
  let loss = await made.step();
  const setupMs = performance.now() - t0;
  const times = [];
  for (let s = 1; s < steps + 5; s++) {
    const a = performance.now();
    loss = await made.step();
    if (s >= 5) times.push(performance.now() - a);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ description: made.description, median: times[Math.floor(times.length / 2)], min: times[0], max: times.at(-1), setupMs, loss }));
  process.exit(0);
}
