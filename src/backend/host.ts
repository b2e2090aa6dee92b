// Host execution of lowered kernels (src/backend/lower.ts) on typed arrays: the js backend's whole table, and what
// the wasm backend runs for the kinds it does not render itself (on views of its memory).
//
// In:  kernels, and where each Ref's buffer is (Float32Array, or Float64Array for gradient checks).
// Out: one closure per kernel (run in order, nothing allocated per call) and the generated loop sources.
// Elementwise and update kernels are generated JavaScript loops, ops rendered by src/eval/js-ops.ts; the other
// kinds call src/backend/js-kernels.ts and src/backend/conv-kernels.ts. Generated code contains no user text: buffers are passed by position,
// numbers printed from finite doubles, op code from the registry's names.

import { jsLiteral, jsOp, runtime } from '../eval/js-ops.js';
import type { Arg, ElementwiseKernel, Kernel, KernelKind, Operand, Ref, UpdateKernel } from './lower.js';
import * as K from './js-kernels.js';
import * as C from './conv-kernels.js';

export type F32 = K.F32;
export type BufOf = (r: Ref) => F32;
export type HostRender<T extends Kernel = Kernel> = (k: T, buf: BufOf) => { run: () => void; source?: string };

/** The operand read at output (i, j), for buffers in0, in1, …: scalars are hoisted as s0, …. */
function readAt(o: Operand, k: number): string {
  switch (o.read) {
    case 'scalar':
      return `s${k}`;
    case 'row':
      return `in${k}[j]`;
    case 'col':
      return `in${k}[i]`;
    case 'transposed':
      return `in${k}[j * ${o.dims[1]} + i]`;
    default: // full, and flat (the same flat index: a reshape)
      return `in${k}[rowBase + j]`;
  }
}

/** Source of the loop of an elementwise or update kernel: function(out…, in…). */
export function loopSource(k: ElementwiseKernel | UpdateKernel): string {
  const outs = k.kind === 'update' ? k.outputs.map((_, j) => `o${j}`) : ['out'];
  const arg = (a: Arg): string => ('in' in a ? `a${a.in}` : 't' in a ? `t${a.t}` : 'num' in a ? jsLiteral(a.num) : `(${jsOp(a.c, [])})`);
  const stores = k.kind === 'update' ? k.outputs : [{ value: k.result }];
  const storedAt = new Map<number, number[]>();
  stores.forEach((s, j) => 't' in s.value && (storedAt.get(s.value.t) ?? storedAt.set(s.value.t, []).get(s.value.t)!).push(j));
  const body: string[] = k.inputs.map((o, i) => `const a${i} = ${readAt(o, i)};`);
  k.ops.forEach((op, t) => {
    const at = storedAt.get(t);
    if (!at || k.kind !== 'update') return body.push(`const t${t} = ${jsOp(op.op, op.args.map(arg))};`);
    // Stored, then read back: later ops see the value rounded as the buffer holds it.
    body.push(`let t${t} = ${jsOp(op.op, op.args.map(arg))};`, ...at.map((j) => `${outs[j]}[rowBase + j] = t${t};`), `t${t} = ${outs[at[0]]}[rowBase + j];`);
  });
  stores.forEach((s, j) => (!('t' in s.value) || k.kind !== 'update') && body.push(`${outs[j]}[rowBase + j] = ${arg(s.value)};`));
  return [
    `return function kernel(${[...outs, ...k.inputs.map((_, i) => `in${i}`)].join(', ')}) {`,
    ...k.inputs.flatMap((o, i) => (o.read === 'scalar' ? [`  const s${i} = in${i}[0];`] : [])),
    `  for (let i = 0; i < ${k.rows}; i++) {`,
    `    const rowBase = i * ${k.cols};`,
    `    for (let j = 0; j < ${k.cols}; j++) {`,
    ...body.map((l) => '      ' + l),
    '    }',
    '  }',
    '};',
  ].join('\n');
}

