// The tensor ops of the registry (src/ir/registry.ts): ops whose meaning needs shapes (matrix product, transpose,
// reductions, softmax, …). Elementwise ops (src/ir/ops.ts) are the rest. Each entry declares its argument count
// and literal arguments, its shape rule, its vector-Jacobian product (the reverse-mode rule, written with the
// graph's own constructors, so the printed gradient and the executed tape are one thing), and how it prints
// (default: a call, with axis= for `axis` ops). Kernels live in the backends, from the lowered kinds
// (src/backend/lower.ts maps each op to one).
//
// Shapes: [] scalar, [n] vector, [m, n] matrix; images [B, H, W, C] (rank 4, src/ir/conv-ops.ts). Broadcasting as
// NumPy: a vector [n] is a row [1, n]; sizes of 1 stretch. Axis arguments are integer literals (0, 1, or −1 for
// the last). Matrix ops, axis reductions and softmax take rank ≤ 2; reductions over all elements take any rank.
//
// Math of the rules (ḡ is the incoming adjoint):
//   C = A @ B            Ā = ḡ @ Bᵀ,  B̄ = Aᵀ @ ḡ
//   Aᵀ                   Ā = ḡᵀ
//   sum(x, k)            x̄ = ḡ broadcast back over axis k;  mean divides by the count
//   max(x, k)            x̄ = ḡ at the first maximum of each slice, 0 elsewhere
//   logsumexp(x, k)      x̄ = ḡ · softmax(x, k)
//   s = softmax(x, k)    x̄ = s·(ḡ − sum(ḡ·s, k))
//   l = log_softmax(x,k) x̄ = ḡ − softmax(x, k)·sum(ḡ, k)
//   softmax_cross_entropy(z, y) = −Σ_c y_c·log_softmax(z)_c per row (y one-hot [B, C] or class indices [B]);
//                        z̄ = column(ḡ)·(softmax(z, 1)·s − Y), Y = y or onehot(y, C), s = Σ_c Y_c per row (1 for
//                        class indices and one-hot rows; soft labels need not sum to 1)

import { Expr, call, num } from './expr.js';
import { FmtCtx, Prec, Printed, callPrint } from './ops.js';
import { mul, sub, div, intValue, ZERO } from './build.js';

export type Shape = readonly number[];

export class ShapeError extends Error {}

export interface TensorOpSpec {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Argument positions that must be integer literals (axes, sizes). */
  readonly literalArgs?: readonly number[];
  readonly doc: string;
  readonly shape: (shapes: readonly Shape[], args: readonly Expr[]) => Shape;
  /** Adjoint contribution to argument i, or undefined where the op is not differentiable in it. */
  readonly vjp: (ctx: VjpCtx, i: number) => Expr | undefined;
  readonly print?: (ctx: FmtCtx, args: readonly Printed[], node: Expr) => Printed;
  /** The second argument is an axis, written axis=k. */
  readonly axis?: true;
  /** Read pointwise by loops, as elementwise ops are (broadcast_to: a stretched view). */
  readonly pointwise?: true;
  /** The name users write, where it is not the op's own (amax is written max). */
  readonly spelled?: string;
}

export interface VjpCtx {
  readonly args: readonly Expr[];
  readonly self: Expr;
  readonly adj: Expr;
  shapeOf(e: Expr): Shape;
}

