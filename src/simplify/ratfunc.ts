// Rational functions in lowest terms: a sum of fractions over one denominator, common polynomial factors cancelled.
//
// In:  an Expr built of + − · / and integer powers over "atoms" (anything else: x, sin(x), √u, exp(−x), …), with
//      number literals read exactly (Q).
// Out: the same function as one fraction N / (m · F₁^k₁ · F₂^k₂ …): N an expanded polynomial over the atoms with
//      exact rational coefficients, m a monomial, Fᵢ polynomial factors as they stand in the input (primitive, sign
//      normalized, so x − 3 and 6 − 2x are one factor). Every Fᵢ that divides N exactly (multivariate division) is
//      cancelled. Or undefined when the input has no denominator worth combining, or when a bound is hit (terms,
//      degree, coefficient size), so the pass stays small and always terminates.
//
// Cancelling drops points where the input is 0/0: (x² − 1)/(x − 1) → x + 1 is also defined at x = 1. Values are
// otherwise unchanged wherever both forms are defined.

import { Expr, call, num } from '../ir/expr.js';
import * as R from './rational.js';
import type { Q } from './rational.js';

/** A monomial: atom ids with positive integer exponents, sorted by id. */
type Mono = readonly (readonly [number, number])[];
interface Term {
  readonly coef: Q;
  readonly mono: Mono;
}
/** A polynomial: terms keyed by their monomial. */
type Poly = Map<string, Term>;

/** A rational function num / (mono · ∏ factor^k). */
interface Frac {
  readonly num: Poly;
  readonly mono: Map<number, number>;
  /** Denominator factors by key: the (primitive, sign-normalized) polynomial and its multiplicity. */
  readonly factors: Map<string, { poly: Poly; k: number }>;
}

const MAX_TERMS = 64;
const MAX_DEGREE = 24;
const MAX_FACTORS = 8;

class TooBig extends Error {}

const monoKey = (m: Mono): string => m.map(([a, e]) => `${a}^${e}`).join('*');

function monoMul(a: Mono, b: Mono): Mono {
  if (b.length === 0) return a;
  if (a.length === 0) {
    for (const [, e] of b) if (e > MAX_DEGREE) throw new TooBig();
    return b;
  }
  // both sorted by atom id: merge
  const m: (readonly [number, number])[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    let f: readonly [number, number];
    if (y === undefined || (x !== undefined && x[0] < y[0])) f = a[i++];
    else if (x === undefined || y[0] < x[0]) f = b[j++];
    else {
      f = [x[0], x[1] + y[1]];
      i++;
      j++;
    }
    if (f[1] > MAX_DEGREE) throw new TooBig();
    m.push(f);
  }
  return m;
}

/** a / b when b divides a (every exponent of b at most a's), else undefined. */
function monoDiv(a: Mono, b: Mono): Mono | undefined {
  if (b.length === 0) return a;
  // both sorted by atom id: every atom of b must be in a with at least its exponent
  const m: (readonly [number, number])[] = [];
  let j = 0;
  for (const x of a) {
    const y = b[j];
    if (y === undefined || x[0] < y[0]) m.push(x);
    else if (x[0] === y[0]) {
      if (x[1] < y[1]) return undefined;
      if (x[1] > y[1]) m.push([x[0], x[1] - y[1]]);
      j++;
    } else return undefined; // y's atom is not in a
  }
  return j === b.length ? m : undefined;
}

const degree = (m: Mono): number => m.reduce((s, [, e]) => s + e, 0);

/** Graded lexicographic order: higher total degree first, then by atom ids. */
function monoCmp(a: Mono, b: Mono): number {
  const d = degree(a) - degree(b);
  if (d !== 0) return d;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i][0] !== b[i][0]) return b[i][0] - a[i][0];
    if (a[i][1] !== b[i][1]) return a[i][1] - b[i][1];
  }
  return a.length - b.length;
}

function addTerm(p: Poly, coef: Q, mono: Mono): void {
  if (R.isZero(coef)) return;
  const k = monoKey(mono);
  const prev = p.get(k);
  if (prev) {
    const c = R.add(prev.coef, coef);
    if (R.isZero(c)) p.delete(k);
    else p.set(k, { coef: c, mono });
  } else {
    p.set(k, { coef, mono });
    if (p.size > MAX_TERMS) throw new TooBig();
  }
  if (R.bits(coef) > 256) throw new TooBig();
}

const constPoly = (c: Q): Poly => {
  const p: Poly = new Map();
  addTerm(p, c, []);
  return p;
};

