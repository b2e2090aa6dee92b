// ms per MNIST-MLP training step (784-512-256-128-10, batch 128, forward + backward + Adam) on the gpujs backend in
// each gpu.js mode available in Node, against the JS backend in the same run.
// Usage: npm run build && node bench/gpujs-step.mjs [steps=10] [modes=webasm,cpu]
import { Model, Adam } from '../dist/index.js';
import { readFileSync } from 'node:fs';

const steps = Number(process.argv[2] ?? 10);
const modes = (process.argv[3] ?? 'webasm,cpu').split(',');
const source = readFileSync(new URL('../examples/mnist-mlp.exg', import.meta.url), 'utf8');
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const x = Float32Array.from({ length: 128 * 784 }, () => rnd());
const y = Float32Array.from({ length: 128 }, () => Math.floor(rnd() * 10));

async function measure(backend, mode) {
  const model = Model.create(source, 1);
  model.execution = { backend, mode };
  const adam = new Adam(model.params);
  const prog = model.program(128, true);
  const times = [];
  for (let s = 0; s < steps + 2; s++) {
    const t0 = performance.now();
    const r = await prog.gradientAsync({ x, y, ...model.params });
    adam.step(r.gradient);
    if (s >= 2) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const label = backend === 'js' ? 'js' : `gpujs/${mode}`;
  console.log(`${label.padEnd(14)} median ${times[times.length >> 1].toFixed(1).padStart(8)} ms   range ${times[0].toFixed(1)}–${times.at(-1).toFixed(1)} ms   ${model.description}`);
  model.dispose();
}

console.log(`MLP 784-512-256-128-10, batch 128, ${steps} timed steps each, node ${process.version}`);
await measure('js');
for (const mode of modes) await measure('gpujs', mode);
