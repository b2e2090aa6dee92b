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
import { topo, freeVars, dependencySet } from '../ir/walk.js';
import { Simplifier, settle } from '../simplify/simplify.js';
import { ExprError } from '../errors.js';

/** The raw (unsimplified) first derivative: chain rule straight from the op table. */
export function differentiate(e: Expr, wrt: string): Expr {
  e = scalarReductions(e); // sum/mean/max of a scalar are the scalar
  const deps = dependencySet(e, wrt);
  if (!deps.has(e)) return ZERO;
  const d = new Map<Expr, Expr>();
  for (const node of topo(e)) {
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

/** dⁿe/d(wrt)ⁿ, simplified. */
export function derivative(e: Expr, wrt: string, order = 1, options: DerivativeOptions = {}): Expr {
  if (!Number.isInteger(order) || order < 0) throw new ExprError('usage', `order must be a non-negative integer, got ${order}`);
  if (order > 10_000) throw new ExprError('usage', `order ${order} is too large (at most 10000)`);
  const s = options.simplify === false ? undefined : new Simplifier();
  e = scalarReductions(e);
  let d = s ? s.simplify(e) : e;
  for (let k = 0; k < order; k++) {
    d = differentiate(d, wrt);
    if (s) d = s.simplify(d);
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
