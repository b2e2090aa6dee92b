// End to end: `exprgrad diff` reading 2,000 distinct formulas on standard input, against mathjs's
// derivative(string, 'x') (parse, differentiate, simplify) on the same formulas in this process.
// Usage: npm run build && node bench/stdin-diff.mjs [count]   (count: formulas, default 2000; mathjs needs ~15 ms each)
//
// The formulas: bench/parse-corpus.mjs in its ASCII form (about 30 characters: calls, powers, implicit products,
// signs, decimals, pi and e), from a fixed seed; the ones mathjs cannot differentiate (asin(-9): a complex
// constant) are skipped until `count` remain. Each side first warms up on 200 formulas of another seed, then meets
// the timed formulas once (no side sees them twice, so nothing is cached). Times are CPU time (user + system):
// - mathjs: derivative(text, 'x') per formula, in this process;
// - exprgrad, API: format(derivative(parse(text), 'x')) over all of them, in this process;
// - exprgrad, CLI: one `exprgrad diff --wrt x` child fed every line on standard input (start-up included), its
//   CPU time read from /proc (children's times) where there is one, and its wall-clock time; every answer line is
//   checked against the API's.
// Prints per-formula µs for each and mathjs's time over each of exprgrad's, and the bound Ohm 17 sets: its
// grammar.match alone on the same formulas, plus the CLI's start-up, with no tree walk and no derivative at all.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as mathjs from 'mathjs';
import { parse, derivative, format } from '../dist/index.js';
import { formulas } from './parse-corpus.mjs';
import * as ohm from 'ohm-js';
import { grammarRecipe } from '../dist/parse/grammar-source.js';

const count = Number(process.argv[2] ?? 2000);
const bin = fileURLToPath(new URL('../bin/exprgrad.js', import.meta.url));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000; // ms
};
/** CPU ms of this process's waited-for children (utime + stime of the children, from /proc), or undefined. */
function childrenCpu() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime, cstime (fields 16, 17) in 1/100 s
  } catch {
    return undefined;
  }
}
const ours = (text) => format(derivative(parse(text), 'x'));

// Warm-up on other formulas (JIT), never the timed ones.
for (const f of formulas(200, 0x51de, { ascii: true })) {
  try {
    mathjs.derivative(f, 'x');
  } catch {}
  ours(f);
}

// mathjs, formula by formula, keeping the ones it can differentiate.
const corpus = [];
let mathMs = 0;
let skipped = 0;
for (const f of formulas(Math.ceil(count * 1.2), 0xd1ff, { ascii: true })) {
  if (corpus.length === count) break;
  const t0 = cpu();
  try {
    mathjs.derivative(f, 'x');
  } catch {
    skipped++;
    continue;
  }
  mathMs += cpu() - t0;
  corpus.push(f);
}
if (corpus.length < count) throw new Error(`only ${corpus.length} formulas`);
const chars = corpus.reduce((n, f) => n + f.length, 0);

// exprgrad through the API, in this process.
let t0 = cpu();
const answers = corpus.map(ours);
const apiMs = cpu() - t0;

// exprgrad's CLI: one child, every formula a line on standard input.
const input = corpus.join('\n') + '\n';
const c0 = childrenCpu();
const w0 = performance.now();
const run = spawnSync(process.execPath, [bin, 'diff', '--wrt', 'x'], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
const cliWall = performance.now() - w0;
const c1 = childrenCpu();
const cliCpu = c0 !== undefined && c1 !== undefined ? c1 - c0 : undefined;
if (run.status !== 0) throw new Error(`exprgrad diff exited ${run.status}: ${run.stderr.slice(0, 500)}`);
const lines = run.stdout.split('\n').slice(0, -1);
const differ = lines.length !== corpus.length ? corpus.length : lines.filter((l, i) => l !== answers[i]).length;
if (differ) throw new Error(`the CLI's answers differ from the API's on ${differ} lines`);

// Start-up alone: the same command with no input.
const sc0 = childrenCpu();
const s0 = performance.now();
spawnSync(process.execPath, [bin, 'diff', '--wrt', 'x'], { input: '', encoding: 'utf8' });
const startWall = performance.now() - s0;
const startCpu = sc0 !== undefined ? childrenCpu() - sc0 : undefined;

// The floor Ohm 17 sets: its match alone (no tree walk, no derivative) on the same formulas, warmed up likewise.
const grammar = ohm.makeRecipe(grammarRecipe);
for (const f of formulas(200, 0x51de, { ascii: true })) grammar.match(f);
t0 = cpu();
for (const f of corpus) grammar.match(f);
const matchMs = cpu() - t0;

const per = (ms) => (ms * 1000) / count;
const row = (label, ms, note = '') =>
  console.log(`${label.padEnd(44)} ${per(ms).toFixed(1).padStart(9)} µs/formula   mathjs ÷ this: ${(mathMs / ms).toFixed(1).padStart(6)}×${note}`);
console.log(`${count} distinct formulas, ${(chars / count).toFixed(1)} characters on average (${skipped} skipped: mathjs could not differentiate them); e.g. ${corpus[0]}`);
console.log(`${'mathjs derivative(text, "x"), CPU'.padEnd(44)} ${per(mathMs).toFixed(1).padStart(9)} µs/formula`);
row('exprgrad API parse+derivative+format, CPU', apiMs);
if (cliCpu !== undefined) row('exprgrad diff --wrt x < lines, child CPU', cliCpu, `  (start-up included; start-up alone: ${startCpu} ms CPU)`);
row('exprgrad diff --wrt x < lines, wall clock', cliWall, `  (start-up alone: ${startWall.toFixed(0)} ms wall)`);
row('Ohm 17 grammar.match alone, CPU', matchMs, '  (the parser, before any tree walk or derivative)');
if (startCpu !== undefined) row('bound: start-up + match, nothing else', startCpu + matchMs, '  (the most any CLI on Ohm 17 could reach)');
console.log(`every CLI answer equals the API's; node ${process.version}`);
