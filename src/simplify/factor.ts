// Common factors of a sum's terms: a·u·v + b·u·w = u·(a·v + b·w).
//
// In:  the terms of a sum as the simplifier keeps them (a rational coefficient times factors base^exp; `skip` marks
//      the placeholder factor where a term's number stood), and the smallest size a shared factor must have.
// Out: the numeric content g (the gcd of the coefficients, negative when every term is), the factors every term
//      shares with the exponent they share (u^a: of rational exponents of one sign the one nearest 0; an exponent
//      that is an expression only when every term has it), and each term divided by those; undefined when nothing
//      worth taking out is shared. The caller builds both forms and keeps the smaller one.
// Only factors of at least `minSize` tree nodes as written count as shared: a textbook writes the product rule's two terms
// cos(x)·exp(x) + sin(x)·exp(x) out, and takes a long shared factor out: (sinh(u) + 3cosh(u))·exp(x² − 2x).

import { Expr } from '../ir/expr.js';
import * as R from './rational.js';
import type { Q } from './rational.js';

export interface FTerm {
  readonly coef: Q;
  readonly factors: readonly { readonly base: Expr; readonly exp: Q | Expr }[];
}

const isQ = (e: Q | Expr): e is Q => !(e instanceof Expr);

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The shared part of a sum's terms, or undefined. */
export function commonFactors(
  terms: readonly FTerm[],
  skip: Expr,
  minSize: number,
  minSizeBelow = minSize,
): { coef: Q; common: { base: Expr; exp: Q | Expr }[]; reduced: FTerm[] } | undefined {
  if (terms.length < 2) return undefined;
  // candidate bases: the first term's, each shared by every other term
  const common: { base: Expr; exp: Q | Expr }[] = [];
  for (const f of terms[0].factors) {
    // its written size: u, u^n (two more), u^expr
    const written = f.base.treeSize + (!isQ(f.exp) ? f.exp.treeSize + 1 : R.isOne(R.abs(f.exp)) ? 0 : 2);
    // a shared divisor (1/(x − 1)) has its own minimum: the rational pass puts such sums over one denominator
    if (f.base === skip || written < (isQ(f.exp) && R.sign(f.exp) < 0 ? minSizeBelow : minSize)) continue;
    const exps: (Q | Expr)[] = [];
    for (const t of terms) {
      const g = t.factors.find((h) => h.base === f.base);
      if (!g) break;
      exps.push(g.exp);
    }
    if (exps.length !== terms.length) continue;
    if (exps.every((e) => !isQ(e))) {
      if (exps.every((e) => e === exps[0])) common.push({ base: f.base, exp: exps[0] });
      continue;
    }
    if (!exps.every(isQ)) continue;
    const qs = exps as Q[];
    const allPos = qs.every((e) => R.sign(e) > 0);
    const allNeg = qs.every((e) => R.sign(e) < 0);
    if (!allPos && !allNeg) continue;
    // the exponent nearest 0 (u² and u³ share u², 1/u² and 1/u³ share 1/u²)
    let pick = qs[0];
    for (const e of qs) if (allNeg ? R.sign(R.sub(e, pick)) > 0 : R.sign(R.sub(e, pick)) < 0) pick = e;
    common.push({ base: f.base, exp: pick });
  }
  // numeric content: gcd of numerators over lcm of denominators, negative when every term is
  let n = 0n;
  let d = 1n;
  for (const t of terms) {
    n = gcd(n, t.coef.n);
    d = (d / gcd(d, t.coef.d)) * t.coef.d;
  }
  let coef = R.q(n, d);
  if (terms.every((t) => R.sign(t.coef) < 0)) coef = R.neg(coef);
  if (common.length === 0) return undefined;
  const reduced = terms.map((t) => {
    const factors: { base: Expr; exp: Q | Expr }[] = [];
    for (const f of t.factors) {
      const c = common.find((g) => g.base === f.base);
      if (!c) factors.push(f);
      else if (isQ(c.exp)) {
        const left = R.sub(f.exp as Q, c.exp);
        if (!R.isZero(left)) factors.push({ base: f.base, exp: left });
      }
    }
    return { coef: R.div(t.coef, coef), factors };
  });
  return { coef, common, reduced };
}
