// Size of our simplified derivatives against mathjs', on the seeded random corpus the tests use (bench/gen.mjs).
// Usage: npm run build && node bench/diff-size.mjs [count] [seed] [--worst N]
//
// For each expression mathjs can differentiate (it throws on ops it does not know: relu, max, hypot, …), compares
//   ours:   derivative(e, 'x') from dist/ — its tree size (expr.treeSize, shared subtrees counted each time) and
//           its DAG size (dagSize: distinct nodes)
//   mathjs: mathjs.derivative(format(e, 'plain'), 'x') with its default simplification — its node count (traverse)
// and prints the median, 90th percentile and maximum of ours/mathjs (tree size vs node count; DAG size too).
import { performance } from 'node:perf_hooks';
import * as mathjs from 'mathjs';
import { call, dagSize, derivative, format, num, ops, sym } from '../dist/index.js';
import { COUNT, SEED, randomExprs } from './gen.mjs';

const args = process.argv.slice(2);
const worstAt = args.indexOf('--worst');
const worst = worstAt >= 0 ? Number(args.splice(worstAt, 2)[1]) : 5;
const count = Number(args[0] ?? COUNT);
const seed = Number(args[1] ?? SEED);

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return lo === s.length - 1 ? s[lo] : s[lo] + (s[lo + 1] - s[lo]) * (i - lo);
}

function nodeCount(node) {
  let n = 0;
  node.traverse(() => n++);
  return n;
}

const exprs = randomExprs({ ops, call, num, sym }, count, seed);
const rows = [];
let unsupported = 0;
let tOurs = 0;
let tMathjs = 0;
exprs.forEach((e, index) => {
  const plain = format(e, 'plain');
  let theirs;
  const t0 = performance.now();
  try {
    theirs = mathjs.derivative(mathjs.parse(plain), 'x');
  } catch {
    unsupported++;
    return;
  }
  const t1 = performance.now();
  const ours = derivative(e, 'x');
  const t2 = performance.now();
  tMathjs += t1 - t0;
  tOurs += t2 - t1;
  const m = nodeCount(theirs);
  rows.push({ index, plain, ours, tree: ours.treeSize, dag: dagSize(ours), mathjs: m, theirs });
});

const fmt = (x) => x.toFixed(2);
const treeRatio = rows.map((r) => r.tree / r.mathjs);
const dagRatio = rows.map((r) => r.dag / r.mathjs);
console.log(`corpus: ${exprs.length} expressions (seed ${seed}); compared ${rows.length}; mathjs cannot differentiate ${unsupported}`);
console.log(`ratio ours/mathjs   median   p90    max    mean`);
for (const [label, r] of [['tree size', treeRatio], ['DAG size', dagRatio]]) {
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  console.log(`  ${label.padEnd(16)}  ${fmt(quantile(r, 0.5)).padStart(5)}  ${fmt(quantile(r, 0.9)).padStart(5)}  ${fmt(Math.max(...r)).padStart(5)}  ${fmt(mean).padStart(5)}`);
}
const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
console.log(`total nodes: ours ${sum('tree')} (tree), ${sum('dag')} (DAG); mathjs ${sum('mathjs')}`);
console.log(`smaller / equal / larger than mathjs (tree): ${treeRatio.filter((x) => x < 1).length} / ${treeRatio.filter((x) => x === 1).length} / ${treeRatio.filter((x) => x > 1).length}`);
console.log(`time: ours ${tOurs.toFixed(0)} ms, mathjs ${tMathjs.toFixed(0)} ms (derivative with simplification, all compared expressions)`);
if (worst > 0) {
  console.log(`\nlargest ratios (tree), distinct derivatives:`);
  const seen = new Set();
  const distinct = [...rows]
    .sort((a, b) => b.tree / b.mathjs - a.tree / a.mathjs)
    .filter((r) => !seen.has(r.ours) && seen.add(r.ours));
  for (const r of distinct.slice(0, worst)) {
    console.log(`#${r.index} ${r.plain}  (${r.tree} vs ${r.mathjs})\n  ours:   ${format(r.ours, 'plain')}\n  mathjs: ${r.theirs.toString()}`);
  }
}
