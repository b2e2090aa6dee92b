// The public API's functions with their arguments checked: a string where an Expr is expected, null, an unknown
// style, a variable name that is not a string, an ambiguous derivative(e) without a variable, a result too large to
// print — each an ExprError that says what was wrong, never a TypeError from deep inside or a silent 0.
//
// In:  what JavaScript callers pass (unknown).  Out: the same results as the unchecked functions (src/diff,
//      src/simplify, src/print, src/eval, src/ir/walk), which the rest of exprgrad calls directly.

import { Expr } from './ir/expr.js';
import { ZERO } from './ir/build.js';
import { topo as topo_, freeVars, dagSize } from './ir/walk.js';
import { derivative as derivative_, gradient as gradient_, jacobian as jacobian_, hessian as hessian_, type DerivativeOptions } from './diff/diff.js';
import { simplify as simplify_ } from './simplify/simplify.js';
import { format as format_, STYLES, type Style } from './print/print.js';
import { formatCse as formatCse_ } from './print/cse.js';
import { evaluate as evaluate_, type Values } from './eval/evaluate.js';
import { ExprError, quoteValue } from './errors.js';

/** Most nodes a formula may have when written out in full (about 5–10 MB of text); formatCse prints shared parts once. */
export const MAX_PRINTED_NODES = 1_000_000;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `the string ${quoteValue(v, 30)} (parse it first: parse(text))`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ? `a ${(v as object).constructor.name}` : 'an object';
  return `a ${typeof v}`;
}

export function expectExpr(v: unknown, fn: string, what = 'its first argument'): asserts v is Expr {
  if (!(v instanceof Expr)) throw new ExprError('usage', `${fn}(): ${what} must be an Expr (from parse()), got ${describe(v)}`);
}

function expectExprs(v: unknown, fn: string): asserts v is readonly Expr[] {
  if (!Array.isArray(v)) throw new ExprError('usage', `${fn}(): expected an array of Expr, got ${describe(v)}`);
  v.forEach((e, i) => expectExpr(e, fn, `element ${i}`));
}

function expectVars(v: unknown, fn: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new ExprError('usage', `${fn}(): the variables must be an array of names, got ${describe(v)}`);
}

function expectStyle(style: unknown, fn: string): asserts style is Style {
  if (!(STYLES as readonly unknown[]).includes(style)) throw new ExprError('usage', `${fn}(): unknown style ${quoteValue(style, 20)} (expected ${STYLES.join(', ')})`);
}

/** Printing e in full would exceed MAX_PRINTED_NODES: an error that suggests the shared-subexpression form. */
export function checkPrintable(e: Expr): void {
  if (e.treeSize > MAX_PRINTED_NODES) {
    throw new ExprError(
      'too-large',
      `the result has ${e.treeSize.toExponential(2)} nodes when written out in full (the limit is ${MAX_PRINTED_NODES.toLocaleString('en-US')}); ` +
        `print it with shared subexpressions named (formatCse, exprgrad --cse: ${dagSize(e).toLocaleString('en-US')} distinct nodes)`,
    );
  }
}

/**
 * dⁿe/d(wrt)ⁿ. Without a variable: the only free variable; a constant's derivative is 0; with several free variables
 * the variable must be named.
 */
export function derivative(e: Expr, wrt?: string, order = 1, options?: DerivativeOptions): Expr {
  expectExpr(e, 'derivative');
  if (wrt === undefined) {
    const free = freeVars(e);
    if (free.length === 0) return ZERO;
    if (free.length > 1) throw new ExprError('usage', `derivative(): the expression has several variables (${free.join(', ')}); name the one to differentiate by`);
    wrt = free[0];
  }
  if (typeof wrt !== 'string' || wrt === '') throw new ExprError('usage', `derivative(): the variable must be a name, got ${describe(wrt)}`);
  if (typeof order !== 'number') throw new ExprError('usage', `derivative(): the order must be a non-negative integer, got ${describe(order)}`);
  return derivative_(e, wrt, order, options);
}

export function gradient(e: Expr, vars?: readonly string[]): Map<string, Expr> {
  expectExpr(e, 'gradient');
  expectVars(vars, 'gradient');
  return gradient_(e, vars);
}

export function jacobian(exprs: readonly Expr[], vars?: readonly string[]): Expr[][] {
  expectExprs(exprs, 'jacobian');
  expectVars(vars, 'jacobian');
  return jacobian_(exprs, vars);
}

export function hessian(e: Expr, vars?: readonly string[]): Expr[][] {
  expectExpr(e, 'hessian');
  expectVars(vars, 'hessian');
  return hessian_(e, vars);
}

export function simplify(e: Expr): Expr {
  expectExpr(e, 'simplify');
  return simplify_(e);
}

export function format(e: Expr, style: Style = 'unicode'): string {
  expectExpr(e, 'format');
  expectStyle(style, 'format');
  checkPrintable(e);
  return format_(e, style);
}

export function formatCse(e: Expr, style: Style = 'unicode', known?: ReadonlyMap<Expr, string>): string {
  expectExpr(e, 'formatCse');
  expectStyle(style, 'formatCse');
  if (known !== undefined && !(known instanceof Map)) throw new ExprError('usage', `formatCse(): known names must be a Map from Expr to name, got ${describe(known)}`);
  return formatCse_(e, style, known);
}

export function evaluate(e: Expr, values: Values = {}): number {
  expectExpr(e, 'evaluate');
  if (values === null || typeof values !== 'object') throw new ExprError('value', `evaluate(): values must be an object such as { x: 2 }, got ${describe(values)}`);
  return evaluate_(e, values);
}

export function topo(roots: Expr | readonly Expr[]): Expr[] {
  if (Array.isArray(roots)) expectExprs(roots, 'topo');
  else expectExpr(roots, 'topo');
  return topo_(roots);
}
