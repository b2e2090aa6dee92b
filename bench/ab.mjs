// A/B in one run: this tree against another built checkout (the commit before a change), on the MNIST-MLP training
// step and on derivative + simplify (bench/diff.mjs's median), each measurement in a fresh child process, the two
// trees taking turns (ABBA order), so a change in the machine's load touches both alike.
//
// Usage: git worktree add ../old <commit> && (cd ../old && npm ci)
//        npm run build && node bench/ab.mjs --old=../old [--rounds=6] [--steps=60] [--backend=wasm] [--mode=threads=2]
// Prints each round's figures and, per measure, the median over rounds of each tree and their ratio (new/old).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const old = resolve(arg('old', '../old'));
const rounds = Number(arg('rounds', 6));
const steps = Number(arg('steps', 60));
const backend = arg('backend', 'wasm');
const mode = arg('mode', backend === 'wasm' ? 'threads=2' : '');

// One child: the trainer's own step (FusedStep) on examples/mnist-mlp.exg, batch 128, seeded data; prints the median
// ms per step over `steps` steps after 10 warm-up steps.
const stepScript = (tree) => `
const { Model, FusedStep, AdamState } = await import(${JSON.stringify(new URL(`file://${tree}/dist/index.js`).href)});
const { readFileSync } = await import('node:fs');
const source = readFileSync(${JSON.stringify(`${here}/examples/mnist-mlp.exg`)}, 'utf8');
const model = Model.create(source, 1);
model.execution = { backend: ${JSON.stringify(backend)}, mode: ${JSON.stringify(mode || undefined)} };
const B = 128;
let s = 7;
const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
const x = Float32Array.from({ length: B * 784 }, () => rnd());
const y = Float32Array.from({ length: B }, () => Math.floor(rnd() * 10));
const step = new FusedStep(model, B, { lr: 1e-3 }, new AdamState());
for (let i = 0; i < 10; i++) await step.step(x, y);
const t = [];
for (let i = 0; i < ${steps}; i++) { const a = performance.now(); await step.step(x, y); t.push(performance.now() - a); }
t.sort((a, b) => a - b);
console.log(JSON.stringify({ ms: t[t.length >> 1], loss: step.loss() }));
process.exit(0);`;

function stepMs(tree) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', stepScript(tree)], { encoding: 'utf8', cwd: tree });
  if (r.status !== 0) throw new Error(`step bench failed in ${tree}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()).ms;
}

function diffUs(tree) {
  const r = spawnSync(process.execPath, [`${tree}/bench/diff.mjs`, '100'], { encoding: 'utf8', cwd: tree });
  const m = /median: exprgrad ([\d.]+) µs/.exec(r.stdout);
  if (!m) throw new Error(`diff bench failed in ${tree}:\n${r.stderr}${r.stdout}`);
  return Number(m[1]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const figures = { step: { new: [], old: [] }, diff: { new: [], old: [] } };
console.log(`new: ${here}\nold: ${old}\n${backend}${mode ? ' ' + mode : ''}, ${steps} steps per round, ${rounds} rounds`);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [['old', old], ['new', here]] : [['new', here], ['old', old]];
  const line = [];
  for (const [name, tree] of order) {
    const ms = stepMs(tree);
    const us = diffUs(tree);
    figures.step[name].push(ms);
    figures.diff[name].push(us);
    line.push(`${name} step ${ms.toFixed(2)} ms, diff ${us.toFixed(1)} µs`);
  }
  console.log(`round ${r + 1}: ${line.join('; ')}`);
}
for (const [what, unit] of [['step', 'ms per MNIST-MLP training step'], ['diff', 'µs derivative + simplify (median of bench/diff.mjs)']]) {
  const a = median(figures[what].new);
  const b = median(figures[what].old);
  console.log(`${unit}: new ${a.toFixed(2)}, old ${b.toFixed(2)}, new/old ${(a / b).toFixed(3)} (range new ${Math.min(...figures[what].new).toFixed(2)}–${Math.max(...figures[what].new).toFixed(2)}, old ${Math.min(...figures[what].old).toFixed(2)}–${Math.max(...figures[what].old).toFixed(2)})`);
}
