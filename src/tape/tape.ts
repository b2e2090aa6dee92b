// The reverse-mode tape: forward equations, then backward equations from one reverse walk.
//
// In:  the result expression (a scalar: a formula, or a loss), the variables to differentiate by, input shapes.
// Out: a Tape: the forward result, one adjoint expression per variable, the shape of every node, and the
//      equations in execution order (printable, forward then backward: `v3 = exp(v2)`, `v7 = v6·v3`, …).
//
// The walk (micrograd's, over the graph): seed the result's adjoint with 1, visit nodes from the result back to
// the inputs, and add each node's contribution to its arguments' adjoints:
//   every op:  ḡ_argᵢ += vjp_i(ḡ)   (the registry's rule: for elementwise ops sum_to(ḡ · ∂op/∂argᵢ, shape(argᵢ)))
// Only arguments that depend on a differentiated variable receive adjoints (zero work is skipped).
// Adjoints are graph nodes like any other, so the same tape prints as formulas and compiles to kernels.

import { Expr } from '../ir/expr.js';
import { ONE, ZERO, add } from '../ir/build.js';
import { op } from '../ir/registry.js';
import type { Shape } from '../ir/tensor-ops.js';
import { topo, freeVars } from '../ir/walk.js';
import { inferShapes, type ShapeContext, type ShapeMap } from '../tensor/shapes.js';
import { formatAll, type Style } from '../print/print.js';
import { ExprError } from '../errors.js';

export interface Tape {
  /** The forward result. */
  readonly output: Expr;
  /** Free variables of the result, in order of appearance. */
  readonly inputs: readonly string[];
  /** Variables differentiated by. */
  readonly wrt: readonly string[];
  /** ∂output/∂wrt[i], as graph nodes (not simplified: exactly what the backward pass computes). */
  readonly grads: readonly Expr[];
  /** Shape of every node of the output and the adjoints. */
  readonly shapes: ShapeMap;
  /** Number of forward nodes (equations before the backward part). */
  readonly forwardCount: number;
}

export interface TapeOptions {
  /** Variables to differentiate by (default: every free variable). */
  readonly wrt?: readonly string[];
  /** Shapes of tensor inputs (default: scalars). */
  readonly shapes?: Readonly<Record<string, Shape>>;
  readonly context?: ShapeContext;
}

export function buildTape(output: Expr, options: TapeOptions = {}): Tape {
  const inputs = freeVars(output);
  const wrt = options.wrt ?? inputs;
  const shapeOf = (name: string) => (options.shapes && Object.hasOwn(options.shapes, name) ? options.shapes[name] : undefined);
  const shapes = inferShapes(output, shapeOf, options.context);
  const outShape = shapes.get(output)!;
  if (wrt.length > 0 && outShape.length > 0) {
    throw new ExprError('shape', `gradients need a scalar result, but the result has shape [${outShape.join(', ')}]; wrap it in sum() or mean()`);
  }
  const order = topo(output);
  const wanted = new Set(wrt);
  const deps = new Set<Expr>();
  for (const node of order) {
    if (node.kind === 'sym' ? wanted.has(node.name) : node.args.some((a) => deps.has(a))) deps.add(node);
  }
  const adjoint = new Map<Expr, Expr>();
  const accumulate = (node: Expr, c: Expr) => {
    const prev = adjoint.get(node);
    adjoint.set(node, prev ? add(prev, c) : c);
  };
  if (deps.has(output)) adjoint.set(output, ONE);
  const shapeOfNode = (e: Expr): Shape => {
    let s = shapes.get(e);
    if (!s) {
      inferShapes(e, shapeOf, options.context, shapes);
      s = shapes.get(e)!;
    }
    return s;
  };
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const adj = adjoint.get(node);
    if (!adj || node.kind !== 'call' || adj.isNum(0)) continue;
    const rule = op(node.op);
    node.args.forEach((arg, i) => {
      if (!deps.has(arg)) return;
      const c = rule.vjp({ args: node.args, self: node, adj, shapeOf: shapeOfNode }, i);
      if (!c) throw new ExprError('usage', `${node.op}() is not differentiable in its argument ${i + 1}`);
      if (!c.isNum(0)) accumulate(arg, c);
    });
  }
  const grads = wrt.map((name) => {
    const leaf = order.find((n) => n.kind === 'sym' && n.name === name);
    return (leaf && adjoint.get(leaf)) ?? ZERO;
  });
  // Shapes of the adjoints (new nodes: sum_to, broadcast_to, …).
  inferShapes(grads, shapeOf, options.context, shapes);
  for (let i = 0; i < wrt.length; i++) {
    const g = grads[i];
    const target = shapeOf(wrt[i]) ?? [];
    if (g.isNum(0) && target.length > 0) shapes.set(g, []); // a zero gradient broadcasts
  }
  return { output, inputs, wrt, grads, shapes, forwardCount: order.length };
}

export interface Equation {
  readonly name: string;
  readonly expr: Expr;
  readonly shape: Shape;
  readonly backward: boolean;
}

/** The tape as equations in execution order: every non-leaf node once, named v1, v2, … (results named ∂…). */
export function equations(tape: Tape): Equation[] {
  const roots = [tape.output, ...tape.grads];
  const forward = new Set(topo(tape.output));
  const out: Equation[] = [];
  let k = 1;
  for (const node of topo(roots)) {
    if (node.kind !== 'call' || node.args.length === 0) continue;
    out.push({ name: `v${k++}`, expr: node, shape: tape.shapes.get(node) ?? [], backward: !forward.has(node) });
  }
  return out;
}

/** Printable tape: one equation a line, forward then backward, each node named once. */
export function formatTape(tape: Tape, style: Style = 'unicode'): string {
  const eqs = equations(tape);
  const names = new Map<Expr, string>(eqs.map((e) => [e.expr, e.name]));
  const texts = formatAll(eqs.map((e) => e.expr), style, names);
  const lines: string[] = [];
  let section = '';
  eqs.forEach((e, i) => {
    const s = e.backward ? 'backward' : 'forward';
    if (s !== section) lines.push(`# ${(section = s)}`);
    const shape = e.shape.length ? `  # [${e.shape.join(', ')}]` : '';
    lines.push(`${e.name} = ${texts[i]}${shape}`);
  });
  const ref = (e: Expr) => names.get(e) ?? formatAll([e], style)[0];
  lines.push('# results');
  lines.push(`value = ${ref(tape.output)}`);
  tape.wrt.forEach((v, i) => lines.push(`${style === 'unicode' ? '∂' : 'd_'}${v} = ${ref(tape.grads[i])}`));
  return lines.join('\n');
}
