// The gpu.js backend: renders a plan's lowered kernels (src/backend/lower.ts) as gpu.js kernels, generated from the
// kernel kinds (never hand-copied per op): fused elementwise chains from the op table's kernel snippets, the matrix
// product (transposed operands read in place, bias or step mask in the same kernel, relu as its own), reductions,
// softmax/log-softmax with the maximum subtracted, the fused softmax-cross-entropy, onehot and argmax masks; an
// update is one kernel per output, whose values replace the inputs (on the device) once the run is over.
//
// In:  a Plan and options { mode: gpu | webgl2 | webgl | webgpu | webasm | headlessgl | cpu, dtype: float32 }.
// Out: a Runner. Data layout: every value is a 2-D array [rows][cols] (a vector [n] is one row, a scalar is 1×1),
//      so every kernel indexes the same way. Sizes enter kernels as literals (gpu.js silently stops loops bounded
//      by an argument at 1000 iterations). On GL/WebGPU kernels, outputs stay on the device as pipeline textures
//      between kernels; each texture is deleted after its last reader, so memory is flat over any number of
//      steps; values (updated inputs too) come back to the host only when asked (bufferOf).
// Honest reporting: `description` names the kernel class that actually ran (gpu.js runs WebAssembly when asked
// for `gpu` where there is none).

import gpujs from 'gpu.js';
import { Expr } from '../ir/expr.js';
import { getOp, type OpName } from '../ir/ops.js';
import { jsLiteral, jsSyntax } from '../eval/js-ops.js';
import type { Shape } from '../ir/tensor-ops.js';
import type { Plan } from './plan.js';
import type { Backend, BackendOptions, Buf, Runner } from './backend.js';
import { dims2, lower, type Arg, type Axis, type ConvGeometry, type ElementwiseKernel, type Kernel, type KernelKind, type Operand, type ReadMap, type Ref, type UpdateKernel } from './lower.js';
import { ExprError } from '../errors.js';

const { GPU, Input } = gpujs;

type Value = unknown; // a gpu.js texture, or an array of Float32Array rows, or an Input

export const GPU_MODES = ['gpu', 'webgl2', 'webgl', 'webgpu', 'webasm', 'headlessgl', 'cpu'] as const;


interface KernelSpec {
  /** Function source in gpu.js's JavaScript subset. */
  source: string;
  /** Kernel output [cols, rows]. */
  output: [number, number];
  /** The operands, in parameter order. */
  reads: Ref[];
  /** Whose value the kernel computes; an update's value replaces input `update` once the run is over. */
  write: Ref;
  update?: string;
}

const READ: Record<Exclude<ReadMap, 'flat'>, string> = { full: '[i][j]', row: '[0][j]', col: '[i][0]', scalar: '[0][0]', transposed: '[j][i]' };

/** The operand read at (i, j) of an output `cols` wide: 'flat' is the same flat index in the operand's own rows. */
function readAt(o: Operand, cols: number): string {
  if (o.read !== 'flat') return READ[o.read];
  const w = o.dims[1];
  return `[Math.floor((i * ${cols} + j + 0.5) / ${w})][(i * ${cols} + j) - Math.floor((i * ${cols} + j + 0.5) / ${w}) * ${w}]`;
}

/** Loops that visit the output positions (oi, oj) whose window holds input (i, j): v = i + pad − a = oi·stride. */
function windowsOver(g: ConvGeometry, body: string[]): string[] {
  const { kh, kw, Ho, Wo, stride: s, pad: p } = g;
  return [
    `for (let a = 0; a < ${kh}; a++) {`,
    `  const ti = i + ${p} - a;`,
    `  const oi = Math.floor((ti + 0.5) / ${s});`,
    `  if (ti >= 0 && oi * ${s} === ti && oi < ${Ho}) {`,
    `    for (let b = 0; b < ${kw}; b++) {`,
    `      const tj = j + ${p} - b;`,
    `      const oj = Math.floor((tj + 0.5) / ${s});`,
    `      if (tj >= 0 && oj * ${s} === tj && oj < ${Wo}) {`,
    ...body.map((l) => '        ' + l),
    '      }',
    '    }',
    '  }',
    '}',
  ];
}