function polyAdd(a: Poly, b: Poly, scaleB: Q = R.Q1): Poly {
  const out: Poly = new Map(a);
  for (const t of b.values()) addTerm(out, R.mul(t.coef, scaleB), t.mono);
  return out;
}

function polyMul(a: Poly, b: Poly): Poly {
  const out: Poly = new Map();
  for (const s of a.values()) for (const t of b.values()) addTerm(out, R.mul(s.coef, t.coef), monoMul(s.mono, t.mono));
  return out;
}

function polyMulMono(a: Poly, m: Mono, c: Q = R.Q1): Poly {
  const out: Poly = new Map();
  for (const t of a.values()) addTerm(out, R.mul(t.coef, c), monoMul(t.mono, m));
  return out;
}

function leading(p: Poly): Term {
  let best: Term | undefined;
  for (const t of p.values()) if (!best || monoCmp(t.mono, best.mono) > 0) best = t;
  return best!;
}

/** a / b when b divides a exactly, else undefined. */
function polyDivExact(a: Poly, b: Poly): Poly | undefined {
  const lb = leading(b);
  let rest: Poly = new Map(a);
  const quotient: Poly = new Map();
  for (let steps = 0; rest.size > 0; steps++) {
    if (steps > 4 * MAX_TERMS) return undefined;
    const lr = leading(rest);
    const m = monoDiv(lr.mono, lb.mono);
    if (!m) return undefined;
    const c = R.div(lr.coef, lb.coef);
    addTerm(quotient, c, m);
    rest = polyAdd(rest, polyMulMono(b, m, c), R.QM1);
  }
  return quotient;
}

/** a = q·b + r with no term of r divisible by b's leading term. */
function polyDivRem(a: Poly, b: Poly): { q: Poly; r: Poly } {
  const lb = leading(b);
  let rest: Poly = new Map(a);
  const q: Poly = new Map();
  const r: Poly = new Map();
  for (let steps = 0; rest.size > 0; steps++) {
    if (steps > 4 * MAX_TERMS) throw new TooBig();
    const lr = leading(rest);
    const m = monoDiv(lr.mono, lb.mono);
    if (m) {
      const c = R.div(lr.coef, lb.coef);
      addTerm(q, c, m);
      rest = polyAdd(rest, polyMulMono(b, m, c), R.QM1);
    } else {
      addTerm(r, lr.coef, lr.mono);
      rest.delete(monoKey(lr.mono));
    }
  }
  return { q, r };
}

function polyPow(p: Poly, n: number): Poly {
  let out = constPoly(R.Q1);
  for (let i = 0; i < n; i++) out = polyMul(out, p);
  return out;
}

/** p = c · primitive(p), the primitive part with integer coprime coefficients and a positive leading term. */
function primitive(p: Poly): { c: Q; prim: Poly } {
  let g = 0n;
  let l = 1n;
  const gcd = (x: bigint, y: bigint): bigint => {
    x = x < 0n ? -x : x;
    y = y < 0n ? -y : y;
    while (y) [x, y] = [y, x % y];
    return x;
  };
  for (const t of p.values()) {
    g = gcd(g, t.coef.n);
    l = (l / gcd(l, t.coef.d)) * t.coef.d;
  }
  let c = R.q(g, l);
  if (R.sign(leading(p).coef) < 0) c = R.neg(c);
  const prim: Poly = new Map();
  for (const [k, t] of p) prim.set(k, { coef: R.div(R.q(t.coef.n, t.coef.d), c), mono: t.mono });
  return { c, prim };
}

const polyKey = (p: Poly): string =>
  [...p.values()]
    .map((t) => `${R.key(t.coef)}:${monoKey(t.mono)}`)
    .sort()
    .join('+');

/** The common ground of the conversion: atoms registered by id. */
class Reader {
  readonly atoms = new Map<number, Expr>();
  /** Denominator factors as the input wrote them, by key. */
  readonly written = new Map<string, Expr>();

  /** Atoms numbered in order of first appearance, so the output does not depend on when nodes were created. */
  private readonly index = new Map<Expr, number>();

  atom(e: Expr): Frac {
    let id = this.index.get(e);
    if (id === undefined) {
      id = this.index.size;
      this.index.set(e, id);
      this.atoms.set(id, e);
    }
    const p: Poly = new Map();
    addTerm(p, R.Q1, [[id, 1]]);
    return { num: p, mono: new Map(), factors: new Map() };
  }

