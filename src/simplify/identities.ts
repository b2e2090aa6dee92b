// Real identities of elementary functions that the term normalizer applies where they shrink the result.
//
// In:  simplified Exprs, or a term (rational coefficient × factors base^exp) / the terms of a sum, as the simplifier
//      keeps them (`skip` is its placeholder factor for where a number stood).
// Out: the rewritten Expr / factors / terms, or undefined when no rule applies. Every rule keeps the value wherever
//      both sides are defined (a point where the input is undefined, 0·(1/0), may become defined); each rule's math
//      is beside it:
//   calls   log_b(exp u) = u/log(b) (log10, log2 too); root(exp u, n) = exp(u/n); root(u, n) = u^(1/n) for u ≥ 0;
//           root(w^(k·n), n) = w^k for odd n (cbrt(x³) = x)
//   powers  exp(u)^r = exp(r·u) for non-integer rational r
//   terms   exp(a)^p·exp(b)^q = exp(p·a + q·b) where that is 2 nodes smaller; u^a·root(u, n)^b = root(u, n)^(n·a + b) written the shortest way
//           (cbrt(u)³ = u, x⁵/cbrt(x³)² … ); 2·sin(u)·cos(u) = sin(2u), 2·sinh(u)·cosh(u) = sinh(2u);
//           sinᵖ/cosᵖ = tanᵖ, cosᵖ/sinᵖ = cotᵖ (and tanh, coth); B^e·B = B^(e+1) where B's factors stand in the term
//   sums    (same other factors R on both terms, c a rational)
//           c·R·sin²u − c·R = −c·R·cos²u,  c·R·cos²u − c·R = −c·R·sin²u,  c·R·cosh²u − c·R = c·R·sinh²u,
//           c·R·sinh²u + c·R = c·R·cosh²u,  c·R·tan²u + c·R = c·R/cos²u,  c·R − c·R·tanh²u = c·R/cosh²u,
//           c·R·sin²u + c·R·cos²u = c·R,  c·R·cosh²u − c·R·sinh²u = c·R,
//           c·R·cos²u − c·R·sin²u = c·R·cos(2u),  c·R·cosh²u + c·R·sinh²u = c·R·cosh(2u),
//           c·R·expm1(u) + c·R = c·R·exp(u),
//           c·R/cos²u − c·R = c·R·tan²u,  c·R/sin²u − c·R = c·R·cot²u,  c·R/cosh²u − c·R = −c·R·tanh²u,
//           c·R/sinh²u + c·R = c·R·coth²u,  c·R·sec²u − c·R = c·R·tan²u,  c·R·csc²u − c·R = c·R·cot²u,
//           c·R·cot²u + c·R = c·R·csc²u

import { Expr, call, num } from '../ir/expr.js';
import { signOf } from './signs.js';
import * as R from './rational.js';
import type { Q } from './rational.js';

export interface IFactor {
  readonly base: Expr;
  readonly exp: Q | Expr;
}

export interface ITerm {
  readonly coef: Q;
  readonly factors: readonly IFactor[];
}

const isQ = (e: Q | Expr): e is Q => !(e instanceof Expr);
const TRIG_BITS: Record<string, number | undefined> = { __proto__: null, sin: 1, cos: 2, sinh: 4, cosh: 8 } as never;
const TWO = num(2);

/** The integer n ≥ 2 of root(u, n) / cbrt(u) / (n = 2) √u written as a call, or undefined. */
function rootIndex(e: Expr): number | undefined {
  if (e.is('cbrt')) return 3;
  if (e.is('root') && e.args[1].kind === 'num' && Number.isInteger(e.args[1].value) && e.args[1].value >= 2 && e.args[1].value <= 64) return e.args[1].value;
  return undefined;
}

/**
 * Rewrites of a call on simplified arguments (the caller simplifies the result again):
 *   log_b(exp(u)) = u/log(b), log10(exp u) = u/log(10), log2(exp u) = u/log(2)   (exp u > 0 for every real u)
 *   cbrt(exp u) = root(exp u, n)… = exp(u/n)                                      (exp(u)^(1/n) = exp(u/n))
 *   root(w^(k·n), n) = w^k for odd n                                              (the real odd root of a power)
 * `power(u, r)` writes u^r through the simplifier's power rule; a root of a value known ≥ 0 is u^(1/n) there.
 */
