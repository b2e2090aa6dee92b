// The parse benchmark's corpus: 2,000 distinct formulas of about 30 characters from a fixed seed.
//
// In:  a count and a seed.  Out: formula texts, the same whichever commit of the library reads them (the functions
// are listed here, not taken from the op table). They mix what people type: spaces or none, implicit products
// (3x), powers and superscripts, unary minus, calls with one or two arguments, decimals, pi and e.
// With { ascii: true } (bench/stdin-diff.mjs): no superscripts (x^2, x^(-1)) and no two-argument calls, so that
// mathjs reads and differentiates the same text; the default draws are unchanged by the option.
import { mulberry32 } from './gen.mjs';

const FN1 = ['sin', 'cos', 'tan', 'exp', 'log', 'sqrt', 'tanh', 'atan', 'abs', 'sinh', 'asin', 'cosh'];
const FN2 = ['max', 'min', 'atan2', 'hypot'];
const VARS = ['x', 'y', 'z', 'x', 'theta', 'w1'];

/** 2,000 distinct formulas of 26 to 34 characters from one seed. */
export function formulas(count = 2000, seed = 0x9a75e, { ascii = false } = {}) {
  const rng = mulberry32(seed);
  const pick = (xs) => xs[Math.floor(rng() * xs.length)];
  const sp = () => (rng() < 0.5 ? ' ' : '');
  function leaf() {
    const r = rng();
    if (r < 0.55) return pick(VARS);
    if (r < 0.8) return String(1 + Math.floor(rng() * 9));
    if (r < 0.9) return pick(['0.5', '1.5', '2.25', '10']);
    return pick(['pi', 'e']);
  }
  function gen(depth) {
    if (depth <= 0 || rng() < 0.2) return leaf();
    const r = rng();
    if (r < 0.25) return `${gen(depth - 1)}${sp()}${pick(['+', '-', '+'])}${sp()}${gen(depth - 1)}`;
    if (r < 0.42) return `${atom(depth - 1)}${sp()}${pick(['*', '/', '*'])}${sp()}${atom(depth - 1)}`;
    if (r < 0.5) return `${1 + Math.floor(rng() * 9)}${pick(VARS.slice(0, 3))}`; // implicit product 3x
    if (r < 0.58) return `${atom(depth - 1)}^${pick(['2', '3', '-1', '(1/2)', 'y'])}`;
    if (r < 0.63) return `${pick(VARS.slice(0, 3))}${pick(ascii ? ['^2', '^3', '^(-1)'] : ['²', '³', '⁻¹'])}`;
    if (r < 0.68) return `-${atom(depth - 1)}`;
    if (r < 0.92) return `${pick(FN1)}(${gen(depth - 1)})`;
    if (ascii) return `${pick(FN1)}(${gen(depth - 1)}${sp()}${pick(['+', '*'])}${sp()}${gen(depth - 1)})`;
    return `${pick(FN2)}(${gen(depth - 1)},${sp()}${gen(depth - 1)})`;
  }
  function atom(depth) {
    const g = gen(depth);
    return /^[\w.²³⁻¹]+$/.test(g) || /^[a-z0-9]+\(.*\)$/.test(g) && balancedCall(g) ? g : `(${g})`;
  }
  const seen = new Set();
  const out = [];
  for (let tries = 0; out.length < count && tries < count * 500; tries++) {
    const f = gen(4);
    if (f.length < 26 || f.length > 34 || seen.has(f)) continue;
    seen.add(f);
    out.push(f);
  }
  return out;
}

/** Whether a call text f(...) is one call (its first '(' closes at the end). */
function balancedCall(s) {
  let depth = 0;
  for (let i = s.indexOf('('); i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i === s.length - 1;
  }
  return false;
}
