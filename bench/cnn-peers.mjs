// The Keras "simple MNIST convnet" (examples/mnist-cnn.exg) for exprgrad's peers, shared by bench/cnn-step.mjs and
// bench/cnn-accuracy.mjs:
//   Conv2D 32 3×3 relu → MaxPool 2 → Conv2D 64 3×3 relu → MaxPool 2 → Flatten → Dropout 0.5 → Dense 10 softmax
//   (34,826 parameters), Adam (lr 1e-3, β 0.9/0.999, ε 1e-7, Keras's form), batches of 128.
// In:  a seed. Out: initial weights in exprgrad's layout (Keras's: filters [kh, kw, cin, cout], Dense [1600, 10],
//      Glorot-uniform over Keras's fan-in/fan-out, biases zero) from a fixed generator; jaxCnn(jax) → jax-js functions
//      (jit, NCHW inside as jax-js's lax.conv wants, the same math); tfjsCnn(tf, weights) → a tfjs-layers model
//      built like the Keras example with those weights set; the FLOP counts of the convolutions.

export const B = 128;
export const SHAPES = { K1: [3, 3, 1, 32], b1: [32], K2: [3, 3, 32, 64], b2: [64], W3: [1600, 10], b3: [10] };
export const PARAMS = Object.keys(SHAPES);
export const PARAM_COUNT = Object.values(SHAPES).reduce((a, s) => a + s.reduce((p, d) => p * d, 1), 0); // 34,826

/** A small LCG in [0, 1): the same numbers in every library's setup. */
export function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Glorot-uniform as Keras computes it: a conv filter's fans are kh·kw·cin and kh·kw·cout. */
export function initWeights(seed = 1) {
  const r = lcg(seed * 7919 + 17);
  const out = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 1) {
      out[name] = new Float32Array(n);
      continue;
    }
    const field = shape.length === 4 ? shape[0] * shape[1] : 1;
    const fanIn = field * shape[shape.length - 2];
    const fanOut = field * shape[shape.length - 1];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    out[name] = Float32Array.from({ length: n }, () => (r() * 2 - 1) * limit);
  }
  return out;
}

/** Multiply-adds ×2 of the two convolutions, forward and backward (the first layer needs no input gradient). */
export const CONV_FLOP = (() => {
  const c1 = 2 * B * 26 * 26 * 32 * 3 * 3 * 1;
  const c2 = 2 * B * 11 * 11 * 64 * 3 * 3 * 32;
  return { c1, c2, forward: c1 + c2, step: 2 * c1 + 3 * c2 };
})();

/** HWIO → OIHW (jax-js's lax.conv layout). */
function toOIHW(k, [kh, kw, ci, co]) {
  const o = new Float32Array(k.length);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < ci; c++) for (let d = 0; d < co; d++) o[((d * ci + c) * kh + i) * kw + j] = k[((i * kw + j) * ci + c) * co + d];
  return o;
}
/** Dense rows in Keras's (h, w, c) flatten order → the (c, h, w) order of an NCHW flatten. */
function rowsToCHW(w, h = 5, wd = 5, c = 64, out = 10) {
  const o = new Float32Array(w.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let ch = 0; ch < c; ch++) for (let k = 0; k < out; k++) o[((ch * h + y) * wd + x) * out + k] = w[((y * wd + x) * c + ch) * out + k];
  return o;
}

/**
 * The CNN in jax-js: init(weights) → params (jax arrays, NCHW/OIHW), vg = jit(valueAndGrad(loss)) with loss(p, x, y,
 * keep) where keep is the dropout mask already scaled by 1/(1 − rate), logitsOf = jit(forward without dropout), adam as
 * in bench/wasm-compare.mjs.
 */
