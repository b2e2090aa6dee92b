// Sign knowledge and the real identities the term normalizer uses.
//
// In:  simplified Exprs.  Out: what is known of their sign over the reals ('pos': > 0 wherever defined, 'nonneg':
// ≥ 0 wherever defined, undefined: unknown), and rewrites that use it:
//   abs(u) = relu(u) = u where u ≥ 0 and sign(u) = step(u) = 1 where u > 0: exp, cosh, √, abs, even powers, positive
//   constants, sigmoid, softplus, erfc, sech, hypot, acos, acosh, and sums, products and quotients of those
//   (x² + 1 > 0); max(a, b, a) = max(a, b);
//   log(1/u) = −log(u); a variable-free argument decided by its value (./constants.ts).
// Every rule keeps the value wherever both sides are defined.

import { Expr, call, num } from '../ir/expr.js';
import { constantRewrite, constantSign } from './constants.js';

export type SignInfo = 'pos' | 'nonneg' | undefined;

const cache = new WeakMap<Expr, SignInfo | null>();

/** What is known of e's sign for every real value of its variables (where e is defined). */
export function signOf(e: Expr): SignInfo {
  const hit = cache.get(e);
  if (hit !== undefined) return hit ?? undefined;
  const s = compute(e);
  cache.set(e, s ?? null);
  return s;
}

function both(a: SignInfo, b: SignInfo): SignInfo {
  if (!a || !b) return undefined;
  return a === 'pos' && b === 'pos' ? 'pos' : 'nonneg';
}

function compute(e: Expr): SignInfo {
  if (e.kind === 'num') return e.value > 0 ? 'pos' : e.value === 0 ? 'nonneg' : undefined;
  if (e.kind === 'sym') return undefined;
  const k = constantSign(e); // a constant such as π − 3 or log(2): its value decides
  if (k !== undefined) return k > 0 ? 'pos' : undefined;
  const a = e.args;
  switch (e.op) {
    case 'pi':
    case 'e':
    case 'exp':
    case 'cosh':
      return a.length === 0 || e.op === 'exp' || e.op === 'cosh' ? 'pos' : undefined;
    case 'sigmoid':
    case 'softplus':
    case 'erfc':
    case 'sech':
      return 'pos';
    case 'sqrt':
    case 'abs':
    case 'relu':
    case 'step':
    case 'acos':
    case 'asec':
    case 'acosh':
      return 'nonneg';
    case 'hypot': // ≥ each |argument|: > 0 when one argument is known > 0 or is a nonzero constant
      return a.some((u) => signOf(u) === 'pos' || constantSign(u) !== undefined) ? 'pos' : 'nonneg';
    case 'add': {
      const x = signOf(a[0]);
      const y = signOf(a[1]);
      if (!x || !y) return undefined;
      return x === 'pos' || y === 'pos' ? 'pos' : 'nonneg';
    }
    case 'mul':
    case 'div':
      return both(signOf(a[0]), signOf(a[1]));
    case 'pow': {
      const base = signOf(a[0]);
      const n = a[1].kind === 'num' ? a[1].value : undefined;
      if (n !== undefined && Number.isInteger(n) && n % 2 === 0) return base === 'pos' ? 'pos' : 'nonneg';
      if (base === 'pos') return 'pos';
      return base === 'nonneg' ? 'nonneg' : undefined;
    }
    default:
      return undefined;
  }
}

/** abs(u) = u for u ≥ 0; sign(u) = 1 for u > 0; log(1/u) = −log(u). Undefined when no rule applies. */
export function signRewrite(op: string, args: readonly Expr[]): Expr | undefined {
  // a constant argument decides: abs(1 − π) = π − 1, floor(π) = 3, max(x, 2, 3) = max(x, 3) (./constants.ts)
  const constant = constantRewrite(op, args);
  if (constant) return constant;
  // max(a, b, a) = max(a, b): a repeated argument changes neither the value nor (ties go to the first) the derivative
  if ((op === 'max' || op === 'min') && args.length > 1) {
    const distinct = [...new Set(args)];
    if (distinct.length === args.length) return undefined;
    return distinct.length === 1 ? distinct[0] : call(op, distinct);
  }
  if (args.length !== 1 || (op !== 'abs' && op !== 'sign' && op !== 'log' && op !== 'relu' && op !== 'step')) return undefined;
  const s = op === 'log' ? undefined : signOf(args[0]);
  if ((op === 'abs' || op === 'relu') && s) return args[0];
  if ((op === 'sign' || op === 'step') && s === 'pos') return num(1);
  // log(1/u) = −log(u): both are defined exactly where u > 0
  if (op === 'log' && args[0].is('div') && args[0].args[0].isNum(1)) return call('neg', [call('log', [args[0].args[1]])]);
  return undefined;
}

