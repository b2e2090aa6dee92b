// Smart constructors: the graph's own builders, with cheap local folds only.
//
// In:  child nodes.  Out: a node, where a fold applies without looking deeper than one level:
//   u + 0 = u      0 + u = u      u − 0 = u      0 − u = −u     u − u = 0
//   1·u = u        u·1 = u        0·u = 0        u·0 = 0        (−a)·b = −(a·b)   a·(−b) = −(a·b)
//   u/1 = u        0/u = 0        (−a)/b = −(a/b)
//   u^1 = u        u^0 = 1        1^u = 1
//   −(−u) = u      −0 = 0
//   integer arithmetic on two integer literals when the result is an exact safe integer.
// Note 0·u = 0 and 0/u = 0 ignore u's domain (0·log(−1)); differentiation relies on it, as every CAS does.
// Everything else (like terms, rationals, powers) is the simplifier's job (src/simplify/).
// The parser does NOT use these: it builds exactly what was written (src/ir/expr.ts `call`).

import { Expr, call, num } from './expr.js';

export const ZERO = num(0);
export const ONE = num(1);
export const TWO = num(2);

/** Signed literal: num(v) for v ≥ 0, −num(|v|) otherwise. */
export function lit(v: number): Expr {
  return v < 0 ? neg(num(-v)) : num(v);
}

/** The value of a signed literal (num, or −num), else undefined: the one reading of literals in the graph. */
export function literalValue(e: Expr): number | undefined {
  if (e.kind === 'num') return e.value;
  if (e.is('neg') && e.args[0].kind === 'num') return -e.args[0].value;
  return undefined;
}

/** The value of an integer literal or negated integer literal, else undefined. */
export function intValue(e: Expr): number | undefined {
  const v = literalValue(e);
  return v !== undefined && Number.isInteger(v) ? v : undefined;
}

function safeInt(v: number): Expr | undefined {
  return Number.isSafeInteger(v) ? lit(v) : undefined;
}

export function neg(u: Expr): Expr {
  if (u.is('neg')) return u.args[0];
  if (u.isNum(0)) return u;
  return call('neg', [u]);
}

export function add(a: Expr, b: Expr): Expr {
  if (a.isNum(0)) return b;
  if (b.isNum(0)) return a;
  const x = intValue(a);
  const y = intValue(b);
  if (x !== undefined && y !== undefined) return safeInt(x + y) ?? call('add', [a, b]);
  if (b.is('neg')) return sub(a, b.args[0]);
  return call('add', [a, b]);
}

export function sub(a: Expr, b: Expr): Expr {
  if (b.isNum(0)) return a;
  if (a.isNum(0)) return neg(b);
  if (a === b) return ZERO;
  const x = intValue(a);
  const y = intValue(b);
  if (x !== undefined && y !== undefined) return safeInt(x - y) ?? call('sub', [a, b]);
  if (b.is('neg')) return add(a, b.args[0]);
  return call('sub', [a, b]);
}

export function mul(a: Expr, b: Expr): Expr {
  if (a.isNum(0) || b.isNum(0)) return ZERO;
  if (a.isNum(1)) return b;
  if (b.isNum(1)) return a;
  const x = intValue(a);
  const y = intValue(b);
  if (x !== undefined && y !== undefined) return safeInt(x * y) ?? call('mul', [a, b]);
  if (a.is('neg')) return neg(mul(a.args[0], b));
  if (b.is('neg')) return neg(mul(a, b.args[0]));
  return call('mul', [a, b]);
}

export function div(a: Expr, b: Expr): Expr {
  if (b.isNum(1)) return a;
  if (a.isNum(0)) return ZERO;
  if (a === b) return ONE;
  if (a.is('neg')) return neg(div(a.args[0], b));
  if (b.is('neg')) return neg(div(a, b.args[0]));
  return call('div', [a, b]);
}

export function pow(a: Expr, b: Expr): Expr {
  if (b.isNum(1)) return a;
  if (b.isNum(0) || a.isNum(1)) return ONE;
  const x = intValue(a);
  const y = intValue(b);
  if (x !== undefined && y !== undefined && y >= 0 && y <= 64) return safeInt(x ** y) ?? call('pow', [a, b]);
  return call('pow', [a, b]);
}

/** A function call by op name (sin, exp, …), no folding. */
export function fn(op: string, ...args: Expr[]): Expr {
  return call(op, args);
}

export function square(u: Expr): Expr {
  return pow(u, TWO);
}