  read(e: Expr, constValue: (e: Expr) => Q | undefined): Frac {
    const c = constValue(e);
    if (c) return { num: constPoly(c), mono: new Map(), factors: new Map() };
    if (e.kind !== 'call') return this.atom(e);
    switch (e.op) {
      case 'add':
      case 'sub': {
        const a = this.read(e.args[0], constValue);
        const b = this.read(e.args[1], constValue);
        return addFrac(a, b, e.op === 'sub' ? R.QM1 : R.Q1);
      }
      case 'neg': {
        const a = this.read(e.args[0], constValue);
        return { ...a, num: polyMulMono(a.num, [], R.QM1) };
      }
      case 'mul':
        return mulFrac(this.read(e.args[0], constValue), this.read(e.args[1], constValue));
      case 'div':
        return mulFrac(this.read(e.args[0], constValue), this.readInverse(e.args[1], constValue));
      case 'pow': {
        const r = constValue(e.args[1]);
        if (r && R.isInt(r) && r.n !== 0n && r.n <= BigInt(MAX_DEGREE) && r.n >= -BigInt(MAX_DEGREE)) {
          const read = this.read(e.args[0], constValue);
          // a sum raised to a negative power stays one factor (x − 3)^k below; in the numerator it expands
          const base = r.n < 0n ? this.invert(read) : read;
          const n = Number(r.n < 0n ? -r.n : r.n);
          let out: Frac = { num: constPoly(R.Q1), mono: new Map(), factors: new Map() };
          for (let i = 0; i < n; i++) out = mulFrac(out, base);
          return out;
        }
        return this.atom(e);
      }
      default:
        return this.atom(e);
    }
  }

  /** 1 / e, keeping the denominator's structure: 1/(u^n·v) reads as u^−n·v^−1, so (x − 3)² stays one factor. */
  readInverse(e: Expr, constValue: (e: Expr) => Q | undefined): Frac {
    if (e.is('mul')) return mulFrac(this.readInverse(e.args[0], constValue), this.readInverse(e.args[1], constValue));
    if (e.is('pow')) {
      const r = constValue(e.args[1]);
      if (r && R.isInt(r) && r.n > 0n && r.n <= BigInt(MAX_DEGREE)) {
        const base = this.readInverse(e.args[0], constValue);
        let out: Frac = { num: constPoly(R.Q1), mono: new Map(), factors: new Map() };
        for (let i = 0n; i < r.n; i++) out = mulFrac(out, base);
        return out;
      }
    }
    return this.invert(this.read(e, constValue), e);
  }

  /** 1 / f: the numerator's monomial and polynomial parts go below, the old denominator expands above. */
  invert(f: Frac, source?: Expr): Frac {
    if (f.num.size === 0) throw new TooBig(); // division by zero: leave it to the caller's form
    let num = polyMulMono(constPoly(R.Q1), [...f.mono].sort((x, y) => x[0] - y[0]));
    for (const { poly, k } of f.factors.values()) num = polyMul(num, polyPow(poly, k));
    const mono = new Map<number, number>();
    const factors = new Map<string, { poly: Poly; k: number }>();
    if (f.num.size === 1) {
      const t = [...f.num.values()][0];
      for (const [id, e] of t.mono) mono.set(id, e);
      num = polyMulMono(num, [], R.div(R.Q1, t.coef));
    } else {
      const { c, prim } = primitive(f.num);
      num = polyMulMono(num, [], R.div(R.Q1, c));
      const key = polyKey(prim);
      factors.set(key, { poly: prim, k: 1 });
      // write the factor as it stood in the input (1 + x stays 1 + x) when it is that very polynomial
      const polynomial = f.mono.size === 0 && f.factors.size === 0;
      if (source && polynomial && R.isOne(c) && !this.written.has(key)) this.written.set(key, source);
    }
    return { num, mono, factors };
  }
}

function mulFrac(a: Frac, b: Frac): Frac {
  const mono = new Map(a.mono);
  for (const [id, e] of b.mono) mono.set(id, (mono.get(id) ?? 0) + e);
  const factors = new Map(a.factors);
  for (const [key, f] of b.factors) {
    const prev = factors.get(key);
    factors.set(key, { poly: f.poly, k: (prev?.k ?? 0) + f.k });
  }
  if (factors.size > MAX_FACTORS) throw new TooBig();
  return { num: polyMul(a.num, b.num), mono, factors };
}

