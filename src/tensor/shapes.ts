// Shape inference over the graph.
//
// In:  roots, the shapes of the free variables (missing ones are scalars), and optionally the program's statements
//      (to name the statement and operands in errors).
// Out: the shape of every node: [] scalar, [n] vector, [m, n] matrix. Scalar ops broadcast (NumPy rules); tensor ops
//      use their own shape rule (the registry's). A mismatch is an ExprError naming the statement, the operands and their shapes:
//        line 4 (loss = …): @ of h3 [128, 64] and W4 [128, 10]: inner dimensions differ …

import { Expr } from '../ir/expr.js';
import { topo } from '../ir/walk.js';
import { ShapeError, fmtShape, type Shape } from '../ir/tensor-ops.js';
import { op } from '../ir/registry.js';
import { format } from '../print/print.js';
import { ExprError } from '../errors.js';
import type { Statement } from '../parse/parse.js';

export type ShapeMap = Map<Expr, Shape>;

export interface ShapeContext {
  readonly statements?: readonly Statement[];
}

export function inferShapes(
  roots: Expr | readonly Expr[],
  inputShape: (name: string) => Shape | undefined,
  context: ShapeContext = {},
  known: ShapeMap = new Map(),
): ShapeMap {
  const shapes = known;
  for (const node of topo(roots)) {
    if (shapes.has(node)) continue;
    if (node.kind === 'num') shapes.set(node, []);
    else if (node.kind === 'sym') shapes.set(node, inputShape(node.name) ?? []);
    else {
      const argShapes = node.args.map((a) => shapes.get(a)!);
      try {
        shapes.set(node, op(node.op).shape(argShapes, node.args));
      } catch (err) {
        if (err instanceof ShapeError) throw shapeError(node, argShapes, err.message, context);
        throw err;
      }
    }
  }
  return shapes;
}

function shapeError(node: Expr, argShapes: readonly Shape[], reason: string, context: ShapeContext): ExprError {
  const names = new Map<Expr, string>();
  let where = '';
  for (const st of context.statements ?? []) {
    if (st.name) names.set(st.expr, st.name);
  }
  for (const st of context.statements ?? []) {
    if (topo(st.expr).includes(node)) {
      const text = st.name ? `${st.name} = …` : 'the result';
      where = `line ${st.line} (${text}): `;
      break;
    }
  }
  const label = (e: Expr) => {
    const text = names.get(e) ?? format(e);
    return text.length > 40 ? text.slice(0, 37) + '…' : text;
  };
  const { spelled: opName, literalArgs } = op(node.op);
  const operands = node.args
    .map((a, i) => (literalArgs.includes(i) ? '' : `${label(a)} ${fmtShape(argShapes[i])}`))
    .filter((t) => t)
    .join(' and ');
  return new ExprError('shape', `${where}${opName} of ${operands}: ${reason}`);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

export function sizeOf(s: Shape): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}
