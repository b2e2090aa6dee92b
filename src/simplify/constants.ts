// Functions of constants decided by their float64 value, where the value leaves no doubt.
//
// In:  simplified Exprs (a variable-free one: numbers, π, e and elementwise calls of them).
// Out: constantValue(e) — e's float64 value and the largest magnitude met on the way (how much rounding it can
//      carry), or undefined for an expression with a variable or a tensor op; and constantRewrite(op, args), the
//      exact result of a call whose answer a constant decides:
//        abs(c) = c or −c, sign(c) = ±1, step(c) = 1 or 0, relu(c) = c or 0     (abs(1 − π) = π − 1)
//        floor, ceil, round, trunc of c: the integer                            (floor(π) = 3, round(1/2) = 0)
//        min/max: a constant argument another constant argument beats is dropped (max(x, 2, 3) = max(x, 3))
// A decision is taken only when the value is farther than MARGIN (relative to the largest magnitude met) from the
// point where the answer changes (0 for the signs, the integers or half-integers for the integer parts, each
// other for min/max), so float64 rounding cannot flip it; an exact rational p/q (q < 2^31) decides at the tie too
// (round(1/2) = 0, ties to even). Otherwise undefined: the call stays as written.

import { Expr, call, num } from '../ir/expr.js';
import { lit } from '../ir/build.js';
import { opTable } from '../ir/ops.js';

/** How far from a decision point a value must be, relative to the largest magnitude in its computation. */
const MARGIN = 1e-9;

interface ConstValue {
  readonly v: number;
  /** The largest |value| among the expression's nodes (≥ 1): rounding errors scale with it. */
  readonly scale: number;
}

const cache = new WeakMap<Expr, ConstValue | null>();

/** e's float64 value when e has no variable (and only elementwise ops), else undefined. */
export function constantValue(e: Expr): ConstValue | undefined {
  if (e.kind === 'num') return { v: e.value, scale: Math.max(1, Math.abs(e.value)) };
  if (e.kind !== 'call') return undefined;
  const hit = cache.get(e);
  if (hit !== undefined) return hit ?? undefined;
  let out: ConstValue | undefined;
  const spec = Object.hasOwn(opTable, e.op) ? opTable[e.op] : undefined;
  if (spec) {
    const xs: number[] = [];
    let scale = 1;
    for (const a of e.args) {
      const c = constantValue(a);
      if (!c) break;
      xs.push(c.v);
      scale = Math.max(scale, c.scale);
    }
    if (xs.length === e.args.length) {
      const v = spec.eval(...xs);
      out = { v, scale: Math.max(scale, Number.isFinite(v) ? Math.abs(v) : scale) };
    }
  }
  cache.set(e, out ?? null);
  return out;
}

/** The exact value p/q of a rational literal (n, −n, n/m, −(n/m)) with small parts, else undefined. */
function exactRational(e: Expr): number | undefined {
  const inner = e.is('neg') ? e.args[0] : e;
  const s = e.is('neg') ? -1 : 1;
  if (inner.kind === 'num') return s * inner.value;
  if (inner.is('div') && inner.args[0].kind === 'num' && inner.args[1].kind === 'num') {
    const [p, q] = [inner.args[0].value, inner.args[1].value];
    if (Number.isInteger(p) && Number.isInteger(q) && q > 0 && p < 2 ** 31 && q < 2 ** 31) return (s * p) / q;
  }
  return undefined;
}

/** The value of a variable-free, non-literal argument, when it is finite (literals are the ops' own rules). */
function decided(u: Expr): ConstValue | undefined {
  if (u.kind !== 'call') return undefined;
  const c = constantValue(u);
  return c && Number.isFinite(c.v) ? c : undefined;
}

const INTEGER_PART: Readonly<Record<string, [(x: number) => number, number]>> = {
  // the function (on values), and where its jumps sit relative to the integers
  floor: [Math.floor, 0],
  ceil: [Math.ceil, 0],
  trunc: [Math.trunc, 0],
  round: [(x) => opTable.round!.eval(x), 0.5],
};

/** 1 or −1 for a variable-free expression clearly away from 0, else undefined. */
export function constantSign(e: Expr): 1 | -1 | undefined {
  const c = e.kind === 'call' ? decided(e) : undefined;
  return c && Math.abs(c.v) > MARGIN * c.scale ? (c.v > 0 ? 1 : -1) : undefined;
}

/** The exact result of op(args) where a constant argument decides it, else undefined. */
export function constantRewrite(op: string, args: readonly Expr[]): Expr | undefined {
  if ((op === 'max' || op === 'min') && args.length > 1) return extremum(op, args);
  if (args.length !== 1) return undefined;
  const part = Object.hasOwn(INTEGER_PART, op) ? INTEGER_PART[op] : undefined;
  if (!part && op !== 'abs' && op !== 'sign' && op !== 'step' && op !== 'relu') return undefined;
  const u = args[0];
  const c = decided(u);
  if (!c) return undefined;
  if (part) {
    const [f, offset] = part;
    const exact = exactRational(u);
    const d = Math.abs(c.v - offset - Math.round(c.v - offset));
    if (exact === undefined && d <= MARGIN * c.scale) return undefined;
    const r = f(exact ?? c.v);
    return Number.isSafeInteger(r) ? lit(r === 0 ? 0 : r) : undefined;
  }
  if (Math.abs(c.v) <= MARGIN * c.scale) return undefined;
  const positive = c.v > 0;
  switch (op) {
    case 'abs':
      return positive ? u : call('neg', [u]);
    case 'sign':
      return positive ? num(1) : call('neg', [num(1)]);
    case 'step':
      return num(positive ? 1 : 0);
    default: // relu
      return positive ? u : num(0);
  }
}

/** max/min with the constant arguments another constant argument clearly beats left out (order kept). */
function extremum(op: 'max' | 'min', args: readonly Expr[]): Expr | undefined {
  const values = args.map((a) => (a.kind === 'num' ? constantValue(a) : decided(a)));
  const s = op === 'max' ? 1 : -1;
  let best = -1;
  for (let i = 0; i < args.length; i++) {
    const c = values[i];
    if (c && (best < 0 || s * (c.v - values[best]!.v) > 0)) best = i;
  }
  if (best < 0) return undefined;
  const b = values[best]!;
  const keep = args.filter((_, i) => {
    const c = values[i];
    return !c || i === best || s * (b.v - c.v) <= MARGIN * Math.max(b.scale, c.scale);
  });
  if (keep.length === args.length) return undefined;
  return keep.length === 1 ? keep[0] : call(op, keep);
}