export function jaxCnn(jax, { beta1: b1 = 0.9, beta2: b2 = 0.999, epsilon: eps = 1e-7, conv = 'lax' } = {}) {
  const { numpy: np, nn, lax, valueAndGrad, jit } = jax;
  const pool = (h) => lax.reduceWindow(h, (w) => np.max(w), [2, 2], [2, 2]);
  // conv 'matmul': NHWC throughout, a 3×3 valid convolution as im2col (nine shifted slices side by side) times the
  // filter as a [9·cin, cout] matrix, 2×2 pooling as a reshape and a max: jax-js's fast matrix product instead of its
  // generic convolution and window kernels.
  const conv3 = (x, k) => {
    const [n, h, w, c] = x.shape;
    const [oh, ow] = [h - 2, w - 2];
    const parts = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) parts.push((i === 2 && j === 2 ? x : x.ref).slice([], [i, i + oh], [j, j + ow], []));
    return np.matmul(np.concatenate(parts, 3).reshape([n * oh * ow, 9 * c]), k).reshape([n, oh, ow, -1]);
  };
  const pool2 = (h) => {
    const [n, hh, ww, c] = h.shape;
    const [ph, pw] = [hh >> 1, ww >> 1];
    const even = hh % 2 || ww % 2 ? h.slice([], [0, 2 * ph], [0, 2 * pw], []) : h;
    return np.max(even.reshape([n, ph, 2, pw, 2, c]), [2, 4]);
  };
  const featuresMm = (p, x) => {
    let h = nn.relu(conv3(x, p.K1).add(p.b1));
    h = pool2(h);
    h = nn.relu(conv3(h, p.K2).add(p.b2));
    return pool2(h).reshape([-1, 1600]);
  };
  const featuresLax = (p, x) => {
    let h = nn.relu(lax.conv(x, p.K1, [1, 1], 'VALID').add(p.b1.reshape([1, 32, 1, 1])));
    h = pool(h);
    h = nn.relu(lax.conv(h, p.K2, [1, 1], 'VALID').add(p.b2.reshape([1, 64, 1, 1])));
    return pool(h).reshape([-1, 1600]);
  };
  const features = conv === 'matmul' ? featuresMm : featuresLax;
  const loss = (p, x, y, keep) => {
    const { W3, b3, ...rest } = p;
    const z = np.matmul(features(rest, x).mul(keep), W3).add(b3);
    return np.mean(nn.logsumexp(z.ref, -1).sub(np.sum(y.mul(z), -1)));
  };
  const logits = (p, x) => {
    const { W3, b3, ...rest } = p;
    return np.matmul(features(rest, x), W3).add(b3);
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
  const init = (w) => conv === 'matmul' ? {
    K1: np.array(w.K1).reshape([9, 32]),
    b1: np.array(w.b1),
    K2: np.array(w.K2).reshape([9 * 32, 64]),
    b2: np.array(w.b2),
    W3: np.array(w.W3).reshape([1600, 10]),
    b3: np.array(w.b3),
  } : ({
    K1: np.array(toOIHW(w.K1, SHAPES.K1)).reshape([32, 1, 3, 3]),
    b1: np.array(w.b1),
    K2: np.array(toOIHW(w.K2, SHAPES.K2)).reshape([64, 32, 3, 3]),
    b2: np.array(w.b2),
    W3: np.array(rowsToCHW(w.W3)).reshape([1600, 10]),
    b3: np.array(w.b3),
  });
  const conv2 = conv === 'matmul' ? jit((h, k) => conv3(h, k)) : jit((h, k) => lax.conv(h, k, [1, 1], 'VALID'));
  /** x as this variant wants it: [B, 1, 28, 28] (lax) or [B, 28, 28, 1] (matmul); h/K for conv2 likewise. */
  const layout = conv === 'matmul' ? { x: [B, 28, 28, 1], h: [128, 13, 13, 32], K: [288, 64] } : { x: [B, 1, 28, 28], h: [128, 32, 13, 13], K: [64, 32, 3, 3] };
  return { init, vg: jit(valueAndGrad(loss)), logitsOf: jit(logits), adam, conv2, layout, loss };
}

