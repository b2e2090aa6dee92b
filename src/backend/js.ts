// The JavaScript backend: executes a Plan (src/backend/plan.ts) with float32 typed arrays.
//
// In:  a plan and the input buffers. Out: a runner whose run() executes every step in order into buffers that
//      were all allocated when the plan was compiled (a steady-state step allocates nothing).
// Elementwise steps are generated JavaScript loops (one per fused chain), built from the op table's snippets;
// tensor steps call the kernels of src/backend/js-kernels.ts.
// Generated code contains no user text: buffers are passed by position, numbers printed from finite doubles.

import { Expr } from '../ir/expr.js';
import { runtime } from '../ir/ops.js';
import { axisOf, intArg, type Shape, type TensorOpName } from '../ir/tensor-ops.js';
import { sizeOf } from '../tensor/shapes.js';
import type { Plan, Step } from './plan.js';
import { fusedBody } from './fuse.js';
import { registerBackend, type AdamHyper, type BackendOptions, type Buf, type DType, type Runner } from './backend.js';
import * as K from './js-kernels.js';

type F32 = K.F32;
export type { DType } from './backend.js';

export interface JsRunner extends Runner {
  run(): void;
}

/** [rows, cols] of a shape of rank ≤ 2 (a vector is one row). */
export function dims2(s: Shape): [number, number] {
  if (s.length === 0) return [1, 1];
  if (s.length === 1) return [1, s[0]];
  return [s[0], s[1]];
}

/** Generate the fused loop for an elementwise step (shared with the wasm backend, which runs it on views of its memory). */
export function elementwiseSource(step: Step, plan: Plan): { source: string; inputs: Expr[] } {
  const [M, N] = dims2(step.shape);
  const pre: string[] = []; // loads hoisted out of the loops (scalars)
  const read = (e: Expr, k: number): string => {
    const [r, c] = dims2(plan.shapes.get(e)!);
    if (r === 1 && c === 1) {
      pre.push(`const s${k} = in${k}[0];`);
      return `s${k}`;
    }
    if (r === 1) return `in${k}[j]`; // a row, broadcast down the rows
    if (c === 1) return `in${k}[i]`; // a column, broadcast across the columns
    return `in${k}[rowBase + j]`;
  };
  const body = fusedBody(step, plan, read, 'js');
  const source = [
    `return function kernel(out, ${body.inputs.map((_, k) => `in${k}`).join(', ')}) {`,
    ...[...new Set(pre)].map((l) => '  ' + l),
    `  for (let i = 0; i < ${M}; i++) {`,
    `    const rowBase = i * ${N};`,
    `    for (let j = 0; j < ${N}; j++) {`,
    ...body.lines.map((l) => '      ' + l),
    `      out[rowBase + j] = ${body.result};`,
    '    }',
    '  }',
    '};',
  ].join('\n');
  return { source, inputs: [...body.inputs] };
}

export type TensorKernel = (step: Step, buf: (e: Expr) => F32, shapeOf: (e: Expr) => Shape) => () => void;