export function callIdentity(op: string, args: readonly Expr[], power: (u: Expr, r: Q) => Expr): Expr | undefined {
  const u = args[0];
  if (op === 'logb' && u.is('exp')) return call('div', [u.args[0], call('log', [args[1]])]);
  if ((op === 'log10' || op === 'log2') && u.is('exp')) return call('div', [u.args[0], call('log', [num(op === 'log10' ? 10 : 2)])]);
  if (op !== 'cbrt' && op !== 'root') return undefined;
  const n = rootIndex(call(op, args));
  if (n === undefined) return undefined;
  if (u.is('exp')) return call('exp', [call('div', [u.args[0], num(n)])]);
  // root(w^m, n) with m a multiple of n: w^(m/n) for odd n (the odd root is real and exact); for even n only
  // when w ≥ 0 (√(x²) = |x|, which the power rule already writes)
  if (n % 2 === 1 && u.is('pow') && u.args[1].kind === 'num' && Number.isInteger(u.args[1].value) && u.args[1].value % n === 0) {
    return power(u.args[0], R.q(BigInt(u.args[1].value / n)));
  }
  // u ≥ 0: root(u, n) = u^(1/n) (equal where u ≥ 0; both undefined or equal elsewhere never arises), so √ and
  // powers merge: cbrt(√x) = x^(1/6)
  if (signOf(u)) return power(u, R.q(1n, BigInt(n)));
  return undefined;
}

/**
 * exp(u)^r = exp(r·u) for a non-integer rational r (exp(u) > 0, so every real power is exp's). Integer powers stay:
 * exp(u)² shares exp(u) with the rest of a program, exp(2u) would not.
 */
export function expPower(base: Expr, r: Q, scale: (u: Expr, r: Q) => Expr): Expr | undefined {
  if (!base.is('exp') || R.isInt(r)) return undefined;
  return call('exp', [scale(base.args[0], r)]);
}

/** Written size of u^k in a term: u, u^k (two more). */
const pw = (k: number) => (Math.abs(k) === 1 ? 0 : 2);

/**
 * Factor rewrites inside one term, or undefined when none applies:
 *   exp(a)^p·exp(b)^q = exp(p·a + q·b)                         (p, q rational, where 2 nodes smaller: exp(a)·exp(−a) = 1)
 *   u^a·root(u, n)^b = u^q·root(u, n)^r with n·q + r = n·a + b  (root(u, n)ⁿ = u where it is defined), the
 *                                                              shortest such way; u^a alone stays
 *   2k·sin(u)·cos(u) = k·sin(2u), 2k·sinh(u)·cosh(u) = k·sinh(2u)
 * `sum(terms)` simplifies a sum of (coefficient, Expr) pairs (the merged exponent).
 */
