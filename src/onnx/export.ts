// toOnnx: the forward graph of a shaped tensor program (a trained Model, or any program with its parameters) as an
// ONNX model (opset 17, IR version 8), through protobufjs and the ONNX schema.
//
// In:  a Model (the output is its `logits`, the input x gets a free batch dimension "N"), or { source, params }
//      (the output is the last statement, or options.output; every free variable of the output that is not a
//      parameter becomes a graph input with its declared shape).
// Out: the bytes of the .onnx file: weights as float32 initializers (raw_data), named inputs and outputs with
//      shapes, one node per graph op (node outputs named after the program's statements where they are one).
// Ops without an ONNX counterpart here (losses, onehot, …) are an ExprError naming the op and its statement.
// The table EXPORTERS holds one entry per op.
// Images: exprgrad is NHWC, ONNX's Conv and pools are NCHW. The input x stays NHWC ([N, H, W, C], fed as exprgrad is
// fed); a value is moved to NCHW (Transpose [0, 3, 1, 2]) only where a Conv or pool reads it, stays NCHW through the
// elementwise ops after it (a per-channel bias [C] is written as [C, 1, 1]), and goes back (Transpose [0, 2, 3, 1])
// where anything else reads it: Flatten then flattens in exprgrad's order. Filters [kh, kw, C, F] are written as
// ONNX's [F, C, kh, kw]; dropout is the identity (inference) and writes no node.

import { parseProgram } from '../parse/parse.js';
import type { Expr } from '../ir/expr.js';
import { compile } from '../compile/compile.js';
import { inferShapes } from '../tensor/shapes.js';
import { permute } from './layout.js';
import { CompiledTensor } from '../compile/tensor.js';
import type { Model } from '../nn/model.js';
import { ExprError } from '../errors.js';
import { AT, DT, encodeModel, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './proto.js';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export interface ToOnnxOptions {
  /** The statement to export as the graph output (default: `logits` for a Model, else the last statement). */
  readonly output?: string;
  /** Name of the graph (default 'exprgrad'). */
  readonly graphName?: string;
  /** Inputs whose first dimension becomes the free batch dimension "N" (default: ['x'] for a Model, none otherwise). */
  readonly batchInputs?: readonly string[];
}

export interface ProgramWithParams {
  readonly source: string;
  readonly params: Readonly<Record<string, Float32Array>>;
}

/** Builds the node list; each op entry turns one graph node into ONNX nodes and returns its output name. */
interface Builder {
  node(op: string, inputs: string[], attrs?: OnnxAttribute[], out?: string): string;
  /** A float32 scalar constant (initializer), shared by value. */
  scalar(v: number): string;
  /** An int64 vector constant (initializer), e.g. axes. */
  ints(v: number[]): string;
  shapeOf(e: Expr): readonly number[];
  /** Whether a value's first dimension is the free batch dimension. */
  batched(e: Expr): boolean;
}

const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: AT.INT, i });
const intsAttr = (name: string, ints: number[]): OnnxAttribute => ({ name, type: AT.INTS, ints });

/** The axis literal of a reduction/softmax (normalized), or undefined for "all axes". */
function axisArg(e: Expr, rank: number): number | undefined {
  const a = e.args[1];
  if (!a) return undefined;
  const v = a.kind === 'num' ? a.value : a.is('neg') && a.args[0].kind === 'num' ? -a.args[0].value : NaN;
  return v < 0 ? rank + v : v;
}

type Exporter = (b: Builder, e: Expr, args: string[], out: string | undefined) => string;
const simple = (op: string): Exporter => (b, _e, args, out) => b.node(op, args, [], out);
const reduce = (op: string, axesAsInput: boolean): Exporter => (b, e, args, out) => {
  const rank = b.shapeOf(e.args[0]).length;
  const axis = axisArg(e, rank);
  const attrs = [intAttr('keepdims', 0)];
  if (axis === undefined) return b.node(op, [args[0]], attrs, out);
  if (axesAsInput) return b.node(op, [args[0], b.ints([axis])], attrs, out);
  return b.node(op, [args[0]], [...attrs, intsAttr('axes', [axis])], out);
};
const softmaxLike = (op: string): Exporter => (b, e, args, out) => {
  const rank = b.shapeOf(e.args[0]).length;
  return b.node(op, [args[0]], [intAttr('axis', axisArg(e, rank) ?? rank - 1)], out);
};

