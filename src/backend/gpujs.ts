// The gpu.js backend: every step of a plan becomes a gpu.js kernel, generated from the plan (never hand-copied per
// op): fused elementwise chains from the op table's kernel snippets, the matrix product (transposed operands read
// in place), reductions, softmax/log-softmax with the maximum subtracted, the fused softmax-cross-entropy, and the
// helpers the backward pass needs.
//
// In:  a Plan and options { mode: gpu | webgl2 | webgl | webgpu | webasm | headlessgl | cpu, dtype: float32 }.
// Out: a Runner. Data layout: every value is a 2-D array [rows][cols] (a vector [n] is one row, a scalar is 1×1),
//      so every kernel indexes the same way. Sizes enter kernels as constants (gpu.js silently stops loops bounded
//      by an argument at 1000 iterations). On GL/WebGPU kernels, outputs stay on the device as pipeline textures
//      between kernels; each texture is deleted after its last reader (planned from the plan), so memory is flat
//      over any number of steps; values come back to the host only when asked (bufferOf).
// Honest reporting: `description` names the kernel class that actually ran (gpu.js runs WebAssembly when asked
// for `gpu` where there is none).

import gpujs from 'gpu.js';
import { Expr } from '../ir/expr.js';
import { axisOf, intArg, type Shape, type TensorOpName } from '../ir/tensor-ops.js';
import type { Plan, Step } from './plan.js';
import { registerBackend, type BackendOptions, type Buf, type Runner } from './backend.js';
import { fusedBody } from './fuse.js';
import { dims2 } from './js.js';
import { ExprError } from '../errors.js';

const { GPU, Input } = gpujs;

type Value = unknown; // a gpu.js texture, or an array of Float32Array rows, or an Input

export const GPU_MODES = ['gpu', 'webgl2', 'webgl', 'webgpu', 'webasm', 'headlessgl', 'cpu'] as const;


interface KernelSpec {
  /** Function source in gpu.js's JavaScript subset. */
  source: string;
  /** Kernel output [cols, rows]. */
  output: [number, number];
  constants: Record<string, number>;
  /** The operands, in parameter order. */
  reads: Expr[];
}

/** How an operand of shape `s` is read at output position (i, j) of an elementwise kernel. */
function broadcastRead(name: string, s: Shape): string {
  const [r, c] = dims2(s);
  return `${name}[${r === 1 ? '0' : 'i'}][${c === 1 ? '0' : 'j'}]`;
}

function elementwiseKernel(step: Step, plan: Plan): KernelSpec {
  const body = fusedBody(step, plan, (e, k) => `v${k}`, 'kernel');
  const [rows, cols] = dims2(step.shape);
  const params = body.inputs.map((_, k) => `in${k}`);
  const loads = body.inputs.map((e, k) => `const v${k} = ${broadcastRead(`in${k}`, plan.shapes.get(e)!)};`);
  const source = [
    `function (${params.join(', ')}) {`,
    '  const i = this.thread.y;',
    '  const j = this.thread.x;',
    ...loads.map((l) => '  ' + l),
    ...body.lines.map((l) => '  ' + l),
    `  return ${body.result};`,
    '}',
  ].join('\n');
  return { source, output: [cols, rows], constants: {}, reads: [...body.inputs] };
}

/** Indexing of the reduced slice: axis 1 → row `o`, axis 0 → column `o`, undefined → everything. */
function sliceLoop(x: string, axis: number | undefined, rows: number, cols: number, body: (v: string) => string): string[] {
  if (axis === undefined) {
    return [`for (let r = 0; r < ${rows}; r++) {`, `  for (let c = 0; c < ${cols}; c++) {`, `    const v = ${x}[r][c];`, `    ${body('v')}`, '  }', '}'];
  }
  const at = axis === 1 ? `${x}[o][k]` : `${x}[k][o]`;
  const n = axis === 1 ? cols : rows;
  return [`for (let k = 0; k < ${n}; k++) {`, `  const v = ${at};`, `  ${body('v')}`, '}'];
}

type TensorKernelMaker = (step: Step, shapeOf: (e: Expr) => Shape) => KernelSpec;

