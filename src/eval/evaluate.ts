// Reference evaluator: float64, one pass over the graph.
//
// In:  an Expr and values for its free variables (a plain object or a Map).
// Out: the float64 value. Each distinct node is evaluated once (shared subexpressions cost once), iteratively.
// Missing variables are an ExprError('value') naming them; non-numeric values are rejected, never coerced.

import { Expr } from '../ir/expr.js';
import { topo, freeVars } from '../ir/walk.js';
import { scalarReductions } from '../ir/scalar-reductions.js';
import { getOp } from '../ir/ops.js';
import { findOp } from '../ir/registry.js';
import { ExprError } from '../errors.js';

export type Values = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

export function lookup(values: Values, name: string): number | undefined {
  if (values instanceof Map) return values.get(name);
  const rec = values as Readonly<Record<string, number>>;
  return Object.hasOwn(rec, name) ? rec[name] : undefined;
}

/** Check that every free variable has a numeric value; returns the names in order. */
export function checkValues(e: Expr | readonly Expr[], values: Values): string[] {
  const names = freeVars(e);
  const missing = names.filter((n) => lookup(values, n) === undefined);
  if (missing.length) {
    throw new ExprError('value', `no value given for ${missing.join(', ')} (pass ${missing.map((n) => `${n}=…`).join(' ')})`);
  }
  for (const n of names) {
    const v = lookup(values, n);
    if (typeof v !== 'number') throw new ExprError('value', `value of ${n} must be a number, got ${typeof v}`);
  }
  return names;
}

/** Reject tensor ops (sum, @, ᵀ, softmax, …): they run through compile() with shapes. */
export function checkScalar(e: Expr | readonly Expr[]): void {
  for (const node of topo(e)) {
    if (node.kind === 'call' && !findOp(node.op)?.elementwise) {
      const name = node.op === 'matmul' ? '@' : node.op === 'transpose' ? 'ᵀ' : node.op === 'amax' ? 'max(x)' : `${node.op}()`;
      throw new ExprError('usage', `${name} is a tensor operation: declare the input shapes (x : [m, n]) and run the program with compile() from the API`);
    }
  }
}

/** Evaluate in float64. */
export function evaluate(e: Expr, values: Values = {}): number {
  e = scalarReductions(e); // sum/mean/max of a scalar are the scalar
  checkScalar(e);
  checkValues(e, values);
  const out = new Map<Expr, number>();
  for (const node of topo(e)) {
    let v: number;
    if (node.kind === 'num') v = node.value;
    else if (node.kind === 'sym') v = lookup(values, node.name)!;
    else {
      const spec = getOp(node.op);
      const a = node.args;
      v = a.length === 1 ? spec.eval(out.get(a[0])!) : a.length === 2 ? spec.eval(out.get(a[0])!, out.get(a[1])!) : spec.eval(...a.map((x) => out.get(x)!));
    }
    out.set(node, v);
  }
  return out.get(e)!;
}
