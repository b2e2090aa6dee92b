// The elementwise ops of the registry (src/ir/registry.ts): scalar functions, applied pointwise to tensors with
// broadcasting. Declared with small helpers (fn1 for a one-argument function); the registry adds what follows from
// being elementwise (NumPy broadcasting for the shape, the tape's VJP from the partials).
//
// Each entry declares:
//   arity      exact argument count (variadic ops: the minimum)
//   eval       float64 evaluation
//   d          ∂op/∂arg_i, written with the graph's own builders (so the printed derivative, the tape and the
//              kernels share one rule); called only for arguments that depend on the variable
//   print      how it prints in each style, with its precedence (src/print/ supplies wrap()); default: a call,
//              name(a, b) and \name\left(a, b\right) with `latex` as the LaTeX name
//   smooth     true where the op is differentiable with margin eps at the point (random-test domains)
//   parity, simplify, dTerm: see OpSpec
// Code for generated programs is not here: each target renders ops from its own table (src/eval/js-ops.ts,
// src/backend/gpujs.ts), falling back on an op's own `eval`, so a new op needs no entry there.
//
// Conventions (documented once, here, and pinned by tests):
//   -x^2 = -(x^2); 2^3^2 = 2^(3^2); 0^0 = 1 (IEEE pow)
//   sign(0) = 0, abs'(u) = sign(u), relu'(u) = step(u) with step(0) = 0, so relu'(0) = 0
//   max/min: ties send the whole derivative to the FIRST of the tied arguments (as argmax does)
//   log is natural; log10, log2 are explicit
//   sign' = step' = 0 (almost everywhere)
//
// TypeScript forces completeness: `satisfies Record<string, OpDef>` fails to compile if an entry lacks a field.

import { Expr } from './expr.js';
import { add, sub, mul, div, neg, pow, fn, square, lit, literalValue, ONE, ZERO, TWO } from './build.js';
import { num } from './expr.js';
import * as S from './special.js';
import { inverseTrigAt, trigAt } from './exact-values.js';

export type Style = 'unicode' | 'plain' | 'latex';

/** Precedence levels, loosest first. A printed operand is parenthesized when its level is below what its slot needs. */
export const Prec = {
  ADD: 1, // a + b, a − b
  NEG: 2, // −a (a leading minus covers a whole product)
  MUL: 3, // a·b, a/b
  TIGHT: 4, // 3x² (a number times what follows, juxtaposed), LaTeX \frac
  POW: 5, // a^b, x²
  ATOM: 6, // names, numbers, calls, (…), √x
} as const;

export interface Printed {
  readonly text: string;
  readonly prec: number;
  /** The text ends in a bare number factor (a literal, or a product whose last factor is one). */
  readonly numTail?: boolean;
}

export interface FmtCtx {
  readonly style: Style;
  /** The operand's text, parenthesized in the style's way when its precedence is below `min`. */
  wrap(p: Printed, min: number): string;
}

export interface OpSpec {
  readonly arity: number;
  readonly variadic?: true;
  readonly doc: string;
  readonly eval: (...xs: number[]) => number;
  readonly d: (args: readonly Expr[], self: Expr, i: number) => Expr;
  readonly print: (ctx: FmtCtx, args: readonly Printed[], node: Expr) => Printed;
  readonly smooth: (xs: readonly number[], eps: number) => boolean;
  /** f(−u) = f(u) (even) or −f(u) (odd): the simplifier pulls signs out. */
  readonly parity?: 'even' | 'odd';
  /** Exact local rewrites on already-simplified arguments (exp(log u) = u, cos(0) = 1, …); undefined: none applies. */
  readonly simplify?: (args: readonly Expr[]) => Expr | undefined;
  /**
   * The chain-rule term for argument i given its derivative du (default: ∂op/∂arg_i · du, outer derivative first).
   * Products override it to keep factor order: (a·b)' = a'·b + a·b'.
   */
  readonly dTerm?: (args: readonly Expr[], du: Expr, i: number) => Expr;
  /**
   * Argument positions that take integers only (polygamma's order n): the value is NaN elsewhere, the partial in
   * them is 0, and tests draw small non-negative integers there and differentiate in the other arguments only.
   */
  readonly integerArgs?: readonly number[];
}

/** An entry as declared: the printer may be left to the default call form (with its LaTeX name). */
export type OpDef = Omit<OpSpec, 'print'> & { readonly print?: OpSpec['print']; readonly latex?: string };

const always = () => true;
const awayFrom0 = (xs: readonly number[], eps: number) => Math.abs(xs[0]) > eps;
const positive = (xs: readonly number[], eps: number) => xs[0] > eps;
const insideUnit = (xs: readonly number[], eps: number) => Math.abs(xs[0]) < 1 - eps;

const outsideUnit = (xs: readonly number[], eps: number) => Math.abs(xs[0]) > 1 + eps;
/** Farther than eps from every integer + offset (floor, ceil, trunc: the integers; round: the half-integers). */
const awayFromInteger = (offset: number) => (xs: readonly number[], eps: number) => {
  const d = xs[0] - offset - Math.round(xs[0] - offset);
  return Number.isFinite(xs[0]) && Math.abs(d) > eps;
};
/** Not within eps of a pole of Γ (0, −1, −2, …). */
const awayFromPoles = (xs: readonly number[], eps: number) => xs[0] > eps || Math.abs(xs[0] - Math.round(xs[0])) > eps;

/** A call printed name(a) in plain and unicode, in its own LaTeX form otherwise. */
function latexCall(name: string, latex: (a: string) => string) {
  return (ctx: FmtCtx, [a]: readonly Printed[]): Printed =>
    ctx.style === 'latex' ? { text: latex(a.text), prec: Prec.ATOM } : { text: `${name}(${a.text})`, prec: Prec.ATOM };
}