/** One entry per tensor op: TypeScript fails to compile if an op of the tensor table has no kernel here. */
const tensorKernels: Record<Exclude<TensorOpName, 'column'>, TensorKernel> = {
  matmul(step, buf, shapeOf) {
    const [a, b] = step.node.args;
    const ta = a.is('transpose');
    const tb = b.is('transpose');
    const A = ta ? a.args[0] : a;
    const B = tb ? b.args[0] : b;
    const [m, k] = dims2(shapeOf(a));
    const n = dims2(shapeOf(b))[1];
    const C = buf(step.node);
    if (ta && tb) {
      const tmp = C instanceof Float64Array ? new Float64Array(m * k) : new Float32Array(m * k); // Aᵀᵀ: rare; one copy made at compile time
      return () => {
        K.transpose2(buf(A), tmp, k, m);
        K.matmulNT(tmp, buf(B), C, m, k, n);
      };
    }
    if (ta) return () => K.matmulTN(buf(A), buf(B), C, m, k, n);
    if (tb) return () => K.matmulNT(buf(A), buf(B), C, m, k, n);
    return () => K.matmulNN(buf(A), buf(B), C, m, k, n);
  },
  transpose(step, buf, shapeOf) {
    const x = step.node.args[0];
    const [m, n] = dims2(shapeOf(x));
    return () => {
      const X = buf(x);
      const Y = buf(step.node);
      if (shapeOf(x).length < 2) Y.set(X.subarray(0, m * n));
      else K.transpose2(X, Y, m, n);
    };
  },
  sum: (step, buf, shapeOf) => reduction('sum', step, buf, shapeOf),
  mean: (step, buf, shapeOf) => reduction('mean', step, buf, shapeOf),
  amax: (step, buf, shapeOf) => reduction('max', step, buf, shapeOf),
  logsumexp: (step, buf, shapeOf) => reduction('logsumexp', step, buf, shapeOf),
  softmax: (step, buf, shapeOf) => softmaxKernel(step, buf, shapeOf, false),
  log_softmax: (step, buf, shapeOf) => softmaxKernel(step, buf, shapeOf, true),
  softmax_cross_entropy(step, buf, shapeOf) {
    const [z, y] = step.node.args;
    const [B, C] = dims2(shapeOf(z));
    const ys = shapeOf(y);
    const oneHot = ys.length === 2 && ys[1] === C && C !== 1;
    return () => K.softmaxCrossEntropy(buf(z), buf(y), buf(step.node), B, C, oneHot);
  },
  onehot(step, buf, shapeOf) {
    const y = step.node.args[0];
    const C = intArg(step.node.args[1])!;
    const B = dims2(shapeOf(step.node))[0];
    void shapeOf;
    return () => K.onehot(buf(y), buf(step.node), B, C);
  },
  argmax_mask(step, buf, shapeOf) {
    const x = step.node.args[0];
    const s = shapeOf(x);
    const axis = axisOf(step.node.args, s.length);
    const [r, c] = dims2(s);
    const ax = s.length === 1 && axis === 0 ? 1 : axis;
    return () => K.argmaxMask(buf(x), buf(step.node), r, c, ax);
  },
  broadcast_to() {
    throw new Error('internal: broadcast_to is elementwise');
  },
  sum_to(step, buf, shapeOf) {
    const x = step.node.args[0];
    const [r, c] = dims2(shapeOf(x));
    const target = shapeOf(step.node);
    // Align the target to the input's rank, as broadcasting does (a vector [n] is a row [1, n]).
    const [tr, tc] = target.length === 0 ? [1, 1] : target.length === 1 ? [1, target[0]] : [target[0], target[1]];
    return () => K.sumTo(buf(x), buf(step.node), r, c, tr, tc);
  },
};

/** The JS kernel of a tensor step, as a closure over its buffers (the wasm backend uses it for the ops it does not replace). */
export function jsTensorKernel(step: Step, buf: (e: Expr) => F32, shapeOf: (e: Expr) => Shape): () => void {
  const make = (tensorKernels as Record<string, TensorKernel>)[step.node.op];
  if (!make) throw new Error(`internal: no JS kernel for ${step.node.op}`);
  return make(step, buf, shapeOf);
}

/** Compile an elementwise step's fused loop: kernel(out, ...inputs), inputs in the order of `inputs`. */
export function compileElementwise(step: Step, plan: Plan): { source: string; inputs: Expr[]; kernel: (out: F32, ...ins: F32[]) => void } {
  const { source, inputs } = elementwiseSource(step, plan);
  const kernel = new Function('R', source)(runtime) as (out: F32, ...ins: F32[]) => void;
  return { source, inputs, kernel };
}

