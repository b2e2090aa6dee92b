// Lowering: a Plan (src/backend/plan.ts) → a list of kernels of a few backend-neutral kinds, with every shape
// question answered once, here, so that the backends only render or execute.
//
// In:  a plan. Out: kernels in execution order:
//   elementwise  a fused chain as straight-line ops over operands, each operand read through an index map
//                (full, a row broadcast down, a column broadcast across, a scalar, or transposed);
//                transposes and (where a backend has no views) column() are elementwise copies
//   update       the same, but writing several inputs in place (an optimizer's p, m, v): each output is stored
//                when it is computed, and an op that uses it reads the stored value back (m and v are rounded to
//                the buffer's precision before p reads them); operands are loaded before anything is stored
//   matmul       C = op(A)·op(B), transposed operands read in place, with a fused epilogue where the plan allows:
//                a bias row added, then relu into a second buffer, or a multiply by step(Z) (relu's backward)
//   reduce       sum, mean, max or logsumexp of a [rows, cols] view over axis 1 (per row), 0 (per column) or all;
//                sum_to is a sum over the broadcast axes
//   softmax      softmax or log-softmax along axis 1 or 0 of a [rows, cols] view, the maximum subtracted first
//   crossentropy per-row softmax cross-entropy of logits [B, C] against one-hot rows or class indices
//   onehot, argmax
//   conv         a 2-D convolution over NHWC images, or its input or filter gradient (one geometry, three products)
//   pool         max or average pooling, or its gradient
// flatten and reshape are views where the backend has views, else copies that read the same flat index.
// Every value is a [rows, cols] view (a vector [n] is one row, a scalar 1×1, an image batch [B·H·W, C]). Buffers are Refs: a plan slot, an
// input (by name), and for gpu.js-style backends the node whose value it is. Views (column(v)) resolve to what they
// alias.
//
// Epilogue rule (bitwise the unfused loops): S = M + b (b a row of M's width) right after M = A @ B (or a forward
// convolution, whose result is the product [B·Ho·Wo, F]), S M's only
// reader, M not a result, S's buffer none of A, B, b: the product writes S's buffer and adds b; a relu R = relu(S)
// right after reading only S writes its own buffer in the same pass. Or S = M·step(Z), step inlined, Z
// materialized of M's shape (also after a pooling's backward). Backends that cannot fuse render the epilogue as
// loops after the product.

import { Expr } from '../ir/expr.js';
import { axisOf, intArg, type Shape } from '../ir/tensor-ops.js';
import { isLeafConst, type Plan, type Step } from './plan.js';
import { op } from '../ir/registry.js';

/** A buffer: a plan slot (≥ 0) or an input (slot −1, node the input's symbol). `node` is the value it holds. */
export interface Ref {
  readonly node: Expr;
  readonly slot: number;
  readonly input?: string;
}

/** How an operand is read at output (i, j): 'flat' is the same flat index in a buffer of other dims (a reshape). */
export type ReadMap = 'full' | 'row' | 'col' | 'scalar' | 'transposed' | 'flat';

export interface Operand {
  readonly ref: Ref;
  readonly read: ReadMap;
  /** [rows, cols] of the buffer read. */
  readonly dims: readonly [number, number];
}

/** An operand of a body op: an input (operand k), a temporary, a literal, a constant op (pi, e). */
export type Arg = { readonly in: number } | { readonly t: number } | { readonly num: number } | { readonly c: string };

export interface BodyOp {
  readonly op: string;
  readonly args: readonly Arg[];
}

interface Loop {
  readonly rows: number;
  readonly cols: number;
  readonly inputs: readonly Operand[];
  /** ops[t] computes temporary t. */
  readonly ops: readonly BodyOp[];
}

export interface ElementwiseKernel extends Loop {
  readonly kind: 'elementwise';
  readonly out: Ref;
  readonly result: Arg;
}