/** Decompose the kernel's row into (n, y, x) of an image [B, rows, cols]: flat indices kept exact in float32. */
const position = (n: string, y: string, x: string, rows: number, cols: number) => [
  'const r = this.thread.y;',
  `const rt = Math.floor((r + 0.5) / ${cols});`,
  `const ${x} = r - rt * ${cols};`,
  `const ${n} = Math.floor((rt + 0.5) / ${rows});`,
  `const ${y} = rt - ${n} * ${rows};`,
];

/** Ops whose kernel form differs from plain JavaScript (gpu.js's subset: Math functions of one or two arguments). */
const KERNEL_SYNTAX: Partial<Record<OpName, (...xs: string[]) => string>> = {
  sigmoid: (x) => `1 / (1 + Math.exp(-${x}))`,
  softplus: (x) => `(${x} > 0 ? ${x} + Math.log(1 + Math.exp(-${x})) : Math.log(1 + Math.exp(${x})))`,
  min: (...xs) => xs.reduce((a, b) => `Math.min(${a}, ${b})`),
  max: (...xs) => xs.reduce((a, b) => `Math.max(${a}, ${b})`),
  hypot: (...xs) => `Math.sqrt(${xs.map((x) => `${x} * ${x}`).join(' + ')})`,
  atan2: (y, x) => `Math.atan2(${y}, ${x})`, // float32 kernels: the sign of a zero is not ours to keep
};

/**
 * An op in a kernel: its kernel form, else plain JavaScript, else a call of the op's own float64 evaluation, added
 * to gpu.js as a native function (written in gpu.js's subset) under a name made from the op's name.
 */
function kernelOp(op: string, args: readonly string[]): string {
  const own = Object.hasOwn(KERNEL_SYNTAX, op) ? KERNEL_SYNTAX[op as OpName] : undefined;
  if (own) return own(...args);
  const js = jsSyntax(op, args);
  if (js !== undefined) return js;
  return `op_${op}(${args.join(', ')})`;
}

/** A fused chain (elementwise, or one output of an update), ops rendered by kernelOp. */
function loopKernel(k: ElementwiseKernel | UpdateKernel, value: Arg, write: Ref, update?: string): KernelSpec {
  const arg = (a: Arg): string => ('in' in a ? `v${a.in}` : 't' in a ? `t${a.t}` : 'num' in a ? jsLiteral(a.num) : `(${kernelOp(a.c, [])})`);
  const source = fnSource(k.inputs.map((_, i) => `in${i}`).join(', '), [
    'const i = this.thread.y;',
    'const j = this.thread.x;',
    ...k.inputs.map((o, i) => `const v${i} = in${i}${readAt(o, k.cols)};`),
    ...k.ops.map((op, t) => `const t${t} = ${kernelOp(op.op, op.args.map(arg))};`),
    `return ${arg(value)};`,
  ]);
  return { source, output: [k.cols, k.rows], reads: k.inputs.map((o) => o.ref), write, update };
}

/** Indexing of the reduced slice: axis 1 → row `o`, axis 0 → column `o`, undefined → everything; `at` is v's index in it. */
function sliceLoop(x: string, axis: Axis, rows: number, cols: number, body: (v: string, at: string) => string): string[] {
  if (axis === undefined) {
    return [`for (let r = 0; r < ${rows}; r++) {`, `  for (let c = 0; c < ${cols}; c++) {`, `    const v = ${x}[r][c];`, `    ${body('v', `r * ${cols} + c`)}`, '  }', '}'];
  }
  const at = axis === 1 ? `${x}[o][k]` : `${x}[k][o]`;
  const n = axis === 1 ? cols : rows;
  return [`for (let k = 0; k < ${n}; k++) {`, `  const v = ${at};`, `  ${body('v', 'k')}`, '}'];
}

