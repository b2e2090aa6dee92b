// Exact values of the trigonometric functions and their inverses at the angles of a textbook table, for the ops'
// simplification hooks (src/ir/ops.ts): sin(π/6) = 1/2, cos(π/4) = √2/2, tan(π/3) = √3, cot(π/4) = 1, sec(π/3) = 2,
// asin(1/2) = π/6, atan(1) = π/4, acos(−1/2) = 2π/3, …
//
// In:  an already-simplified argument.  Out: the exact value as a small expression, or undefined.
// Forward functions: the argument must be a rational multiple of π written with integer literals (π, −π/4, 3π/4,
// 2π/3, 0.25π); the angle must be a multiple of π/6 or π/4 (after reduction by the period); poles give undefined.
// Inverse functions: the argument must be an exact constant (integer literals under −, /, · and √ only), whose
// value equals, to 1e-12, one of the table's values; the algebraic numbers involved are either equal or far apart,
// so the comparison in float64 decides exactly. The result is (m/12)·π in lowest terms.

import { Expr, num } from './expr.js';
import { div, fn, literalValue, mul, neg, ONE, TWO, ZERO } from './build.js';

/** p/q with u = (p/q)·π, p and q integers (q > 0), or undefined. */
export function piFraction(u: Expr): [number, number] | undefined {
  if (u.is('neg')) {
    const r = piFraction(u.args[0]);
    return r && [-r[0], r[1]];
  }
  if (u.is('pi')) return [1, 1];
  if (u.is('div')) {
    const q = literalValue(u.args[1]);
    const r = piFraction(u.args[0]);
    if (r === undefined || q === undefined || !Number.isInteger(q) || q === 0) return undefined;
    return [r[0] * Math.sign(q), r[1] * Math.abs(q)];
  }
  if (u.is('mul')) {
    const [a, b] = u.args;
    const c = coefficient(a) !== undefined ? a : b;
    const rest = c === a ? b : a;
    const v = coefficient(c);
    const r = piFraction(rest);
    if (v === undefined || r === undefined) return undefined;
    // an integer, or a decimal with a short exact binary fraction (0.25, 0.5, 1.5)
    for (const d of [1, 2, 4, 6, 12]) if (Number.isInteger(v * d) && Math.abs(v * d) < 1e6) return [r[0] * v * d, r[1] * d];
    return undefined;
  }
  return undefined;
}

/** A literal, or a quotient of two integer literals (the simplifier's 1/4). */
function coefficient(e: Expr): number | undefined {
  const v = literalValue(e);
  if (v !== undefined) return v;
  if (e.is('neg')) {
    const w = coefficient(e.args[0]);
    return w === undefined ? undefined : -w;
  }
  if (!e.is('div')) return undefined;
  const p = literalValue(e.args[0]);
  const q = literalValue(e.args[1]);
  return p !== undefined && q !== undefined && Number.isInteger(p) && Number.isInteger(q) && q !== 0 ? p / q : undefined;
}

/** The angle as m·π/12 with m reduced mod 24 (one full turn), when it is a multiple of π/6 or π/4. */
function twelfths(u: Expr): number | undefined {
  const r = piFraction(u);
  if (r === undefined || !Number.isSafeInteger(r[0]) || !Number.isSafeInteger(r[1])) return undefined;
  const m12 = r[0] * 12;
  if (m12 % r[1] !== 0) return undefined;
  const m = ((m12 / r[1]) % 24 + 24) % 24;
  return m % 2 === 0 || m % 3 === 0 ? m : undefined;
}

const sqrt = (n: number) => fn('sqrt', num(n));

/** Values the table's functions take at multiples of π/6 and π/4, each with its exact form. */
const KNOWN: [number, () => Expr][] = [
  [0, () => ZERO],
  [1, () => ONE],
  [0.5, () => div(ONE, TWO)],
  [Math.SQRT2 / 2, () => div(sqrt(2), TWO)],
  [Math.sqrt(3) / 2, () => div(sqrt(3), TWO)],
  [Math.sqrt(3) / 3, () => div(sqrt(3), num(3))],
  [Math.sqrt(3), () => sqrt(3)],
  [Math.SQRT2, () => sqrt(2)],
  [2, () => TWO],
  [(2 * Math.sqrt(3)) / 3, () => div(mul(TWO, sqrt(3)), num(3))],
];

function known(v: number): Expr | undefined {
  if (Math.abs(v) < 1e-12) return ZERO;
  for (const [k, make] of KNOWN) if (Math.abs(Math.abs(v) - k) < 1e-12) return v < 0 ? neg(make()) : make();
  return undefined;
}

/** f(u) exactly, for f one of sin cos tan sec csc cot (given as its float64 evaluation) at a table angle. */
export function trigAt(f: (x: number) => number): (args: readonly Expr[]) => Expr | undefined {
  return ([u]) => {
    const m = twelfths(u);
    if (m === undefined) return undefined;
    const v = f((m * Math.PI) / 12);
    if (!Number.isFinite(v) || Math.abs(v) > 1e12) return undefined; // a pole: left as written
    return known(v);
  };
}

/** An exact constant: integer literals under neg, div, mul, add, sub and sqrt only. */
function exactConstant(e: Expr): number | undefined {
  const lv = literalValue(e);
  if (lv !== undefined) return Number.isInteger(lv) || Number.isInteger(lv * 4) ? lv : undefined;
  if (e.kind !== 'call') return undefined;
  const xs = e.args.map(exactConstant);
  if (xs.some((x) => x === undefined)) return undefined;
  const [a, b] = xs as number[];
  switch (e.op) {
    case 'neg': return -a;
    case 'div': return a / b;
    case 'mul': return a * b;
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'sqrt': return Math.sqrt(a);
    case 'pow': return b === 0.5 ? Math.sqrt(a) : Number.isInteger(b) && Math.abs(b) <= 4 ? a ** b : undefined;
    default: return undefined;
  }
}

/** f(c) exactly as (m/12)·π, for f an inverse trigonometric function, when c is a table value. */
export function inverseTrigAt(f: (x: number) => number): (args: readonly Expr[]) => Expr | undefined {
  return ([u]) => {
    const c = exactConstant(u);
    if (c === undefined) return undefined;
    const m = (f(c) * 12) / Math.PI;
    const r = Math.round(m);
    if (!Number.isFinite(m) || Math.abs(m - r) > 1e-9) return undefined;
    if (known(c) === undefined) return undefined; // only the table's own values (not a coincidence of rounding)
    if (r === 0) return ZERO;
    const g = gcd(Math.abs(r), 12);
    const p = r / g;
    const q = 12 / g;
    const num_ = Math.abs(p) === 1 ? fn('pi') : mul(num(Math.abs(p)), fn('pi'));
    const v = q === 1 ? num_ : div(num_, num(q));
    return p < 0 ? neg(v) : v;
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
