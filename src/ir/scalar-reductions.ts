// Reductions of a scalar: sum, mean and max of one number are that number.
//
// In:  an Expr read as a scalar formula (its variables are numbers, as in `exprgrad diff`, `exprgrad eval` and
//      derivative()).
// Out: the same graph with sum(u), mean(u), max(u) (the one-argument reduction, amax) and their axis= forms
//      replaced by u: over one element each is the identity, so the value and every derivative are u's. Other
//      tensor ops (@, ᵀ, softmax, …) are left alone; evaluate() and the CLI reject them with a clear error.

import { Expr, call } from './expr.js';
import { topo } from './walk.js';

const IDENTITY_ON_SCALARS = new Set(['sum', 'mean', 'amax']);

/** Whether `op` is a reduction that is the identity on a scalar. */
export function isScalarIdentityReduction(op: string): boolean {
  return IDENTITY_ON_SCALARS.has(op);
}

const cache = new WeakMap<Expr, Expr>();

/** e with every sum/mean/max reduction of a scalar replaced by its argument (the graph itself when there is none). */
export function scalarReductions(e: Expr): Expr {
  const hit = cache.get(e);
  if (hit) return hit;
  const order = topo(e);
  if (!order.some((n) => n.kind === 'call' && IDENTITY_ON_SCALARS.has(n.op))) {
    cache.set(e, e);
    return e;
  }
  const out = new Map<Expr, Expr>();
  for (const node of order) {
    if (node.kind !== 'call' || node.args.length === 0) {
      out.set(node, node);
      continue;
    }
    const args = node.args.map((a) => out.get(a)!);
    if (IDENTITY_ON_SCALARS.has(node.op)) out.set(node, args[0]);
    else out.set(node, args.every((a, i) => a === node.args[i]) ? node : call(node.op, args));
  }
  const result = out.get(e)!;
  cache.set(e, result);
  return result;
}