export function termIdentity(coef: Q, fs: readonly IFactor[], skip: Expr, sum: (parts: [Q, Expr][]) => Expr, ops?: PowerOps): ITerm | undefined {
  // one cheap scan for what could apply (this runs on every term the simplifier normalizes)
  let expCount = 0;
  let trig = 0; // bits: 1 sin, 2 cos, 4 sinh, 8 cosh
  let rootCandidate = false;
  let powerCandidate = false;
  let absEven = false;
  for (const f of fs) {
    const b = f.base;
    if (b.kind !== 'call') continue;
    const intExp = isQ(f.exp) && f.exp.d === 1n;
    const bit = TRIG_BITS[b.op];
    if (bit !== undefined) trig |= bit;
    else if (b.op === 'abs') {
      if (intExp && (f.exp as Q).n % 2n === 0n) absEven = true;
    }
    else if (b.op === 'exp') {
      if (isQ(f.exp)) expCount += R.isInt(f.exp) ? 1 : 2; // exp(u)^(1/2) = exp(u/2) too
    } else if (b.op === 'cbrt' || b.op === 'root') {
      if (intExp) rootCandidate = true;
    } else if (!intExp && (b.op === 'mul' || b.op === 'div' || b.op === 'pow')) powerCandidate = true;
  }
  const pairCandidate = (trig & 3) === 3 || (trig & 12) === 12;
  if (!pairCandidate && !powerCandidate && !rootCandidate && !absEven && expCount < 2) return undefined;
  // |u|^(2k) = u^(2k): an even power makes the sign irrelevant (√(1 − |x|²) is √(1 − x²))
  if (absEven) return { coef, factors: fs.map((f) => (f.base.is('abs') && isQ(f.exp) && f.exp.d === 1n && f.exp.n % 2n === 0n ? { base: f.base.args[0], exp: f.exp } : f)) };
  const t: ITerm = { coef, factors: fs };
  if (powerCandidate && ops) {
    const merged = mergePowerWithBase(t, skip, ops);
    if (merged) return merged;
  }
  if (pairCandidate) {
    const q = quotientPair(t);
    if (q) return q;
  }
  if (expCount >= 2) {
    const parts: [Q, Expr][] = [];
    const rest: IFactor[] = [];
    let at = -1;
    let written = -1; // the exp factors as written: exp(u) or exp(u)^k, and the products joining them
    let fractional = false;
    for (const f of fs) {
      if (f.base.is('exp') && isQ(f.exp)) {
        if (at < 0) at = rest.length;
        parts.push([f.exp, f.base.args[0]]);
        written += f.base.treeSize + (R.isOne(R.abs(f.exp)) ? 0 : 2) + 1;
        if (!R.isInt(f.exp)) fractional = true;
      } else rest.push(f);
    }
    const s = sum(parts);
    // one exp where the exponents combine or cancel (exp(x)·exp(−x) = 1, exp(x)/cbrt(exp(x))² = exp(x/3)); two
    // that do not stay apart (each may be shared with the rest of a program)
    if (fractional || (s.isNum(0) ? 0 : 1 + s.treeSize) <= written - 2) {
      if (!s.isNum(0)) rest.splice(at, 0, { base: call('exp', [s]), exp: R.Q1 });
      return { coef: t.coef, factors: rest };
    }
  }
  if (rootCandidate) {
    for (let j = 0; j < fs.length; j++) {
      const r = fs[j];
      const n = rootIndex(r.base);
      if (n === undefined || !isQ(r.exp) || !R.isInt(r.exp)) continue;
      const u = r.base.args[0];
      const i = fs.findIndex((f) => f.base === u && isQ(f.exp) && R.isInt(f.exp));
      const a = i >= 0 ? Number((fs[i].exp as Q).n) : 0;
      const b = Number(r.exp.n);
      if (Math.abs(a) > 64 || Math.abs(b) > 64) continue;
      const total = n * a + b;
      // the shortest u^q·root^r with n·q + r = total, |r| < n, or root^total
      const cost = (q: number, rr: number) => (q ? u.treeSize + pw(q) : 0) + (rr ? r.base.treeSize + pw(rr) : 0);
      let best: [number, number] = [0, total];
      for (let rr = -(n - 1); rr <= n - 1; rr++) {
        if ((total - rr) % n !== 0) continue;
        const q = (total - rr) / n;
        if (cost(q, rr) < cost(best[0], best[1])) best = [q, rr];
      }
      if (best[0] === a && best[1] === b) continue;
      if (cost(best[0], best[1]) >= cost(a, b)) continue;
      const out: IFactor[] = [];
      for (let k = 0; k < fs.length; k++) {
        if (k === i) continue;
        if (k === j) {
          if (best[0]) out.push({ base: u, exp: R.q(BigInt(best[0])) });
          if (best[1]) out.push({ base: r.base, exp: R.q(BigInt(best[1])) });
        } else out.push(fs[k]);
      }
      return { coef: t.coef, factors: out };
    }
  }
  if (pairCandidate && t.coef.n % 2n === 0n) {
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i];
      const partner = f.base.is('sin') ? 'cos' : f.base.is('sinh') ? 'cosh' : undefined;
      if (!partner || !isQ(f.exp) || !R.isOne(f.exp)) continue;
      const u = f.base.args[0];
      const j = fs.findIndex((g) => g.base.is(partner) && g.base.args[0] === u && isQ(g.exp) && R.isOne(g.exp));
      if (j < 0) continue;
      // 2·sin(u)·cos(u) = sin(2u) (sinh likewise); the doubled argument is simplified by the caller
      const doubled = call(f.base.op, [sum([[R.q(2n), u]])]);
      const out = fs.map((g, k) => (k === i ? { base: doubled, exp: R.Q1 } : g)).filter((_, k) => k !== j);
      return { coef: R.div(t.coef, R.q(2n)), factors: out };
    }
  }
  void skip;
  return undefined;
}

