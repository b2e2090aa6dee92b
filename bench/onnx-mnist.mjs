// Export → ONNX Runtime → import, on all 10,000 MNIST test images: the worst |Δlogit| between exprgrad and ONNX
// Runtime (onnxruntime-web, WebAssembly, in Node), how many predictions agree, the same for the re-imported model,
// and seconds per pass. Run after `npm run build`:
//   node bench/onnx-mnist.mjs [model.json]     (without a model: trains one, 1 epoch on 6,000 images, into a temp dir)
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { Model, toOnnx, fromOnnx } from '../dist/index.js';
import { loadMnist } from '../dist/node.js';

ort.env.wasm.numThreads = 1;
let modelPath = process.argv[2];
if (!modelPath) {
  const dir = mkdtempSync(join(tmpdir(), 'exprgrad-onnx-bench-'));
  modelPath = join(dir, 'm.json');
  const bin = fileURLToPath(new URL('../bin/exprgrad.js', import.meta.url));
  execFileSync(process.execPath, [bin, 'train', 'mnist', '--limit', '6000', '--epochs', '1', '--save', modelPath], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const model = Model.fromJSON(JSON.parse(readFileSync(modelPath, 'utf8')), modelPath);
const { test } = await loadMnist({ download: false });
const n = test.count;
const x = new Float32Array(n * 784);
for (let i = 0; i < x.length; i++) x[i] = test.images[i] / 255;
const k = model.spec.classes;
const argmax = (a, r) => { let b = 0; for (let j = 1; j < k; j++) if (a[r * k + j] > a[r * k + b]) b = j; return b; };

let t = performance.now();
const ours = Float32Array.from(model.logits(x, n));
const tOurs = (performance.now() - t) / 1000;
const bytes = toOnnx(model);
const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
t = performance.now();
const out = await session.run({ x: new ort.Tensor('float32', x, [n, 784]) });
const tOrt = (performance.now() - t) / 1000;
const theirs = out.logits.data;
const back = fromOnnx(bytes).model;
const again = Float32Array.from(back.logits(x, n));
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
console.log(`model ${modelPath}: ${bytes.length.toLocaleString('en-US')} bytes of ONNX (opset 17)`);
console.log(`exprgrad (js backend) vs ONNX Runtime on ${n} test images: worst |Δlogit| ${w1.toExponential(2)}, predictions agree ${agree1}/${n}`);
console.log(`re-imported model vs ONNX Runtime: worst |Δlogit| ${w2.toExponential(2)}, predictions agree ${agree2}/${n}`);
console.log(`ONNX Runtime accuracy ${(100 * correct / n).toFixed(2)}%; one pass over ${n} images: exprgrad js ${tOurs.toFixed(2)} s, ONNX Runtime wasm ${tOrt.toFixed(2)} s`);
process.exit(w1 < 1e-5 && w2 < 1e-5 && agree1 === n && agree2 === n ? 0 : 1);