/** A product's epilogue in the kernel that computes `acc` at (this.thread.y, f): bias row, step mask; relu as a kernel of its own. */
function withEpilogue(k: { bias?: Ref; mask?: Ref; relu?: Ref; out: Ref }, params: string[], reads: Ref[], lines: string[], f: string, output: [number, number]): KernelSpec[] {
  let result = 'acc';
  if (k.bias) (params.push('Bias'), reads.push(k.bias), (result = `acc + Bias[0][${f}]`));
  if (k.mask) (params.push('Mask'), reads.push(k.mask), (result = `(${result}) * (Mask[this.thread.y][this.thread.x] > 0 ? 1 : 0)`));
  const specs: KernelSpec[] = [{ source: fnSource(params.join(', '), [...lines, `return ${result};`]), output, reads, write: k.out }];
  if (k.relu) specs.push({ source: fnSource('X', ['const x = X[this.thread.y][this.thread.x];', 'return x > 0 ? x : 0;']), output, reads: [k.out], write: k.relu });
  return specs;
}

const fnSource = (params: string, lines: string[]) => `function (${params}) {\n  ${lines.join('\n  ')}\n}`;

/** One entry per kernel kind (TypeScript fails to compile if one is missing). */
const table: { [K in KernelKind]: (k: Extract<Kernel, { kind: K }>, shapeOf: (e: Expr) => Shape) => KernelSpec[] } = {
  elementwise: (k) => [loopKernel(k, k.result, k.out)],
  update: (k) => k.outputs.map((o) => loopKernel(k, o.value, o.target, o.target.input)),
  matmul(k) {
    const A = k.ta ? 'A[p][this.thread.y]' : 'A[this.thread.y][p]';
    const B = k.tb ? 'B[this.thread.x][p]' : 'B[p][this.thread.x]';
    const lines = ['let acc = 0;', `for (let p = 0; p < ${k.k}; p++) {`, `  acc += ${A} * ${B};`, '}'];
    return withEpilogue(k, ['A', 'B'], [k.a, k.b], lines, 'this.thread.x', [k.n, k.m]);
  },
  reduce(k, shapeOf) {
    const { rows, cols, axis } = k;
    const count = axis === undefined ? rows * cols : axis === 1 ? cols : rows;
    const lines = ['const o = this.thread.x;'];
    if (k.op === 'sum' || k.op === 'mean') {
      lines.push('let acc = 0;', ...sliceLoop('X', axis, rows, cols, (v) => `acc += ${v};`));
      lines.push(k.op === 'mean' ? `return acc / ${count};` : 'return acc;');
    } else {
      lines.push('let m = -1e38;', ...sliceLoop('X', axis, rows, cols, (v) => `m = Math.max(m, ${v});`));
      if (k.op === 'max') lines.push('return m;');
      else lines.push('let acc = 0;', ...sliceLoop('X', axis, rows, cols, (v) => `acc += Math.exp(${v} - m);`), 'return m + Math.log(acc);');
    }
    // The result's own layout: a column [n, 1] (sum_to a column) is n rows, anything else one row.
    const [orows, ocols] = dims2(shapeOf(k.out.node));
    if (orows > 1) lines[0] = 'const o = this.thread.y;';
    return [{ source: fnSource('X', lines), output: [ocols, orows], reads: [k.x], write: k.out }];
  },
  softmax(k) {
    const { rows, cols, axis } = k;
    const lines = [
      'const i = this.thread.y;',
      'const j = this.thread.x;',
      `const o = ${axis === 1 ? 'i' : 'j'};`,
      'let m = -1e38;',
      ...sliceLoop('X', axis, rows, cols, (v) => `m = Math.max(m, ${v});`),
      'let acc = 0;',
      ...sliceLoop('X', axis, rows, cols, (v) => `acc += Math.exp(${v} - m);`),
      k.log ? 'return X[i][j] - m - Math.log(acc);' : 'return Math.exp(X[i][j] - m) / acc;',
    ];
    return [{ source: fnSource('X', lines), output: [cols, rows], reads: [k.x], write: k.out }];
  },
  crossentropy(k) {
    const { B, C } = k;
    const lines = [
      'const b = this.thread.x;',
      'let m = -1e38;',
      `for (let c = 0; c < ${C}; c++) { m = Math.max(m, Z[b][c]); }`,
      'let acc = 0;',
      `for (let c = 0; c < ${C}; c++) { acc += Math.exp(Z[b][c] - m); }`,
      'const lse = m + Math.log(acc);',
    ];
    if (k.oneHot) lines.push('let dot = 0;', 'let total = 0;', `for (let c = 0; c < ${C}; c++) { dot += Y[b][c] * Z[b][c]; total += Y[b][c]; }`, 'return total * lse - dot;');
    else lines.push(`const label = ${k.yColumn ? 'Y[b][0]' : 'Y[0][b]'};`, 'let picked = 0;', `for (let c = 0; c < ${C}; c++) { if (c === Math.floor(label + 0.5)) { picked = Z[b][c]; } }`, 'return lse - picked;');
    return [{ source: fnSource('Z, Y', lines), output: [B, 1], reads: [k.z, k.y], write: k.out }];
  },
  onehot(k) {
    const label = k.yColumn ? 'Y[this.thread.y][0]' : 'Y[0][this.thread.y]';
    return [{ source: fnSource('Y', [`return Math.floor(${label} + 0.5) === this.thread.x ? 1 : 0;`]), output: [k.C, k.B], reads: [k.y], write: k.out }];
  },
  argmax(k) {
    const { rows, cols, axis } = k;
    // The first maximum of the slice through (i, j): is (i, j) it?
    const self = axis === undefined ? `i * ${cols} + j` : axis === 1 ? 'j' : 'i';
    const lines = ['const i = this.thread.y;', 'const j = this.thread.x;', `const o = ${axis === 0 ? 'j' : 'i'};`, 'let m = -1e38;', 'let at = 0;', ...sliceLoop('X', axis, rows, cols, (v, idx) => `if (${v} > m) { m = ${v}; at = ${idx}; }`), `return at === ${self} ? 1 : 0;`];
    return [{ source: fnSource('X', lines), output: [cols, rows], reads: [k.x], write: k.out }];
  },
  // Images are [B·H·W rows, C cols], filters [kh·kw·C rows, F cols]; every kernel computes one output element.
  conv(k) {
    const { B, H, W, C, kh, kw, F, Ho, Wo, stride: s, pad: p } = k.g;
    const inside = (body: string[]) => [
      `for (let a = 0; a < ${kh}; a++) {`,
      `  const i = oi * ${s} + a - ${p};`,
      `  if (i >= 0 && i < ${H}) {`,
      `    for (let b = 0; b < ${kw}; b++) {`,
      `      const j = oj * ${s} + b - ${p};`,
      `      if (j >= 0 && j < ${W}) {`,
      ...body.map((l) => '        ' + l),
      '      }',
      '    }',
      '  }',
      '}',
    ];
    let lines: string[];
    let output: [number, number];
    if (k.op === 'forward') {
      output = [F, B * Ho * Wo];
      lines = [...position('n', 'oi', 'oj', Ho, Wo), 'const f = this.thread.x;', 'let acc = 0;', ...inside([`for (let c = 0; c < ${C}; c++) { acc += A[(n * ${H} + i) * ${W} + j][c] * Bm[(a * ${kw} + b) * ${C} + c][f]; }`]), 'return acc;'];
    } else if (k.op === 'input') {
      output = [C, B * H * W];
      lines = [...position('n', 'i', 'j', H, W), 'const c = this.thread.x;', 'let acc = 0;', ...windowsOver(k.g, [`for (let f = 0; f < ${F}; f++) { acc += A[(n * ${Ho} + oi) * ${Wo} + oj][f] * Bm[(a * ${kw} + b) * ${C} + c][f]; }`]), 'return acc;'];
    } else {
      output = [F, kh * kw * C];
      lines = [...position('a', 'b', 'c', kw, C), 'const f = this.thread.x;', 'let acc = 0;', `for (let n = 0; n < ${B}; n++) {`, `  for (let oi = 0; oi < ${Ho}; oi++) {`, `    const i = oi * ${s} + a - ${p};`, `    if (i >= 0 && i < ${H}) {`, `      for (let oj = 0; oj < ${Wo}; oj++) {`, `        const j = oj * ${s} + b - ${p};`, `        if (j >= 0 && j < ${W}) { acc += A[(n * ${H} + i) * ${W} + j][c] * Bm[(n * ${Ho} + oi) * ${Wo} + oj][f]; }`, '      }', '    }', '  }', '}', 'return acc;'];
    }
    lines.pop(); // return acc;
    return withEpilogue(k, ['A', 'Bm'], [k.a, k.b], lines, 'f', output);
  },
  pool(k) {
    const { B, H, W, C, kh, kw, Ho, Wo, stride: s } = k.g;
    const at = (y: string, x: string) => `X[(n * ${H} + ${y}) * ${W} + ${x}][c]`;
    /** The first maximum of window (oi, oj): its row offset `ba` and column offset `bb`. */
    const argmax = ['let best = -1e38;', 'let ba = 0;', 'let bb = 0;', `for (let u = 0; u < ${kh}; u++) {`, `  for (let v = 0; v < ${kw}; v++) {`, `    const xv = ${at(`oi * ${s} + u`, `oj * ${s} + v`)};`, '    if (xv > best) { best = xv; ba = u; bb = v; }', '  }', '}'];
    if (!k.backward) {
      const lines = [...position('n', 'oi', 'oj', Ho, Wo), 'const c = this.thread.x;'];
      if (k.op === 'max') lines.push(...argmax, 'return best;');
      else lines.push('let acc = 0;', `for (let u = 0; u < ${kh}; u++) {`, `  for (let v = 0; v < ${kw}; v++) { acc += ${at(`oi * ${s} + u`, `oj * ${s} + v`)}; }`, '}', `return acc / ${kh * kw};`);
      return [{ source: fnSource('X', lines), output: [C, B * Ho * Wo], reads: [k.x!], write: k.out }];
    }
    const gAt = `G[(n * ${Ho} + oi) * ${Wo} + oj][c]`;
    const body = k.op === 'max' ? [...argmax, `if (ba === a && bb === b) { acc += ${gAt}; }`] : [`acc += ${gAt} / ${kh * kw};`];
    const lines = [...position('n', 'i', 'j', H, W), 'const c = this.thread.x;', 'let acc = 0;', ...windowsOver({ ...k.g, pad: 0 }, body), 'return acc;'];
    const reads = k.op === 'max' ? [k.x!, k.grad!] : [k.grad!];
    const params = k.op === 'max' ? ['X', 'G'] : ['G'];
    if (k.mask) (params.push('Mask'), reads.push(k.mask), lines.splice(-1, 1, 'return Mask[this.thread.y][this.thread.x] > 0 ? acc : 0;'));
    return [{ source: fnSource(params.join(', '), lines), output: [C, B * H * W], reads, write: k.out }];
  },
};

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
  const kernelClasses = new Set<string>();
  const shapeOf = (e: Expr) => plan.shapes.get(e)!;
  const specs = lower(plan).kernels.flatMap((k) => (table[k.kind] as (k: Kernel, s: typeof shapeOf) => KernelSpec[])(k, shapeOf));
  // Ops computed by their own evaluation: added once as native functions (the function renamed op_<name>).
  for (const name of new Set(specs.flatMap((sp) => [...sp.source.matchAll(/\bop_(\w+)\(/g)].map((m) => m[1])))) {
    const native = getOp(name).eval.toString().replace(/^function\s*[\w$]*\s*\(/, `function op_${name}(`);
    if (!native.startsWith('function op_')) throw new Error(`internal: ${name}'s evaluation is not a plain function, so no gpu.js kernel can call it`);
    gpu.addFunction(native as never);
  }
  const sources = specs.map((spec) => spec.source);
  const kernels = specs.map((spec) => {
    try {
      const options = { output: spec.output, pipeline: true, immutable: true, tactic: 'precision', dynamicOutput: false };
      return { spec, kernel: gpu.createKernel(spec.source, options as never) as unknown as (...args: Value[]) => Value };
    } catch (err) {
      throw new Error(`internal: gpu.js rejected a generated kernel (${(err as Error).message}):\n${spec.source}`);
    }
  });
  // Liveness: a texture may be deleted after its last reader in the kernel list; roots live until the next run.
  const lastRead = new Map<Expr, number>();
  kernels.forEach(({ spec }, i) => spec.reads.forEach((r) => lastRead.set(r.node, i)));
  const roots = new Set(plan.roots);
  const inputs = new Map<string, Value>();
  const values = new Map<Expr, Value>();
  const host = new Map<Expr, Float32Array>();
  const release = (v: Value) => isTexture(v) && (v as { delete(): void }).delete();
  const valueOf = (e: Expr): Value => {
    const v = e.kind === 'sym' ? inputs.get(e.name) : values.get(e);
    if (v === undefined) throw new Error(e.kind === 'sym' ? `internal: input ${e.name} not bound` : 'internal: value not computed');
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
  /** Set an input's value (a texture or an Input the runner owns), releasing the one it replaces. */
  const setInput = (name: string, value: Value) => {
    release(uploaded.get(name));
    uploaded.set(name, value);
    inputs.set(name, value);
  };
  const runner: Runner = {
    run() {
      if (disposed) throw new ExprError('usage', 'this compiled program was disposed');
      host.clear();
      for (const v of values.values()) release(v);
      values.clear();
      const updates: [string, Value, Expr][] = [];
      kernels.forEach(({ spec, kernel }, i) => {
        const out = kernel(...spec.reads.map((r) => valueOf(r.node)));
        const k = (kernel as unknown as { kernel?: { constructor: { name: string } } }).kernel;
        if (k) kernelClasses.add(k.constructor.name);
        if (spec.update !== undefined) updates.push([spec.update, out, spec.write.node]);
        else values.set(spec.write.node, out);
        for (const r of new Set(spec.reads)) {
          const e = r.node;
          if (lastRead.get(e) === i && !roots.has(e) && e.kind !== 'sym') {
            release(values.get(e));
            values.delete(e);
          }
        }
      });
      // Updates replace their inputs once every kernel has read the old values. Texture outputs stay on the device;
      // WebAssembly/CPU kernels may reuse their output arrays on the next call, so those are copied.
      for (const [name, out, node] of updates) {
        if (isTexture(out)) setInput(name, out);
        else runner.bind(name, toHost(out, shapeOf(node)));
      }
    },
    bind(name, data) {
      const node = plan.inputs.get(name);
      if (!node) return;
      const [rows, cols] = dims2(plan.shapes.get(node)!);
      if (data.length !== rows * cols) throw new RangeError(`input ${name} has ${data.length} elements, expected ${rows * cols}`);
      const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
      const input = new Input(f32 as unknown as number[], [cols, rows]); // gpu.js types Input wrongly: it takes typed arrays
      host.delete(node);
      // GL/WebGPU kernels fix their argument types at the first call, and updated inputs arrive as textures: so
      // there every input enters as a texture, uploaded by a copy kernel.
      setInput(name, textures() ? uploader(rows, cols)(input) : input);
    },
    bufferOf(e: Expr): Buf {
      const cached = host.get(e);
      if (cached) return cached;
      const flat = toHost(valueOf(e), plan.shapes.get(e)!);
      host.set(e, flat);
      return flat;
    },
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

export const gpujsBackend: Backend = { name: 'gpujs', views: false, create: (plan, options) => createGpuRunner(plan, options) };
