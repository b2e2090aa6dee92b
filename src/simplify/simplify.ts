// Simplification: one deterministic bottom-up pass that always terminates.
//
// In:  an Expr.  Out: an equal Expr (equal wherever the input is defined) in textbook form.
//
// How: every distinct node is normalized once, after its arguments (no rule is ever re-applied to its own output,
// so the pass cannot loop). A node is read as a sum of terms, each term a rational coefficient times an ordered
// list of factors base^exponent:
//   sums      like terms combine (2x + 3x = 5x, u − u = 0); a − (b + c) flattens to a − b − c
//   products  like factors combine (x·x² = x³, x/x = 1); numbers fold exactly ((1/3 + 1/6) = 1/2, 0.1 + 0.2 = 0.3);
//             factor order is kept (chain-rule order: outer derivative first), the sign goes to the front, and the
//             number stays where it first stood (cos(exp(x³))·exp(x³)·3x²); negative powers form the denominator
//   powers    (u^a)^n = u^(a·n) for integer n (or when u^a forces u ≥ 0); (c·u)^n = cⁿ·uⁿ for integer n;
//             exact numeric powers (4^(1/2) = 2); √u is u^(1/2) and prints back as √u
//   functions odd/even symmetry (sin(−u) = −sin u, cos(−u) = cos u) and each op's own exact rewrites
//             (exp(log u) = u, log(exp u) = u, √(u²) = |u|, cos 0 = 1, …) from the op table
// Each normalized node is kept only if it is no larger than the node rebuilt from its simplified arguments, so
// the result never grows.

import { Expr, call, num } from '../ir/expr.js';
import { ONE, ZERO, add as bAdd, fn, neg as bNeg } from '../ir/build.js';
import { getOp, opTable } from '../ir/ops.js';
import { topo } from '../ir/walk.js';
import * as R from './rational.js';
import { lowestTerms } from './ratfunc.js';
import { combinePairs, signRewrite } from './signs.js';
import { commonFactors } from './factor.js';
import { callIdentity, expPower, sumIdentity, termIdentity } from './identities.js';
import { ExprError } from '../errors.js';
import type { Q } from './rational.js';

interface Factor {
  readonly base: Expr;
  /** A rational exponent, or an Expr when the exponent is not a constant. */
  readonly exp: Q | Expr;
}

interface Term {
  readonly coef: Q;
  readonly factors: readonly Factor[];
}

/** Marks where a term's number stood, so 3 stays in `exp(x³)·3x²` instead of jumping to the front. */
const COEF = call('$coef', []);

const isQ = (e: Q | Expr): e is Q => !(e instanceof Expr);

/** Common factors: only shared factors of this many nodes, sums of this many, and results this much smaller. */
const FACTOR_MIN_SIZE = 2;
const FACTOR_MIN_SIZE_BELOW = 5;
const FACTOR_MIN_SUM = 8;
const FACTOR_MIN_GAIN = 2;
/** Factored sums are multiplied out inside a larger one only up to this many terms in all, this many levels deep. */
const DISTRIBUTE_MAX_TERMS = 32;
const DISTRIBUTE_DEPTH = 2;

/** Larger sums are not put over one denominator (the pass stays linear on huge graphs). */
const LOWEST_TERMS_MAX_SIZE = 400;

/** The rational value of a constant in output form: n, −n, n/m, −(n/m). */
export function constValue(e: Expr): Q | undefined {
  if (e.kind === 'num') return R.fromNumber(e.value);
  if (e.is('neg')) {
    const v = constValue(e.args[0]);
    return v && R.neg(v);
  }
  if (e.is('div') && e.args[0].kind === 'num' && e.args[1].kind === 'num' && e.args[1].value !== 0) {
    return R.div(R.fromNumber(e.args[0].value), R.fromNumber(e.args[1].value));
  }
  return undefined;
}

