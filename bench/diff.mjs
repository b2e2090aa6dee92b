// Times derivative + simplify per expression, against mathjs.derivative (which also simplifies), in one run.
// Usage: npm run build && node bench/diff.mjs [rounds] [--warmup=200-each] [--show]
// Prints, per expression, the median µs for exprgrad (parse excluded: the graph is parsed once) and mathjs (its
// parse excluded likewise), and the medians over the list with the ratio.
//
// Warm-up: every expression of both libraries runs WARMUP times, round-robin over the whole list, before any is
// timed, so each row measures optimized code. (Until 2026-12-06 each expression was warmed 200 times just before its
// own timing; V8 was then still compiling while the first rows ran: sin(exp(x³)), timed first, read 30–50 µs against
// 11–13 µs at steady state, and the median moved 30–39 µs between runs. `--warmup=200-each` restores that protocol
// for comparison.)
import { parse, derivative, format } from '../dist/index.js';
import * as mathjs from 'mathjs';

const LIST = [
  'sin(exp(x^3))',
  'x^2*sin(x)',
  'exp(-x^2/2)/sqrt(2*pi)',
  'log(1+exp(x))',
  'tanh(x)^3',
  '(x^2+1)/(x-1)',
  'sin(x)^cos(x)',
  'atan(x/y)',
  'sqrt(1+x^2)*exp(2x)',
  '1/(1+exp(-x))',
];
const rounds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 200);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median µs per call of fn, over `rounds` batches sized to take ~0.2 ms or more each. */
function time(fn) {
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    if (performance.now() - t0 > 0.2 || batch > 1e5) break;
    batch *= 2;
  }
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / batch);
  }
  return median(samples);
}

const WARMUP = 1000; // exprgrad calls per expression (mathjs: a tenth, about the same time, as it is ~100× slower)
const perExpression = process.argv.includes('--warmup=200-each');
const graphs = LIST.map((text) => [parse(text), mathjs.parse(text.replace(/(\d)([a-z(])/g, '$1*$2'))]);
if (!perExpression) {
  for (let r = 0; r < WARMUP; r++) {
    for (const [e, m] of graphs) {
      derivative(e, 'x');
      if (r % 10 === 0) mathjs.derivative(m, 'x');
    }
  }
}
const rows = [];
for (const [k, text] of LIST.entries()) {
  const [e, m] = graphs[k];
  if (perExpression) {
    for (let i = 0; i < 200; i++) {
      derivative(e, 'x');
      mathjs.derivative(m, 'x');
    }
  }
  const ours = time(() => derivative(e, 'x'));
  const theirs = time(() => mathjs.derivative(m, 'x'));
  rows.push({ text, ours, theirs, ourText: format(derivative(e, 'x')), theirText: mathjs.derivative(m, 'x').toString() });
}
const w = Math.max(...LIST.map((s) => s.length));
console.log(`${'expression'.padEnd(w)}  exprgrad µs   mathjs µs   ratio`);
for (const r of rows) {
  console.log(`${r.text.padEnd(w)}  ${r.ours.toFixed(1).padStart(11)}  ${r.theirs.toFixed(1).padStart(10)}  ${(r.theirs / r.ours).toFixed(0).padStart(6)}×`);
}
const mo = median(rows.map((r) => r.ours));
const mt = median(rows.map((r) => r.theirs));
console.log(`\nmedian: exprgrad ${mo.toFixed(1)} µs, mathjs ${mt.toFixed(1)} µs, exprgrad is ${(mt / mo).toFixed(0)}× faster`);
console.log(`node ${process.version}, ${rounds} rounds per expression, warm-up: ${perExpression ? '200 calls of each just before its timing' : `${WARMUP} calls of each (mathjs ${WARMUP / 10}), round-robin, before any timing`}`);
if (process.argv.includes('--show')) for (const r of rows) console.log(`\n${r.text}\n  exprgrad: ${r.ourText}\n  mathjs:   ${r.theirText}`);