function reductionKernel(kind: 'sum' | 'mean' | 'max' | 'logsumexp'): TensorKernelMaker {
  return (step, shapeOf) => {
    const x = step.node.args[0];
    const s = shapeOf(x);
    let axis = axisOf(step.node.args, s.length);
    if (s.length === 1 && axis === 0) axis = 1;
    const [rows, cols] = dims2(s);
    const outLen = axis === undefined ? 1 : axis === 1 ? rows : cols;
    const count = axis === undefined ? rows * cols : axis === 1 ? cols : rows;
    const lines = ['const o = this.thread.x;'];
    if (kind === 'sum' || kind === 'mean') {
      lines.push('let acc = 0;', ...sliceLoop('X', axis, rows, cols, (v) => `acc += ${v};`));
      lines.push(kind === 'mean' ? `return acc / ${count};` : 'return acc;');
    } else {
      lines.push('let m = -1e38;', ...sliceLoop('X', axis, rows, cols, (v) => `m = Math.max(m, ${v});`));
      if (kind === 'max') lines.push('return m;');
      else lines.push('let acc = 0;', ...sliceLoop('X', axis, rows, cols, (v) => `acc += Math.exp(${v} - m);`), 'return m + Math.log(acc);');
    }
    return { source: `function (X) {\n  ${lines.join('\n  ')}\n}`, output: [outLen, 1], constants: {}, reads: [x] };
  };
}

function softmaxKernel(log: boolean): TensorKernelMaker {
  return (step, shapeOf) => {
    const x = step.node.args[0];
    const s = shapeOf(x);
    let axis = axisOf(step.node.args, s.length) ?? s.length - 1;
    if (s.length <= 1) axis = 1;
    const [rows, cols] = dims2(s);
    const o = axis === 1 ? 'i' : 'j';
    const lines = [
      'const i = this.thread.y;',
      'const j = this.thread.x;',
      `const o = ${o};`,
      'let m = -1e38;',
      ...sliceLoop('X', axis, rows, cols, (v) => `m = Math.max(m, ${v});`),
      'let acc = 0;',
      ...sliceLoop('X', axis, rows, cols, (v) => `acc += Math.exp(${v} - m);`),
      log ? 'return X[i][j] - m - Math.log(acc);' : 'return Math.exp(X[i][j] - m) / acc;',
    ];
    return { source: `function (X) {\n  ${lines.join('\n  ')}\n}`, output: [cols, rows], constants: {}, reads: [x] };
  };
}