export interface UpdateKernel extends Loop {
  readonly kind: 'update';
  /** Stored in order; an output whose value is temporary t is stored right after t is computed. */
  readonly outputs: readonly { readonly target: Ref; readonly value: Arg }[];
}

/** A product's fused epilogue: a bias row added, relu of that written to a second buffer, or a multiply by step(mask). */
interface Epilogue {
  readonly bias?: Ref;
  readonly relu?: Ref;
  readonly mask?: Ref;
}

export interface MatmulKernel extends Epilogue {
  readonly kind: 'matmul';
  readonly out: Ref;
  readonly a: Ref;
  readonly b: Ref;
  readonly ta: boolean;
  readonly tb: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

export type Axis = 0 | 1 | undefined;

/** A kind over one [rows, cols] view x. */
interface OverView {
  readonly out: Ref;
  readonly x: Ref;
  readonly rows: number;
  readonly cols: number;
}

export interface ReduceKernel extends OverView {
  readonly kind: 'reduce';
  readonly op: 'sum' | 'mean' | 'max' | 'logsumexp';
  readonly axis: Axis;
}

export interface SoftmaxKernel extends OverView {
  readonly kind: 'softmax';
  readonly log: boolean;
  readonly axis: 0 | 1;
}

export interface ArgmaxKernel extends OverView {
  readonly kind: 'argmax';
  readonly axis: Axis;
}

/** A kind over labels y of B rows and C classes: one-hot rows [B, C], or class indices as a row [B] or a column [B, 1] (yColumn). */
interface OverLabels {
  readonly out: Ref;
  readonly y: Ref;
  readonly B: number;
  readonly C: number;
  readonly yColumn: boolean;
}

export interface CrossEntropyKernel extends OverLabels {
  readonly kind: 'crossentropy';
  readonly z: Ref;
  readonly oneHot: boolean;
}

export interface OnehotKernel extends OverLabels {
  readonly kind: 'onehot';
}

/** Geometry of a 2-D convolution or pooling: images [B, H, W, C] → [B, Ho, Wo, F] with a kh×kw window. */
export interface ConvGeometry {
  readonly B: number;
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly kh: number;
  readonly kw: number;
  /** Output channels (pooling: C). */
  readonly F: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly stride: number;
  readonly pad: number;
}

/**
 * A convolution with filters K [kh, kw, C, F], one of three products over the same windows:
 *   forward  out [B, Ho, Wo, F] = conv2d(a = x, b = K)
 *   input    out [B, H, W, C]   = conv2d_transpose(a = ḡ, b = K)
 *   filter   out [kh, kw, C, F] = conv2d_backprop_filter(a = x, b = ḡ)
 */
export interface ConvKernel extends Epilogue {
  readonly kind: 'conv';
  readonly op: 'forward' | 'input' | 'filter';
  readonly out: Ref;
  readonly a: Ref;
  readonly b: Ref;
  /** The forward product's epilogue is a matrix product's (its [B·Ho·Wo, F] rows). */
  readonly g: ConvGeometry;
}

/** Max or mean over windows (forward: out = pool(x)); backward: out [B, H, W, C] from ḡ (and x, for max). */
export interface PoolKernel {
  readonly kind: 'pool';
  readonly op: 'max' | 'avg';
  readonly backward: boolean;
  readonly out: Ref;
  /** The images (forward, and max's backward). */
  readonly x?: Ref;
  /** The gradient (backward). */
  readonly grad?: Ref;
  readonly g: ConvGeometry;
  /** The backward result multiplied by step(mask) (relu's backward, fused). */
  readonly mask?: Ref;
}

export type Kernel = ElementwiseKernel | UpdateKernel | MatmulKernel | ReduceKernel | SoftmaxKernel | CrossEntropyKernel | OnehotKernel | ArgmaxKernel | ConvKernel | PoolKernel;
export type KernelKind = Kernel['kind'];

export interface Lowered {
  readonly kernels: readonly Kernel[];
  readonly plan: Plan;
  /** The buffer holding a node's value after a run (roots, kept statements, inputs). */
  refOf(e: Expr): Ref;
}

/** [rows, cols] of a shape (a vector is one row; past rank 2 the leading axes are rows: [B, H, W, C] → [B·H·W, C]). */
export function dims2(s: Shape): [number, number] {
  if (s.length === 0) return [1, 1];
  if (s.length === 1) return [1, s[0]];
  let rows = 1;
  for (let i = 0; i < s.length - 1; i++) rows *= s[i];
  return [rows, s[s.length - 1]];
}

export function lower(plan: Plan): Lowered {
  const shapeOf = (e: Expr) => plan.shapes.get(e)!;
  const views = new Set(plan.steps.filter((s) => s.kind === 'view').map((s) => s.node));
  const refOf = (e: Expr): Ref => {
    if (e.kind === 'sym') return { node: e, slot: -1, input: e.name };
    if (views.has(e)) return refOf(e.args[0]);
    const target = plan.updates.get(e);
    if (target !== undefined) return { node: plan.inputs.get(target)!, slot: -1, input: target };
    const slot = plan.slotOf.get(e);
    if (slot !== undefined && slot >= 0) return { node: e, slot };
    throw new Error(`internal: no buffer for a ${e.kind} node`);
  };

  const operand = (e: Expr, rows: number, cols: number, read?: ReadMap): Operand => {
    const [r, c] = dims2(shapeOf(e));
    const map: ReadMap = read ?? (r === 1 && c === 1 ? 'scalar' : r === 1 && rows > 1 ? 'row' : c === 1 && cols > 1 ? 'col' : 'full');
    return { ref: refOf(e), read: map, dims: [r, c] };
  };

  /** The body of a fused chain: nodes in `own` are computed here; other non-constant nodes are operands. */
  const body = (results: readonly Expr[], own: (e: Expr) => boolean, rows: number, cols: number) => {
    const inputs: Operand[] = [];
    const ops: BodyOp[] = [];
    const done = new Map<Expr, Arg>();
    const inputIndex = new Map<Expr, number>();
    const visit = (e: Expr): Arg => {
      const known = done.get(e);
      if (known) return known;
      let a: Arg;
      if (e.kind === 'num') a = { num: e.value };
      else if (e.kind === 'call' && e.args.length === 0) a = { c: e.op };
      else if (!own(e)) {
        let k = inputIndex.get(e);
        if (k === undefined) inputIndex.set(e, (k = inputs.push(operand(e, rows, cols)) - 1));
        a = { in: k };
      } else if (!op(e.op).elementwise) a = visit(e.args[0]); // pointwise tensor ops (broadcast_to) are views
      else {
        const args = e.args.map(visit);
        a = { t: ops.push({ op: e.op, args }) - 1 };
      }
      done.set(e, a);
      return a;
    };
    // Operands first (in order of first use), so every load precedes every store.
    return { inputs, ops, args: results.map(visit) };
  };

  const kernels: Kernel[] = [];
  const steps = plan.steps.filter((s) => s.kind !== 'view');
  const updates = steps.filter((s) => s.kind === 'update');
  for (const step of steps) {
    if (step.kind === 'update') continue;
    const [rows, cols] = dims2(step.shape);
    if (step.kind === 'elementwise') {
      const own = (e: Expr) => e === step.node || plan.isInlined(e);
      const b = isLeafConst(step.node) ? { inputs: [], ops: [], args: [step.node.kind === 'num' ? { num: step.node.value } : { c: step.node.op }] } : body([step.node], own, rows, cols);
      kernels.push({ kind: 'elementwise', rows, cols, inputs: b.inputs, ops: b.ops, result: b.args[0] as Arg, out: refOf(step.node) });
    } else kernels.push(tensorKernel(step, rows, cols));
  }

  // Updates of one shape that read each other (p′ reads m′ and v′) form one kernel, outputs in plan order.
  const groups: Step[][] = [];
  const groupOf = new Map<Expr, Step[]>();
  for (const u of updates) {
    const linked = u.reads.map((r) => groupOf.get(r)).filter((g): g is Step[] => !!g && sameShape(g[0].shape, u.shape));
    let g: Step[] = linked[0] ?? (groups.push([]), groups[groups.length - 1]);
    for (const other of linked.slice(1)) {
      if (other === g) continue;
      g.push(...other);
      groups.splice(groups.indexOf(other), 1);
      for (const s of other) groupOf.set(s.node, g);
    }
    g.push(u);
    groupOf.set(u.node, g);
  }
  for (const g of groups) {
    g.sort((a, b) => updates.indexOf(a) - updates.indexOf(b));
    const members = new Set(g.map((s) => s.node));
    const [rows, cols] = dims2(g[0].shape);
    const own = (e: Expr) => members.has(e) || plan.isInlined(e);
    const b = body(g.map((s) => s.node), own, rows, cols);
    kernels.push({ kind: 'update', rows, cols, inputs: b.inputs, ops: b.ops, outputs: g.map((s, i) => ({ target: refOf(s.node), value: b.args[i] })) });
  }
  return { kernels: fuseEpilogues(kernels, plan), plan, refOf };

  function tensorKernel(step: Step, rows: number, cols: number): Kernel {
    const node = step.node;
    const out = refOf(node);
    const x = node.args[0];
    const xs = shapeOf(x);
    const [xr, xc] = dims2(xs);
    const copy = (read: ReadMap): ElementwiseKernel => ({ kind: 'elementwise', rows, cols, inputs: [operand(x, rows, cols, read)], ops: [], result: { in: 0 }, out });
    /** An axis argument on the [rows, cols] view: a vector's only axis is its row. */
    const viewAxis = (axis: number | undefined): Axis => (axis === undefined ? undefined : xs.length <= 1 ? 1 : (axis as 0 | 1));
    switch (node.op) {
      case 'matmul': {
        const [a, b] = node.args;
        const ta = a.is('transpose');
        const tb = b.is('transpose');
        const [m, k] = dims2(shapeOf(a));
        return { kind: 'matmul', out, a: refOf(ta ? a.args[0] : a), b: refOf(tb ? b.args[0] : b), ta, tb, m, k, n: dims2(shapeOf(b))[1] };
      }
      case 'transpose':
        return copy(xs.length < 2 ? 'full' : 'transposed');
      case 'column':
        return copy(xs.length === 2 ? 'full' : 'transposed');
      case 'sum':
      case 'mean':
      case 'amax':
      case 'logsumexp': {
        const op = node.op === 'amax' ? 'max' : node.op;
        return { kind: 'reduce', op, out, x: refOf(x), rows: xr, cols: xc, axis: viewAxis(axisOf(node.args, xs.length)) };
      }
      case 'sum_to': {
        // Align the target to the input's rank, as broadcasting does (a vector [n] is a row [1, n]).
        const [tr, tc] = dims2(shapeOf(node));
        const overRows = tr === 1 && xr > 1;
        const overCols = tc === 1 && xc > 1;
        if (!overRows && !overCols) return copy('full');
        return { kind: 'reduce', op: 'sum', out, x: refOf(x), rows: xr, cols: xc, axis: overRows && overCols ? undefined : overRows ? 0 : 1 };
      }
      case 'softmax':
      case 'log_softmax':
        return { kind: 'softmax', log: node.op === 'log_softmax', out, x: refOf(x), rows: xr, cols: xc, axis: viewAxis(axisOf(node.args, xs.length) ?? xs.length - 1) ?? 1 };
      case 'argmax_mask':
        return { kind: 'argmax', out, x: refOf(x), rows: xr, cols: xc, axis: viewAxis(axisOf(node.args, xs.length)) };
      case 'softmax_cross_entropy': {
        const [z, y] = node.args;
        const [B, C] = dims2(shapeOf(z));
        const ys = shapeOf(y);
        return { kind: 'crossentropy', out, z: refOf(z), y: refOf(y), B, C, oneHot: ys.length === 2 && ys[1] === C && C !== 1, yColumn: ys.length === 2 };
      }
      case 'onehot':
        return { kind: 'onehot', out, y: refOf(x), B: rows, C: intArg(node.args[1])!, yColumn: xs.length === 2 };
      case 'flatten':
      case 'reshape':
        return copy('flat'); // a view where the backend has views (plan.ts)
      case 'conv2d':
      case 'conv2d_transpose':
      case 'conv2d_backprop_filter': {
        const [a, b] = node.args;
        // which node is the images x [B, H, W, C], the filters K and the result y [B, Ho, Wo, F] of the forward product
        const [op, x, K, y] = node.op === 'conv2d' ? (['forward', a, b, node] as const) : node.op === 'conv2d_transpose' ? (['input', node, b, a] as const) : (['filter', a, node, b] as const);
        const [xImg, kShape, yImg] = [x, K, y].map(shapeOf);
        const [stride, pad] = node.op === 'conv2d_backprop_filter' ? [intArg(node.args[4])!, intArg(node.args[5])!] : [intArg(node.args[2])!, intArg(node.args[3])!];
        const g: ConvGeometry = { B: xImg[0], H: xImg[1], W: xImg[2], C: xImg[3], kh: kShape[0], kw: kShape[1], F: kShape[3], Ho: yImg[1], Wo: yImg[2], stride, pad };
        return { kind: 'conv', op, out, a: refOf(a), b: refOf(b), g };
      }
      case 'max_pool2d':
      case 'avg_pool2d':
      case 'max_pool2d_backprop':
      case 'avg_pool2d_backprop': {
        const backward = node.op.endsWith('_backprop');
        const xImg = backward ? shapeOf(node) : xs;
        const yImg = backward ? shapeOf(node.op === 'max_pool2d_backprop' ? node.args[1] : x) : shapeOf(node);
        const at = node.op === 'max_pool2d_backprop' ? 2 : 1;
        const size = intArg(node.args[at])!;
        const g: ConvGeometry = { B: xImg[0], H: xImg[1], W: xImg[2], C: xImg[3], kh: size, kw: size, F: xImg[3], Ho: yImg[1], Wo: yImg[2], stride: intArg(node.args[at + 1])!, pad: 0 };
        const op = node.op.startsWith('max') ? 'max' : 'avg';
        if (!backward) return { kind: 'pool', op, backward, out, x: refOf(x), g };
        return node.op === 'max_pool2d_backprop' ? { kind: 'pool', op, backward, out, x: refOf(x), grad: refOf(node.args[1]), g } : { kind: 'pool', op, backward, out, grad: refOf(x), g };
      }
      default:
        throw new Error(`internal: no kernel kind for ${node.op}`);
    }
  }
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const sameBuf = (a: Ref, b: Ref) => (a.slot >= 0 ? a.slot === b.slot : a.input !== undefined && a.input === b.input);

/** A kernel whose result an epilogue may take over: its product's [rows, cols] and the buffers it reads. */
type Producer = MatmulKernel | ConvKernel | PoolKernel;
function producer(k: Kernel): { m: number; n: number; reads: Ref[]; maskOnly: boolean } | undefined {
  if (k.kind === 'matmul') return { m: k.m, n: k.n, reads: [k.a, k.b], maskOnly: false };
  if (k.kind === 'conv' && k.op === 'forward') return { m: k.g.B * k.g.Ho * k.g.Wo, n: k.g.F, reads: [k.a, k.b], maskOnly: false };
  if (k.kind === 'pool' && k.backward) return { m: k.g.B * k.g.H * k.g.W, n: k.g.C, reads: [k.x, k.grad].filter((r): r is Ref => !!r), maskOnly: true };
  return undefined;
}

/** The epilogue rule of the header, applied to consecutive kernels. */
function fuseEpilogues(kernels: readonly Kernel[], plan: Plan): Kernel[] {
  const readers = new Map<Expr, number>();
  for (const s of plan.steps) for (const r of new Set(s.reads)) readers.set(r, (readers.get(r) ?? 0) + 1);
  const roots = new Set(plan.roots);
  const out: Kernel[] = [];
  for (let i = 0; i < kernels.length; i++) {
    const M = kernels[i];
    const S = kernels[i + 1];
    if (!producer(M) || !S || S.kind !== 'elementwise' || roots.has((M as Producer).out.node) || readers.get((M as Producer).out.node) !== 1) {
      out.push(M);
      continue;
    }
    const Mnode = (M as Producer).out.node;
    const fused = epilogue(M as Producer, S, Mnode, kernels[i + 2]);
    if (!fused) {
      out.push(M);
      continue;
    }
    out.push(fused.kernel);
    i += fused.consumed;
  }
  return out;

  function epilogue(M: Producer, S: ElementwiseKernel, Mnode: Expr, R: Kernel | undefined): { kernel: Producer; consumed: number } | undefined {
    const P = producer(M)!;
    if (S.rows !== P.m || S.cols !== P.n || S.ops.length < 1) return undefined;
    const mIndex = S.inputs.findIndex((o) => o.ref.node === Mnode);
    if (mIndex < 0 || S.inputs[mIndex].read !== 'full') return undefined;
    const isM = (a: Arg) => 'in' in a && a.in === mIndex;
    const reads = P.reads;
    const C = S.out;
    // S = M + b: one add of M and a row b of M's width.
    if (!P.maskOnly && S.ops.length === 1 && S.inputs.length === 2 && S.ops[0].op === 'add') {
      const [x, y] = S.ops[0].args;
      const other = isM(x) ? y : isM(y) ? x : undefined;
      if (!other || !('in' in other)) return undefined;
      const bias = S.inputs[other.in];
      if (bias.read !== 'row' && !(P.m === 1 && bias.read === 'full')) return undefined;
      if (bias.dims[1] !== P.n || [...reads, bias.ref].some((r) => sameBuf(r, C))) return undefined;
      let relu: Ref | undefined;
      if (R && R.kind === 'elementwise' && R.inputs.length === 1 && R.inputs[0].ref.node === C.node && R.inputs[0].read === 'full' && R.ops.length === 1 && R.ops[0].op === 'relu' && 'in' in R.ops[0].args[0] && 't' in R.result && R.rows === S.rows && R.cols === S.cols) {
        if (![...reads, bias.ref, C].some((r) => sameBuf(r, R.out))) relu = R.out;
      }
      return { kernel: { ...(M as MatmulKernel | ConvKernel), out: C, bias: bias.ref, relu }, consumed: relu ? 2 : 1 };
    }
    // S = M·step(Z): step inlined, Z materialized of M's shape.
    if (S.ops.length === 2 && S.inputs.length === 2 && S.ops[0].op === 'step' && S.ops[1].op === 'mul') {
      const [x, y] = S.ops[1].args;
      const stepArg = (a: Arg) => 't' in a && a.t === 0;
      if (!((isM(x) && stepArg(y)) || (isM(y) && stepArg(x)))) return undefined;
      const za = S.ops[0].args[0];
      if (!('in' in za) || za.in === mIndex) return undefined;
      const Z = S.inputs[za.in];
      if (Z.read !== 'full' || [...reads, Z.ref].some((r) => sameBuf(r, C))) return undefined;
      return { kernel: { ...M, out: C, mask: Z.ref }, consumed: 1 };
    }
    return undefined;
  }
}