type Loop = (...bufs: F32[]) => void;

function loop(k: ElementwiseKernel | UpdateKernel, buf: BufOf) {
  const source = loopSource(k);
  const fn = new Function('R', source)(runtime) as Loop;
  const refs = [...(k.kind === 'update' ? k.outputs.map((o) => o.target) : [k.out]), ...k.inputs.map((o) => o.ref)];
  const [r0, r1, r2, r3] = refs;
  const run =
    refs.length === 1 ? () => fn(buf(r0))
    : refs.length === 2 ? () => fn(buf(r0), buf(r1))
    : refs.length === 3 ? () => fn(buf(r0), buf(r1), buf(r2))
    : refs.length === 4 ? () => fn(buf(r0), buf(r1), buf(r2), buf(r3))
    : () => fn(...refs.map(buf));
  return { run, source };
}

/** One entry per kernel kind: TypeScript fails to compile if a kind has no renderer. Buffers are looked up at each run (inputs may be rebound). */
export const hostTable: { [K in KernelKind]: HostRender<Extract<Kernel, { kind: K }>> } = {
  elementwise: loop,
  update: loop,
  matmul: (k, buf) => withEpilogue(k, buf, k.m, k.n, () => K.matmul(buf(k.a), buf(k.b), buf(k.out), k.m, k.k, k.n, k.ta, k.tb)),
  reduce: (k, buf) => ({ run: () => K.reduce(k.op, buf(k.x), buf(k.out), k.rows, k.cols, k.axis) }),
  softmax: (k, buf) => ({ run: () => K.softmax(buf(k.x), buf(k.out), k.rows, k.cols, k.axis, k.log) }),
  argmax: (k, buf) => ({ run: () => K.argmaxMask(buf(k.x), buf(k.out), k.rows, k.cols, k.axis) }),
  crossentropy: (k, buf) => ({ run: () => K.softmaxCrossEntropy(buf(k.z), buf(k.y), buf(k.out), k.B, k.C, k.oneHot) }),
  onehot: (k, buf) => ({ run: () => K.onehot(buf(k.y), buf(k.out), k.B, k.C) }),
  conv(k, buf) {
    const f = k.op === 'forward' ? C.convForward : k.op === 'input' ? C.convInput : C.convFilter;
    return withEpilogue(k, buf, k.g.B * k.g.Ho * k.g.Wo, k.g.F, () => f(buf(k.a), buf(k.b), buf(k.out), k.g));
  },
  pool(k, buf) {
    if (!k.backward) return { run: () => C.poolForward(k.op, buf(k.x!), buf(k.out), k.g) };
    return withEpilogue(k, buf, k.g.B * k.g.H * k.g.W, k.g.C, () => C.poolBackward(k.op, k.x && buf(k.x), buf(k.grad!), buf(k.out), k.g));
  },
};

/** A product (or pooling backward) with its fused epilogue on out [rows, cols] after it, where lowering fused one. */
function withEpilogue(k: { out: Ref; bias?: Ref; relu?: Ref; mask?: Ref }, buf: BufOf, rows: number, cols: number, product: () => void) {
  if (!k.bias && !k.mask) return { run: product };
  return {
    run() {
      product();
      K.epilogue(buf(k.out), rows, cols, k.bias && buf(k.bias), k.relu && buf(k.relu), k.mask && buf(k.mask));
    },
  };
}

/** Run closures and loop sources for kernels, each rendered by `table` where it has the kind, else by the host. */
export function renderHost(kernels: readonly Kernel[], buf: BufOf, table: Partial<typeof hostTable> = {}): { runs: (() => void)[]; sources: string[] } {
  const runs: (() => void)[] = [];
  const sources: string[] = [];
  for (const k of kernels) {
    const r = ((table[k.kind] ?? hostTable[k.kind]) as HostRender)(k, buf);
    runs.push(r.run);
    if (r.source) sources.push(r.source);
  }
  return { runs, sources };
}