/** One entry per tensor op (TypeScript fails to compile if one is missing). */
const tensorKernels: Record<TensorOpName, TensorKernelMaker> = {
  matmul(step, shapeOf) {
    const [a, b] = step.node.args;
    const ta = a.is('transpose');
    const tb = b.is('transpose');
    const [m, k] = dims2(shapeOf(a));
    const n = dims2(shapeOf(b))[1];
    const A = ta ? 'A[p][this.thread.y]' : 'A[this.thread.y][p]';
    const B = tb ? 'B[this.thread.x][p]' : 'B[p][this.thread.x]';
    const source = `function (A, B) {\n  let acc = 0;\n  for (let p = 0; p < this.constants.K; p++) {\n    acc += ${A} * ${B};\n  }\n  return acc;\n}`;
    return { source, output: [n, m], constants: { K: k }, reads: [ta ? a.args[0] : a, tb ? b.args[0] : b] };
  },
  transpose(step, shapeOf) {
    const x = step.node.args[0];
    const [rows, cols] = dims2(shapeOf(step.node));
    const vector = shapeOf(x).length < 2;
    return { source: `function (X) {\n  return ${vector ? 'X[this.thread.y][this.thread.x]' : 'X[this.thread.x][this.thread.y]'};\n}`, output: [cols, rows], constants: {}, reads: [x] };
  },
  sum: reductionKernel('sum'),
  mean: reductionKernel('mean'),
  amax: reductionKernel('max'),
  logsumexp: reductionKernel('logsumexp'),
  softmax: softmaxKernel(false),
  log_softmax: softmaxKernel(true),
  softmax_cross_entropy(step, shapeOf) {
    const [z, y] = step.node.args;
    const [B, C] = dims2(shapeOf(z));
    const ys = shapeOf(y);
    const oneHot = ys.length === 2 && ys[1] === C && C !== 1;
    const lines = [
      'const b = this.thread.x;',
      'let m = -1e38;',
      `for (let c = 0; c < ${C}; c++) { m = Math.max(m, Z[b][c]); }`,
      'let acc = 0;',
      `for (let c = 0; c < ${C}; c++) { acc += Math.exp(Z[b][c] - m); }`,
      'const lse = m + Math.log(acc);',
    ];
    if (oneHot) lines.push('let dot = 0;', 'let total = 0;', `for (let c = 0; c < ${C}; c++) { dot += Y[b][c] * Z[b][c]; total += Y[b][c]; }`, 'return total * lse - dot;');
    else lines.push(`const label = ${ys.length === 2 ? 'Y[b][0]' : 'Y[0][b]'};`, 'let picked = 0;', `for (let c = 0; c < ${C}; c++) { if (c === Math.floor(label + 0.5)) { picked = Z[b][c]; } }`, 'return lse - picked;');
    return { source: `function (Z, Y) {\n  ${lines.join('\n  ')}\n}`, output: [B, 1], constants: {}, reads: [z, y] };
  },
  onehot(step, shapeOf) {
    const y = step.node.args[0];
    const C = intArg(step.node.args[1])!;
    const B = dims2(shapeOf(step.node))[0];
    const ys = shapeOf(y);
    const label = ys.length === 2 ? 'Y[this.thread.y][0]' : 'Y[0][this.thread.y]';
    return { source: `function (Y) {\n  return Math.floor(${label} + 0.5) === this.thread.x ? 1 : 0;\n}`, output: [C, B], constants: {}, reads: [y] };
  },
  argmax_mask(step, shapeOf) {
    const x = step.node.args[0];
    const s = shapeOf(x);
    let axis = axisOf(step.node.args, s.length);
    if (s.length === 1 && axis === 0) axis = 1;
    const [rows, cols] = dims2(s);
    // The first maximum of the slice through (i, j): is (i, j) it?
    const lines = ['const i = this.thread.y;', 'const j = this.thread.x;'];
    if (axis === undefined) {
      lines.push('let m = -1e38;', 'let at = 0;', `for (let r = 0; r < ${rows}; r++) {`, `  for (let c = 0; c < ${cols}; c++) {`, `    if (X[r][c] > m) { m = X[r][c]; at = r * ${cols} + c; }`, '  }', '}', `return at === i * ${cols} + j ? 1 : 0;`);
    } else if (axis === 1) {
      lines.push('let m = -1e38;', 'let at = 0;', `for (let k = 0; k < ${cols}; k++) { if (X[i][k] > m) { m = X[i][k]; at = k; } }`, 'return at === j ? 1 : 0;');
    } else {
      lines.push('let m = -1e38;', 'let at = 0;', `for (let k = 0; k < ${rows}; k++) { if (X[k][j] > m) { m = X[k][j]; at = k; } }`, 'return at === i ? 1 : 0;');
    }
    return { source: `function (X) {\n  ${lines.join('\n  ')}\n}`, output: [cols, rows], constants: {}, reads: [x] };
  },
  column(step, shapeOf) {
    const v = step.node.args[0];
    const n = dims2(shapeOf(step.node))[0];
    const vs = shapeOf(v);
    return { source: `function (V) {\n  return ${vs.length === 2 ? 'V[this.thread.y][0]' : 'V[0][this.thread.y]'};\n}`, output: [1, n], constants: {}, reads: [v] };
  },
  broadcast_to() {
    throw new Error('internal: broadcast_to is elementwise');
  },
  sum_to(step, shapeOf) {
    const x = step.node.args[0];
    const [r, c] = dims2(shapeOf(x));
    const t = shapeOf(step.node);
    const [tr, tc] = t.length === 0 ? [1, 1] : t.length === 1 ? [1, t[0]] : [t[0], t[1]];
    const rowLoop = tr === 1 && r > 1;
    const colLoop = tc === 1 && c > 1;
    const row = rowLoop ? 'rr' : tr === 1 ? '0' : 'this.thread.y';
    const col = colLoop ? 'cc' : tc === 1 ? '0' : 'this.thread.x';
    const lines = ['let acc = 0;'];
    if (rowLoop) lines.push(`for (let rr = 0; rr < ${r}; rr++) {`);
    if (colLoop) lines.push(`for (let cc = 0; cc < ${c}; cc++) {`);
    lines.push(`acc += X[${row}][${col}];`);
    if (colLoop) lines.push('}');
    if (rowLoop) lines.push('}');
    lines.push('return acc;');
    return { source: `function (X) {\n  ${lines.join('\n  ')}\n}`, output: [tc, tr], constants: {}, reads: [x] };
  },
};

