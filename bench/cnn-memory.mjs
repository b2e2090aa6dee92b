// Memory of CNN training: RSS after 200 and after 2,000 training steps of examples/mnist-cnn.exg (batch 128,
// Adam, the trainer's FusedStep, dropout active) on one backend, in one process. The bar: within 10%.
// Also prints ms per step (median over the steps after the first 20) as a side figure.
// Usage: npm run build && node --expose-gc bench/cnn-memory.mjs [--backend=wasm|js] [--steps=2000] [--first=200]
import { readFileSync } from 'node:fs';
import { Model, FusedStep, shutdownWasmThreads } from '../dist/index.js';

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const backend = arg('backend', 'wasm');
const total = Number(arg('steps', 2000));
const first = Number(arg('first', 200));
const source = readFileSync(new URL('../examples/mnist-cnn.exg', import.meta.url), 'utf8');
const model = Model.create(source, 1);
model.execution = { backend };
const step = new FusedStep(model, 128, { lr: 1e-3 }, undefined, 1);
let s = 7;
const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
// Four fixed batches of synthetic images (strokes of ink on black) with labels, cycled.
const batches = Array.from({ length: 4 }, () => ({
  x: Float32Array.from({ length: 128 * 784 }, () => (rnd() < 0.2 ? rnd() : 0)),
  y: Float32Array.from({ length: 128 }, () => Math.floor(rnd() * 10)),
}));
const rss = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss / 2 ** 20;
};
const times = [];
let atFirst = 0;
const t0 = performance.now();
for (let i = 1; i <= total; i++) {
  const b = batches[i % 4];
  const t = performance.now();
  await step.step(b.x, b.y);
  if (i > 20) times.push(performance.now() - t);
  if (i === first) atFirst = rss();
  if (i % 250 === 0) process.stderr.write(`step ${i}: loss ${step.loss().toFixed(4)}, RSS ${rss().toFixed(1)} MB, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const atEnd = rss();
times.sort((a, b) => a - b);
console.log(`CNN training on ${step.description}: RSS ${atFirst.toFixed(1)} MB after ${first} steps, ${atEnd.toFixed(1)} MB after ${total} (×${(atEnd / atFirst).toFixed(3)}${globalThis.gc ? ', after gc()' : ''}); ${times[times.length >> 1].toFixed(1)} ms per step (median)`);
step.dispose();
shutdownWasmThreads();