/** The reciprocal functions and what they are the reciprocal of. */
const RECIPROCAL: Readonly<Record<string, string | undefined>> = { __proto__: null, sec: 'cos', csc: 'sin', cot: 'tan', sech: 'cosh', csch: 'sinh', coth: 'tanh' } as never;
/** q(u)·d(u) = n(u) for q = n/d: tan·cos = sin, cot·sin = cos, tanh·cosh = sinh, coth·sinh = cosh. */
const QUOTIENT: Readonly<Record<string, [string, string] | undefined>> = { __proto__: null, tan: ['cos', 'sin'], cot: ['sin', 'cos'], tanh: ['cosh', 'sinh'], coth: ['sinh', 'cosh'] } as never;
const PAIR_OPS: ReadonlySet<string> = new Set(['sign', ...Object.keys(RECIPROCAL), ...Object.keys(QUOTIENT)]);

/** A factor base^exp of a term, as the simplifier keeps it (a rational exponent, or an Expr). */
export interface PairFactor {
  readonly base: Expr;
  readonly exp: { n: bigint; d: bigint } | Expr;
}

const intExp = (f: PairFactor): number | undefined =>
  !(f.exp instanceof Expr) && f.exp.d === 1n && f.exp.n >= -64n && f.exp.n <= 64n ? Number(f.exp.n) : undefined;

/**
 * Products of functions of the same argument that are one simpler function, over a term's merged factors:
 *   sign(u)·|u|⁻¹ = u⁻¹ and sign(u)·|u| = u;   tan(u)ᵃ·cos(u)ᵇ = sin(u)ᵐ·tan(u)ᵃ⁻ᵐ·cos(u)ᵇ⁻ᵐ, m = min(a, b) > 0,
 *   and so cot·sin = cos, tanh·cosh = sinh, coth·sinh = cosh;   sec(u)⁻ᵏ = cos(u)ᵏ (csc, cot, sech, csch, coth alike).
 * Returns the replacement factors (integer exponents), or undefined when no pair is present.
 */
export function combinePairs(factors: readonly PairFactor[]): { base: Expr; exp: number; replaces: number[] }[] | undefined {
  if (!factors.some((f) => f.base.kind === 'call' && PAIR_OPS.has(f.base.op))) return undefined;
  const out: { base: Expr; exp: number; replaces: number[] }[] = [];
  const used = new Set<number>();
  for (let i = 0; i < factors.length; i++) {
    const f = factors[i];
    if (used.has(i) || f.base.kind !== 'call' || f.base.args.length !== 1) continue;
    const u = f.base.args[0];
    const a = intExp(f);
    if (a === undefined) continue;
    // 1/sec(u) = cos(u), 1/csch(u) = sinh(u), …: a reciprocal function to a negative power is its base function
    const base = RECIPROCAL[f.base.op];
    if (base && a < 0) {
      out.push({ base: call(base, [u]), exp: -a, replaces: [i] });
      used.add(i);
      continue;
    }
    const quotient = QUOTIENT[f.base.op];
    for (let j = 0; j < factors.length; j++) {
      if (j === i || used.has(j)) continue;
      const g = factors[j];
      if (g.base.kind !== 'call' || g.base.args[0] !== u || g.base.args.length !== 1) continue;
      const b = intExp(g);
      if (b === undefined) continue;
      if (f.base.op === 'sign' && a === 1 && g.base.op === 'abs' && (b === 1 || b === -1)) {
        out.push({ base: u, exp: b, replaces: [i, j] });
        used.add(i).add(j);
        break;
      }
      if (quotient && g.base.op === quotient[0] && a > 0 && b > 0) {
        const m = Math.min(a, b);
        out.push({ base: call(quotient[1], [u]), exp: m, replaces: [] });
        out.push({ base: f.base, exp: a - m, replaces: [i] });
        out.push({ base: g.base, exp: b - m, replaces: [j] });
        used.add(i).add(j);
        break;
      }
    }
  }
  return out.length ? out : undefined;
}