export const fmtShape = (s: Shape): string => `[${s.join(', ')}]`;
const sizeOf = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/**
 * NumPy broadcasting of two shapes. Past rank 2 (images [B, H, W, C]) an operand is a scalar, the same shape, or
 * a vector along the last axis (a per-channel bias): what a [rows, cols] view of the data can read.
 */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ShapeError(`shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  if (n > 2) {
    for (const s of [a, b]) {
      const lead = s.slice(0, -1);
      const readable = s.length === n && s.every((d, i) => d === out[i]) || lead.every((d) => d === 1) && (s.length === 0 || s[s.length - 1] === 1 || s[s.length - 1] === out[n - 1]);
      if (!readable) throw new ShapeError(`broadcasting ${fmtShape(s)} over ${fmtShape(out)}: past rank 2 an operand must be a scalar, the same shape, or a vector along the last axis`);
    }
  }
  return out;
}

/** The integer value of a literal axis/size argument. */
export function intArg(e: Expr | undefined): number | undefined {
  return e && intValue(e);
}

/** Normalized axis (−1 → last) of a reduction over a tensor of the given rank; undefined = all axes. */
export function axisOf(args: readonly Expr[], rank: number, at = 1): number | undefined {
  if (args.length <= at) return undefined;
  if (rank > 2) throw new ShapeError(`axis= needs a vector or a matrix, got rank ${rank} (flatten or reshape it first)`);
  const k = intArg(args[at]);
  if (k === undefined) throw new ShapeError('the axis must be an integer literal');
  const axis = k < 0 ? rank + k : k;
  if (axis < 0 || axis >= Math.max(rank, 1)) throw new ShapeError(`axis ${k} is out of range for a tensor of rank ${rank}`);
  return axis;
}

function rank2(what: string, s: Shape): void {
  if (s.length > 2) throw new ShapeError(`${what} needs a vector or a matrix, got ${fmtShape(s)} (flatten it first)`);
}

function reducedShape(s: Shape, axis: number | undefined): Shape {
  if (axis === undefined || s.length === 0) return [];
  return s.filter((_, i) => i !== axis);
}

const shapeArgs = (s: Shape): Expr[] => s.map((n) => num(n));

/** Row b of m times v[b]: column(v)·m, or just c·m when v is a scalar c broadcast (the mean's 1/B). */
function scaleRows(v: Expr, m: Expr, shapeOf: (e: Expr) => Shape): Expr {
  if (v.is('broadcast_to') && shapeOf(v.args[0]).length === 0) return mul(v.args[0], m);
  return mul(column(v), m);
}

/** Sum a broadcast result back to an argument's shape: sum(x, axis=0) for a bias row, sum_to otherwise. */
export function unbroadcast(c: Expr, from: Shape, to: Shape): Expr {
  if (from.length === 2 && to.length === 1 && to[0] === from[1]) return reduceSum(c, 0);
  if (to.length === 0) return reduceSum(c);
  return sumTo(c, to);
}

/** ḡ of a reduction broadcast back to the input's shape. */
function expandBack(adj: Expr, inShape: Shape, axis: number | undefined): Expr {
  if (axis === 1 && inShape.length === 2) return broadcastTo(column(adj), inShape);
  return broadcastTo(adj, inShape);
}

// ── builders for tensor ops (with the folds that keep tapes small) ─────────────
export function matmul(a: Expr, b: Expr): Expr {
  return call('matmul', [a, b]);
}
export function transpose(a: Expr): Expr {
  return a.is('transpose') ? a.args[0] : call('transpose', [a]);
}
export function column(v: Expr): Expr {
  return call('column', [v]);
}
export function broadcastTo(a: Expr, shape: Shape): Expr {
  return call('broadcast_to', [a, ...shapeArgs(shape)]);
}
export function sumTo(a: Expr, shape: Shape): Expr {
  return call('sum_to', [a, ...shapeArgs(shape)]);
}
export function softmaxOf(x: Expr, axis: number): Expr {
  return call('softmax', [x, num(axis)]);
}
export function reduceSum(x: Expr, axis?: number): Expr {
  return call('sum', axis === undefined ? [x] : [x, num(axis)]);
}

/** A reduction over all elements, or along the axis given as its second argument. */
function reduction(doc: string, vjp: TensorOpSpec['vjp'], spelled?: string): TensorOpSpec {
  return { minArgs: 1, maxArgs: 2, literalArgs: [1], axis: true, doc, shape: ([s], args) => reducedShape(s, axisOf(args, s.length)), vjp, ...(spelled ? { spelled } : {}) };
}

export const tensorOps = {
  matmul: {
    minArgs: 2,
    maxArgs: 2,
    doc: 'matrix product A @ B of [m, k] and [k, n]',
    spelled: '@',
    shape: ([a, b]) => {
      if (a.length !== 2 || b.length !== 2) throw new ShapeError(`@ needs two matrices, got ${fmtShape(a)} and ${fmtShape(b)}`);
      if (a[1] !== b[0]) throw new ShapeError(`inner dimensions differ: ${fmtShape(a)} @ ${fmtShape(b)} (${a[1]} ≠ ${b[0]})`);
      return [a[0], b[1]];
    },
    vjp: ({ args: [a, b], adj }, i) => (i === 0 ? matmul(adj, transpose(b)) : matmul(transpose(a), adj)),
    print: (ctx, [a, b]) => {
      const sym = ctx.style === 'latex' ? ' \\, ' : ' @ ';
      return { text: `${ctx.wrap(a, Prec.MUL)}${sym}${ctx.wrap(b, Prec.TIGHT)}`, prec: Prec.MUL };
    },
  },
  transpose: {
    minArgs: 1,
    maxArgs: 1,
    doc: 'transpose Aᵀ of a matrix (a vector is returned as is)',
    shape: ([a]) => {
      if (a.length > 2) throw new ShapeError(`transpose needs a vector or a matrix, got ${fmtShape(a)}`);
      return a.length === 2 ? [a[1], a[0]] : a;
    },
    vjp: ({ adj }) => transpose(adj),
    print: (ctx, [a]) => {
      if (ctx.style === 'unicode') return { text: `${ctx.wrap(a, Prec.ATOM)}ᵀ`, prec: Prec.ATOM };
      if (ctx.style === 'latex') return { text: `${ctx.wrap(a, Prec.ATOM)}^{\\top}`, prec: Prec.POW };
      return { text: `transpose(${a.text})`, prec: Prec.ATOM };
    },
  },
  sum: reduction('sum of all elements, or along an axis: sum(x), sum(x, 1)', ({ args, adj, shapeOf }) => {
    const s = shapeOf(args[0]);
    return expandBack(adj, s, axisOf(args, s.length));
  }),
  mean: reduction('mean of all elements, or along an axis', ({ args, adj, shapeOf }) => {
    const s = shapeOf(args[0]);
    const axis = axisOf(args, s.length);
    const count = axis === undefined ? sizeOf(s) : s[axis];
    return expandBack(div(adj, num(count)), s, axis);
  }),
  amax: reduction('largest element, or largest along an axis: max(x), max(x, axis=1)', ({ args, adj, shapeOf }) => {
    const s = shapeOf(args[0]);
    const axis = axisOf(args, s.length);
    return mul(expandBack(adj, s, axis), call('argmax_mask', args.slice()));
  }, 'max'),
  // x̄ = ḡ·exp(x − logsumexp(x)): the softmax over the reduced elements (all of them when there is no axis)
  logsumexp: reduction('log(sum(exp(x))) along an axis, computed stably', ({ args, self, adj, shapeOf }) => {
    const s = shapeOf(args[0]);
    const axis = axisOf(args, s.length);
    return mul(expandBack(adj, s, axis), call('exp', [sub(args[0], expandBack(self, s, axis))]));
  }),
  softmax: {
    minArgs: 1,
    maxArgs: 2,
    literalArgs: [1],
    doc: 'softmax along an axis (default: the last), with the row maximum subtracted',
    shape: ([s], args) => (rank2('softmax', s), axisOf(args, s.length), s),
    vjp: ({ args, self, adj, shapeOf }) => {
      const s = shapeOf(args[0]);
      const axis = axisOf(args, s.length) ?? s.length - 1;
      return mul(self, sub(adj, expandBack(reduceSum(mul(adj, self), axis), s, axis)));
    },
    axis: true,
  },
  log_softmax: {
    minArgs: 1,
    maxArgs: 2,
    literalArgs: [1],
    doc: 'log of softmax along an axis (default: the last), computed stably',
    shape: ([s], args) => (rank2('log_softmax', s), axisOf(args, s.length), s),
    vjp: ({ args, adj, shapeOf }) => {
      const s = shapeOf(args[0]);
      const axis = axisOf(args, s.length) ?? s.length - 1;
      return sub(adj, mul(softmaxOf(args[0], axis), expandBack(reduceSum(adj, axis), s, axis)));
    },
    axis: true,
  },
  softmax_cross_entropy: {
    minArgs: 2,
    maxArgs: 2,
    doc: 'per-row cross-entropy of softmax(logits) against labels (one-hot [B, C] or class indices [B])',
    shape: ([z, y]) => {
      if (z.length !== 2) throw new ShapeError(`logits must be a matrix [batch, classes], got ${fmtShape(z)}`);
      const oneHot = y.length === 2 && y[0] === z[0] && y[1] === z[1];
      const indices = (y.length === 1 && y[0] === z[0]) || (y.length === 2 && y[0] === z[0] && y[1] === 1);
      if (!oneHot && !indices) {
        throw new ShapeError(`labels ${fmtShape(y)} fit neither one-hot ${fmtShape(z)} nor class indices [${z[0]}]`);
      }
      return [z[0]];
    },
    vjp: ({ args: [z, y], adj, shapeOf }, i) => {
      const zs = shapeOf(z);
      const ys = shapeOf(y);
      const oneHot = ys.length === 2 && ys[1] === zs[1] && zs[1] !== 1;
      const target = oneHot ? y : call('onehot', [y, num(zs[1])]);
      const probs = oneHot ? mul(softmaxOf(z, 1), column(reduceSum(y, 1))) : softmaxOf(z, 1);
      if (i === 0) return scaleRows(adj, sub(probs, target), shapeOf);
      // labels: one-hot rows get −ḡ·log_softmax(z); class indices are piecewise constant (derivative 0)
      return oneHot ? scaleRows(adj, call('neg', [call('log_softmax', [z, num(1)])]), shapeOf) : ZERO;
    },
  },
  onehot: {
    minArgs: 2,
    maxArgs: 2,
    literalArgs: [1],
    doc: 'onehot(y, C): class indices [B] → one-hot rows [B, C]',
    shape: ([y], args) => {
      const c = intArg(args[1])!;
      if (c < 1) throw new ShapeError('onehot needs at least one class');
      return [y.length === 0 ? 1 : y[0], c];
    },
    vjp: () => ZERO, // piecewise constant: derivative 0 almost everywhere
  },
  argmax_mask: {
    minArgs: 1,
    maxArgs: 2,
    literalArgs: [1],
    doc: '1 at the first maximum of each slice (all elements, or along an axis), 0 elsewhere',
    shape: ([s], args) => (axisOf(args, s.length), s),
    vjp: () => ZERO, // piecewise constant: derivative 0 almost everywhere
    axis: true,
  },
  column: {
    minArgs: 1,
    maxArgs: 1,
    doc: 'a vector [n] as a column [n, 1] (so it broadcasts across columns)',
    shape: ([s]) => {
      if (s.length > 1 && s[1] !== 1) throw new ShapeError(`column() needs a vector, got ${fmtShape(s)}`);
      return [s.length === 0 ? 1 : s[0], 1];
    },
    vjp: ({ adj }) => reduceSum(adj, 1), // [n, 1] back to [n]
  },
  broadcast_to: {
    minArgs: 1,
    maxArgs: 5,
    literalArgs: [1, 2, 3, 4],
    doc: 'broadcast_to(a, d1, …, dk): a stretched to the given shape',
    pointwise: true,
    shape: ([s], args) => {
      const target = args.slice(1).map((a) => intArg(a)!);
      const b = broadcastShapes(s, target);
      if (b.join() !== target.join()) throw new ShapeError(`cannot broadcast ${fmtShape(s)} to ${fmtShape(target)}`);
      return target;
    },
    vjp: ({ adj, args, shapeOf }) => sumTo(adj, shapeOf(args[0])),
  },
  sum_to: {
    minArgs: 1,
    maxArgs: 5,
    literalArgs: [1, 2, 3, 4],
    doc: 'sum_to(a, d1, …, dk): a summed over its broadcast axes down to the given shape',
    shape: ([s], args) => {
      const target = args.slice(1).map((a) => intArg(a)!);
      const b = broadcastShapes(s, target);
      if (b.join() !== s.join()) throw new ShapeError(`cannot sum ${fmtShape(s)} down to ${fmtShape(target)}`);
      return target;
    },
    vjp: ({ adj, args, shapeOf }) => broadcastTo(adj, shapeOf(args[0])),
  },
} satisfies Record<string, TensorOpSpec>;

export type TensorOpName = keyof typeof tensorOps;