const INTEGER_PARTS = new Set(['floor', 'ceil', 'round', 'trunc']);

/** f(n) = n for an integer literal, f of a literal folded when the result is exact, f(g(u)) = g(u) for g an integer part. */
function integerPart(f: (x: number) => number) {
  return ([u]: readonly Expr[]): Expr | undefined => {
    if (u.kind === 'call' && INTEGER_PARTS.has(u.op)) return u;
    const v = literalValue(u);
    return v === undefined ? undefined : lit(f(v));
  };
}

/** Γ(n) = (n − 1)! for a positive integer literal n ≤ 20, Γ(1/2) = √π. */
function gammaAt([u]: readonly Expr[]): Expr | undefined {
  const v = literalValue(u);
  if (v !== undefined && Number.isInteger(v) && v >= 1 && v <= 20) {
    let f = 1;
    for (let k = 2; k < v; k++) f *= k;
    return num(f);
  }
  if (v === 0.5 || (u.is('div') && u.args[0].isNum(1) && u.args[1].isNum(2))) return fn('sqrt', fn('pi'));
  return undefined;
}

/**
 * The one printer of calls: name(a, b) and \name\left(a, b\right); with `axis`, a second argument prints as a
 * keyword, sum(x, axis=1).
 */
export function callPrint(name: string, latex?: string, axis = false) {
  const latexName = latex ?? `\\operatorname{${name.replace(/_/g, '\\_')}}`;
  return (ctx: FmtCtx, args: readonly Printed[]): Printed => {
    const parts = args.map((a) => a.text);
    if (axis && parts.length === 2) parts[1] = `axis=${parts[1]}`;
    const inner = parts.join(', ');
    if (ctx.style === 'latex') return { text: `${latexName}\\left(${inner}\\right)`, prec: Prec.ATOM };
    return { text: `${name}(${inner})`, prec: Prec.ATOM };
  };
}

/** A one-argument function, declared by its value and its derivative f′(u) (a builder; `self` is f(u)). */
function fn1(f: {
  doc: string;
  eval: (x: number) => number;
  d: (u: Expr, self: Expr) => Expr;
  smooth?: OpSpec['smooth'];
  latex?: string;
  parity?: OpSpec['parity'];
  simplify?: OpSpec['simplify'];
}): OpDef {
  return { arity: 1, doc: f.doc, eval: f.eval, d: (args, self) => f.d(args[0], self), smooth: f.smooth ?? always, latex: f.latex, parity: f.parity, simplify: f.simplify };
}

/** Rewrites for f(a) where a is a specific literal: at(0, ZERO) gives f(0) = 0. */
function at(...pairs: [number, Expr][]): (args: readonly Expr[]) => Expr | undefined {
  return ([u]) => {
    for (const [v, r] of pairs) if (u.isNum(v)) return r;
    return undefined;
  };
}

/** The first rewrite that applies. */
function either(...fs: ((args: readonly Expr[]) => Expr | undefined)[]) {
  return (args: readonly Expr[]): Expr | undefined => {
    for (const f of fs) {
      const r = f(args);
      if (r) return r;
    }
    return undefined;
  };
}

/** f(g(u)) = u for an inverse pair (exp(log u) = u wherever the left side is defined). */
function inverseOf(inner: string, also?: (args: readonly Expr[]) => Expr | undefined) {
  return (args: readonly Expr[]): Expr | undefined => (args[0].is(inner) ? args[0].args[0] : also?.(args));
}

/** Whether e is a rational literal that is not an integer: 0.5, 1/2, −3/4 (root(x, n) is then x^(1/n) exactly). */
function nonIntegerRational(e: Expr): boolean {
  const u = e.is('neg') ? e.args[0] : e;
  if (u.kind === 'num') return !Number.isInteger(u.value);
  return u.is('div') && u.args[0].kind === 'num' && u.args[1].kind === 'num' && u.args[1].value !== 0 && !Number.isInteger(u.args[0].value / u.args[1].value);
}

/** c for a base written −c with c a small variable-free expression (−2, −3/4, −π), else undefined. */
function negatedConstant(a: Expr): Expr | undefined {
  if (!a.is('neg') || a.args[0].treeSize > 16) return undefined;
  const free = (e: Expr): boolean => e.kind === 'sym' || e.args.some(free);
  return free(a.args[0]) ? undefined : a.args[0];
}

/** log_b of b^k or 1/b^k written as integer literals: log10(1000) = 3, log2(1/8) = −3. */
function exactLog(b: number, u: Expr): number | undefined {
  const inv = u.is('div') && u.args[0].isNum(1);
  const v = literalValue(inv ? u.args[1] : u);
  if (v === undefined || !Number.isInteger(v) || v < 1) return undefined;
  let p = 1;
  for (let k = 0; k <= 64 && p <= v; k++, p *= b) if (p === v) return inv ? -k : k;
  return undefined;
}
function logOfPower(b: number) {
  return ([u]: readonly Expr[]): Expr | undefined => {
    const k = exactLog(b, u);
    return k === undefined ? undefined : lit(k);
  };
}

/** f(g(u)) = 1/u where f is the reciprocal of g's inverse (tan(acot u) = 1/u, sech(acosh u) = 1/u), wherever defined. */
function reciprocalOf(inner: string) {
  return (args: readonly Expr[]): Expr | undefined => (args[0].is(inner) ? div(ONE, args[0].args[0]) : undefined);
}

function foldLiteral(f: (x: number) => number) {
  return ([u]: readonly Expr[]): Expr | undefined => {
    const v = literalValue(u);
    if (v === undefined) return undefined;
    const r = f(v);
    return Number.isInteger(r) ? lit(r) : undefined;
  };
}

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻',
};

