// The spread of the final test accuracy over seeds: `exprgrad train mnist`'s job (examples/mnist-mlp.exg, the seed's
// Keras protocol: 10 epochs, batch 128, Adam 1e-3, validation split 0.2) once per seed, in this process, one after
// another. Prints each seed's test accuracy and seconds per epoch, then mean, standard deviation, range, and how
// many of the 3-seed groups meet a bar on the mean and the minimum (default: mean ≥ 97.9%, none below 97.7%).
// Nothing here looks at the test set before training ends; the seeds are all consecutive ones from --from.
//
// Usage: npm install && node bench/mnist-seeds.mjs [--from=1] [--count=12] [--epochs=10] [--backend=wasm|js|gpujs]
//                                                   [--bar-mean=97.9] [--bar-min=97.7] [--data=DIR]
import { readFileSync } from 'node:fs';
import { Model, train, shutdownWasmThreads } from '../dist/index.js';
import { loadMnist } from '../dist/node.js';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const a = argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined ? dflt : a.slice(name.length + 3);
};
const from = Number(opt('from', '1'));
const count = Number(opt('count', '12'));
const epochs = Number(opt('epochs', '10'));
const backend = opt('backend', 'wasm');
const barMean = Number(opt('bar-mean', '97.9'));
const barMin = Number(opt('bar-min', '97.7'));
const data = opt('data', undefined);
for (const [k, v] of [['from', from], ['count', count], ['epochs', epochs]]) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`mnist-seeds: --${k} must be a positive integer`);
    process.exit(2);
  }
}

const source = readFileSync(new URL('../examples/mnist-mlp.exg', import.meta.url), 'utf8');
const mnist = await loadMnist(data ? { dataDir: data } : {});
console.log(`MNIST from ${mnist.source}; ${epochs} epochs per seed, backend ${backend}, seeds ${from}–${from + count - 1}`);
const acc = [];
for (let seed = from; seed < from + count; seed++) {
  const model = Model.create(source, seed);
  model.execution = { backend };
  const r = await train(model, mnist.train, mnist.test, { epochs, seed });
  model.dispose?.();
  const secs = r.history.map((h) => h.seconds);
  const a = r.test.accuracy * 100;
  acc.push(a);
  console.log(`seed ${String(seed).padStart(3)}: test accuracy ${a.toFixed(2)}%, validation ${(r.history.at(-1).val_accuracy * 100).toFixed(2)}%, ${(secs.reduce((x, y) => x + y, 0) / secs.length).toFixed(2)} s per epoch (${r.kernels})`);
}
shutdownWasmThreads();

const mean = acc.reduce((a, b) => a + b, 0) / acc.length;
const sd = acc.length > 1 ? Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / (acc.length - 1)) : 0;
console.log(`\n${acc.length} seeds: mean ${mean.toFixed(3)}%, sd ${sd.toFixed(3)}, min ${Math.min(...acc).toFixed(2)}%, max ${Math.max(...acc).toFixed(2)}%`);
if (acc.length >= 3) {
  // Accuracies are printed to 0.01%: compare at that resolution.
  const r2 = (x) => Math.round(x * 100) / 100;
  let groups = 0;
  let pass = 0;
  for (let i = 0; i < acc.length; i++) {
    for (let j = i + 1; j < acc.length; j++) {
      for (let k = j + 1; k < acc.length; k++) {
        groups++;
        const g = [r2(acc[i]), r2(acc[j]), r2(acc[k])];
        if (r2((g[0] + g[1] + g[2]) / 3) >= barMean && Math.min(...g) >= barMin) pass++;
      }
    }
  }
  console.log(`3-seed groups with mean ≥ ${barMean}% and none below ${barMin}%: ${pass} of ${groups} (${((100 * pass) / groups).toFixed(0)}%)`);
  const first = acc.slice(0, 3);
  console.log(`the first three seeds: ${first.map((a) => a.toFixed(2)).join(', ')} → mean ${(first.reduce((a, b) => a + b, 0) / 3).toFixed(2)}%`);
}