/** A rational as an Expr: integers and short decimals as literals, others as n/m; the sign as neg. */
/** A folded constant beyond float64 (2^4000 from a long chain of squares) is an error, not an internal failure. */
function finite(v: number): number {
  if (!Number.isFinite(v)) throw new ExprError('too-large', 'a constant in the result is beyond the float64 range (about 1.8e308)');
  return v;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function rationalExpr(v: Q): Expr {
  const a = R.abs(v);
  let e: Expr;
  if (R.isInt(a) && a.n <= MAX_SAFE) e = num(Number(a.n));
  else {
    const dec = a.dec ? R.decimalText(a) : undefined;
    if (dec !== undefined) e = num(finite(Number(dec)));
    else if (a.n <= MAX_SAFE && a.d <= MAX_SAFE) {
      e = R.isInt(a) ? num(Number(a.n)) : call('div', [num(Number(a.n)), num(Number(a.d))]);
    } else {
      e = num(finite(Math.abs(R.toNumber(a)))); // beyond exact float64 integers: the nearest double
    }
  }
  return R.sign(v) < 0 ? call('neg', [e]) : e;
}

/**
 * Most work one simplify() call may do, counted as terms and factors handled while building normal forms. Sums and
 * products are flattened, so a chain whose links are shared (aₙ = sin(aₙ₋₁)·aₙ₋₁, then differentiated) can need
 * work quadratic in its length; beyond this budget (a few seconds) simplify() stops with ExprError('too-large').
 */
export const MAX_SIMPLIFY_WORK = 1_000_000;

export class Simplifier {
  private readonly memo = new Map<Expr, Expr>();
  private readonly termMemo = new Map<Expr, Term[]>();
  private work = 0;
  private depth = 0;

  private spend(units: number): void {
    this.work += units;
    if (this.work > MAX_SIMPLIFY_WORK) {
      throw new ExprError('too-large', `simplifying this expression needs more than ${MAX_SIMPLIFY_WORK.toLocaleString('en-US')} steps (its sums and products keep growing as they are flattened); it was stopped`);
    }
  }

  simplify(root: Expr): Expr {
    const hit = this.memo.get(root);
    if (hit) return hit;
    if (this.depth === 0) this.work = 0;
    this.depth++;
    try {
      return this.simplifyUncounted(root);
    } finally {
      this.depth--;
    }
  }

  private simplifyUncounted(root: Expr): Expr {
    const order = topo(root);
    // A node inside a sum (or product) whose only reader is the same kind of node is not normalized on its own:
    // its reader reads through it. So a deep chain (a 100,000-factor chain-rule product) is normalized once, at its
    // top, in linear time, instead of once per level.
    // What is known of a node's readers, in one number (no list per node): how many (READ_ONE, or READ_MANY for two
    // or more; a node read twice by one reader counts twice), the first one's family, whether any is +, −, ·, / or a
    // power (READ_ARITH), whether any is not a product (READ_NOT_MUL).
    const readers = new Map<Expr, number>();
    for (const node of order) {
      const fam = family(node);
      const bits = (fam !== 0 || node.is('pow') ? READ_ARITH : 0) | (node.is('mul') ? 0 : READ_NOT_MUL);
      for (const a of node.args) {
        const r = readers.get(a);
        readers.set(a, r === undefined ? READ_ONE | (fam << READ_FAMILY) | bits : (r & ~READ_ONE) | READ_MANY | bits);
      }
    }
    for (const node of order) {
      if (this.memo.has(node)) continue;
      const args = node.args.map((a) => this.memo.get(a)!);
      const rs = readers.get(node);
      const f = family(node);
      if (f !== 0 && node !== root && rs !== undefined && (rs & READ_ONE) !== 0 && ((rs >> READ_FAMILY) & 3) === f && !node.is('neg')) {
        this.memo.set(node, args.every((a, i) => a === node.args[i]) ? node : call(node.op, args));
        continue;
      }
      // the rational pass runs once per arithmetic spine: at its top (no +, −, ·, / reads this node)
      // (and for a sum inside a product: the 1/(x + 1) − x/(x + 1)² in exp(u)·(1/(x + 1) − x/(x + 1)²) is 1/(x + 1)²)
      const top = node === root || rs === undefined || (rs & READ_ARITH) === 0 || (f === 1 && (rs & READ_NOT_MUL) === 0);
      const out = this.normalize(node, args, top);
      this.memo.set(node, out);
      if (!this.memo.has(out)) this.memo.set(out, out); // simplified forms are fixed points
    }
    return this.memo.get(root)!;
  }

  private normalize(node: Expr, args: readonly Expr[], top = true): Expr {
    if (node.kind !== 'call' || args.length === 0) return node;
    const rebuilt = args.every((a, i) => a === node.args[i]) ? node : call(node.op, args);
    let candidate: Expr;
    switch (node.op) {
      case 'add':
      case 'sub':
      case 'neg':
      case 'mul':
      case 'div':
      case 'pow':
        candidate = this.buildSum(this.termsOf(rebuilt));
        if (top) candidate = this.lowest(candidate);
        break;
      case 'sqrt': {
        const special = getOp('sqrt').simplify?.(args);
        candidate = special ? this.simplify(special) : this.buildSum([this.powerTerm(args[0], R.QHALF)]);
        break;
      }
      default:
        candidate = this.simplifyCall(node.op, args);
    }
    // The guard that keeps results from growing: a normal form may add a little (x^(3/2) for √x·x), never more.
    return candidate.treeSize <= rebuilt.treeSize + 2 ? candidate : rebuilt;
  }

  /** A rational function over one denominator with common factors cancelled, when that is smaller. */
  private lowest(e: Expr): Expr {
    if (e.treeSize > LOWEST_TERMS_MAX_SIZE || e.treeSize < 5 || !worthCombining(e)) return e;
    const out = lowestTerms(e, constValue, this.writer);
    if (!out || out.treeSize >= e.treeSize) return e;
    // the fraction's pieces are in normal form; read the whole once more so the result is a fixed point
    const again = this.buildSum(this.termsOf(out));
    return inLowestTerms(again.treeSize <= out.treeSize ? again : out);
  }

  // An atom raised to a power is written through powerTerm, so an atom that is itself a power folds: √x² is x.
  private readonly writer = {
    sum: (terms: readonly { coef: Q; factors: readonly { base: Expr; exp: number }[] }[]) =>
      this.buildSum(
        terms.map((t) => {
          let coef = t.coef;
          const factors: Term['factors'][number][] = [];
          for (const f of t.factors) {
            if (f.exp === 1) {
              factors.push({ base: f.base, exp: R.Q1 });
              continue;
            }
            const p = this.powerTerm(f.base, R.q(BigInt(f.exp)));
            coef = R.mul(coef, p.coef);
            factors.push(...p.factors);
          }
          return { coef, factors };
        }),
      ),
  };

  private simplifyCall(op: string, args: readonly Expr[]): Expr {
    if (!Object.hasOwn(opTable, op)) return call(op, args); // tensor ops are opaque here
    const spec = getOp(op);
    if (spec.parity && args.length === 1) {
      const t = this.termsOf(args[0]);
      if (t.length === 1 && R.sign(t[0].coef) < 0) {
        const inner = this.buildSum([{ coef: R.neg(t[0].coef), factors: t[0].factors }]);
        const f = this.simplifyCall(op, [inner]);
        return spec.parity === 'even' ? f : this.buildSum(this.termsOf(f).map(negate));
      }
    }
    const known = signRewrite(op, args);
    if (known) return known.kind === 'call' ? this.simplify(known) : known;
    const identity = callIdentity(op, args, this.powerOf);
    if (identity) return this.simplify(identity);
    const rewritten = spec.simplify?.(args);
    if (rewritten) return rewritten === args[0] || rewritten.kind !== 'call' ? rewritten : this.simplify(rewritten);
    return call(op, args);
  }

  /** The node read as a sum of terms (memoized; nodes are immutable). */
  private termsOf(e: Expr): Term[] {
    const hit = this.termMemo.get(e);
    if (hit) return hit;
    // Walk the +/−/neg spine with an explicit stack (a 100,000-term sum must not recurse), left to right.
    const terms: Term[] = [];
    const stack: [Expr, boolean][] = [[e, false]];
    while (stack.length) {
      const [node, negated] = stack.pop()!;
      const memo = node === e ? undefined : this.termMemo.get(node);
      if (memo) {
        for (const t of memo) terms.push(negated ? negate(t) : t);
      } else if (node.is('add')) {
        stack.push([node.args[1], negated], [node.args[0], negated]);
      } else if (node.is('sub')) {
        stack.push([node.args[1], !negated], [node.args[0], negated]);
      } else if (node.is('neg')) {
        stack.push([node.args[0], !negated]);
      } else {
        const t = this.productOf(node) ?? { coef: R.Q1, factors: [{ base: node, exp: R.Q1 }] };
        terms.push(negated ? negate(t) : t);
      }
    }
    this.spend(terms.length);
    this.termMemo.set(e, terms);
    return terms;
  }

  /** The node read as one term (coefficient × factors), or undefined if it is a sum of several. */
  private productOf(e: Expr): Term | undefined {
    const c = constValue(e);
    if (c) return { coef: c, factors: R.isOne(R.abs(c)) ? [] : [{ base: COEF, exp: R.Q1 }] };
    if (e.is('mul') || e.is('div')) {
      // Walk the ·/÷ spine with an explicit stack, left to right; divisors enter inverted.
      let coef = R.Q1;
      const factors: Factor[] = [];
      const stack: [Expr, boolean][] = [[e, false]];
      while (stack.length) {
        const [node, inverted] = stack.pop()!;
        if (node.is('mul')) stack.push([node.args[1], inverted], [node.args[0], inverted]);
        else if (node.is('div')) stack.push([node.args[1], !inverted], [node.args[0], inverted]);
        else {
          const t = inverted ? this.inverse(this.single(node)) : this.single(node);
          coef = R.mul(coef, t.coef);
          for (const f of t.factors) factors.push(f);
        }
      }
      return this.normalizeTerm({ coef, factors });
    }
    if (e.is('neg')) {
      const t = this.termsOf(e.args[0]);
      return t.length === 1 ? negate(t[0]) : undefined;
    }
    if (e.is('pow')) {
      const r = constValue(e.args[1]);
      if (r) return this.powerTerm(e.args[0], r);
      return this.normalizeTerm({ coef: R.Q1, factors: [{ base: e.args[0], exp: e.args[1] }] });
    }
    if (e.is('sqrt')) return this.powerTerm(e.args[0], R.QHALF);
    if (e.is('add') || e.is('sub')) {
      const t = this.termsOf(e);
      if (t.length === 1) return t[0];
      return undefined;
    }
    return { coef: R.Q1, factors: [{ base: e, exp: R.Q1 }] };
  }

  /** One term for any node: a sum of several terms becomes a single factor. */
  private single(e: Expr): Term {
    return this.productOf(e) ?? { coef: R.Q1, factors: [{ base: e, exp: R.Q1 }] };
  }

  private inverse(t: Term): Term {
    if (R.isZero(t.coef)) return { coef: R.Q1, factors: [{ base: ZERO, exp: R.QM1 }] };
    return {
      coef: R.div(R.Q1, t.coef),
      factors: t.factors.map((f) => (f.base === COEF ? f : { base: f.base, exp: this.scaleExp(f.exp, R.QM1) })),
    };
  }

  /** base^r for a constant r. */
  private powerTerm(base: Expr, r: Q): Term {
    if (R.isZero(r)) return { coef: R.Q1, factors: [] }; // u⁰ = 1 for every u (IEEE pow: 0⁰ = 1, NaN⁰ = 1)
    const bc = constValue(base);
    if (bc) {
      // 0^r for r < 0 is ∞, which 1/0 also is (and stays: 0⁻² → 1/0, not 1/0², so the pass is idempotent)
      if (R.isZero(bc) && R.sign(r) < 0) return { coef: R.Q1, factors: [{ base: ZERO, exp: R.QM1 }] };
      if (R.sign(bc) >= 0 || R.isInt(r)) {
        const exact = R.isZero(bc) && R.sign(r) < 0 ? undefined : R.powRational(bc, r);
        if (exact) return { coef: exact, factors: R.isOne(R.abs(exact)) ? [] : [{ base: COEF, exp: R.Q1 }] };
      }
      return { coef: R.Q1, factors: [{ base, exp: r }] };
    }
    // exp(u)^r = exp(r·u)
    const ep = base.is('exp') ? expPower(base, r, this.scaled) : undefined;
    if (ep) return this.single(this.simplify(ep));
    const inner = this.termsOf(base);
    if (inner.length === 1) {
      const t = inner[0];
      if (R.isInt(r)) {
        // (c·∏ uᵢ^aᵢ)^n = cⁿ·∏ uᵢ^(aᵢ·n)
        const c = R.powInt(t.coef, r.n);
        if (c) {
          return this.normalizeTerm({
            coef: c,
            factors: t.factors.map((f) => (f.base === COEF ? f : { base: f.base, exp: this.scaleExp(f.exp, r) })),
          });
        }
      } else if (
        R.isOne(t.coef) && t.factors.length === 1 && isQ(t.factors[0].exp) && R.isInt(t.factors[0].exp) &&
        t.factors[0].exp.n % 2n === 0n && r.d === 2n
      ) {
        // (u^(2k))^(p/2) = |u|^(k·p): the even power makes the base's sign irrelevant
        const f = t.factors[0];
        return this.normalizeTerm({ coef: R.Q1, factors: [{ base: this.simplify(fn('abs', f.base)), exp: R.mul(f.exp as Q, r) }] });
      } else if (R.isOne(t.coef) && t.factors.length === 1 && isQ(t.factors[0].exp) && t.factors[0].exp.d % 2n === 0n) {
        // (u^(p/2k))^r = u^(p·r/2k): u^(p/2k) is only real for u ≥ 0, where the rule holds
        const f = t.factors[0];
        return this.normalizeTerm({ coef: R.Q1, factors: [{ base: f.base, exp: R.mul(f.exp as Q, r) }] });
      }
    }
    return { coef: R.Q1, factors: [{ base, exp: r }] };
  }

  private scaleExp(exp: Q | Expr, r: Q): Q | Expr {
    if (isQ(exp)) return R.mul(exp, r);
    const s = this.simplify(call('mul', [rationalExpr(r), exp]));
    return constValue(s) ?? s; // (x^x)⁰: the exponent 0·x is the number 0, so the factor drops in this pass
  }

  private addExp(a: Q | Expr, b: Q | Expr): Q | Expr {
    if (isQ(a) && isQ(b)) return R.add(a, b);
    const ea = isQ(a) ? rationalExpr(a) : a;
    const eb = isQ(b) ? rationalExpr(b) : b;
    const s = this.simplify(bAdd(ea, eb));
    return constValue(s) ?? s;
  }

  /** Combine like factors (keeping first-appearance order), drop x⁰, fold numeric powers into the coefficient. */
  private normalizeTerm(t: Term): Term {
    this.spend(t.factors.length);
    if (R.isZero(t.coef)) return { coef: R.Q0, factors: [] };
    const index = new Map<Expr, number>();
    const merged: { base: Expr; exp: Q | Expr }[] = [];
    for (let f of t.factors) {
      // (b^e)^n = b^(e·n) for an integer n, as reading the built b^(e·n) back gives (1/z^x is z^(−x) in one pass)
      if (f.base.is('pow') && isQ(f.exp) && R.isInt(f.exp) && !constValue(f.base.args[1])) f = { base: f.base.args[0], exp: this.scaleExp(f.base.args[1], f.exp) };
      const i = index.get(f.base);
      if (i === undefined) {
        index.set(f.base, merged.length);
        merged.push({ base: f.base, exp: f.exp });
      } else if (f.base !== COEF) merged[i].exp = this.addExp(merged[i].exp, f.exp);
    }
    const pairs = combinePairs(merged as Factor[]);
    if (pairs) {
      // sign(u)/|u| = 1/u, tan(u)·cos(u) = sin(u): rebuild with the replacements (fewer such pairs each time)
      const drop = new Set(pairs.flatMap((p) => p.replaces));
      const next: Factor[] = merged.filter((_, i) => !drop.has(i));
      let coef = t.coef;
      for (const p of pairs) {
        if (p.exp === 0) continue;
        // u^±1 enters as a term: a product u = 2·h spreads into its factors
        const pt = this.powerTerm(this.simplify(p.base), R.q(BigInt(p.exp)));
        coef = R.mul(coef, pt.coef);
        for (const f of pt.factors) next.push(f);
      }
      return this.normalizeTerm({ coef, factors: next });
    }
    // exp(a)·exp(b) = exp(a + b), cbrt(u)³ = u, 2sin(u)·cos(u) = sin(2u) (src/simplify/identities.ts)
    const identity = termIdentity(t.coef, merged as Factor[], COEF, this.linearOf, this.powerOps);
    if (identity) return this.normalizeTerm(this.rebuild(identity));
    let coef = t.coef;
    const factors: Factor[] = [];
    for (let i = 0; i < merged.length; i++) {
      const f = merged[i];
      if (isQ(f.exp) && R.isZero(f.exp)) continue;
      // 0^(−k) is ∞, which 1/0 also is (as powerTerm writes it): (y/0)² is y²/0 in one pass
      if (f.base === ZERO && isQ(f.exp) && R.sign(f.exp) < 0 && !R.eq(f.exp, R.QM1)) {
        factors.push({ base: ZERO, exp: R.QM1 });
        continue;
      }
      if (f.base === COEF) {
        factors.push(f);
        continue;
      }
      const bc = isQ(f.exp) ? constValue(f.base) : undefined;
      if (bc && isQ(f.exp) && (R.sign(bc) > 0 || R.isInt(f.exp))) {
        const exact = R.powRational(bc, f.exp);
        if (exact) {
          coef = R.mul(coef, exact);
          if (!index.has(COEF)) factors.push({ base: COEF, exp: R.Q1 }), index.set(COEF, -1);
          continue;
        }
      }
      if (isQ(f.exp) && R.isInt(f.exp) && (f.base.is('mul') || f.base.is('div'))) {
        // a product's root raised back to an integer power, √(x·y)·√(x·y) or (√(x·y))², is x·y: its factors, so it
        // meets its like terms (y·x − 2x·y is −x·y)
        const p = this.powerTerm(f.base, f.exp);
        return this.normalizeTerm({ coef: R.mul(coef, p.coef), factors: [...factors, ...p.factors, ...merged.slice(i + 1)] });
      }
      factors.push(f);
    }
    return { coef, factors };
  }

  /** Combine like terms and build the textbook form of the sum. */
  private buildSum(terms: readonly Term[]): Expr {
    const byKey = new Map<string, { coef: Q; factors: readonly Factor[] }>();
    let units = terms.length;
    for (const raw of terms) units += raw.factors.length;
    this.spend(units);
    for (const raw of terms) {
      const t = raw.factors.length > 1 ? this.normalizeTerm(raw) : raw;
      if (R.isZero(t.coef)) continue;
      const k = termKey(t);
      const prev = byKey.get(k);
      if (prev) prev.coef = R.add(prev.coef, t.coef);
      else byKey.set(k, { coef: t.coef, factors: t.factors });
    }
    const live = [...byKey.values()].filter((t) => !R.isZero(t.coef));
    if (live.length === 0) return ZERO;
    // ±(a + b) alone is the sum itself, spread (−1·(x + y) is −x − y, as a second pass would read −(x + y))
    const lone = live.length === 1 && live[0].factors.length === 1 && R.isOne(R.abs(live[0].coef)) ? live[0].factors[0] : undefined;
    if (lone && isQ(lone.exp) && R.isOne(lone.exp) && isSum(lone.base)) {
      const inner = this.termsOf(lone.base);
      if (inner.length > 1) return this.buildSum(R.sign(live[0].coef) < 0 ? inner.map(negate) : inner);
    }
    // sin²u + cos²u = 1, cosh²u − 1 = sinh²u, 1 + expm1(u) = exp(u), … (src/simplify/identities.ts): fewer terms
    const fewer = live.length > 1 ? sumIdentity(live, COEF) : undefined;
    if (fewer) return this.buildSum(fewer.map((t) => this.rebuild(t)));
    // Lead with a positive term when there is one: 1 − x², not −x² + 1.
    const firstPos = live.findIndex((t) => R.sign(t.coef) > 0);
    if (firstPos > 0) live.unshift(...live.splice(firstPos, 1));
    let acc = this.buildTerm(live[0]);
    for (let i = 1; i < live.length; i++) {
      const t = live[i];
      acc = R.sign(t.coef) < 0 ? call('sub', [acc, this.buildTerm(negate(t))]) : call('add', [acc, this.buildTerm(t)]);
    }
    return live.length > 1 ? this.factored(live, acc) : acc;
  }

  /** The sum with a long factor every term shares taken out, (sinh(u) + 3cosh(u))·exp(x² − 2x), when smaller. */
  private factored(terms: readonly Term[], plain: Expr): Expr {
    if (plain.treeSize < FACTOR_MIN_SUM) return plain;
    const cf = commonFactors(terms, COEF, FACTOR_MIN_SIZE, FACTOR_MIN_SIZE_BELOW);
    if (!cf) return plain;
    // what is left, as written and with its factored sums multiplied out (so their like terms combine): the smaller
    const innerSum = (depth: number) => {
      const inner: Term[] = [];
      for (const t of cf.reduced) {
        const f = t.factors.length === 1 ? t.factors[0] : undefined;
        // a term that is one sum (u·(a + b)) spreads into its terms
        if (f && isQ(f.exp) && R.isOne(f.exp) && isSum(f.base)) for (const u of this.termsOf(f.base)) this.distribute({ coef: R.mul(u.coef, t.coef), factors: u.factors }, inner, depth);
        else this.distribute(t as Term, inner, depth);
      }
      return this.buildSum(inner);
    };
    const shallow = innerSum(0);
    const nested = cf.reduced.some((t) => t.factors.some((f) => isSum(f.base)) || (t.factors.length === 1 && isSum(t.factors[0].base) && this.termsOf(t.factors[0].base).some((u) => u.factors.some((g) => isSum(g.base)))));
    const deep = nested ? innerSum(DISTRIBUTE_DEPTH) : shallow;
    const sum = deep.treeSize <= shallow.treeSize ? deep : shallow;
    if (!isSum(sum)) {
      // what was left collapsed to one term: (x − s)/D − x/D is −s/D
      const t = this.termsOf(sum);
      if (t.length !== 1) return plain;
      const one = this.normalizeTerm({ coef: R.mul(cf.coef, t[0].coef), factors: [...t[0].factors, ...cf.common] });
      const out = R.isZero(one.coef) ? ZERO : this.buildTerm(one);
      return out.treeSize <= plain.treeSize ? out : plain;
    }
    const front = cf.common.filter((f) => isMonomialAtom(f.base));
    const back = cf.common.filter((f) => !isMonomialAtom(f.base));
    const out = this.buildTerm({ coef: cf.coef, factors: [{ base: COEF, exp: R.Q1 }, ...front, { base: sum, exp: R.Q1 }, ...back] });
    return out.treeSize + FACTOR_MIN_GAIN <= plain.treeSize ? out : plain;
  }

  // the identities' callbacks (src/simplify/identities.ts), made once
  private readonly powerOf = (u: Expr, r: Q): Expr => this.buildSum([this.powerTerm(u, r)]);
  private readonly scaled = (u: Expr, k: Q): Expr => this.simplify(call('mul', [rationalExpr(k), u]));
  private readonly linearOf = (parts: readonly [Q, Expr][]): Expr => this.linear(parts);
  private readonly powerOps = {
    single: (b: Expr) => {
      const t = this.termsOf(b);
      return t.length === 1 ? t[0] : undefined;
    },
    addExp: (e: Q | Expr, k: Q) => this.addExp(e, k),
  };

  /** Σ pᵢ·uᵢ, simplified. */
  private linear(parts: readonly [Q, Expr][]): Expr {
    let acc: Expr | undefined;
    for (const [p, u] of parts) {
      const t = R.isOne(p) ? u : call('mul', [rationalExpr(p), u]);
      acc = acc ? call('add', [acc, t]) : t;
    }
    return this.simplify(acc ?? ZERO);
  }

  /** A term whose factors an identity wrote: new bases simplified and raised through the power rule. */
  private rebuild(t: { coef: Q; factors: readonly Factor[] }): Term {
    let coef = t.coef;
    const factors: Factor[] = [];
    for (const f of t.factors) {
      if (f.base === COEF || !isQ(f.exp) || this.memo.get(f.base) === f.base) {
        factors.push(f);
        continue;
      }
      const p = this.powerTerm(this.simplifyNew(f.base), f.exp);
      coef = R.mul(coef, p.coef);
      for (const g of p.factors) factors.push(g);
    }
    return { coef, factors };
  }

  /** A node an identity wrote; one whose arguments are already simplified is normalized directly (no graph walk). */
  private simplifyNew(e: Expr): Expr {
    const hit = this.memo.get(e);
    if (hit) return hit;
    if (e.kind !== 'call' || !e.args.every((a) => this.memo.get(a) === a)) return this.simplify(e);
    const out = this.normalize(e, e.args);
    this.memo.set(e, out);
    if (!this.memo.has(out)) this.memo.set(out, out);
    return out;
  }

  /**
   * A term with a sum among its factors, multiplied out into `out`: c·F·(a + b) = c·F·a + c·F·b (depth levels deep,
   * at most DISTRIBUTE_MAX_TERMS terms in all), so the like terms a factored sum hides combine with the others:
   * 2y·(x·sin(x) − cos(x))·log(x) + 2y·x·sin(x)·log(x) is 4y·x·sin(x)·log(x) − 2y·cos(x)·log(x).
   */
  private distribute(t: Term, out: Term[], depth: number): void {
    const i = depth > 0 ? t.factors.findIndex((f) => isQ(f.exp) && R.isOne(f.exp) && isSum(f.base)) : -1;
    const inner = i >= 0 ? this.termsOf(t.factors[i].base) : undefined;
    if (!inner || out.length + inner.length > DISTRIBUTE_MAX_TERMS) {
      out.push(t);
      return;
    }
    const rest = t.factors.filter((_, j) => j !== i);
    for (const u of inner) {
      // the number first, then the sum's term, then the rest: −2(y·x − 1)·log(x) is −2y·x·log(x) + 2log(x)
      const factors = [{ base: COEF, exp: R.Q1 }, ...u.factors.filter((f) => f.base !== COEF), ...rest.filter((f) => f.base !== COEF)];
      this.distribute(this.normalizeTerm({ coef: R.mul(t.coef, u.coef), factors }), out, depth - 1);
    }
  }

  /** coefficient × factors → sign in front, numerator · …, then / denominator. */
  private buildTerm(t: Term): Expr {
    const negative = R.sign(t.coef) < 0;
    const c = R.abs(t.coef);
    const numer: Expr[] = [];
    const denom: Expr[] = [];
    const decimal = c.dec && !R.isInt(c) ? R.decimalText(c) : undefined;
    const top = decimal !== undefined ? num(Number(decimal)) : c.n === 1n ? ONE : rationalExpr(q1(c.n));
    const bottom = decimal !== undefined || R.isInt(c) ? undefined : rationalExpr(q1(c.d));
    const showTop = !(top.isNum(1));
    let placed = false;
    for (const f of t.factors) {
      if (f.base === COEF) {
        if (showTop && !placed) numer.push(top);
        placed = true;
        continue;
      }
      if (isQ(f.exp) && R.sign(f.exp) < 0) denom.push(powerExpr(f.base, R.neg(f.exp)));
      else numer.push(powerExpr(f.base, f.exp));
    }
    if (showTop && !placed) numer.unshift(top);
    // The number stays in place only before a monomial it reads with (exp(x³)·3x², −sin(x²)·2x); anywhere else
    // it moves to the front: 2√(1 + x²)·exp(2x), not √(1 + x²)·2·exp(2x).
    // Before it only plain symbols and constants (a·2x, π·2x)? Then it leads too: 2a·x, 2π·x.
    const at = showTop ? numer.indexOf(top) : -1;
    if (at > 0) {
      const next = numer[at + 1];
      const monomial = next !== undefined && isMonomialAtom(next);
      if (!monomial || numer.slice(0, at).every(isMonomialAtom)) numer.unshift(...numer.splice(at, 1));
    }
    if (bottom) denom.unshift(bottom);
    let e = numer.length ? product(numer) : ONE;
    if (denom.length) e = call('div', [e, product(denom)]);
    return negative ? bNeg(e) : e;
  }
}

/** 1 for +, −, negation; 2 for ·, /; 0 for anything else. */
const FAMILY = new Map([['add', 1], ['sub', 1], ['neg', 1], ['mul', 2], ['div', 2]]);
const family = (e: Expr): number => (e.kind === 'call' ? (FAMILY.get(e.op) ?? 0) : 0);
/** Bits of what simplifyUncounted knows of a node's readers. */
const READ_ONE = 1, READ_MANY = 2, READ_FAMILY = 2, READ_ARITH = 16, READ_NOT_MUL = 32;

/** What the rational pass wrote: a fraction already in lowest terms (settle() need not run the pass on it again). */
const LOWEST = new WeakSet<Expr>();
function inLowestTerms(e: Expr): Expr {
  LOWEST.add(e);
  return e;
}

/** Factors multiplied left to right, a factor that is itself a product spliced in (2·(a·b) is 2·a·b), as a second pass would. */
function product(factors: readonly Expr[]): Expr {
  const flat: Expr[] = [];
  const stack = [...factors].reverse();
  while (stack.length) {
    const f = stack.pop()!;
    if (f.is('mul')) stack.push(f.args[1], f.args[0]);
    else flat.push(f);
  }
  return flat.reduce((a, b) => call('mul', [a, b]));
}

const isSum = (e: Expr) => e.is('add') || e.is('sub');

/**
 * Whether putting e over one denominator might pay: a sum divided by or multiplied with a sum somewhere on e's
 * +, −, ·, / spine (a fraction with a sum below, or a product with a sum factor inside a sum). Cheap: it stops at
 * function calls, so most derivative terms (x²·cos(x) + 2x·sin(x)) skip the rational pass.
 */
function worthCombining(e: Expr): boolean {
  // already one fraction with a monomial on top: nothing can cancel (a polynomial never divides a monomial)
  const f = e.is('neg') ? e.args[0] : e;
  // (unless two sums are multiplied below, which may multiply out smaller: 1/((x − 1)·(x + 1)) is 1/(x² − 1))
  if (f.is('div') && spineHas(f.args[0], (n) => isSum(n) || n.is('div')) === false && !spineHas(f.args[1], (n) => n.is('div'), true) && sumFactors(f.args[1]) < 2) return false;
  const stack: [Expr, boolean][] = [[e, false]];
  while (stack.length) {
    const [node, inSum] = stack.pop()!;
    if (isSum(node) || node.is('neg')) {
      for (const a of node.args) stack.push([a, true]);
    } else if (node.is('div')) {
      let d = node.args[1];
      while (d.is('pow') || d.is('mul')) {
        if (d.is('mul') && (isSum(d.args[0]) || isSum(d.args[1]))) return true;
        d = d.args[0];
      }
      if (isSum(d)) return true;
      // a sum over a non-constant divisor among other terms: 1/x − (x + 10)/x² is −10/x²
      if (inSum && isSum(node.args[0]) && node.args[1].kind !== 'num') return true;
      stack.push([node.args[0], inSum]);
    } else if (node.is('mul')) {
      if (inSum && (isSum(node.args[0]) || isSum(node.args[1]))) return true;
      stack.push([node.args[0], inSum], [node.args[1], inSum]);
    } else if (node.is('pow') && node.args[1].kind === 'num') {
      stack.push([node.args[0], inSum]);
    }
  }
  return false;
}

/** How many sums stand as factors on e's · and integer-power spine. */
function sumFactors(e: Expr): number {
  let n = 0;
  const stack = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (isSum(x)) n++;
    else if (x.is('mul')) stack.push(x.args[0], x.args[1]);
    else if (x.is('pow') && x.args[1].kind === 'num') stack.push(x.args[0]);
  }
  return n;
}