/** The integer a superscript can show (x², x⁻¹), if the exponent node is one. */
function superscriptOf(e: Expr): string | undefined {
  const v = literalValue(e);
  if (v === undefined || !Number.isInteger(v) || Math.abs(v) >= 10000) return undefined;
  return [...String(v)].map((c) => SUPERSCRIPT[c]).join('');
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const z = Math.exp(x);
  return z / (1 + z);
}

/**
 * The error function erf(x) = (2/√π)∫₀ˣ exp(−t²) dt in float64 (within 2e-15 relative): the Maclaurin series for
 * |x| < 2, else 1 − erfc(|x|) from erfc's continued fraction, evaluated backwards from 80 terms. A plain function
 * using only Math (gpu.js kernels call it as a native function).
 */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 40; n++) {
      term = (-term * x2) / n;
      sum += term / (2 * n + 1);
    }
    return 1.1283791670955126 * sum;
  }
  let f = ax;
  for (let n = 80; n >= 1; n--) f = ax + n / 2 / f;
  const c = Math.exp(-ax * ax) / (f * 1.7724538509055159);
  return x > 0 ? 1 - c : c - 1;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** ∂max(a_1..a_n)/∂a_i with ties to the first: a_i > a_j for j < i and a_i ≥ a_j for j > i. */
function extremumPartial(args: readonly Expr[], i: number, sign: 1 | -1): Expr {
  // For max: a_i beats a_j strictly  ⇔ step(a_i − a_j) = 1;  a_i ≥ a_j ⇔ 1 − step(a_j − a_i) = 1.
  // For min the differences flip sign.
  let result: Expr = ONE;
  args.forEach((aj, j) => {
    if (j === i) return;
    const ai = args[i];
    const factor =
      j < i
        ? fn('step', sign > 0 ? sub(ai, aj) : sub(aj, ai))
        : sub(ONE, fn('step', sign > 0 ? sub(aj, ai) : sub(ai, aj)));
    result = mul(result, factor);
  });
  return result;
}

function extremumEval(sign: 1 | -1) {
  return (...xs: number[]) => {
    let best = xs[0];
    for (let k = 1; k < xs.length; k++) {
      const x = xs[k];
      if (Number.isNaN(x)) return NaN;
      if (sign > 0 ? x > best : x < best) best = x;
    }
    return best;
  };
}

function distinctArgs(xs: readonly number[], eps: number): boolean {
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) if (Math.abs(xs[i] - xs[j]) <= eps) return false;
  return true;
}



function infixPrint(plain: string, unicode: string, latex: string, prec: number, left: number, right: number) {
  return (ctx: FmtCtx, [a, b]: readonly Printed[]): Printed => {
    const sym = ctx.style === 'latex' ? latex : ctx.style === 'unicode' ? unicode : plain;
    return { text: `${ctx.wrap(a, left)}${sym}${ctx.wrap(b, right)}`, prec };
  };
}