/** What merging a power with its base needs from the simplifier. */
export interface PowerOps {
  /** The base read as one term (coefficient × factors), or undefined for a sum of several. */
  single(base: Expr): ITerm | undefined;
  /** e + k, simplified (an Expr exponent), or a rational. */
  addExp(e: Q | Expr, k: Q): Q | Expr;
}

/**
 * B^e·B = B^(e + 1) and B^e/B = B^(e − 1) where B's own factors stand in the term: x·y·(x·y)^(x² − 1) = (x·y)^(x²),
 * 9x·(3x)^(v − 1) = 3(3x)^v. For a non-integer e (u^(1/2)) or an exponent that is an expression. Equal wherever
 * both sides are defined (B^e·B^k = B^(e+k) for B > 0, and for B < 0 where B^e is real; at B = 0 the left side may
 * be 0·∞, undefined).
 */
function mergePowerWithBase(t: ITerm, skip: Expr, ops: PowerOps): ITerm | undefined {
  const fs = t.factors;
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i];
    if (f.base === skip || (isQ(f.exp) && R.isInt(f.exp))) continue;
    if (f.base.kind !== 'call' || !(f.base.is('mul') || f.base.is('div') || f.base.is('pow'))) continue;
    if (!sharesLeaf(f.base, fs)) continue;
    const b = ops.single(f.base);
    if (!b || b.factors.length === 0 || R.isZero(b.coef)) continue;
    for (const k of [1, -1]) {
      // every factor g^a of B stands in the term as g^h with h of a's sign (times k) and |h| ≥ |a|
      const take: number[] = [];
      let ok = true;
      for (const g of b.factors) {
        if (g.base === skip) continue;
        if (!isQ(g.exp)) { ok = false; break; }
        const a = k === 1 ? g.exp : R.neg(g.exp);
        const j = fs.findIndex((h, idx) => idx !== i && h.base === g.base && isQ(h.exp));
        if (j < 0) { ok = false; break; }
        const h = fs[j].exp as Q;
        if (R.sign(h) !== R.sign(a) || R.sign(R.sub(R.abs(h), R.abs(a))) < 0) { ok = false; break; }
        take.push(j);
      }
      if (!ok || take.length === 0) continue;
      const e = ops.addExp(f.exp, R.q(BigInt(k)));
      if (isQ(e) && R.isInt(e)) continue; // an integer power of a product spreads into its factors: leave it
      const coef = k === 1 ? R.div(t.coef, b.coef) : R.mul(t.coef, b.coef);
      const out: IFactor[] = [];
      fs.forEach((h, idx) => {
        if (idx === i) {
          out.push({ base: f.base, exp: e });
          return;
        }
        if (!take.includes(idx)) {
          out.push(h);
          return;
        }
        const g = b.factors.find((x) => x.base === h.base)!;
        const left = R.sub(h.exp as Q, k === 1 ? (g.exp as Q) : R.neg(g.exp as Q));
        if (!R.isZero(left)) out.push({ base: h.base, exp: left });
      });
      return { coef, factors: out };
    }
  }
  return undefined;
}

/** Whether a leaf of B's ·, /, ^ spine (x and y in (x·y)^e, at most 16 looked at) is a base of the term. */
function sharesLeaf(b: Expr, fs: readonly IFactor[]): boolean {
  const stack = [b];
  for (let n = 0; stack.length && n < 16; n++) {
    const e = stack.pop()!;
    if (e.is('mul') || e.is('div')) stack.push(e.args[0], e.args[1]);
    else if (e.is('pow')) stack.push(e.args[0]);
    else if (fs.some((f) => f.base === e)) return true;
  }
  return false;
}