function reduction(kind: 'sum' | 'mean' | 'max' | 'logsumexp', step: Step, buf: (e: Expr) => F32, shapeOf: (e: Expr) => Shape) {
  const x = step.node.args[0];
  const s = shapeOf(x);
  let axis = axisOf(step.node.args, s.length);
  const [r, c] = dims2(s);
  if (s.length === 1 && axis === 0) axis = 1; // a vector is one row: reducing its only axis reduces the row
  return () => K.reduce(kind, buf(x), buf(step.node), r, c, axis);
}

function softmaxKernel(step: Step, buf: (e: Expr) => F32, shapeOf: (e: Expr) => Shape, log: boolean) {
  const x = step.node.args[0];
  const s = shapeOf(x);
  let axis = axisOf(step.node.args, s.length) ?? s.length - 1;
  const [r, c] = dims2(s);
  if (s.length <= 1) axis = 1;
  return () => K.softmax(buf(x), buf(step.node), r, c, axis, log);
}

export function createJsRunner(plan: Plan, dtype: DType = 'float32', options: BackendOptions = {}): JsRunner {
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  const state = new Map(Object.entries(options.buffers ?? {}).map(([name, n]) => [name, new Arr(n)]));
  const slots: F32[] = plan.slotSizes.map((n) => new Arr(n));
  const bound = new Map<string, F32>();
  const shapeOf = (e: Expr) => plan.shapes.get(e)!;
  const buf = (e: Expr): F32 => {
    if (e.kind === 'sym') {
      const b = bound.get(e.name);
      if (!b) throw new Error(`internal: input ${e.name} not bound`);
      return b;
    }
    const slot = plan.slotOf.get(e);
    if (slot === undefined || slot < 0) {
      if (e.is('column')) return buf(e.args[0]);
      throw new Error(`internal: no buffer for a ${e.kind} node`);
    }
    return slots[slot];
  };
  const sources: string[] = [];
  const runs: (() => void)[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'view') continue;
    if (step.kind === 'elementwise') {
      const { source, inputs, kernel } = compileElementwise(step, plan);
      sources.push(source);
      const out = slots[step.slot];
      const ins = inputs;
      if (ins.length === 0) runs.push(() => kernel(out));
      else if (ins.length === 1) runs.push(() => kernel(out, buf(ins[0])));
      else if (ins.length === 2) runs.push(() => kernel(out, buf(ins[0]), buf(ins[1])));
      else runs.push(() => kernel(out, ...ins.map(buf)));
      continue;
    }
    runs.push(jsTensorKernel(step, buf, shapeOf));
  }
  return {
    run() {
      for (let i = 0; i < runs.length; i++) runs[i]();
    },
    bind(name, data) {
      const node = plan.inputs.get(name);
      if (!node) return;
      const need = Math.max(1, sizeOf(shapeOf(node)));
      if (data.length !== need) throw new RangeError(`input ${name} has ${data.length} elements, expected ${need}`);
      bound.set(name, data);
    },
    bufferOf: buf,
    stateBuffer(name) {
      const b = state.get(name);
      if (!b) throw new RangeError(`no state buffer named ${name}`);
      return b;
    },
    adamUpdate(p, m, v, g, h) {
      adamOnHost(p, m, v, buf(g), h);
    },
    sources,
    description: `JavaScript (${dtype})`,
  };
}

/** Adam in place on host buffers (checked sizes); shared with the wasm runner's fallback. */
export function adamOnHost(p: Buf, m: Buf, v: Buf, g: Buf, h: AdamHyper): void {
  if (m.length !== p.length || v.length !== p.length || (g.length !== p.length && g.length !== 1)) {
    throw new RangeError(`adamUpdate: sizes differ (p ${p.length}, m ${m.length}, v ${v.length}, g ${g.length})`);
  }
  K.adamUpdate(p, g, m, v, h.alpha, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.epsilon);
}

registerBackend({ name: 'js', adamInPlace: true, create: (plan, options) => createJsRunner(plan, options.dtype, options) });