function kernelSpec(step: Step, plan: Plan): KernelSpec {
  if (step.kind === 'elementwise') return elementwiseKernel(step, plan);
  const make = tensorKernels[step.node.op as TensorOpName];
  if (!make) throw new Error(`internal: no gpu.js kernel for ${step.node.op}`);
  return make(step, (e) => plan.shapes.get(e)!);
}

export function createGpuRunner(plan: Plan, options: BackendOptions = {}): Runner {
  const mode = options.mode ?? 'gpu';
  if (!(GPU_MODES as readonly string[]).includes(mode)) {
    throw new ExprError('usage', `unknown gpu.js mode '${mode}' (expected ${GPU_MODES.join(', ')})`);
  }
  if (options.dtype === 'float64') throw new ExprError('usage', 'the gpujs backend computes in float32 only');
  let gpu: InstanceType<typeof GPU>;
  try {
    gpu = new GPU({ mode: mode as never });
  } catch (err) {
    throw new ExprError('usage', `gpu.js cannot run in mode '${mode}' here: ${(err as Error).message}`);
  }
  const sources: string[] = [];
  const kernels: { step: Step; spec: KernelSpec; kernel: (...args: Value[]) => Value }[] = [];
  const kernelClasses = new Set<string>();
  for (const step of plan.steps) {
    if (step.kind === 'view') throw new Error('internal: the gpujs plan has no views');
    const spec = kernelSpec(step, plan);
    sources.push(spec.source);
    let kernel: (...args: Value[]) => Value;
    try {
      kernel = gpu.createKernel(spec.source, {
        output: spec.output,
        constants: spec.constants,
        pipeline: true,
        immutable: true,
        tactic: 'precision',
        dynamicOutput: false,
      } as never) as never;
    } catch (err) {
      throw new Error(`internal: gpu.js rejected a generated kernel (${(err as Error).message}):\n${spec.source}`);
    }
    kernels.push({ step, spec, kernel });
  }
  // Liveness: a texture may be deleted after its last reader in the step list; roots live until the next run.
  const lastRead = new Map<Expr, number>();
  kernels.forEach(({ spec }, i) => spec.reads.forEach((e) => lastRead.set(e, i)));
  const roots = new Set(plan.roots);
  const inputs = new Map<string, Value>();
  const values = new Map<Expr, Value>();
  const host = new Map<Expr, Float32Array>();
  const release = (v: Value) => {
    const t = v as { delete?: () => void };
    if (t && typeof t.delete === 'function') t.delete();
  };
  const valueOf = (e: Expr): Value => {
    if (e.kind === 'sym') {
      const v = inputs.get(e.name);
      if (v === undefined) throw new Error(`internal: input ${e.name} not bound`);
      return v;
    }
    const v = values.get(e);
    if (v === undefined) throw new Error('internal: value not computed');
    return v;
  };
  let disposed = false;
  // Does this gpu.js instance produce textures (GL/WebGPU kernels)? Probed once with a 1×1 kernel.
  let producesTextures: boolean | undefined;
  const textures = (): boolean => {
    if (producesTextures === undefined) {
      const probe = gpu.createKernel('function (X) { return X[0][0]; }', { output: [1, 1], pipeline: true, immutable: true } as never) as unknown as (x: Value) => Value;
      const out = probe(new Input(new Float32Array(1) as unknown as number[], [1, 1]));
      producesTextures = isTexture(out);
      release(out);
    }
    return producesTextures;
  };
  const uploaders = new Map<string, (x: Value) => Value>();
  const uploader = (rows: number, cols: number) => {
    const key = `${rows}x${cols}`;
    let k = uploaders.get(key);
    if (!k) {
      k = gpu.createKernel('function (X) { return X[this.thread.y][this.thread.x]; }', { output: [cols, rows], pipeline: true, immutable: true } as never) as unknown as (x: Value) => Value;
      uploaders.set(key, k);
    }
    return k;
  };
  const uploaded = new Map<string, Value>();
  const isTexture = (v: Value) => typeof (v as { delete?: unknown })?.delete === 'function';
  const toHost = (v: Value, shape: readonly number[]): Float32Array => {
    if (v instanceof Input) v = (v as unknown as { value: Float32Array }).value;
    const t = v as { toArray?: () => unknown };
    const arr = typeof t.toArray === 'function' ? t.toArray() : v;
    const [rows, cols] = dims2(shape);
    const flat = new Float32Array(rows * cols);
    if (arr instanceof Float32Array) flat.set(arr.subarray(0, rows * cols));
    else {
      const rowsArr = arr as ArrayLike<number>[];
      for (let r = 0; r < rows; r++) {
        const row = rowsArr[r];
        for (let c = 0; c < cols; c++) flat[r * cols + c] = row[c];
      }
    }
    return flat;
  };
  const runner: Runner = {
    run() {
      if (disposed) throw new ExprError('usage', 'this compiled program was disposed');
      host.clear();
      for (const v of values.values()) release(v);
      values.clear();
      kernels.forEach(({ step, spec, kernel }, i) => {
        const out = kernel(...spec.reads.map(valueOf));
        const k = (kernel as unknown as { kernel?: { constructor: { name: string } } }).kernel;
        if (k) kernelClasses.add(k.constructor.name);
        values.set(step.node, out);
        for (const e of new Set(spec.reads)) {
          if (lastRead.get(e) === i && !roots.has(e) && e.kind !== 'sym') {
            release(values.get(e));
            values.delete(e);
          }
        }
      });
    },
    bind(name, data) {
      const node = plan.inputs.get(name);
      if (!node) return;
      const [rows, cols] = dims2(plan.shapes.get(node)!);
      if (data.length !== rows * cols) throw new RangeError(`input ${name} has ${data.length} elements, expected ${rows * cols}`);
      const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
      const input = new Input(f32 as unknown as number[], [cols, rows]); // gpu.js types Input wrongly: it takes typed arrays
      if (textures()) {
        // GL/WebGPU kernels fix their argument types at the first call, and device-resident state arrives as
        // textures: so every input enters as a texture, uploaded by a copy kernel.
        release(uploaded.get(name));
        const texture = uploader(rows, cols)(input);
        uploaded.set(name, texture);
        inputs.set(name, texture);
      } else inputs.set(name, input);
    },
    bufferOf(e: Expr): Buf {
      const cached = host.get(e);
      if (cached) return cached;
      const flat = toHost(valueOf(e), plan.shapes.get(e)!);
      host.set(e, flat);
      return flat;
    },
    takeValue(e: Expr) {
      const v = values.get(e);
      if (v === undefined) throw new Error('internal: value not computed');
      values.delete(e);
      host.delete(e);
      // WebAssembly/CPU kernels may reuse their output arrays on the next call: hand over a copy.
      return isTexture(v) ? v : toHost(v, plan.shapes.get(e)!);
    },
    bindValue(name: string, value: unknown) {
      if (!plan.inputs.has(name)) return;
      if (value instanceof Float32Array) runner.bind(name, value);
      else {
        // A device value the caller owns now takes the place of any texture we uploaded for this input.
        release(uploaded.get(name));
        uploaded.delete(name);
        inputs.set(name, value);
      }
    },
    readValue: (value: unknown, shape: readonly number[]) => toHost(value, shape),
    releaseValue: (value: unknown) => release(value),
    sources,
    get description() {
      const classes = [...kernelClasses];
      return `gpu.js ${classes.length ? classes.join(', ') : '(not run yet)'} (mode '${mode}', float32)`;
    },
    dispose() {
      for (const v of values.values()) release(v);
      values.clear();
      for (const v of uploaded.values()) release(v);
      uploaded.clear();
      disposed = true;
      gpu.destroy();
    },
  };
  return runner;
}

registerBackend({ name: 'gpujs', views: false, create: (plan, options) => createGpuRunner(plan, options) });