/**
 * sin(u)ᵖ/cos(u)ᵖ = tan(u)ᵖ, cos(u)ᵖ/sin(u)ᵖ = cot(u)ᵖ, and sinh/cosh = tanh, cosh/sinh = coth likewise (the same
 * power above and below; undefined at the same points).
 */
function quotientPair(t: ITerm): ITerm | undefined {
  const fs = t.factors;
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i];
    const other = f.base.is('sin') ? 'cos' : f.base.is('sinh') ? 'cosh' : undefined;
    if (!other || !isQ(f.exp) || !R.isInt(f.exp)) continue;
    const p = f.exp;
    const j = fs.findIndex((g) => g.base.is(other) && g.base.args[0] === f.base.args[0] && isQ(g.exp) && R.eq(g.exp, R.neg(p)));
    if (j < 0) continue;
    const hyper = other === 'cosh';
    const op = R.sign(p) > 0 ? (hyper ? 'tanh' : 'tan') : hyper ? 'coth' : 'cot';
    const out = fs.map((g, k) => (k === i ? { base: call(op, [f.base.args[0]]), exp: R.abs(p) } : g)).filter((_, k) => k !== j);
    return { coef: t.coef, factors: out };
  }
  return undefined;
}

/** Order-free identity of a term's factors other than `skip` and the one at `drop`. */
function restKey(t: ITerm, skip: Expr, drop: number): string {
  const parts: string[] = [];
  t.factors.forEach((f, i) => {
    if (i === drop || f.base === skip) return;
    parts.push(`${f.base.id}^${isQ(f.exp) ? R.key(f.exp) : 'e' + f.exp.id}`);
  });
  return parts.sort().join('*');
}

const SQUARED = new Set(['sin', 'cos', 'sinh', 'cosh', 'tan', 'tanh', 'sec', 'csc', 'cot']);
/** Functions whose −2nd power has a sum rule (1/cos²u − 1 = tan²u …); such a candidate's op is written 'cos-2'. */
const INVERSE_SQUARED = new Set(['sin', 'cos', 'sinh', 'cosh']);

/**
 * The sum rules (see the header): pairs of terms with the same other factors R. Returns the new terms (fewer than
 * before: each rule replaces two terms by one), or undefined when no pair matches.
 */
