// The body of a fused elementwise step, shared by the code generators of every backend.
//
// In:  an elementwise step of a plan, how to read a materialized operand (backend-specific indexing), and how to
//      write an op (the op table's `js` snippet, or its `kernel` snippet for GPU code).
// Out: straight-line statements (`const t0 = …;`), the result operand, and the operands read, in order.
// Inlined nodes (the plan decides) are computed in place; each distinct node once.

import { Expr } from '../ir/expr.js';
import { getOp } from '../ir/ops.js';
import type { Plan, Step } from './plan.js';

export interface FusedBody {
  readonly lines: readonly string[];
  readonly result: string;
  /** Materialized nodes and inputs the body reads, in order of first use. */
  readonly inputs: readonly Expr[];
}

export function literal(v: number): string {
  if (!Number.isFinite(v)) throw new Error('internal: non-finite literal');
  return String(v);
}

export function fusedBody(
  step: Step,
  plan: Plan,
  read: (e: Expr, index: number) => string,
  snippet: 'js' | 'kernel',
): FusedBody {
  const inputs: Expr[] = [];
  const inputIndex = new Map<Expr, number>();
  const lines: string[] = [];
  const code = new Map<Expr, string>();
  let t = 0;
  const visit = (e: Expr): string => {
    const done = code.get(e);
    if (done !== undefined) return done;
    let out: string;
    if (e.kind === 'num') out = literal(e.value);
    else if (e.kind === 'call' && e.args.length === 0) out = `(${getOp(e.op).js()})`;
    else if (e !== step.node && !plan.isInlined(e)) {
      let k = inputIndex.get(e);
      if (k === undefined) {
        k = inputs.push(e) - 1;
        inputIndex.set(e, k);
      }
      out = read(e, k);
    } else if (e.op === 'broadcast_to') out = visit(e.args[0]);
    else {
      const args = e.args.map(visit);
      const spec = getOp(e.op);
      const name = `t${t++}`;
      const write = snippet === 'kernel' ? (spec.kernel ?? spec.js) : spec.js;
      lines.push(`const ${name} = ${write(...args)};`);
      out = name;
    }
    code.set(e, out);
    return out;
  };
  const result = visit(step.node);
  return { lines, result, inputs };
}
