// Export → ONNX Runtime → import, on all 10,000 MNIST test images: the worst |Δlogit| between exprgrad and ONNX
// Runtime (onnxruntime-web, WebAssembly, in Node), how many predictions agree, the same for the re-imported model,
// and seconds per pass. Run after `npm run build`:
//   node bench/onnx-mnist.mjs [model.json]     (without a model: trains one, 1 epoch on 6,000 images, into a temp dir)
//   node bench/onnx-mnist.mjs --cnn [model.json]   (the same for the convnet examples/mnist-cnn.exg; x is fed as NHWC
//                                                  images [N, 28, 28, 1], as exprgrad's export declares it)
//   --backend wasm|js   the backend exprgrad's own passes run on (default js)
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { Model, toOnnx, fromOnnx } from '../dist/index.js';
import { loadMnist } from '../dist/node.js';

ort.env.wasm.numThreads = 1;
const cnn = process.argv.includes('--cnn');
const bi = process.argv.indexOf('--backend');
const backend = bi > 0 ? process.argv[bi + 1] : undefined;
let modelPath = process.argv.slice(2).find((a, i, all) => a !== '--cnn' && a !== '--backend' && all[i - 1] !== '--backend');
if (!modelPath) {
  const dir = mkdtempSync(join(tmpdir(), 'exprgrad-onnx-bench-'));
  modelPath = join(dir, 'm.json');
  const bin = fileURLToPath(new URL('../bin/exprgrad.js', import.meta.url));
  const src = fileURLToPath(new URL('../examples/mnist-cnn.exg', import.meta.url));
  execFileSync(process.execPath, [bin, 'train', 'mnist', ...(cnn ? ['--model-src', src] : []), '--limit', '6000', '--epochs', '1', '--save', modelPath], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const model = Model.fromJSON(JSON.parse(readFileSync(modelPath, 'utf8')), modelPath);
if (backend) model.execution = { backend };
const { test } = await loadMnist({ download: false });
const n = test.count;
const x = new Float32Array(n * 784);
for (let i = 0; i < x.length; i++) x[i] = test.images[i] / 255;
const k = model.spec.classes;
const argmax = (a, r) => { let b = 0; for (let j = 1; j < k; j++) if (a[r * k + j] > a[r * k + b]) b = j; return b; };

let t = performance.now();
// In passes of 1000 images (the wasm backend's memory does not hold a convnet's 10,000 at once).
const logitsOf = (m) => {
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r += 1000) out.set(m.logits(x.subarray(r * 784, (r + 1000) * 784), Math.min(1000, n - r)), r * k);
  return out;
};
const ours = logitsOf(model);
const tOurs = (performance.now() - t) / 1000;
const bytes = toOnnx(model);
const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
t = performance.now();
const dims = [n, ...model.spec.shapes.x.slice(1)];
const out = await session.run({ x: new ort.Tensor('float32', x, dims) });
const tOrt = (performance.now() - t) / 1000;
const theirs = out.logits.data;
const back = fromOnnx(bytes).model;
if (backend) back.execution = { backend };
const again = logitsOf(back);
let w1 = 0, w2 = 0, agree1 = 0, agree2 = 0, correct = 0;
for (let i = 0; i < ours.length; i++) {
  w1 = Math.max(w1, Math.abs(ours[i] - theirs[i]));
  w2 = Math.max(w2, Math.abs(again[i] - theirs[i]));
}
for (let r = 0; r < n; r++) {
  agree1 += +(argmax(ours, r) === argmax(theirs, r));
  agree2 += +(argmax(again, r) === argmax(theirs, r));
  correct += +(argmax(theirs, r) === test.labels[r]);
}
// float64 reference for examples/mnist-cnn.exg (conv 3×3 → relu → pool 2 → conv 3×3 → relu → pool 2 → flatten → dense):
// how far each float32 implementation is from the exact logits, next to the logits' size.
function cnnFloat64(p, img) {
  const conv = (inp, H, W, C, K, c, F) => {
    const Ho = H - 2, Wo = W - 2, out = new Float64Array(Ho * Wo * F);
    for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) for (let f = 0; f < F; f++) {
      let s = c[f];
      for (let a = 0; a < 3; a++) for (let bb = 0; bb < 3; bb++) for (let ch = 0; ch < C; ch++) s += inp[((i + a) * W + j + bb) * C + ch] * K[((a * 3 + bb) * C + ch) * F + f];
      out[(i * Wo + j) * F + f] = Math.max(s, 0);
    }
    return out;
  };
  const pool = (inp, H, W, C) => {
    const Ho = Math.floor(H / 2), Wo = Math.floor(W / 2), out = new Float64Array(Ho * Wo * C);
    for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) for (let ch = 0; ch < C; ch++) {
      let m = -Infinity;
      for (let a = 0; a < 2; a++) for (let bb = 0; bb < 2; bb++) m = Math.max(m, inp[((2 * i + a) * W + 2 * j + bb) * C + ch]);
      out[(i * Wo + j) * C + ch] = m;
    }
    return out;
  };
  const h1 = pool(conv(img, 28, 28, 1, p.K1, p.b1, 32), 26, 26, 32);
  const h2 = pool(conv(h1, 13, 13, 32, p.K2, p.b2, 64), 11, 11, 64);
  const out = new Float64Array(10);
  for (let o = 0; o < 10; o++) { let s = p.b3[o]; for (let i = 0; i < 1600; i++) s += h2[i] * p.W3[i * 10 + o]; out[o] = s; }
  return out;
}
let f64 = '';
if (cnn && ['K1', 'b1', 'K2', 'b2', 'W3', 'b3'].every((k) => k in model.params) && model.spec.shapes.W3?.[0] === 1600) {
  let eOurs = 0, eOrt = 0, big = 0;
  for (let r = 0; r < n; r++) {
    const exact = cnnFloat64(model.params, x.subarray(r * 784, r * 784 + 784));
    for (let j = 0; j < k; j++) {
      eOurs = Math.max(eOurs, Math.abs(ours[r * k + j] - exact[j]));
      eOrt = Math.max(eOrt, Math.abs(theirs[r * k + j] - exact[j]));
      big = Math.max(big, Math.abs(exact[j]));
    }
  }
  f64 = `float64 reference on the same images: worst |exprgrad − exact| ${eOurs.toExponential(2)}, worst |ONNX Runtime − exact| ${eOrt.toExponential(2)}, largest |logit| ${big.toFixed(2)}`;
}
console.log(`model ${modelPath}: ${bytes.length.toLocaleString('en-US')} bytes of ONNX (opset 17), input x [${['N', ...dims.slice(1)].join(', ')}]`);
console.log(`exprgrad (${model.description}) vs ONNX Runtime on ${n} test images: worst |Δlogit| ${w1.toExponential(2)}, predictions agree ${agree1}/${n}`);
console.log(`re-imported model vs ONNX Runtime: worst |Δlogit| ${w2.toExponential(2)}, predictions agree ${agree2}/${n}`);
if (f64) console.log(f64);
console.log(`ONNX Runtime accuracy ${(100 * correct / n).toFixed(2)}%; one pass over ${n} images: exprgrad ${tOurs.toFixed(2)} s, ONNX Runtime wasm ${tOrt.toFixed(2)} s`);
process.exit(w1 < 1e-5 && w2 < 1e-5 && agree1 === n && agree2 === n ? 0 : 1);