/** a + s·b over the least common denominator (factors are compared by key: no gcd needed). */
function addFrac(a: Frac, b: Frac, s: Q): Frac {
  const mono = new Map(a.mono);
  for (const [id, e] of b.mono) mono.set(id, Math.max(mono.get(id) ?? 0, e));
  const factors = new Map(a.factors);
  for (const [key, f] of b.factors) {
    const prev = factors.get(key);
    if (!prev || prev.k < f.k) factors.set(key, f);
  }
  const lift = (f: Frac): Poly => {
    const m: [number, number][] = [];
    for (const [id, e] of mono) {
      const d = e - (f.mono.get(id) ?? 0);
      if (d > 0) m.push([id, d]);
    }
    let p = polyMulMono(f.num, m.sort((x, y) => x[0] - y[0]));
    for (const [key, g] of factors) {
      const d = g.k - (f.factors.get(key)?.k ?? 0);
      if (d > 0) p = polyMul(p, polyPow(g.poly, d));
    }
    return p;
  };
  return { num: polyAdd(lift(a), lift(b), s), mono, factors };
}

/** Cancel denominator factors and monomial content that divide the numerator. */
function cancel(f: Frac): Frac {
  let num = f.num;
  const factors = new Map<string, { poly: Poly; k: number }>();
  for (const [key, g] of f.factors) {
    let k = g.k;
    while (k > 0 && num.size > 0) {
      const q = polyDivExact(num, g.poly);
      if (!q) break;
      num = q;
      k--;
    }
    if (k > 0) factors.set(key, { poly: g.poly, k });
  }
  const mono = new Map(f.mono);
  for (const [id, e] of f.mono) {
    let least = e;
    for (const t of num.values()) least = Math.min(least, t.mono.find(([a]) => a === id)?.[1] ?? 0);
    if (least > 0) {
      const out: Poly = new Map();
      for (const t of num.values()) addTerm(out, t.coef, monoDiv(t.mono, [[id, least]])!);
      num = out;
      if (e === least) mono.delete(id);
      else mono.set(id, e - least);
    }
  }
  return { num, mono, factors };
}

/** How a polynomial and its pieces are written back as Exprs (the simplifier's own textbook builder). */
export interface Writer {
  /** c · ∏ atom^e as a term of a sum. */
  sum(terms: readonly { coef: Q; factors: readonly { base: Expr; exp: number }[] }[]): Expr;
}

/** p written back, its rational content in front of a sum: 3(x + 1), −2(x² + y), not 3x + 3. */
function polyExpr(p: Poly, atoms: Map<number, Expr>, w: Writer): Expr {
  if (p.size > 1) {
    const { c, prim } = primitive(p);
    if (!R.isOne(c)) {
      const inner = plainPolyExpr(prim, atoms, w);
      const product = R.isOne(R.abs(c)) ? inner : call('mul', [w.sum([{ coef: R.abs(c), factors: [] }]), inner]);
      return R.sign(c) < 0 ? call('neg', [product]) : product;
    }
  }
  return plainPolyExpr(p, atoms, w);
}

function plainPolyExpr(p: Poly, atoms: Map<number, Expr>, w: Writer): Expr {
  // print order: by degree, then atoms in order of appearance, variables among themselves alphabetically (x² + y²)
  const order = [...atoms.keys()].sort((a, b) => a - b);
  const syms = order.filter((id) => atoms.get(id)!.kind === 'sym');
  const sorted = [...syms].sort((a, b) => (atoms.get(a)!.name < atoms.get(b)!.name ? -1 : 1));
  for (let i = 0, j = 0; i < order.length; i++) if (atoms.get(order[i])!.kind === 'sym') order[i] = sorted[j++];
  const rank = new Map(order.map((id, i) => [id, i]));
  const ranked = (m: Mono): Mono => m.map(([id, e]) => [rank.get(id)!, e] as const).sort((x, y) => x[0] - y[0]);
  const terms = [...p.values()]
    .sort((a, b) => monoCmp(ranked(b.mono), ranked(a.mono)))
    .map((t) => ({ coef: t.coef, factors: t.mono.map(([id, e]) => ({ base: atoms.get(id)!, exp: e })) }));
  return w.sum(terms);
}

/**
 * e as one fraction in lowest terms (a polynomial when nothing is below), or undefined when a bound is hit. The
 * caller keeps it only when it is smaller than e.
 */
/** How many terms a +/− spine has (negations see through). */
function sumTerms(e: Expr): number {
  let n = 0;
  const stack = [e];
  while (stack.length) {
    const t = stack.pop()!;
    if (t.is('add') || t.is('sub')) stack.push(t.args[0], t.args[1]);
    else if (t.is('neg')) stack.push(t.args[0]);
    else n++;
  }
  return n;
}