/** Does a printed operand start so that writing a number right before it reads as one product (3x, 2sin(x), 2(…))? */
function juxtaposable(text: string): boolean {
  const c = text.charAt(0);
  if (/^[eE][0-9+-]/.test(text)) return false; // 2e1 would read as a number (2exp(x) and 2e^x are fine)
  return /^[\p{L}_(√\\]/u.test(c) && !text.startsWith('\\left(-') && !text.startsWith('\\frac');
}

const defs = {
  // ── arithmetic ─────────────────────────────────────────────────────────────
  add: {
    arity: 2,
    doc: 'a + b',
    eval: (a, b) => a + b,
    d: () => ONE, // ∂(a+b)/∂a = ∂(a+b)/∂b = 1
    print: infixPrint(' + ', ' + ', ' + ', Prec.ADD, Prec.ADD, Prec.MUL),
    smooth: always,
  },
  sub: {
    arity: 2,
    doc: 'a − b',
    eval: (a, b) => a - b,
    d: (_args, _self, i) => (i === 0 ? ONE : neg(ONE)), // ∂/∂a = 1, ∂/∂b = −1
    print: infixPrint(' - ', ' − ', ' - ', Prec.ADD, Prec.ADD, Prec.MUL),
    smooth: always,
  },
  mul: {
    arity: 2,
    doc: 'a · b',
    eval: (a, b) => a * b,
    d: ([a, b], _self, i) => (i === 0 ? b : a), // ∂(ab)/∂a = b, ∂(ab)/∂b = a
    dTerm: ([a, b], du, i) => (i === 0 ? mul(du, b) : mul(a, du)), // (ab)' = a'b + ab', factor order kept
    print: (ctx, [a, b], node) => {
      // A number juxtaposes with the factor after it in unicode and LaTeX: 3x², 2sin(x), 2(x + 1), and inside a
      // product, exp(x³)·3x² (the left operand ends in a number factor). Plain always writes *.
      if (ctx.style !== 'plain' && a.numTail && node.args[1].kind !== 'num') {
        const right = ctx.wrap(b, Prec.TIGHT);
        if (juxtaposable(right)) {
          const whole = node.args[0].kind === 'num';
          return { text: ctx.wrap(a, Prec.MUL) + right, prec: whole ? Prec.TIGHT : Prec.MUL };
        }
      }
      const sym = ctx.style === 'latex' ? ' \\cdot ' : ctx.style === 'unicode' ? '·' : '*';
      return {
        text: `${ctx.wrap(a, Prec.MUL)}${sym}${ctx.wrap(b, Prec.TIGHT)}`,
        prec: Prec.MUL,
        numTail: node.args[1].kind === 'num',
      };
    },
    smooth: always,
  },
  div: {
    arity: 2,
    doc: 'a / b',
    eval: (a, b) => a / b,
    // ∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²
    d: ([a, b], _self, i) => (i === 0 ? div(ONE, b) : neg(div(a, square(b)))),
    print: (ctx, [a, b]) => {
      if (ctx.style === 'latex') return { text: `\\frac{${a.text}}{${b.text}}`, prec: Prec.TIGHT };
      // A juxtaposed product in the denominator gets brackets for the reader: 1/(2√x), never 1/2√x.
      return { text: `${ctx.wrap(a, Prec.MUL)}/${ctx.wrap(b, ctx.style === 'unicode' ? Prec.POW : Prec.TIGHT)}`, prec: Prec.MUL };
    },
    smooth: (xs, eps) => Math.abs(xs[1]) > eps,
  },
  pow: {
    arity: 2,
    doc: 'a ^ b',
    eval: (a, b) => Math.pow(a, b),
    // Small integer powers multiply out: within an ulp or two of pow, and several times faster.
    // ∂(a^b)/∂a = b·a^(b−1);  ∂(a^b)/∂b = a^b·log(a) (only built when b depends on the variable)
    // For a negative constant a (−c), a^b is real only where b is an integer, so ∂/∂b is 0 wherever a^b is differentiable
    // (b constant there); log(−a) keeps that 0 finite ((−3/4)^min(3, x) at x > 3: 0, not NaN from 0·log(−3/4)).
    d: ([a, b], self, i) => (i === 0 ? mul(b, pow(a, sub(b, ONE))) : mul(self, fn('log', negatedConstant(a) ?? a))),
    print: (ctx, [a, b], node) => {
      const base = ctx.wrap(a, Prec.ATOM);
      if (ctx.style === 'unicode') {
        const sup = superscriptOf(node.args[1]);
        if (sup !== undefined) return { text: base + sup, prec: Prec.POW };
        return { text: `${base}^${ctx.wrap(b, Prec.POW)}`, prec: Prec.POW };
      }
      if (ctx.style === 'latex') return { text: `${base}^{${b.text}}`, prec: Prec.POW };
      return { text: `${base}^${ctx.wrap(b, Prec.POW)}`, prec: Prec.POW };
    },
    // a^b is smooth for a > 0; for a constant integer exponent it is smooth everywhere (a ≠ 0 if negative).
    smooth: ([a, b], eps) => a > eps || (Number.isInteger(b) && (b >= 0 || Math.abs(a) > eps)),
  },
  neg: {
    arity: 1,
    doc: '−a',
    eval: (a) => -a,
    d: () => neg(ONE),
    print: (ctx, [a]) => {
      const sym = ctx.style === 'unicode' ? '−' : '-';
      return { text: sym + ctx.wrap(a, Prec.MUL), prec: Prec.NEG };
    },
    smooth: always,
  },

  // ── constants (0-ary) ──────────────────────────────────────────────────────
  pi: {
    arity: 0,
    doc: 'π = 3.14159…',
    eval: () => Math.PI,
    d: () => ZERO,
    print: (ctx) => ({ text: ctx.style === 'unicode' ? 'π' : ctx.style === 'latex' ? '\\pi' : 'pi', prec: Prec.ATOM }),
    smooth: always,
  },
  e: {
    arity: 0,
    doc: 'e = 2.71828…, the base of the natural logarithm',
    eval: () => Math.E,
    d: () => ZERO,
    print: () => ({ text: 'e', prec: Prec.ATOM }),
    smooth: always,
  },

  // ── elementary functions ───────────────────────────────────────────────────
  sin: fn1({ doc: 'sine', eval: Math.sin, d: (u) => fn('cos', u), latex: '\\sin', parity: 'odd', simplify: inverseOf('asin', either(reciprocalOf('acsc'), at([0, ZERO]), trigAt(Math.sin))) }),
  cos: fn1({ doc: 'cosine', eval: Math.cos, d: (u) => neg(fn('sin', u)), latex: '\\cos', parity: 'even', simplify: inverseOf('acos', either(reciprocalOf('asec'), at([0, ONE]), trigAt(Math.cos))) }),
  // tan' = 1/cos²
  tan: fn1({ doc: 'tangent', eval: Math.tan, d: (u) => div(ONE, square(fn('cos', u))), smooth: (xs, eps) => Math.abs(Math.cos(xs[0])) > eps, latex: '\\tan', parity: 'odd', simplify: inverseOf('atan', either(reciprocalOf('acot'), at([0, ZERO]), trigAt(Math.tan))) }),
  // asin' = 1/√(1 − u²)
  asin: fn1({ doc: 'inverse sine', eval: Math.asin, d: (u) => div(ONE, fn('sqrt', sub(ONE, square(u)))), smooth: insideUnit, latex: '\\arcsin', parity: 'odd', simplify: either(at([0, ZERO]), inverseTrigAt(Math.asin)) }),
  // acos' = −1/√(1 − u²)
  acos: fn1({ doc: 'inverse cosine', eval: Math.acos, d: (u) => neg(div(ONE, fn('sqrt', sub(ONE, square(u))))), smooth: insideUnit, latex: '\\arccos', simplify: either(at([1, ZERO]), inverseTrigAt(Math.acos)) }),
  // atan' = 1/(1 + u²)
  atan: fn1({ doc: 'inverse tangent', eval: Math.atan, d: (u) => div(ONE, add(ONE, square(u))), latex: '\\arctan', parity: 'odd', simplify: either(at([0, ZERO]), inverseTrigAt(Math.atan)) }),
  sinh: fn1({ doc: 'hyperbolic sine', eval: Math.sinh, d: (u) => fn('cosh', u), latex: '\\sinh', parity: 'odd', simplify: inverseOf('asinh', either(reciprocalOf('acsch'), at([0, ZERO]))) }),
  cosh: fn1({ doc: 'hyperbolic cosine', eval: Math.cosh, d: (u) => fn('sinh', u), latex: '\\cosh', parity: 'even', simplify: inverseOf('acosh', either(reciprocalOf('asech'), at([0, ONE]))) }),
  // tanh' = 1 − tanh²
  tanh: fn1({ doc: 'hyperbolic tangent', eval: Math.tanh, d: (_u, self) => sub(ONE, square(self)), latex: '\\tanh', parity: 'odd', simplify: inverseOf('atanh', either(reciprocalOf('acoth'), at([0, ZERO]))) }),
  // exp' = exp
  exp: fn1({ doc: 'exponential', eval: Math.exp, d: (_u, self) => self, latex: '\\exp', simplify: inverseOf('log', at([0, ONE])) }),
  // log' = 1/u
  log: fn1({ doc: 'natural logarithm (log(x, b): to base b, see logb)', eval: Math.log, d: (u) => div(ONE, u), smooth: positive, latex: '\\ln', simplify: inverseOf('exp', (args) => (args[0].is('e') ? ONE : args[0].is('pow') && args[0].args[0].is('e') ? args[0].args[1] : at([1, ZERO])(args))) }),
  // log10' = 1/(u·log 10)
  log10: fn1({ doc: 'base-10 logarithm', eval: Math.log10, d: (u) => div(ONE, mul(u, fn('log', num(10)))), smooth: positive, latex: '\\log_{10}', simplify: logOfPower(10) }),
  // log2' = 1/(u·log 2)
  log2: fn1({ doc: 'base-2 logarithm', eval: Math.log2, d: (u) => div(ONE, mul(u, fn('log', TWO))), smooth: positive, latex: '\\log_{2}', simplify: logOfPower(2) }),
  // sqrt' = 1/(2√u)
  sqrt: {
    ...fn1({ doc: 'square root', eval: Math.sqrt, d: (_u, self) => div(ONE, mul(TWO, self)), smooth: positive }),
    // √(u²) = |u|; √0 = 0, √1 = 1 (other powers are the simplifier's: √u is u^(1/2) there)
    simplify: ([u]) => (u.is('pow') && u.args[1].isNum(2) ? fn('abs', u.args[0]) : at([0, ZERO], [1, ONE])([u])),
    print: (ctx, [a], node) => {
      if (ctx.style === 'latex') return { text: `\\sqrt{${a.text}}`, prec: Prec.ATOM };
      if (ctx.style === 'unicode') {
        const arg = node.args[0];
        const bare = arg.kind === 'sym' || arg.kind === 'num' || (arg.kind === 'call' && arg.args.length === 0);
        return { text: bare ? `√${a.text}` : `√(${a.text})`, prec: Prec.ATOM };
      }
      return { text: `sqrt(${a.text})`, prec: Prec.ATOM };
    },
  },
  // cbrt' = 1/(3·cbrt(u)²)
  cbrt: {
    ...fn1({ doc: 'cube root', eval: Math.cbrt, d: (_u, self) => div(ONE, mul(num(3), square(self))), smooth: awayFrom0, parity: 'odd', simplify: foldLiteral((x) => { const r = Math.round(Math.cbrt(x)); return r * r * r === x ? r : NaN; }) }),
    print: (ctx, [a]) =>
      ctx.style === 'latex' ? { text: `\\sqrt[3]{${a.text}}`, prec: Prec.ATOM } : { text: `cbrt(${a.text})`, prec: Prec.ATOM },
  },
  // abs' = sign
  abs: {
    ...fn1({ doc: 'absolute value', eval: Math.abs, d: (u) => fn('sign', u), smooth: awayFrom0 }),
    parity: 'even',
    // |(|u|)| = |u|, |exp u| = exp u, |n| = n
    simplify: ([u]) => (u.is('abs') || u.is('exp') || u.kind === 'num' ? u : undefined),
    print: (ctx, [a]) =>
      ctx.style === 'latex'
        ? { text: `\\left|${a.text}\\right|`, prec: Prec.ATOM }
        : { text: `abs(${a.text})`, prec: Prec.ATOM },
  },
  // sign' = 0 almost everywhere
  sign: fn1({ doc: 'sign: −1, 0 or 1 (sign(0) = 0)', eval: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), d: () => ZERO, smooth: awayFrom0, parity: 'odd', simplify: (args) => (args[0].is('sign') ? args[0] : foldLiteral(Math.sign)(args)) }), // sign(sign u) = sign u
  // step' = 0 almost everywhere
  step: fn1({ doc: 'Heaviside step: 1 for x > 0, else 0 (step(0) = 0)', eval: (x) => (x > 0 ? 1 : x <= 0 ? 0 : NaN), d: () => ZERO, smooth: awayFrom0, simplify: foldLiteral((x) => (x > 0 ? 1 : 0)) }),
  // sigmoid' = σ(u)·(1 − σ(u))
  sigmoid: fn1({ doc: 'logistic function 1/(1 + exp(−x))', eval: sigmoid, d: (_u, self) => mul(self, sub(ONE, self)), latex: '\\sigma', simplify: at([0, div(ONE, TWO)]) }),
  // relu' = step (relu'(0) = 0)
  relu: fn1({ doc: 'rectified linear unit max(0, x)', eval: (x) => (x > 0 ? x : x <= 0 ? 0 : NaN), d: (u) => fn('step', u), smooth: awayFrom0, simplify: (args) => (args[0].is('relu') ? args[0] : foldLiteral((x) => (x > 0 ? x : 0))(args)) }),
  // softplus' = sigmoid
  softplus: fn1({ doc: 'log(1 + exp(x)), computed stably', eval: softplus, d: (u) => fn('sigmoid', u) }),

  // erf' = (2/√π)·exp(−u²)
  erf: fn1({ doc: 'error function (2/√π)∫₀ˣ exp(−t²) dt', eval: erf, d: (u) => mul(div(TWO, fn('sqrt', fn('pi'))), fn('exp', neg(square(u)))), latex: '\\operatorname{erf}', parity: 'odd', simplify: at([0, ZERO]) }),

  // erfc' = −(2/√π)·exp(−u²)
  erfc: fn1({ doc: 'complementary error function 1 − erf(x), accurate where erf(x) is near 1', eval: S.erfc, d: (u) => neg(mul(div(TWO, fn('sqrt', fn('pi'))), fn('exp', neg(square(u))))), latex: '\\operatorname{erfc}', simplify: at([0, ONE]) }),

  // ── reciprocal trigonometric functions and their inverses ──────────────────
  // sec' = sec·tan, csc' = −csc·cot, cot' = −csc²
  sec: fn1({ doc: 'secant 1/cos(x)', eval: S.sec, d: (u, self) => mul(self, fn('tan', u)), smooth: (xs, eps) => Math.abs(Math.cos(xs[0])) > eps, latex: '\\sec', parity: 'even', simplify: inverseOf('asec', either(reciprocalOf('acos'), at([0, ONE]), trigAt(S.sec))) }),
  csc: fn1({ doc: 'cosecant 1/sin(x)', eval: S.csc, d: (u, self) => neg(mul(self, fn('cot', u))), smooth: (xs, eps) => Math.abs(Math.sin(xs[0])) > eps, latex: '\\csc', parity: 'odd', simplify: inverseOf('acsc', either(reciprocalOf('asin'), trigAt(S.csc))) }),
  cot: fn1({ doc: 'cotangent cos(x)/sin(x)', eval: S.cot, d: (u) => neg(square(fn('csc', u))), smooth: (xs, eps) => Math.abs(Math.sin(xs[0])) > eps, latex: '\\cot', parity: 'odd', simplify: inverseOf('acot', either(reciprocalOf('atan'), trigAt(S.cot))) }),
  // asec' = 1/(|u|·√(u² − 1)), acsc' = −1/(|u|·√(u² − 1)), acot' = −1/(1 + u²)
  asec: fn1({ doc: 'inverse secant acos(1/x), in [0, π], for |x| ≥ 1', eval: S.asec, d: (u) => div(ONE, mul(fn('abs', u), fn('sqrt', sub(square(u), ONE)))), smooth: outsideUnit, latex: '\\operatorname{arcsec}', simplify: either(at([1, ZERO]), inverseTrigAt(S.asec)) }),
  acsc: fn1({ doc: 'inverse cosecant asin(1/x), in [−π/2, π/2], for |x| ≥ 1', eval: S.acsc, d: (u) => neg(div(ONE, mul(fn('abs', u), fn('sqrt', sub(square(u), ONE))))), smooth: outsideUnit, latex: '\\operatorname{arccsc}', parity: 'odd', simplify: inverseTrigAt(S.acsc) }),
  acot: fn1({ doc: 'inverse cotangent atan(1/x), in (−π/2, π/2], odd; jumps at 0 (acot(0) = π/2)', eval: S.acot, d: (u) => neg(div(ONE, add(ONE, square(u)))), smooth: awayFrom0, latex: '\\operatorname{arccot}', parity: 'odd', simplify: inverseTrigAt(S.acot) }),

  // ── reciprocal hyperbolic functions, inverse hyperbolic functions ──────────
  // sech' = −sech·tanh, csch' = −csch·coth, coth' = −csch²
  sech: fn1({ doc: 'hyperbolic secant 1/cosh(x)', eval: S.sech, d: (u, self) => neg(mul(self, fn('tanh', u))), latex: '\\operatorname{sech}', parity: 'even', simplify: inverseOf('asech', either(reciprocalOf('acosh'), at([0, ONE]))) }),
  csch: fn1({ doc: 'hyperbolic cosecant 1/sinh(x)', eval: S.csch, d: (u, self) => neg(mul(self, fn('coth', u))), smooth: awayFrom0, latex: '\\operatorname{csch}', parity: 'odd', simplify: inverseOf('acsch', reciprocalOf('asinh')) }),
  coth: fn1({ doc: 'hyperbolic cotangent 1/tanh(x)', eval: S.coth, d: (u) => neg(square(fn('csch', u))), smooth: awayFrom0, latex: '\\coth', parity: 'odd', simplify: inverseOf('acoth', reciprocalOf('atanh')) }),
  // asinh' = 1/√(u² + 1), acosh' = 1/√(u² − 1), atanh' = 1/(1 − u²)
  asinh: fn1({ doc: 'inverse hyperbolic sine log(x + √(x² + 1))', eval: Math.asinh, d: (u) => div(ONE, fn('sqrt', add(square(u), ONE))), latex: '\\operatorname{arsinh}', parity: 'odd', simplify: inverseOf('sinh', at([0, ZERO])) }),
  acosh: fn1({ doc: 'inverse hyperbolic cosine, ≥ 0, for x ≥ 1', eval: Math.acosh, d: (u) => div(ONE, fn('sqrt', sub(square(u), ONE))), smooth: (xs, eps) => xs[0] > 1 + eps, latex: '\\operatorname{arcosh}', simplify: (args) => (args[0].is('cosh') ? fn('abs', args[0].args[0]) : at([1, ZERO])(args)) }),
  atanh: fn1({ doc: 'inverse hyperbolic tangent, for |x| < 1', eval: Math.atanh, d: (u) => div(ONE, sub(ONE, square(u))), smooth: insideUnit, latex: '\\operatorname{artanh}', parity: 'odd', simplify: inverseOf('tanh', at([0, ZERO])) }),
  // asech' = −1/(u·√(1 − u²)), acsch' = −1/(|u|·√(1 + u²)), acoth' = 1/(1 − u²)
  asech: fn1({ doc: 'inverse hyperbolic secant acosh(1/x), for 0 < x ≤ 1', eval: S.asech, d: (u) => neg(div(ONE, mul(u, fn('sqrt', sub(ONE, square(u)))))), smooth: (xs, eps) => xs[0] > eps && xs[0] < 1 - eps, latex: '\\operatorname{arsech}', simplify: at([1, ZERO]) }),
  acsch: fn1({ doc: 'inverse hyperbolic cosecant asinh(1/x), for x ≠ 0', eval: S.acsch, d: (u) => neg(div(ONE, mul(fn('abs', u), fn('sqrt', add(ONE, square(u)))))), smooth: awayFrom0, latex: '\\operatorname{arcsch}', parity: 'odd' }),
  acoth: fn1({ doc: 'inverse hyperbolic cotangent atanh(1/x), for |x| > 1', eval: S.acoth, d: (u) => div(ONE, sub(ONE, square(u))), smooth: outsideUnit, latex: '\\operatorname{arcoth}', parity: 'odd' }),

  // ── accurate near 0 ────────────────────────────────────────────────────────
  // expm1' = exp, log1p' = 1/(1 + u)
  expm1: fn1({ doc: 'exp(x) − 1, accurate for small x', eval: Math.expm1, d: (u) => fn('exp', u), latex: '\\operatorname{expm1}', simplify: inverseOf('log1p', at([0, ZERO])) }),
  log1p: fn1({ doc: 'log(1 + x), accurate for small x; x > −1', eval: Math.log1p, d: (u) => div(ONE, add(ONE, u)), smooth: (xs, eps) => xs[0] > -1 + eps, latex: '\\operatorname{log1p}', simplify: inverseOf('expm1', at([0, ZERO])) }),

  // ── integer parts: derivative 0 wherever it exists; the tape gives 0 at the jumps too ──
  floor: {
    ...fn1({ doc: 'largest integer ≤ x (derivative 0; 0 at the jumps too)', eval: Math.floor, d: () => ZERO, smooth: awayFromInteger(0), simplify: integerPart(Math.floor) }),
    print: latexCall('floor', (a) => `\\left\\lfloor ${a} \\right\\rfloor`),
  },
  ceil: {
    ...fn1({ doc: 'smallest integer ≥ x (derivative 0; 0 at the jumps too)', eval: Math.ceil, d: () => ZERO, smooth: awayFromInteger(0), simplify: integerPart(Math.ceil) }),
    print: latexCall('ceil', (a) => `\\left\\lceil ${a} \\right\\rceil`),
  },
  round: fn1({ doc: 'nearest integer, ties to even: round(2.5) = 2, round(3.5) = 4 (derivative 0; 0 at the jumps too)', eval: S.roundHalfEven, d: () => ZERO, smooth: awayFromInteger(0.5), latex: '\\operatorname{round}', parity: 'odd', simplify: integerPart(S.roundHalfEven) }),
  trunc: fn1({ doc: 'integer part, toward 0 (derivative 0; 0 at the jumps too)', eval: Math.trunc, d: () => ZERO, smooth: awayFromInteger(0), latex: '\\operatorname{trunc}', parity: 'odd', simplify: integerPart(Math.trunc) }),

  // ── gamma and its relatives ────────────────────────────────────────────────
  // Γ' = Γ·ψ, (log|Γ|)' = ψ, ψ' = ψ⁽¹⁾
  gamma: fn1({ doc: 'gamma function Γ(x), (n − 1)! at positive integers; poles at 0, −1, −2, …', eval: S.gamma, d: (u, self) => mul(self, fn('digamma', u)), smooth: awayFromPoles, latex: '\\Gamma', simplify: gammaAt }),
  lgamma: {
    ...fn1({ doc: 'log|Γ(x)|, without overflow for large x', eval: S.lgamma, d: (u) => fn('digamma', u), smooth: awayFromPoles, simplify: at([1, ZERO], [2, ZERO]) }),
    print: latexCall('lgamma', (a) => `\\ln\\left|\\Gamma\\left(${a}\\right)\\right|`),
  },
  digamma: fn1({ doc: 'digamma function ψ(x) = Γ′(x)/Γ(x)', eval: S.digamma, d: (u) => fn('polygamma', ONE, u), smooth: awayFromPoles, latex: '\\psi' }),
  polygamma: {
    arity: 2,
    doc: 'polygamma(n, x) = ψ⁽ⁿ⁾(x), the n-th derivative of digamma, for integer n ≥ 0',
    eval: S.polygamma,
    // ∂/∂x ψ⁽ⁿ⁾ = ψ⁽ⁿ⁺¹⁾; n takes integers only, so its partial is 0
    d: ([n, x], _self, i) => (i === 0 ? ZERO : fn('polygamma', add(n, ONE), x)),
    integerArgs: [0],
    smooth: ([n, x], eps) => Number.isInteger(n) && n >= 0 && awayFromPoles([x], eps),
    simplify: ([n, x]) => (n.isNum(0) ? fn('digamma', x) : undefined),
    print: (ctx, [n, x]) =>
      ctx.style === 'latex'
        ? { text: `\\psi^{(${n.text})}\\left(${x.text}\\right)`, prec: Prec.ATOM }
        : { text: `polygamma(${n.text}, ${x.text})`, prec: Prec.ATOM },
  },

  // ── logarithm to a base, real roots ────────────────────────────────────────
  logb: {
    arity: 2,
    doc: 'log(x, b) (also logb(x, b)) = log(x)/log(b), the logarithm of x to base b',
    eval: S.logb,
    // ∂/∂x = 1/(x·log b),  ∂/∂b = −log(x)/(b·log(b)²)
    d: ([x, b], _self, i) => (i === 0 ? div(ONE, mul(x, fn('log', b))) : neg(div(fn('log', x), mul(b, square(fn('log', b)))))),
    smooth: ([x, b], eps) => x > eps && b > eps && Math.abs(b - 1) > eps,
    simplify: ([x, b]) => {
      if (b.is('e')) return fn('log', x);
      // log_b(b^k) = k for integer literals (log(8, 2) = 3)
      const xv = literalValue(x);
      const bv = literalValue(b);
      if (xv !== undefined && bv !== undefined && Number.isInteger(xv) && Number.isInteger(bv) && xv >= 1 && bv >= 2) {
        let p = 1;
        for (let k = 0; k <= 64 && p <= xv; k++, p *= bv) if (p === xv) return num(k);
      }
      if (bv !== undefined && Number.isInteger(bv) && bv >= 2) {
        const k = exactLog(bv, x);
        if (k !== undefined) return lit(k);
      }
      if (b.isNum(10)) return fn('log10', x);
      if (b.isNum(2)) return fn('log2', x);
      if (x.isNum(1)) return ZERO;
      if (x === b) return ONE;
      return undefined;
    },
    print: (ctx, [x, b]) =>
      ctx.style === 'latex'
        ? { text: `\\log_{${b.text}}\\left(${x.text}\\right)`, prec: Prec.ATOM }
        : { text: `log(${x.text}, ${b.text})`, prec: Prec.ATOM },
  },
  root: {
    arity: 2,
    doc: 'root(x, n): the real n-th root x^(1/n); for x < 0 and odd integer n, the negative root (root(−8, 3) = −2)',
    eval: S.root,
    // ∂/∂x = root(x, n)/(n·x),  ∂/∂n = −root(x, n)·log(x)/n²
    d: ([x, n], self, i) => (i === 0 ? div(self, mul(n, x)) : neg(div(mul(self, fn('log', x)), square(n)))),
    smooth: ([x, n], eps) => Math.abs(n) > eps && (x > eps || (x < -eps && Number.isInteger(n) && Math.abs(n % 2) === 1)),
    // a non-integer n (a decimal or p/q) is the power x^(1/n), which then combines with other powers of x
    simplify: ([x, n]) => (n.isNum(1) ? x : n.isNum(2) ? fn('sqrt', x) : n.isNum(3) ? fn('cbrt', x) : x.isNum(0) || x.isNum(1) ? x : nonIntegerRational(n) ? pow(x, div(ONE, n)) : undefined),
    print: (ctx, [x, n]) =>
      ctx.style === 'latex'
        ? { text: `\\sqrt[${n.text}]{${x.text}}`, prec: Prec.ATOM }
        : { text: `root(${x.text}, ${n.text})`, prec: Prec.ATOM },
  },

  // ── several arguments ──────────────────────────────────────────────────────
  min: {
    arity: 2,
    variadic: true,
    doc: 'smallest argument (two or more); ties: derivative goes to the first tied argument',
    eval: extremumEval(-1),
    d: (args, _self, i) => extremumPartial(args, i, -1),
    latex: '\\min',
    smooth: distinctArgs,
  },
  max: {
    arity: 2,
    variadic: true,
    doc: 'largest argument (two or more); ties: derivative goes to the first tied argument',
    eval: extremumEval(1),
    d: (args, _self, i) => extremumPartial(args, i, 1),
    latex: '\\max',
    smooth: distinctArgs,
  },
  atan2: {
    arity: 2,
    doc: 'atan2(y, x): angle of the point (x, y)',
    // +0 and −0 are one value: atan2(−0, −1) is π, as atan2(0, −1) (round(−0.5) and −(x − x) give −0 in float64)
    eval: S.atan2,
    // ∂/∂y = x/(x² + y²),  ∂/∂x = −y/(x² + y²)
    d: ([y, x], _self, i) => {
      const r2 = add(square(x), square(y));
      return i === 0 ? div(x, r2) : neg(div(y, r2));
    },
    // smooth away from the origin and from the branch cut (x < 0, y = 0)
    smooth: ([y, x], eps) => Math.hypot(x, y) > eps && !(x < 0 && Math.abs(y) <= eps),
  },
  hypot: {
    arity: 2,
    variadic: true,
    doc: 'hypot(a, b, …) = √(a² + b² + …)',
    eval: Math.hypot,
    // ∂/∂a_i = a_i / hypot(a…)
    d: (args, self, i) => div(args[i], self),
    smooth: (xs, eps) => Math.hypot(...xs) > eps,
  },
} satisfies Record<string, OpDef>;

