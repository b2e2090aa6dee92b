// THE op registry: every op, elementwise and tensor alike, as one kind of entry. Every later stage asks it (and
// nothing else) what an op is: the parser (names, arity, literal and axis= arguments), shapes, the tape (VJPs),
// the printer, the plan (what fuses into loops), the evaluator.
//
// In:  the declarations: elementwise ops in src/ir/ops.ts (fn1 and friends: value, partials, printing,
//      simplification, parity, domain), tensor ops in src/ir/tensor-ops.ts and src/ir/conv-ops.ts (shape rule,
//      VJP, printing, keyword arguments).
// Out: an Op per name. What follows from being elementwise is derived here, once:
//   shape   NumPy broadcasting of the arguments
//   vjp     ḡ_argᵢ = sum_to(ḡ · ∂op/∂argᵢ, shape(argᵢ))   (the partial ∂op/∂argᵢ is the op's `d`)
// The one rule form is the partial derivative for elementwise ops, since the symbolic derivative (src/diff/) needs
// exactly that and the VJP follows from it by the line above; tensor ops declare their VJP directly, since their
// Jacobians are never printed whole (a matrix product's is a 4-index tensor) and only the reverse pass needs them.
// A new op is one entry in one of the two declaration files; backends render it from their own tables, falling
// back on its float64 evaluation (src/eval/js-ops.ts, src/backend/gpujs.ts).

import type { Expr } from './expr.js';
import { mul } from './build.js';
import { ops, type FmtCtx, type OpSpec, type Printed, callPrint, isFunctionName } from './ops.js';
import { broadcastShapes, tensorOps, unbroadcast, type Shape, type TensorOpSpec, type VjpCtx } from './tensor-ops.js';
import { convOps, REAL_LITERALS, type Keywords } from './conv-ops.js';

export interface Op {
  readonly name: string;
  /** A scalar function applied pointwise with broadcasting (`scalar` holds its evaluation and partials). */
  readonly elementwise: boolean;
  /** Read pointwise by fused loops: elementwise ops, and broadcast_to (a stretched view). */
  readonly pointwise: boolean;
  readonly minArgs: number;
  /** Infinity for variadic ops. */
  readonly maxArgs: number;
  /** Argument positions that must be integer literals (axes, sizes). */
  readonly literalArgs: readonly number[];
  /** Literal positions that may hold any number, not only an integer (dropout's rate). */
  readonly realArgs: readonly number[];
  /** The second argument is an axis, written axis=k. */
  readonly axisKeyword: boolean;
  /** Keyword arguments (stride=, pad=, …): name → [position, default from the other arguments, if any]. */
  readonly keywords?: Keywords;
  /** The name users write and the printer shows (amax is written max, matmul @). */
  readonly spelled: string;
  /** Users call it by its name: name(…) (not operators, constants, or ops spelled otherwise). */
  readonly callable: boolean;
  readonly doc: string;
  readonly print: (ctx: FmtCtx, args: readonly Printed[], node: Expr) => Printed;
  shape(shapes: readonly Shape[], args: readonly Expr[]): Shape;
  /** ḡ's contribution to argument i, or undefined where the op is not differentiable in it. */
  vjp(ctx: VjpCtx, i: number): Expr | undefined;
  readonly scalar?: OpSpec;
}

function elementwise(name: string, s: OpSpec): Op {
  return {
    name,
    elementwise: true,
    pointwise: true,
    minArgs: s.arity,
    maxArgs: s.variadic ? Infinity : s.arity,
    literalArgs: [],
    realArgs: [],
    axisKeyword: false,
    spelled: name,
    callable: isFunctionName(name),
    doc: s.doc,
    print: s.print,
    shape: (shapes) => shapes.reduce<Shape>((acc, sh) => broadcastShapes(acc, sh), []),
    vjp: ({ args, self, adj, shapeOf }, i) => {
      const c = mul(adj, s.d(args, self, i));
      const from = shapeOf(self);
      const to = shapeOf(args[i]);
      return from.length === to.length && from.every((n, k) => n === to[k]) ? c : unbroadcast(c, from, to);
    },
    scalar: s,
  };
}

function tensor(name: string, t: TensorOpSpec & { keywords?: Keywords }): Op {
  const spelled = t.spelled ?? name;
  return {
    name,
    elementwise: false,
    pointwise: t.pointwise === true,
    minArgs: t.minArgs,
    maxArgs: t.maxArgs,
    literalArgs: t.literalArgs ?? [],
    realArgs: REAL_LITERALS[name] ?? [],
    axisKeyword: t.axis === true,
    ...(t.keywords ? { keywords: t.keywords } : {}),
    spelled,
    callable: spelled === name,
    doc: t.doc,
    print: t.print ?? callPrint(spelled, undefined, t.axis === true),
    shape: t.shape,
    vjp: t.vjp,
  };
}

const registry: ReadonlyMap<string, Op> = new Map([
  ...Object.entries(ops as Record<string, OpSpec>).map(([n, s]): [string, Op] => [n, elementwise(n, s)]),
  ...Object.entries({ ...tensorOps, ...convOps } as Record<string, TensorOpSpec>).map(([n, t]): [string, Op] => [n, tensor(n, t)]),
]);

/** The op of this name, if the registry has one. */
export function findOp(name: string): Op | undefined {
  return registry.get(name);
}

export function op(name: string): Op {
  const o = registry.get(name);
  if (!o) throw new Error(`internal: unknown op ${JSON.stringify(name)}`);
  return o;
}

/** Every op, in declaration order (elementwise first). */
export function allOps(): readonly Op[] {
  return [...registry.values()];
}

/** Names users call as functions, elementwise and tensor ops alike (for messages and suggestions). */
export function callableNames(): string[] {
  return allOps().filter((o) => o.callable).map((o) => o.name);
}

/** Names users write that take axis=k (max(x, axis=1) is the reduction amax). */
export const AXIS_NAMES: ReadonlySet<string> = new Set(allOps().filter((o) => o.axisKeyword).map((o) => o.spelled));