/** The Keras example as a tfjs-layers model with exprgrad's initial weights (layouts already Keras's). */
export function tfjsCnn(tf, w) {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.setWeights(PARAMS.map((k) => tf.tensor(w[k], SHAPES[k])));
  model.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-7), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/**
 * Loads TF.js with its wasm backend, or returns { error }. TF.js 4.22's wasm backend has no Conv2DBackpropFilter
 * kernel (a Conv2D layer cannot train there: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"), but
 * it has Conv3DBackpropFilterV2; this registers the 2-D filter gradient as that 3-D one over a depth of 1 (wasm
 * kernels only, no copies: reshapes share the buffers), stride 1 only (all the CNN needs; checked against TF.js's
 * cpu backend when written: equal within 2e-5 on random data). So TF.js trains the CNN on wasm, with its own kernels.
 */
export async function loadTfjsWasm() {
  try {
    const tfm = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    const tf = tfm.default ?? tfm;
    await tf.setBackend('wasm');
    await tf.ready();
    if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
      const reshape = tf.getKernel('Reshape', 'wasm').kernelFunc;
      const filter3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm').kernelFunc;
      const transpose = tf.getKernel('Transpose', 'wasm').kernelFunc;
      const conv2d = tf.getKernel('Conv2D', 'wasm').kernelFunc;
      tf.registerKernel({
        kernelName: 'Conv2DBackpropFilter',
        backendName: 'wasm',
        kernelFunc: ({ inputs, backend, attrs }) => {
          const { x, dy } = inputs;
          const [kh, kw, ci, co] = attrs.filterShape;
          const s = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
          const d = attrs.dilations === undefined ? [1, 1] : typeof attrs.dilations === 'number' ? [attrs.dilations, attrs.dilations] : attrs.dilations;
          if (s[0] !== 1 || s[1] !== 1 || d[0] !== 1 || d[1] !== 1 || (attrs.dataFormat && attrs.dataFormat !== 'NHWC')) {
            throw new Error('bench/cnn-peers.mjs: the Conv2DBackpropFilter stand-in handles stride 1, NHWC only');
          }
          if (process.env.CNN_TFJS_FILTER_GRAD === 'conv3d') {
            const x5 = reshape({ inputs: { x }, backend, attrs: { shape: [x.shape[0], 1, ...x.shape.slice(1)] } });
            const dy5 = reshape({ inputs: { x: dy }, backend, attrs: { shape: [dy.shape[0], 1, ...dy.shape.slice(1)] } });
            const f5 = filter3d({ inputs: { x: x5, dy: dy5 }, backend, attrs: { strides: [1, 1, 1], pad: attrs.pad, filterShape: [1, kh, kw, ci, co] } });
            const out = reshape({ inputs: { x: f5 }, backend, attrs: { shape: [kh, kw, ci, co] } });
            for (const t of [x5, dy5, f5]) backend.disposeData(t.dataId);
            return out;
          }
          // dK[i, j, c, o] = Σ_b,h,w x[b, h+i, w+j, c]·dy[b, h, w, o]: a convolution of x as [c, H, W, b] with dy as the
          // filter [oh, ow, b, o], giving [c, kh, kw, o], then transposed to [kh, kw, c, o] (XNNPACK's conv).
          const xt = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
          const dyt = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
          const pad = attrs.pad === 'valid' || attrs.pad === 'VALID' ? 'valid' : attrs.pad;
          if (pad !== 'valid') throw new Error('bench/cnn-peers.mjs: the Conv2DBackpropFilter stand-in handles padding valid only');
          const c = conv2d({ inputs: { x: xt, filter: dyt }, backend, attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] } });
          const out = transpose({ inputs: { x: c }, backend, attrs: { perm: [1, 2, 0, 3] } });
          for (const t of [xt, dyt, c]) backend.disposeData(t.dataId);
          return out;
        },
      });
    }
    return { tf };
  } catch (e) {
    return { error: `TF.js wasm failed to start: ${e.message}` };
  }
}

/** The CNN program, or { error } saying why exprgrad cannot compile it yet (the ops of issue 13 missing). */
export async function exprgradCnn(source, options) {
  const { compile, adam } = await import('../dist/index.js');
  try {
    return { step: compile(source, { wrt: PARAMS, optimizer: adam({ lr: 1e-3 }), ...options }) };
  } catch (e) {
    return { error: `exprgrad cannot compile examples/mnist-cnn.exg yet (${String(e.message).split('\n')[0]})` };
  }
}