export function sumIdentity(terms: readonly ITerm[], skip: Expr): ITerm[] | undefined {
  interface Cand { i: number; j: number; op: string; u: Expr; key: string }
  const cands: Cand[] = [];
  for (let i = 0; i < terms.length; i++) {
    const fs = terms[i].factors;
    for (let j = 0; j < fs.length; j++) {
      const f = fs[j];
      if (f.base.kind !== 'call' || f.base.args.length !== 1 || !isQ(f.exp)) continue;
      const two = R.isInt(f.exp) && f.exp.n === 2n && SQUARED.has(f.base.op);
      const one = R.isOne(f.exp) && f.base.op === 'expm1';
      if (two || one) cands.push({ i, j, op: f.base.op, u: f.base.args[0], key: '' });
      else if (R.isInt(f.exp) && f.exp.n === -2n && INVERSE_SQUARED.has(f.base.op)) cands.push({ i, j, op: `${f.base.op}-2`, u: f.base.args[0], key: '' });
    }
  }
  if (cands.length === 0) return undefined;
  // a cheap look before building keys: a partner is a term with one factor fewer (R alone) or the other function
  const count = (i: number) => terms[i].factors.reduce((n, f) => (f.base === skip ? n : n + 1), 0);
  const counts = terms.map((_, i) => count(i));
  const possible = cands.some((c) => counts.some((n, i) => i !== c.i && n === counts[c.i] - 1) || cands.some((d) => d.i !== c.i && d.u === c.u && d.op !== c.op));
  if (!possible) return undefined;
  for (const c of cands) c.key = restKey(terms[c.i], skip, c.j);
  const plain = new Map<string, number[]>();
  for (let i = 0; i < terms.length; i++) {
    const k = restKey(terms[i], skip, -1);
    (plain.get(k) ?? plain.set(k, []).get(k)!).push(i);
  }
  const used = new Set<number>();
  const out = new Map<number, ITerm | null>();
  const replace = (c: Cand, base: Expr | undefined, exp: Q, coef: Q, other: number) => {
    const t = terms[c.i];
    const factors = base ? t.factors.map((f, k) => (k === c.j ? { base, exp } : f)) : t.factors.filter((_, k) => k !== c.j);
    out.set(c.i, { coef, factors });
    out.set(other, null);
    used.add(c.i).add(other);
  };
  const sq = (op: string, u: Expr) => call(op, [u]);
  for (const c of cands) {
    if (used.has(c.i)) continue;
    const a = terms[c.i].coef;
    // with a term that is R alone
    const partner = (plain.get(c.key) ?? []).find((p) => p !== c.i && !used.has(p));
    if (partner !== undefined) {
      const b = terms[partner].coef;
      const same = R.eq(a, b);
      const opposite = R.eq(a, R.neg(b));
      if (c.op === 'sin' && opposite) { replace(c, sq('cos', c.u), R.q(2n), R.neg(a), partner); continue; }
      if (c.op === 'cos' && opposite) { replace(c, sq('sin', c.u), R.q(2n), R.neg(a), partner); continue; }
      if (c.op === 'cosh' && opposite) { replace(c, sq('sinh', c.u), R.q(2n), a, partner); continue; }
      if (c.op === 'sinh' && same) { replace(c, sq('cosh', c.u), R.q(2n), a, partner); continue; }
      if (c.op === 'tan' && same) { replace(c, sq('cos', c.u), R.q(-2n), a, partner); continue; }
      if (c.op === 'tanh' && opposite) { replace(c, sq('cosh', c.u), R.q(-2n), b, partner); continue; }
      if (c.op === 'expm1' && same) { replace(c, sq('exp', c.u), R.Q1, a, partner); continue; }
      if ((c.op === 'cos-2' || c.op === 'sec') && opposite) { replace(c, sq('tan', c.u), R.q(2n), a, partner); continue; }
      if ((c.op === 'sin-2' || c.op === 'csc') && opposite) { replace(c, sq('cot', c.u), R.q(2n), a, partner); continue; }
      if (c.op === 'cosh-2' && opposite) { replace(c, sq('tanh', c.u), R.q(2n), b, partner); continue; }
      if (c.op === 'sinh-2' && same) { replace(c, sq('coth', c.u), R.q(2n), a, partner); continue; }
      if (c.op === 'cot' && same) { replace(c, sq('csc', c.u), R.q(2n), a, partner); continue; }
    }
    // with the other function of the same argument, squared
    const other = c.op === 'sin' ? 'cos' : c.op === 'cos' ? 'sin' : c.op === 'sinh' ? 'cosh' : c.op === 'cosh' ? 'sinh' : undefined;
    if (!other) continue;
    const d = cands.find((x) => x.op === other && x.u === c.u && x.key === c.key && x.i !== c.i && !used.has(x.i));
    if (!d) continue;
    const b = terms[d.i].coef;
    const same = R.eq(a, b);
    const opposite = R.eq(a, R.neg(b));
    const pos = c.op === 'cos' || c.op === 'cosh' ? c : d; // the cos / cosh term
    const ap = terms[pos.i].coef;
    const twice = (op: string) => call(op, [call('mul', [TWO, c.u])]);
    if ((c.op === 'sin' || c.op === 'cos') && same) replace(c, undefined, R.Q1, a, d.i); // sin² + cos² = 1
    else if ((c.op === 'sinh' || c.op === 'cosh') && opposite) replace(pos, undefined, R.Q1, ap, pos === c ? d.i : c.i); // cosh² − sinh² = 1
    else if ((c.op === 'sin' || c.op === 'cos') && opposite) replace(pos, twice('cos'), R.Q1, ap, pos === c ? d.i : c.i); // cos² − sin² = cos(2u)
    else if ((c.op === 'sinh' || c.op === 'cosh') && same) replace(c, twice('cosh'), R.Q1, a, d.i); // cosh² + sinh² = cosh(2u)
  }
  if (used.size === 0) return undefined;
  const next: ITerm[] = [];
  for (let i = 0; i < terms.length; i++) {
    const r = out.get(i);
    if (r === undefined) next.push(terms[i]);
    else if (r !== null) next.push(r);
  }
  return next;
}
