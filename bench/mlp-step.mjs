// ms per MNIST-MLP training step (784-512-256-128-10, batch 128, forward + backward + Adam) on the JS backend.
// Usage: npm run build && node bench/mlp-step.mjs [steps=30]
// Prints the median and range over the timed steps (after 3 warm-up steps), and the plan's buffer memory.
import { compile, Adam } from '../dist/index.js';

const MLP = `h1 = relu(x @ W1 + b1)
h2 = relu(h1 @ W2 + b2)
h3 = relu(h2 @ W3 + b3)
loss = mean(softmax_cross_entropy(h3 @ W4 + b4, y))`;
const B = 128;
const dims = [784, 512, 256, 128, 10];
const steps = Number(process.argv[2] ?? 30);

let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const shapes = { x: [B, 784], y: [B] };
const params = {};
for (let l = 0; l < 4; l++) {
  const [fi, fo] = [dims[l], dims[l + 1]];
  shapes[`W${l + 1}`] = [fi, fo];
  shapes[`b${l + 1}`] = [fo];
  const limit = Math.sqrt(6 / (fi + fo));
  params[`W${l + 1}`] = Float32Array.from({ length: fi * fo }, () => (rnd() * 2 - 1) * limit);
  params[`b${l + 1}`] = new Float32Array(fo);
}
const x = Float32Array.from({ length: B * 784 }, () => rnd());
const y = Float32Array.from({ length: B }, () => Math.floor(rnd() * 10));
const t0 = performance.now();
const model = compile(MLP, { shapes, wrt: Object.keys(params) });
const adam = new Adam(params);
const inputs = { x, y, ...params };
const compileMs = performance.now() - t0;

const times = [];
let loss = 0;
for (let s = 0; s < steps + 3; s++) {
  const a = performance.now();
  const r = model.gradient(inputs);
  adam.step(r.gradient);
  loss = r.value;
  if (s >= 3) times.push(performance.now() - a);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`MLP 784-512-256-128-10, batch ${B}, JS backend (float32), node ${process.version}`);
console.log(`compile: ${compileMs.toFixed(0)} ms; buffers: ${JSON.stringify(model.memoryPlan())}`);
console.log(`step (forward + backward + Adam): median ${median.toFixed(1)} ms, range ${times[0].toFixed(1)}–${times[times.length - 1].toFixed(1)} ms over ${times.length} steps`);
console.log(`loss after ${steps + 3} steps on one random batch: ${loss.toFixed(4)} (falls as it memorizes the batch)`);