/** Whether a node on e's ·, /, integer-power spine (and +, − with throughSums; e itself included) satisfies test. */
function spineHas(e: Expr, test: (n: Expr) => boolean, throughSums = false): boolean {
  const stack = [e];
  while (stack.length) {
    const n = stack.pop()!;
    if (test(n)) return true;
    if (n.is('mul') || n.is('div') || (throughSums && isSum(n))) stack.push(n.args[0], n.args[1]);
    else if (throughSums && n.is('neg')) stack.push(n.args[0]);
    else if (n.is('pow') && n.args[1].kind === 'num') stack.push(n.args[0]);
  }
  return false;
}

/** x, π, x² — what a number reads naturally in front of. */
function isMonomialAtom(e: Expr): boolean {
  if (e.is('pow')) e = e.args[0];
  return e.kind === 'sym' || (e.kind === 'call' && e.args.length === 0);
}

function q1(n: bigint): Q {
  return R.q(n);
}

function negate(t: Term): Term {
  return { coef: R.neg(t.coef), factors: t.factors };
}

/** Order-free identity of a term's factors, for combining like terms. */
function termKey(t: { factors: readonly Factor[] }): string {
  const fs = t.factors;
  // one factor (besides the number's place): its part alone, as the general case below writes it
  if (fs.length === 1 || (fs.length === 2 && (fs[0].base === COEF) !== (fs[1].base === COEF))) {
    const f = fs.length === 1 || fs[1].base === COEF ? fs[0] : fs[1];
    if (f.base !== COEF) return `${f.base.id}^${isQ(f.exp) ? R.key(f.exp) : 'e' + f.exp.id}`;
  }
  const parts: string[] = [];
  for (const f of t.factors) {
    if (f.base === COEF) continue;
    parts.push(`${f.base.id}^${isQ(f.exp) ? R.key(f.exp) : 'e' + f.exp.id}`);
  }
  return parts.sort().join('*');
}

/** base^exp in output form: u, √u, u^n, u^(p/q), u^expr. */
function powerExpr(base: Expr, exp: Q | Expr): Expr {
  if (!isQ(exp)) return call('pow', [base, exp]);
  if (R.isOne(exp)) return base;
  if (R.eq(exp, R.QHALF)) return fn('sqrt', base);
  return call('pow', [base, rationalExpr(exp)]);
}

/** Simplify an expression (a fresh memo per call). */
export function simplify(e: Expr): Expr {
  return settle(new Simplifier().simplify(e));
}

/**
 * A simplified form settled: one pass can leave what only the assembled result shows (a factor that cancels once
 * the product around it is built), so the pass runs again on its own output until nothing changes, at most twice
 * more, so it stays bounded; simplify(simplify(e)) === simplify(e) is pinned by tests.
 */
export function settle(e: Expr): Expr {
  // Only a result the rational pass may still act on can change (other rewrites are complete in one pass), and not
  // one the rational pass itself just wrote or left as it was.
  if (!worthCombining(e) || LOWEST.has(e)) return e;
  let s = e;
  for (let k = 0; k < 2; k++) {
    const t = new Simplifier().simplify(s);
    if (t === s) break;
    s = t;
  }
  return s;
}