export type OpName = keyof typeof defs;

/** The elementwise ops, each with its printer resolved. */
export const ops = Object.fromEntries(
  Object.entries(defs as Record<string, OpDef>).map(([name, d]) => [name, { ...d, print: d.print ?? callPrint(name, d.latex) }]),
) as Record<OpName, OpSpec>;

/** The table, typed for lookups by arbitrary strings (user input). */
export const opTable: Readonly<Record<string, OpSpec | undefined>> = ops;

/** Names a user can call as functions (excludes operators and constants). */
export const OPERATORS: ReadonlySet<string> = new Set(['add', 'sub', 'mul', 'div', 'pow', 'neg']);
export const CONSTANTS: ReadonlyMap<string, OpName> = new Map([
  ['pi', 'pi'],
  ['π', 'pi'],
  ['e', 'e'],
]);

export function isFunctionName(name: string): boolean {
  return Object.hasOwn(ops, name) && !OPERATORS.has(name) && (ops as Record<string, OpSpec>)[name].arity > 0;
}

export function functionNames(): string[] {
  return Object.keys(ops).filter(isFunctionName);
}

export function getOp(name: string): OpSpec {
  const spec = Object.hasOwn(ops, name) ? opTable[name] : undefined;
  if (!spec) throw new Error(`internal: unknown op ${JSON.stringify(name)}`);
  return spec;
}

/** Argument-count text for messages: "1 argument", "2 or more arguments". */
export function arityText(spec: OpSpec): string {
  const n = spec.arity;
  return `${n}${spec.variadic ? ' or more' : ''} argument${n === 1 && !spec.variadic ? '' : 's'}`;
}

export function arityOk(spec: OpSpec, n: number): boolean {
  return spec.variadic ? n >= spec.arity : n === spec.arity;
}