export function lowestTerms(e: Expr, constValue: (e: Expr) => Q | undefined, w: Writer): Expr | undefined {
  const reader = new Reader();
  let f: Frac;
  try {
    f = reader.read(e, constValue);
    f = cancel(f);
  } catch (err) {
    if (err instanceof TooBig || err instanceof RangeError) return undefined;
    throw err;
  }
  // Over a monomial alone (1/x + log(x)/x²) the sum stays as it is: one big quotient differentiates into a
  // bigger one, and the 6th derivative of 2y·x·sin(x)·cos(x)·log(x)·exp(x) grows 4× with it.
  // (A single product or quotient is still reduced: (1.5 − y)²·x/((1.5 − y)²·x²) is 1/x.)
  const core = e.is('neg') ? e.args[0] : e;
  // Unless no more terms stay on top than the sum had: 1/x − (x + 10)/x² is −10/x².
  if (f.factors.size === 0 && f.mono.size > 0 && (core.is('add') || core.is('sub')) && f.num.size > sumTerms(core)) return undefined;
  // the numerator alone, written, is at least this large: the caller keeps only a smaller result, so stop early
  const splittable = f.mono.size === 0 && f.factors.size === 1;
  if (!splittable && minWritten(f.num, reader.atoms) >= e.treeSize) return undefined;
  const top = polyExpr(f.num, reader.atoms, w);
  const below: Expr[] = [];
  const mono = [...f.mono].sort((x, y) => x[0] - y[0]);
  if (mono.length) below.push(w.sum([{ coef: R.Q1, factors: mono.map(([id, k]) => ({ base: reader.atoms.get(id)!, exp: k })) }]));
  // factors in a stable order (by their key), each written as (F)^k
  for (const key of [...f.factors.keys()].sort()) {
    const { poly, k } = f.factors.get(key)!;
    const base = reader.written.get(key) ?? polyExpr(poly, reader.atoms, w);
    below.push(k === 1 ? base : call('pow', [base, num(k)]));
  }
  if (below.length === 0) return top;
  const den = below.reduce((a, b) => call('mul', [a, b]));
  let whole = fraction(top, den);
  // over two or more polynomial factors, also try the denominator multiplied out, with either sign (N/D = −N/−D):
  // 2/(1 − x²), not −2/((x − 1)·(1 + x)); kept only when strictly smaller
  // (only when it has at most 8 terms before like terms meet, Π termsᵏ ≤ 8: longer ones are seldom shorter, and the
  // bound keeps this off the hot path of high-order derivatives)
  let expanded = 1;
  for (const { poly, k } of f.factors.values()) expanded *= poly.size ** k;
  if (f.factors.size >= 2 && expanded <= 8) {
    try {
      let d = polyMulMono(constPoly(R.Q1), mono);
      for (const { poly, k } of f.factors.values()) d = polyMul(d, polyPow(poly, k));
      for (const s of [R.Q1, R.QM1]) {
        const alt = fraction(polyExpr(polyMulMono(f.num, [], s), reader.atoms, w), plainPolyExpr(polyMulMono(d, [], s), reader.atoms, w));
        if (alt.treeSize < whole.treeSize) whole = alt;
      }
    } catch (err) {
      if (!(err instanceof TooBig)) throw err;
    }
  }
  // over one plain factor, also try the polynomial part plus a proper fraction: 1/(1 + exp(−x)) − y
  if (f.mono.size === 0 && f.factors.size === 1) {
    const { poly, k } = [...f.factors.values()][0];
    if (k === 1) {
      try {
        const { q, r } = polyDivRem(f.num, poly);
        if (q.size > 0 && r.size > 0) {
          const split = w.sum([
            ...[...r.values()].length ? [{ coef: R.Q1, factors: [{ base: fraction(polyExpr(r, reader.atoms, w), den), exp: 1 }] }] : [],
            ...[...q.values()].map((t) => ({ coef: t.coef, factors: t.mono.map(([id, e]) => ({ base: reader.atoms.get(id)!, exp: e })) })),
          ]);
          if (split.treeSize < whole.treeSize) return split;
        }
      } catch (err) {
        if (!(err instanceof TooBig)) throw err;
      }
    }
  }
  return whole;
}

/** A lower bound on p's written size: its atoms, powers, products and sums (numbers and signs not counted). */
function minWritten(p: Poly, atoms: Map<number, Expr>): number {
  let n = p.size - 1;
  for (const t of p.values()) {
    n += Math.max(0, t.mono.length - 1);
    for (const [id, k] of t.mono) n += atoms.get(id)!.treeSize + (k > 1 ? 2 : 0);
  }
  return n;
}

/** top/den with the sign in front: −7/(x − 3)², not (−7)/(x − 3)². */
function fraction(top: Expr, den: Expr): Expr {
  if (top.is('neg')) return call('neg', [call('div', [top.args[0], den])]);
  return call('div', [top, den]);
}
