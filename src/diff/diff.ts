// Symbolic differentiation over the graph, driven by the op table.
//
// In:  an Expr, a variable name (others are held constant), an order.
// Out: the derivative, simplified (src/simplify/) after each order, so higher orders stay small.
//
// d(node) = Σᵢ termᵢ, over the arguments that depend on the variable only (zero derivatives are skipped, so
// d/dx x³ never builds log(x)); termᵢ = ∂node/∂argᵢ · d(argᵢ), outer derivative first (the chain-rule order a
// textbook writes), or the op's own dTerm (products keep factor order: (ab)' = a'b + ab').
// One memo per call: each distinct node is differentiated once, iteratively (no recursion).

import { Expr } from '../ir/expr.js';
import { ONE as ONE_, ZERO, add, mul } from '../ir/build.js';
import { getOp, opTable } from '../ir/ops.js';
import { scalarReductions } from '../ir/scalar-reductions.js';
import { topo, freeVars, dependencySet, dagSize } from '../ir/walk.js';
import { Simplifier, settle } from '../simplify/simplify.js';
import { ExprError } from '../errors.js';

/** The raw (unsimplified) first derivative: chain rule straight from the op table. */
export function differentiate(e: Expr, wrt: string): Expr {
  e = scalarReductions(e); // sum/mean/max of a scalar are the scalar
  const order = topo(e);
  const deps = dependencySet(e, wrt, order);
  if (!deps.has(e)) return ZERO;
  const d = new Map<Expr, Expr>();
  for (const node of order) {
    if (!deps.has(node)) continue;
    if (node.kind === 'sym') {
      d.set(node, node.name === wrt ? ONE_ : ZERO);
      continue;
    }
    if (!Object.hasOwn(opTable, node.op)) throw tensorOpError(node.op);
    const spec = getOp(node.op);
    let total: Expr = ZERO;
    node.args.forEach((arg, i) => {
      if (!deps.has(arg)) return;
      // 0^u is constant (0 for u > 0, ∞ for u < 0) wherever it is defined: its derivative is 0, not 0^u·log(0)·u′
      if (i === 1 && node.is('pow') && node.args[0].isNum(0)) return;
      const du = d.get(arg)!;
      if (du.isNum(0)) return;
      const term = spec.dTerm ? spec.dTerm(node.args, du, i) : mul(spec.d(node.args, node, i), du);
      total = add(total, term);
    });
    d.set(node, total);
  }
  return d.get(e)!;
}



/** The clear error for a tensor op (@, ᵀ, softmax, …) in a scalar derivative. */
function tensorOpError(op: string): ExprError {
  const name = op === 'matmul' ? '@' : op === 'transpose' ? 'ᵀ' : `${op}()`;
  return new ExprError('usage', `${name} is a tensor operation: declare the input shapes in the program (x : [m, n]) to get tensor gradients`);
}

export interface DerivativeOptions {
  /** Simplify between orders and at the end (default true). */
  readonly simplify?: boolean;
}

/**
 * Higher derivatives can grow exponentially (each order of a product of n factors multiplies its terms): after
 * every order the result's distinct nodes must stay within MAX_DERIVATIVE_GROWTH × the input's plus
 * MAX_DERIVATIVE_EXTRA, or the derivative stops with an ExprError('too-large'). One order of differentiation is
 * linear in the graph, so the first derivative of any parsed input passes; memory and time stay bounded (a few
 * seconds) whatever the order.
 */
export const MAX_DERIVATIVE_GROWTH = 4;
export const MAX_DERIVATIVE_EXTRA = 20_000;

const ordinal = (k: number) => `${k}${k % 100 >= 11 && k % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][k % 10] ?? 'th')}`;

/** dⁿe/d(wrt)ⁿ, simplified. */
export function derivative(e: Expr, wrt: string, order = 1, options: DerivativeOptions = {}): Expr {
  if (!Number.isInteger(order) || order < 0) throw new ExprError('usage', `order must be a non-negative integer, got ${order}`);
  if (order > 10_000) throw new ExprError('usage', `order ${order} is too large (at most 10000)`);
  const s = options.simplify === false ? undefined : new Simplifier();
  e = scalarReductions(e);
  let d = s ? s.simplify(e) : e;
  // (counted only when needed: a result of at most MAX_DERIVATIVE_EXTRA tree nodes is within any budget)
  let budget = -1;
  for (let k = 0; k < order; k++) {
    const prev = d;
    d = differentiate(d, wrt);
    if (s) d = s.simplify(d);
    if (d === prev) {
      // A fixed point (0 stays 0, eˣ stays eˣ): every further order is the same.
      break;
    }
    if (d.treeSize <= MAX_DERIVATIVE_EXTRA) continue;
    if (budget < 0) budget = MAX_DERIVATIVE_GROWTH * dagSize(e) + MAX_DERIVATIVE_EXTRA;
    const size = dagSize(d);
    if (size > budget) {
      throw new ExprError(
        'too-large',
        `the ${ordinal(k + 1)} derivative already has ${size.toLocaleString('en-US')} distinct subexpressions, more than the limit of ` +
          `${budget.toLocaleString('en-US')} for this input (${MAX_DERIVATIVE_GROWTH} × its size + ${MAX_DERIVATIVE_EXTRA.toLocaleString('en-US')}); order ${order} was asked for`,
      );
    }
  }
  return s ? settle(d) : d;
}

/** ∂e/∂v for each variable (default: the free variables in order of appearance). */
export function gradient(e: Expr, vars: readonly string[] = freeVars(e)): Map<string, Expr> {
  const s = new Simplifier();
  const base = s.simplify(e);
  return new Map(vars.map((v) => [v, s.simplify(differentiate(base, v))]));
}

/** Rows: expressions; columns: variables. */
export function jacobian(exprs: readonly Expr[], vars: readonly string[] = freeVars(exprs)): Expr[][] {
  const s = new Simplifier();
  return exprs.map((e) => {
    const base = s.simplify(e);
    return vars.map((v) => s.simplify(differentiate(base, v)));
  });
}

/** Matrix of second partials ∂²e/∂vᵢ∂vⱼ (symmetric; each entry computed once). */
export function hessian(e: Expr, vars: readonly string[] = freeVars(e)): Expr[][] {
  const s = new Simplifier();
  const base = s.simplify(e);
  const first = vars.map((v) => s.simplify(differentiate(base, v)));
  const h: Expr[][] = vars.map(() => []);
  for (let i = 0; i < vars.length; i++) {
    for (let j = i; j < vars.length; j++) {
      h[i][j] = s.simplify(differentiate(first[i], vars[j]));
      h[j][i] = h[i][j];
    }
  }
  return h;
}
