// Compiled scalar gradients: evaluations per second of value + derivative for sin(exp(x^3)) through exprgrad's
// reverse-mode tape, against a hand-written closed form of the same derivative and against
// mathjs.compile(mathjs.derivative(...)).evaluate, in one run.
// Usage: npm run build && node bench/compile.mjs
import { compile } from '../dist/index.js';
import * as mathjs from 'mathjs';

const N = 2_000_000;
const compiled = compile('sin(exp(x^3))');
const inp = new Float64Array(1);
const out = new Float64Array(2);

function handWritten(x, o) {
  const x2 = x * x;
  const e = Math.exp(x2 * x);
  o[0] = Math.sin(e);
  o[1] = Math.cos(e) * e * 3 * x2;
}

const mjValue = mathjs.compile('sin(exp(x^3))');
const mjDeriv = mathjs.compile(mathjs.derivative('sin(exp(x^3))', 'x').toString());

function rate(label, n, body) {
  let sink = 0;
  for (let i = 0; i < Math.min(n, 100_000); i++) sink += body(1 + (i % 1000) * 1e-4); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += body(1 + (i % 1000) * 1e-4);
  const ms = performance.now() - t0;
  const perSec = (n / ms) * 1000;
  console.log(`${label.padEnd(44)} ${(perSec / 1e6).toFixed(2).padStart(8)} M/s   (checksum ${sink.toExponential(3)})`);
  return perSec;
}

const ours = rate('exprgrad compile().gradientInto (tape)', N, (x) => {
  inp[0] = x;
  compiled.gradientInto(inp, out);
  return out[0] + out[1];
});
const hand = rate('hand-written closed form', N, (x) => {
  handWritten(x, out);
  return out[0] + out[1];
});
const scope = { x: 0 };
const mj = rate('mathjs compile(derivative).evaluate', N / 100, (x) => {
  scope.x = x;
  return mjValue.evaluate(scope) + mjDeriv.evaluate(scope);
});
const api = rate('exprgrad compile().gradient({x}) (object API)', N / 4, (x) => {
  const r = compiled.gradient({ x });
  return r.value + r.gradient.x;
});
console.log(`\nexprgrad tape / hand-written: ${(ours / hand).toFixed(2)}×   exprgrad / mathjs: ${(ours / mj).toFixed(0)}×   (node ${process.version})`);
void api;
