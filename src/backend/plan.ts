// The schedule: which nodes of a tape get their own buffer, which fuse into loops, and when buffers are reused.
//
// In:  roots (forward result and adjoints) with the shape of every node.
// Out: a Plan: steps in execution order, each producing one materialized node, with
//   - elementwise steps: a fused expression over materialized inputs (scalar ops of the op table, broadcasting),
//   - tensor steps: one tensor op (matmul with operands that are transposes read in place, reductions, …),
//   - views: nodes that share their argument's buffer (column(v) is v seen as [n, 1]; flatten and reshape),
//   - updates: elementwise nodes whose value replaces an input's after the run (an optimizer's new parameters and
//     moments, given as PlanOptions.updates); they run last, have no buffer of their own, and a reader of one
//     (p′ reads m′) reads the input it was written to,
//   and a buffer slot per materialized node, reused once its last reader has run (planned once, so a steady-state
//   step allocates nothing). Backend-independent: src/backend/lower.ts turns a plan into kernels.
//
// Fusion rule: an elementwise node is inlined into its reader when it has exactly one reader, that reader is
// elementwise, and both have the same shape (so nothing is recomputed); otherwise it is materialized.

import { Expr } from '../ir/expr.js';
import { findOp } from '../ir/registry.js';
import type { Shape } from '../ir/tensor-ops.js';
import { topo } from '../ir/walk.js';
import { sameShape, sizeOf, type ShapeMap } from '../tensor/shapes.js';

export type StepKind = 'elementwise' | 'tensor' | 'view' | 'update';

export interface Step {
  readonly node: Expr;
  readonly kind: StepKind;
  readonly shape: Shape;
  /** Materialized nodes (or inputs) this step reads. */
  readonly reads: readonly Expr[];
  /** Buffer slot of the output (views: the slot of what they alias). */
  slot: number;
}

export interface Plan {
  readonly steps: readonly Step[];
  readonly roots: readonly Expr[];
  readonly shapes: ShapeMap;
  /** Size (elements) of each buffer slot. */
  readonly slotSizes: readonly number[];
  /** Slot of every materialized node and view. */
  readonly slotOf: ReadonlyMap<Expr, number>;
  /** Input variable nodes (their buffers are given by the caller). */
  readonly inputs: ReadonlyMap<string, Expr>;
  /** Update nodes and the input each one replaces. */
  readonly updates: ReadonlyMap<Expr, string>;
  /** Is this node computed inline inside its reader's loop? */
  isInlined(e: Expr): boolean;
}

/** Ops whose value is their argument's buffer seen with other dims (column(v) is v as [n, 1]; flatten, reshape). */
const VIEWS: ReadonlySet<string> = new Set(['column', 'flatten', 'reshape']);

export function isElementwise(e: Expr): boolean {
  return e.kind === 'call' && e.args.length > 0 && findOp(e.op)?.pointwise === true;
}

/** A number or a constant op (pi, e): no buffer of its own unless it is a root. */
export const isLeafConst = (e: Expr) => e.kind === 'num' || (e.kind === 'call' && e.args.length === 0);

/** Operands a tensor op reads: matmul reads a transposed operand's argument directly (no materialized copy). */
export function tensorReads(node: Expr): Expr[] {
  if (node.op === 'matmul') return node.args.map((a) => (a.is('transpose') ? a.args[0] : a));
  const literal = new Set(findOp(node.op)!.literalArgs);
  return node.args.filter((_, i) => !literal.has(i));
}

export interface PlanOptions {
  /** Whether the backend can alias buffers (column(v) as a view of v); default true. */
  readonly views?: boolean;
  /** Inputs replaced by new values after each run: [input name, elementwise node of the input's shape]. */
  readonly updates?: readonly (readonly [string, Expr])[];
}