/** exprgrad op → ONNX (opset 17). Ops not listed cannot be exported. */
export const EXPORTERS: Readonly<Record<string, Exporter>> = {
  add: simple('Add'),
  sub: simple('Sub'),
  mul: simple('Mul'),
  div: simple('Div'),
  pow: simple('Pow'),
  neg: simple('Neg'),
  exp: simple('Exp'),
  log: simple('Log'),
  sqrt: simple('Sqrt'),
  abs: simple('Abs'),
  sign: simple('Sign'),
  sin: simple('Sin'),
  cos: simple('Cos'),
  tan: simple('Tan'),
  asin: simple('Asin'),
  acos: simple('Acos'),
  atan: simple('Atan'),
  sinh: simple('Sinh'),
  cosh: simple('Cosh'),
  tanh: simple('Tanh'),
  sigmoid: simple('Sigmoid'),
  relu: simple('Relu'),
  softplus: simple('Softplus'),
  min: simple('Min'),
  max: simple('Max'),
  matmul: simple('MatMul'),
  log10: (b, _e, args, out) => b.node('Div', [b.node('Log', args), b.scalar(Math.LN10)], [], out),
  log2: (b, _e, args, out) => b.node('Div', [b.node('Log', args), b.scalar(Math.LN2)], [], out),
  // step(x) = 1 for x > 0 else 0
  step: (b, _e, args, out) => b.node('Cast', [b.node('Greater', [args[0], b.scalar(0)])], [intAttr('to', DT.FLOAT)], out),
  pi: (b) => b.scalar(Math.PI),
  e: (b) => b.scalar(Math.E),
  transpose: (b, _e, args, out) => b.node('Transpose', args, [intsAttr('perm', [1, 0])], out),
  column: (b, _e, args, out) => b.node('Unsqueeze', [args[0], b.ints([1])], [], out),
  sum: reduce('ReduceSum', true),
  mean: reduce('ReduceMean', false),
  amax: reduce('ReduceMax', false),
  logsumexp: reduce('ReduceLogSumExp', false),
  softmax: softmaxLike('Softmax'),
  log_softmax: softmaxLike('LogSoftmax'),
  // Image ops: the loop hands conv2d and the pools their input in NCHW and conv2d its filters as [F, C, kh, kw].
  conv2d: (b, e, args, out) => {
    const [s, p] = [litOf(e, 2), litOf(e, 3)];
    const K = b.shapeOf(e.args[1]);
    return b.node('Conv', args, [intsAttr('kernel_shape', [K[0], K[1]]), intsAttr('strides', [s, s]), intsAttr('pads', [p, p, p, p]), intsAttr('dilations', [1, 1]), intAttr('group', 1)], out);
  },
  max_pool2d: (b, e, args, out) => b.node('MaxPool', args, poolAttrs(e), out),
  avg_pool2d: (b, e, args, out) => b.node('AveragePool', args, poolAttrs(e), out),
  flatten: (b, _e, args, out) => b.node('Flatten', args, [intAttr('axis', 1)], out),
  reshape: (b, e, args, out) => {
    const from = b.shapeOf(e.args[0]);
    const to = [...b.shapeOf(e)];
    if (b.batched(e.args[0]) && to[0] === from[0]) to[0] = 0; // keep the free batch dimension
    return b.node('Reshape', [args[0], b.ints(to)], [], out);
  },
  dropout: (_b, _e, args) => args[0],
};

