// Dropout, resolved before planning: the backends never see dropout() or dropout_mask().
//
// In:  the roots of a plan (results, gradients, an optimizer's updates), their shapes, and whether this plan trains.
// Out: the roots rewritten, the shapes of every new node, a map from each original node to its rewritten one, and
//      the masks the caller fills before each run:
//        training      dropout(x, r) → x·M,  dropout_mask(x, r) → M,  M an input named dropout#k of x's shape that
//                      holds 0 with probability r and 1/(1 − r) otherwise (a fresh draw each step: fillMasks);
//        not training  dropout(x, r) → x,    dropout_mask(x, r) → 1   (evaluation, predict: the same program)
// A mask's name cannot be written in a program ("#" starts a comment), so it never meets a user's name.
// One node dropout(x, r) has one mask: its value and its gradient read the same draw.

import { Expr, call, num, sym } from '../ir/expr.js';
import { topo } from '../ir/walk.js';
import { inferShapes, sizeOf, type ShapeMap } from '../tensor/shapes.js';
import type { Shape } from '../ir/tensor-ops.js';

export interface Mask {
  readonly name: string;
  readonly rate: number;
  readonly size: number;
}

export interface Resolved {
  readonly roots: Expr[];
  readonly shapes: ShapeMap;
  readonly masks: readonly Mask[];
  /** The rewritten node of an original one (itself where nothing changed). */
  map(e: Expr): Expr;
}

export function resolveDropout(roots: readonly Expr[], shapes: ShapeMap, training: boolean, maskShapes: Record<string, Shape> = {}): Resolved {
  const order = topo(roots);
  if (!order.some((n) => n.is('dropout') || n.is('dropout_mask'))) return { roots: [...roots], shapes, masks: [], map: (e) => e };
  const out = new Map<Expr, Expr>();
  const maskOf = new Map<string, Mask>();
  const key = (x: Expr, r: Expr) => `${x.id}:${r.kind === 'num' ? r.value : 0.5}`;
  const maskFor = (x: Expr, r: Expr): Expr => {
    const k = key(x, r);
    let m = maskOf.get(k);
    if (!m) {
      m = { name: `dropout#${maskOf.size + 1}`, rate: r.kind === 'num' ? r.value : 0.5, size: Math.max(1, sizeOf(shapes.get(x)!)) };
      maskOf.set(k, m);
      maskShapes[m.name] = shapes.get(x)!;
    }
    return sym(m.name);
  };
  for (const node of order) {
    const args = node.args.map((a) => out.get(a)!);
    let next: Expr;
    if (node.is('dropout')) next = training ? call('mul', [args[0], maskFor(node.args[0], node.args[1])]) : args[0];
    else if (node.is('dropout_mask')) next = training ? maskFor(node.args[0], node.args[1]) : num(1);
    else next = node.kind === 'call' && args.some((a, i) => a !== node.args[i]) ? call(node.op, args) : node;
    out.set(node, next);
  }
  const newRoots = roots.map((r) => out.get(r)!);
  const known: ShapeMap = new Map(shapes);
  const all = inferShapes(newRoots, (n) => maskShapes[n], {}, known);
  return { roots: newRoots, shapes: all, masks: [...maskOf.values()], map: (e) => out.get(e) ?? e };
}

/**
 * Draw every mask for one step: 0 with probability `rate`, else 1/(1 − rate). `rand` (uniform in [0, 1)) seeds a
 * xorshift32 generator for the step, whose 32-bit outputs give two draws each: an element is dropped when its 16
 * bits are below round(rate·2¹⁶), so the rate is exact to 2⁻¹⁶ (0.5 and 0.25 exactly). Integer arithmetic only,
 * so the loop allocates nothing.
 */
export function fillMasks(masks: readonly Mask[], buffers: readonly (Float32Array | Float64Array)[], rand: () => number): void {
  for (let i = 0; i < masks.length; i++) {
    let s = ((rand() * 4294967296) >>> 0) | 1;
    const b = buffers[i];
    const keep = 1 / (1 - masks[i].rate);
    const cut = Math.round(masks[i].rate * 65536);
    const n = b.length;
    for (let j = 0; j < n; j += 2) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      b[j] = (s & 0xffff) < cut ? 0 : keep;
      if (j + 1 < n) b[j + 1] = s >>> 16 < cut ? 0 : keep;
    }
  }
}