export function makePlan(roots: readonly Expr[], shapes: ShapeMap, options: PlanOptions = {}): Plan {
  const views = options.views !== false;
  const updates = new Map<Expr, string>();
  for (const [name, node] of options.updates ?? []) {
    if (node.kind === 'sym' && node.name === name) continue; // unchanged
    if (!isElementwise(node) || updates.has(node)) throw new Error(`internal: the update of ${name} must be an elementwise node of its own`);
    updates.set(node, name);
  }
  const order = topo([...roots, ...updates.keys()]);
  const readers = new Map<Expr, Expr[]>();
  const rootSet = new Set([...roots, ...updates.keys()]);
  const readsOf = (node: Expr): Expr[] => (isElementwise(node) ? [...node.args] : node.kind === 'call' && node.args.length ? tensorReads(node) : []);
  for (const node of order) for (const a of readsOf(node)) (readers.get(a) ?? readers.set(a, []).get(a)!).push(node);

  const inlined = new Set<Expr>();
  for (const node of order) {
    if (!isElementwise(node) || rootSet.has(node)) continue;
    const rs = readers.get(node) ?? [];
    if (rs.length === 1 && isElementwise(rs[0]) && sameShape(shapes.get(rs[0])!, shapes.get(node)!)) inlined.add(node);
  }
  // Transposes read in place by every reader need no step.
  const skipped = new Set<Expr>();
  for (const node of order) {
    if (node.is('transpose') && !rootSet.has(node) && (readers.get(node) ?? []).length === 0) skipped.add(node);
  }

  const inputs = new Map<string, Expr>();
  const steps: Step[] = [];
  const fusedReads = (node: Expr): Expr[] => {
    const out: Expr[] = [];
    const seen = new Set<Expr>();
    const stack = [...node.args];
    while (stack.length) {
      const a = stack.pop()!;
      if (seen.has(a)) continue;
      seen.add(a);
      if (inlined.has(a)) stack.push(...a.args);
      else if (!isLeafConst(a)) out.push(a);
    }
    return out;
  };
  const last: Step[] = [];
  for (const node of order) {
    if (node.kind === 'sym') {
      inputs.set(node.name, node);
      continue;
    }
    if (isLeafConst(node) && !rootSet.has(node)) continue;
    if (inlined.has(node) || skipped.has(node)) continue;
    const shape = shapes.get(node)!;
    if (updates.has(node)) last.push({ node, kind: 'update', shape, reads: fusedReads(node), slot: -1 });
    else if (isLeafConst(node) || isElementwise(node)) steps.push({ node, kind: 'elementwise', shape, reads: isLeafConst(node) ? [] : fusedReads(node), slot: -1 });
    else if (VIEWS.has(node.op) && views) steps.push({ node, kind: 'view', shape, reads: [node.args[0]], slot: -1 });
    else steps.push({ node, kind: 'tensor', shape, reads: tensorReads(node), slot: -1 });
  }
  for (const s of steps) {
    if (s.reads.some((r) => updates.has(r))) throw new Error('internal: only updates may read an update');
  }
  steps.push(...last);

  // Buffer slots with reuse: a slot frees after the last step that reads its node (or any view of it).
  const owner = (e: Expr): Expr => (e.kind === 'call' && VIEWS.has(e.op) ? owner(e.args[0]) : e);
  const lastUse = new Map<Expr, number>();
  steps.forEach((s, i) => {
    for (const r of s.reads) lastUse.set(owner(r), i);
  });
  const slotOf = new Map<Expr, number>();
  const slotSizes: number[] = [];
  const free: number[] = [];
  const pinned = new Set(roots.map(owner));
  steps.forEach((s, i) => {
    if (s.kind === 'update') {
      // no buffer: written to its input
    } else if (s.kind === 'view') {
      s.slot = slotOf.get(owner(s.node.args[0])) ?? -1;
      slotOf.set(s.node, s.slot);
    } else {
      const size = Math.max(1, sizeOf(s.shape));
      const k = free.findIndex((slot) => slotSizes[slot] === size);
      s.slot = k >= 0 ? free.splice(k, 1)[0] : slotSizes.push(size) - 1;
      slotOf.set(s.node, s.slot);
    }
    for (const r of new Set(s.reads.map(owner))) {
      if (lastUse.get(r) === i && !pinned.has(r) && slotOf.has(r) && r.kind !== 'sym') free.push(slotOf.get(r)!);
    }
  });
  return { steps, roots, shapes, slotSizes, slotOf, inputs, updates, isInlined: (e) => inlined.has(e) };
}