function litOf(e: Expr, i: number): number {
  const a = e.args[i];
  return a && a.kind === 'num' ? a.value : NaN;
}
function poolAttrs(e: Expr): OnnxAttribute[] {
  const size = litOf(e, 1);
  const stride = litOf(e, 2);
  return [intsAttr('kernel_shape', [size, size]), intsAttr('strides', [stride, stride])];
}

/** How many leading arguments of an op are values (the rest are literals: axes, strides, sizes, rates). */
const VALUE_ARGS: Readonly<Record<string, number>> = {
  sum: 1, mean: 1, amax: 1, logsumexp: 1, softmax: 1, log_softmax: 1,
  conv2d: 2, max_pool2d: 1, avg_pool2d: 1, flatten: 1, reshape: 1, dropout: 1,
};
const valueArgs = (e: Expr) => (e.kind === 'call' && Object.hasOwn(VALUE_ARGS, e.op) ? e.args.slice(0, VALUE_ARGS[e.op]) : e.args);
/** Ops that read (and write) images in NCHW. */
const NCHW_OPS = new Set(['conv2d', 'max_pool2d', 'avg_pool2d']);
/** Elementwise ops: an image operand may stay NCHW through them. */
const ELEMENTWISE = new Set(['add', 'sub', 'mul', 'div', 'pow', 'neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'relu', 'softplus', 'min', 'max', 'step', 'log10', 'log2', 'dropout']);

/** Nodes in dependency order, children first, leaving out literal arguments (axes, strides, sizes) (iterative). */
function valueOrder(root: Expr): Expr[] {
  const order: Expr[] = [];
  const seen = new Set<Expr>([root]);
  const stack: [Expr, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    const args = valueArgs(node);
    if (i < args.length) {
      top[1]++;
      const child = args[i];
      if (!seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

function isModel(m: unknown): m is Model {
  return typeof m === 'object' && m !== null && 'spec' in m && 'params' in m;
}

const dims = (shape: readonly number[], batch: boolean) =>
  shape.map((d, i) => (i === 0 && batch ? { dim_param: 'N' } : { dim_value: d }));

const valueInfo = (name: string, shape: readonly number[], batch: boolean): OnnxValueInfo => ({
  name,
  type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: dims(shape, batch) } } },
});

function floatTensor(name: string, shape: readonly number[], data: Float32Array): OnnxTensor {
  const bytes = new Uint8Array(data.byteLength);
  // raw_data is little-endian; so is every platform Node and browsers run on, but be explicit.
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return { name, dims: [...shape], data_type: DT.FLOAT, raw_data: bytes };
}

/** Export a Model's logits, or a program's output, as ONNX bytes. */
export function toOnnx(what: Model | ProgramWithParams, options: ToOnnxOptions = {}): Uint8Array {
  const model = isModel(what) ? what : undefined;
  const source = model ? model.spec.source : (what as ProgramWithParams).source;
  const params = model ? model.params : (what as ProgramWithParams).params;
  const program = parseProgram(source);
  const wanted = options.output ?? (model ? 'logits' : undefined);
  const found = wanted === undefined ? program.statements.at(-1) : program.statements.find((s) => s.name === wanted);
  if (!found) throw new ExprError('usage', `toOnnx: the program has no statement '${String(wanted)}' to export`);
  const outStmt = { name: found.name ?? 'output', expr: found.expr };
  const batchInputs = new Set(options.batchInputs ?? (model ? ['x'] : []));

  // Shapes of every node, from the compiled program (the public compile(), run on the declared shapes).
  const probe = compile(source, { keep: found.name ? [found.name] : [], wrt: [] }) as CompiledTensor;
  const shapes = inferShapes(outStmt.expr, (n) => program.shapes[n], {}, new Map(probe.tape.shapes));
  const shapeOf = (e: Expr): readonly number[] => {
    const s = shapes.get(e);
    if (!s) throw new Error(`internal: no shape for a node of ${outStmt.name}`);
    return s;
  };

  // Names: statements keep theirs; other intermediate values get t1, t2, ….
  const stmtName = new Map<Expr, string>();
  for (const s of program.statements) if (s.name && !stmtName.has(s.expr)) stmtName.set(s.expr, s.name);
  const taken = new Set<string>([outStmt.name, ...program.statements.flatMap((s) => (s.name ? [s.name] : [])), ...Object.keys(program.shapes)]);
  let counter = 0;
  const fresh = (stem: string) => {
    let n: string;
    do n = `${stem}${++counter}`;
    while (taken.has(n));
    taken.add(n);
    return n;
  };

  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const inputs: OnnxValueInfo[] = [];
  const scalars = new Map<number, string>();
  const intConsts = new Map<string, string>();
  const b: Builder = {
    node(op, ins, attrs = [], out) {
      const o = out ?? fresh('t');
      nodes.push({ name: `${op}_${nodes.length}`, op_type: op, input: ins, output: [o], attribute: attrs });
      return o;
    },
    scalar(v) {
      let n = scalars.get(v);
      if (!n) {
        n = fresh('c');
        scalars.set(v, n);
        initializers.push(floatTensor(n, [], Float32Array.of(v)));
      }
      return n;
    },
    ints(v) {
      const key = v.join(',');
      let n = intConsts.get(key);
      if (!n) {
        n = fresh('axes');
        intConsts.set(key, n);
        initializers.push({ name: n, dims: [v.length], data_type: DT.INT64, int64_data: v });
      }
      return n;
    },
    shapeOf,
    batched: () => false,
  };

  const names = new Map<Expr, string>();
  /** Values whose ONNX tensor is the NCHW image of exprgrad's NHWC value. */
  const nchw = new Set<Expr>();
  /** Parameters are written when first read, in the layout that reads them (natural, NCHW filters, [C, 1, 1] biases). */
  const paramData = new Map<Expr, { shape: readonly number[]; data: Float32Array }>();
  const variants = new Map<string, string>();
  const variant = (e: Expr, kind: string, make: () => string): string => {
    const key = `${e.id}:${kind}`;
    let n = variants.get(key);
    if (n === undefined) {
      n = make();
      variants.set(key, n);
    }
    return n;
  };
  const paramTensor = (e: Expr & { name: string }, kind: string, shape: readonly number[], data: Float32Array): string =>
    variant(e, kind, () => {
      const n = taken.has(e.name) && [...variants.values()].includes(e.name) ? fresh(`${e.name}_${kind}`) : e.name;
      initializers.push(floatTensor(n, shape, data));
      return n;
    });
  /** An operand as exprgrad holds it (images NHWC). */
  const natural = (a: Expr): string => {
    if (a.kind === 'num') return b.scalar(a.value);
    const p = paramData.get(a);
    if (p && a.kind === 'sym') return paramTensor(a, 'nhwc', p.shape, p.data);
    const n = names.get(a)!;
    return nchw.has(a) ? variant(a, 'nhwc', () => b.node('Transpose', [n], [intsAttr('perm', [0, 2, 3, 1])])) : n;
  };
  /** An image operand [B, H, W, C] as ONNX's [B, C, H, W]. */
  const asNchw = (a: Expr): string => {
    if (nchw.has(a)) return names.get(a)!;
    const p = paramData.get(a);
    if (p && a.kind === 'sym') return paramTensor(a, 'nchw', [p.shape[0], p.shape[3], p.shape[1], p.shape[2]], permute(p.data, p.shape, [0, 3, 1, 2]));
    return variant(a, 'nchw', () => b.node('Transpose', [natural(a)], [intsAttr('perm', [0, 3, 1, 2])]));
  };
  /** Filters [kh, kw, C, F] as ONNX's [F, C, kh, kw]. */
  const asFilter = (a: Expr): string => {
    const p = paramData.get(a);
    if (p && a.kind === 'sym') return paramTensor(a, 'oihw', [p.shape[3], p.shape[2], p.shape[0], p.shape[1]], permute(p.data, p.shape, [3, 2, 0, 1]));
    return variant(a, 'oihw', () => b.node('Transpose', [natural(a)], [intsAttr('perm', [3, 2, 0, 1])]));
  };
  /** A per-channel vector [C] as [C, 1, 1], broadcasting over an NCHW image. */
  const asChannels = (a: Expr): string => {
    const p = paramData.get(a);
    if (p && a.kind === 'sym') return paramTensor(a, 'chw', [p.shape[0], 1, 1], p.data);
    const c = shapeOf(a)[0];
    return variant(a, 'chw', () => b.node('Reshape', [natural(a), b.ints([c, 1, 1])]));
  };
  b.batched = (e: Expr) => {
    const s = shapeOf(e);
    return s.length > 0 && [...batchInputs].some((n) => program.shapes[n]?.[0] === s[0]);
  };

  for (const e of valueOrder(outStmt.expr)) {
    let out = e === outStmt.expr ? outStmt.name : stmtName.get(e);
    if (e.kind === 'num') continue; // made when an op reads it as a value (not an axis literal)
    if (e.kind === 'sym') {
      const shape = program.shapes[e.name];
      if (!shape) throw new ExprError('shape', `toOnnx: declare the shape of ${e.name}`);
      if (Object.hasOwn(params, e.name)) {
        const data = params[e.name];
        const size = shape.reduce((a, c) => a * c, 1);
        if (data.length !== size) throw new ExprError('shape', `toOnnx: parameter ${e.name} has ${data.length} values, its declared shape [${shape.join(', ')}] needs ${size}`);
        paramData.set(e, { shape, data });
      } else {
        inputs.push(valueInfo(e.name, shape, batchInputs.has(e.name)));
        names.set(e, e.name);
      }
      continue;
    }
    const exporter = Object.hasOwn(EXPORTERS, e.op) ? EXPORTERS[e.op] : undefined;
    if (!exporter) {
      throw new ExprError('usage', `toOnnx: the op '${e.op}' in statement '${outStmt.name}' has no ONNX export (export a statement before it, e.g. the logits rather than the loss)`);
    }
    const operands = valueArgs(e);
    let args: string[];
    let image = false; // the result is NCHW
    if (NCHW_OPS.has(e.op)) {
      args = operands.map((a, i) => (i === 0 ? asNchw(a) : asFilter(a)));
      image = true;
    } else if (ELEMENTWISE.has(e.op) && shapeOf(e).length === 4 && operands.some((a) => nchw.has(a))) {
      // Stay NCHW where every operand broadcasts in NCHW: images, scalars, per-channel vectors [C].
      const C = shapeOf(e)[3];
      const fits = operands.every((a) => { const r = shapeOf(a).length; return r === 0 || r === 4 || (r === 1 && (shapeOf(a)[0] === C || shapeOf(a)[0] === 1)); });
      image = fits;
      args = operands.map((a) => (!fits ? natural(a) : shapeOf(a).length === 4 ? asNchw(a) : shapeOf(a).length === 1 ? asChannels(a) : natural(a)));
    } else args = operands.map(natural);
    if (image && e === outStmt.expr) out = undefined; // transposed back to NHWC below
    let name = exporter(b, e, args, out);
    if (out && name !== out) name = b.node('Identity', [name], [], out); // constants named by a statement, dropout
    names.set(e, name);
    if (image) nchw.add(e);
  }
  const last = natural(outStmt.expr);
  if (last !== outStmt.name) b.node('Identity', [last], [], outStmt.name); // the output is an input, weight or constant
  const outShape = shapeOf(outStmt.expr);
  const batchOut = [...batchInputs].some((n) => program.shapes[n]?.[0] === outShape[0]) && outShape.length > 0;
  const bytes = encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'exprgrad',
    producer_version: '0.1.0',
    graph: {
      name: options.graphName ?? 'exprgrad',
      node: nodes,
      initializer: initializers,
      input: inputs,
      output: [valueInfo(outStmt.name, outShape, batchOut)],
      doc_string: source.length <= 100_000 ? source : undefined,
    },
  });
  probe.dispose();
  return bytes;
}
