// Size of our simplified derivatives against SymPy's simplify(diff(e)), over the committed SymPy corpus
// (test/fixtures/sympy-corpus.json, made by scripts/sympy-corpus.py).
// Usage: npm run build && node bench/sympy-size.mjs [--worst N] [--by-function] [--corpus FILE]
//
// Size: tree nodes of the plain text parsed back by exprgrad's parser (parse() builds exactly what is written), for
// our derivative's plain form and for SymPy's answer printed in exprgrad's syntax alike (sympySize in
// bench/sympy-measure.mjs). Prints the median, 90th percentile, mean and maximum of ours/SymPy's, and the entries
// skipped (SymPy gave no answer, or a function the registry does not have yet).
import { readFileSync } from 'node:fs';
import { measureCorpus, quantile } from './sympy-measure.mjs';
import * as lib from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const worst = Number(opt('--worst', 8));
const file = opt('--corpus', new URL('../test/fixtures/sympy-corpus.json', import.meta.url));
const corpus = JSON.parse(readFileSync(file, 'utf8'));

const t0 = performance.now();
const { rows, skipped } = measureCorpus(lib, corpus);
const ms = performance.now() - t0;
const r = rows.map((x) => x.ratio);
const f = (v) => v.toFixed(3);
console.log(`SymPy corpus: ${corpus.entries.length} expressions, ${rows.length} compared, ${skipped.length} skipped`);
const why = new Map();
for (const s of skipped) why.set(s.why, (why.get(s.why) ?? 0) + 1);
for (const [w, n] of why) console.log(`  skipped ${String(n).padStart(4)}: ${w}`);
console.log(`size ours/SymPy: median ${f(quantile(r, 0.5))}  p90 ${f(quantile(r, 0.9))}  mean ${f(r.reduce((a, b) => a + b, 0) / r.length)}  max ${f(Math.max(...r))}`);
const tot = (k) => rows.reduce((a, x) => a + x[k], 0);
console.log(`total nodes: ours ${tot('ours')}, SymPy ${tot('theirs')}; smaller/equal/larger: ${r.filter((x) => x < 1).length}/${r.filter((x) => x === 1).length}/${r.filter((x) => x > 1).length}`);
console.log(`simplify(e) vs SymPy simplify(e): median ${f(quantile(rows.map((x) => x.simpRatio), 0.5))}  p90 ${f(quantile(rows.map((x) => x.simpRatio), 0.9))}`);
console.log(`derivative + simplify of all compared: ${ms.toFixed(0)} ms`);
if (args.includes('--by-function')) {
  const by = new Map();
  for (const x of rows) for (const fn of x.fns) (by.get(fn) ?? by.set(fn, []).get(fn)).push(x.ratio);
  for (const [fn, xs] of [...by].sort((a, b) => quantile(b[1], 0.5) - quantile(a[1], 0.5))) {
    console.log(`  ${fn.padEnd(10)} n=${String(xs.length).padStart(3)}  median ${f(quantile(xs, 0.5))}  p90 ${f(quantile(xs, 0.9))}`);
  }
}
if (worst > 0) {
  console.log(`\nlargest ratios:`);
  for (const x of [...rows].sort((a, b) => b.ratio - a.ratio).slice(0, worst)) {
    console.log(`${x.expr}  (${x.ours} vs ${x.theirs})\n  ours:  ${x.ourText}\n  SymPy: ${x.sympy}`);
  }
}
