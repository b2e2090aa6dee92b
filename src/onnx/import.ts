// fromOnnx: an ONNX model (an MLP: Gemm/MatMul, Add, Relu, Sigmoid, Tanh, Softmax, Dropout, Flatten …) as an
// exprgrad program in our own language plus its weights, following the model convention (x, y, logits, loss), so
// `exprgrad diff` prints its gradients and evaluate/predict/train run it on our backends.
//
// In:  the bytes of a .onnx file (and a name for messages).
// Out: { source, params, model, inputName, outputName, softmaxStripped, notes }. The program declares x [B, features]
//      and y [B], one statement per ONNX node (named after the node's output), `logits` (the last node's value; a
//      final Softmax is left out, since the loss applies it: softmax_cross_entropy), and the loss. Weights that a
//      Gemm uses transposed (transB = 1, as PyTorch writes) are stored transposed, so the program reads x @ W.
// Bad input: ExprError('data') for a damaged file or tensor (sizes checked before anything is allocated: memory
// stays bounded by the file's size); ExprError('usage') naming the op and node for an op exprgrad lacks (Conv,
// MaxPool, AveragePool, … until convolutions exist: add their entries to IMPORTERS then).

import { Model, modelSpec } from '../nn/model.js';
import { ExprError } from '../errors.js';
import { DT, decodeModel, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './proto.js';

/** Opsets of the default domain this importer knows (ONNX 1.20 defines up to 25). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 25;
/** Largest tensor accepted (elements). */
const MAX_ELEMENTS = 2 ** 28;

export interface FromOnnxResult {
  /** The program, in exprgrad's language. */
  readonly source: string;
  /** Its parameters (float32), by the names the program uses. */
  readonly params: Record<string, Float32Array>;
  /** The program and weights as a Model (evaluate, predict, train, save). */
  readonly model: Model;
  /** ONNX names of the graph input and output. */
  readonly inputName: string;
  readonly outputName: string;
  /** True when the graph ended in a Softmax that the program's logits leave out. */
  readonly softmaxStripped: boolean;
}

interface Value {
  /** How the program refers to it: a name, or a number literal. */
  readonly ref: string;
  readonly shape: readonly number[];
  /** For initializers: the data (float values, or int64 as numbers). */
  readonly data?: Float32Array | number[];
  /** A graph input of rank > 2 not yet flattened. */
  readonly unflattened?: boolean;
}

const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 80);

/** Tensor data as float32 or int64 numbers, checked against its dims before allocation. */
function tensorData(t: OnnxTensor, where: string): { shape: number[]; data: Float32Array | number[] } {
  const name = clean(t.name ?? '');
  const bad = (msg: string): never => {
    throw new ExprError('data', `${where}: initializer '${name}': ${msg}`);
  };
  const shape = (t.dims ?? []).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) bad(`bad dimensions [${shape.join(', ')}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_ELEMENTS) bad(`declares ${size} elements ([${shape.join(', ')}]), more than exprgrad accepts (${MAX_ELEMENTS})`);
  if (t.data_location === 1 || (t.external_data && t.external_data.length)) bad('its data is in an external file, which exprgrad does not read');
  const type = t.data_type ?? 0;
  const raw = t.raw_data && t.raw_data.length ? t.raw_data : undefined;
  if (type === DT.FLOAT || type === DT.DOUBLE) {
    const width = type === DT.FLOAT ? 4 : 8;
    const list = type === DT.FLOAT ? t.float_data : t.double_data;
    const have = raw ? raw.length / width : list?.length ?? 0;
    if (have !== size) bad(`declares ${size} values ([${shape.join(', ')}]) but the file holds ${have}`);
    const out = new Float32Array(size);
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < size; i++) out[i] = width === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
    } else out.set(list!);
    if (!out.every(Number.isFinite)) bad('contains NaN or infinite values');
    return { shape, data: out };
  }
  if (type === DT.INT64 || type === DT.INT32) {
    const have = raw ? raw.length / (type === DT.INT64 ? 8 : 4) : (type === DT.INT64 ? t.int64_data : t.int32_data)?.length ?? 0;
    if (have !== size) bad(`declares ${size} values but the file holds ${have}`);
    if (size > 1024) bad('an integer tensor this large is not a shape or axis list');
    let data: number[];
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      data = Array.from({ length: size }, (_, i) => (type === DT.INT64 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true)));
    } else data = (type === DT.INT64 ? t.int64_data! : t.int32_data!).map(Number);
    return { shape, data };
  }
  return bad(`element type ${type} is not supported (exprgrad reads float32, float64, int32, int64)`);
}

function attr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute?.find((a) => a.name === name);
}
const attrInt = (node: OnnxNode, name: string, dflt: number) => {
  const a = attr(node, name);
  return a?.i !== undefined ? Number(a.i) : dflt;
};
const attrFloat = (node: OnnxNode, name: string, dflt: number) => attr(node, name)?.f ?? dflt;

function declaredShape(v: OnnxValueInfo): (number | undefined)[] | undefined {
  const dim = v.type?.tensor_type?.shape?.dim;
  if (!dim) return undefined;
  return dim.map((d) => (d.dim_value !== undefined && Number(d.dim_value) > 0 ? Number(d.dim_value) : undefined));
}

const RESERVED = new Set(['x', 'y', 'logits', 'loss', 'pi', 'e', 'axis']);

/** Import an ONNX model as an exprgrad program plus weights. */
export function fromOnnx(bytes: Uint8Array, where = 'ONNX file', options: { batch?: number } = {}): FromOnnxResult {
  const m = decodeModel(bytes, where);
  const g = m.graph;
  if (!g || !g.node?.length) throw new ExprError('data', `${where}: the model has no graph nodes`);
  const defaultOpset = (m.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!defaultOpset) throw new ExprError('data', `${where}: the model imports no opset of the default ONNX domain`);
  const opset = Number(defaultOpset.version ?? 0);
  if (opset < MIN_OPSET || opset > MAX_OPSET) throw new ExprError('data', `${where}: opset ${opset} of the ONNX domain is not one this importer knows (${MIN_OPSET}–${MAX_OPSET})`);

  // Names in the program: identifiers, unique, never a reserved or function name.
  const used = new Set<string>(RESERVED);
  const refName = new Map<string, string>();
  const nameFor = (onnxName: string, stem: string): string => {
    const known = refName.get(onnxName);
    if (known) return known;
    let base = onnxName.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
    if (!base || /^[0-9]/.test(base)) base = `${stem}_${base}`;
    if (base.length > 40) base = base.slice(-40).replace(/^[0-9_]+/, '') || stem;
    let n = base;
    for (let i = 2; used.has(n) || FUNCTION_NAMES.has(n); i++) n = `${base}_${i}`;
    used.add(n);
    refName.set(onnxName, n);
    return n;
  };

  const values = new Map<string, Value>();
  const inits = new Map<string, OnnxTensor>();
  for (const t of g.initializer ?? []) inits.set(t.name ?? '', t);
  const params: Record<string, Float32Array> = {};
  const paramShapes = new Map<string, readonly number[]>();

  // The one data input.
  const dataInputs = (g.input ?? []).filter((i) => !inits.has(i.name ?? ''));
  if (dataInputs.length !== 1) throw new ExprError('usage', `${where}: exprgrad imports models with one input; this one has ${dataInputs.length} (${dataInputs.map((i) => clean(i.name ?? '')).join(', ')})`);
  const input = dataInputs[0];
  const inName = input.name ?? '';
  const inShape = declaredShape(input);
  if (!inShape || inShape.length < 2 || inShape.slice(1).some((d) => d === undefined)) {
    throw new ExprError('usage', `${where}: input '${clean(inName)}' needs a declared shape [batch, features…] with fixed feature sizes`);
  }
  const batch = options.batch ?? inShape[0] ?? 128;
  const features = (inShape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  values.set(inName, { ref: 'x', shape: [batch, ...(inShape.slice(1) as number[])], unflattened: inShape.length > 2 });

  const lines: string[] = [];
  const value = (name: string, node: OnnxNode, idx: number): Value => {
    const v = values.get(name);
    if (v) return v;
    const t = inits.get(name);
    if (!t) throw new ExprError('data', `${where}: node ${describe(node, idx)} reads '${clean(name)}', which no earlier node produces`);
    const { shape, data } = tensorData(t, where);
    let val: Value;
    if (data instanceof Float32Array && data.length === 1) val = { ref: numberText(data[0]), shape, data };
    else if (data instanceof Float32Array) {
      if (shape.length > 2) throw new ExprError('usage', `${where}: initializer '${clean(name)}' has rank ${shape.length}; exprgrad tensors have rank ≤ 2 until convolutions exist`);
      const ref = nameFor(name, 'w');
      params[ref] = data;
      paramShapes.set(ref, shape);
      val = { ref, shape, data };
    } else val = { ref: '', shape, data };
    values.set(name, val);
    return val;
  };
  const flat = (v: Value, node: OnnxNode, idx: number): Value => {
    if (v.unflattened || v.shape.length > 2) {
      throw new ExprError('usage', `${where}: node ${describe(node, idx)} (${clean(node.op_type ?? '')}) works on a tensor of rank ${v.shape.length}; exprgrad tensors have rank ≤ 2 until convolutions exist (flatten the input first)`);
    }
    return v;
  };
  // A float param used transposed: store it transposed, so the program reads W, not transpose(W).
  const transposedParam = (v: Value): Value | undefined => {
    if (!(v.data instanceof Float32Array) || v.shape.length !== 2 || !params[v.ref]) return undefined;
    const [r, c] = v.shape;
    const t = new Float32Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = v.data[i * c + j];
    params[v.ref] = t;
    paramShapes.set(v.ref, [c, r]);
    return { ref: v.ref, shape: [c, r], data: t };
  };
  const broadcast = (a: readonly number[], b: readonly number[]): number[] => {
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, i) => Math.max(a[a.length - n + i] ?? 1, b[b.length - n + i] ?? 1));
  };
  // Bias rows [1, n] become vectors [n] (same broadcast, simpler program).
  const squeezeRow = (v: Value): Value => {
    if (v.shape.length === 2 && v.shape[0] === 1 && params[v.ref]) {
      paramShapes.set(v.ref, [v.shape[1]]);
      return { ...v, shape: [v.shape[1]] };
    }
    return v;
  };

  const nodes = g.node;
  let last: { name: string; value: Value } | undefined;
  let softmaxStripped = false;
  const outputs = g.output ?? [];
  if (outputs.length !== 1) throw new ExprError('usage', `${where}: exprgrad imports models with one output; this one has ${outputs.length}`);
  const outName = outputs[0].name ?? '';

  for (let idx = 0; idx < nodes.length; idx++) {
    const node = nodes[idx];
    const op = node.op_type ?? '';
    if (node.domain && node.domain !== 'ai.onnx') throw new ExprError('usage', `${where}: node ${describe(node, idx)} uses op '${clean(op)}' of domain '${clean(node.domain)}', which exprgrad does not have`);
    const ins = (node.input ?? []).filter((s) => s !== '');
    const outs = node.output ?? [];
    if (!outs.length) throw new ExprError('data', `${where}: node ${describe(node, idx)} has no output`);
    const arg = (i: number) => value(ins[i], node, idx);
    const need = (n: number) => {
      if (ins.length < n) throw new ExprError('data', `${where}: node ${describe(node, idx)} (${clean(op)}) needs ${n} inputs, has ${ins.length}`);
    };
    const importer = Object.hasOwn(IMPORTERS, op) ? IMPORTERS[op] : undefined;
    if (!importer) {
      throw new ExprError('usage', `${where}: ONNX op '${clean(op)}' (node ${describe(node, idx)}) is not supported by exprgrad${CNN_OPS.has(op) ? ' yet (convolutions and pooling are not in exprgrad yet)' : ''}`);
    }
    const result = importer({ node, idx, arg, need, flat: (v) => flat(v, node, idx), transposedParam, broadcast, squeezeRow, opset, where, features });
    let v: Value;
    if ('alias' in result) v = result.alias;
    else {
      const target = nameFor(outs[0], 't');
      lines.push(`${target} = ${result.expr}`);
      v = { ref: target, shape: result.shape };
    }
    values.set(outs[0], v);
    last = { name: outs[0], value: v };
    if (outs[0] === outName && op === 'Softmax' && idx === nodes.length - 1) {
      softmaxStripped = true;
      const before = values.get(ins[0])!;
      if (lines.length && lines.at(-1)!.startsWith(`${v.ref} =`)) lines.pop();
      last = { name: outs[0], value: before };
    }
  }
  const outValue = last && (last.name === outName || softmaxStripped) ? last.value : values.get(outName);
  if (!outValue) throw new ExprError('data', `${where}: no node produces the graph output '${clean(outName)}'`);
  if (outValue.shape.length !== 2) throw new ExprError('usage', `${where}: the output has shape [${outValue.shape.join(', ')}]; exprgrad's models output [batch, classes]`);

  const header = [
    `# Imported from ONNX (${clean(m.producer_name ?? 'unknown producer')} ${clean(m.producer_version ?? '')}, opset ${opset}, graph '${clean(g.name ?? '')}').`,
    `# Input '${clean(inName)}' is x${inShape.length > 2 ? ` (flattened to ${features} features)` : ''}; output '${clean(outName)}' is logits${softmaxStripped ? ' (the final Softmax is in the loss)' : ''}.`,
    `x : [${batch}, ${features}]`,
    `y : [${batch}]`,
    ...Object.keys(params).map((n) => `${n} : [${paramShapes.get(n)!.join(', ')}]`),
    '',
  ];
  // logits: rename the last statement, or alias a value.
  const body = [...lines];
  const lastLine = body.at(-1);
  if (lastLine && lastLine.startsWith(`${outValue.ref} = `) && !body.slice(0, -1).some((l) => new RegExp(`\\b${outValue.ref}\\b`).test(l))) {
    body[body.length - 1] = `logits = ${lastLine.slice(outValue.ref.length + 3)}`;
  } else body.push(`logits = ${outValue.ref}`);
  body.push('loss = mean(softmax_cross_entropy(logits, y))');
  const source = [...header, ...body, ''].join('\n');
  let model: Model;
  try {
    model = new Model(modelSpec(source), params, { importedFrom: 'onnx', producer: m.producer_name ?? '', opset });
  } catch (err) {
    throw new ExprError('usage', `${where}: the imported program does not fit exprgrad's model convention: ${(err as Error).message}`);
  }
  return { source, params, model, inputName: inName, outputName: outName, softmaxStripped };
}

function describe(node: OnnxNode, idx: number): string {
  return node.name ? `'${clean(node.name)}' (#${idx})` : `#${idx}`;
}

function numberText(v: number): string {
  const s = String(Math.abs(v));
  const t = /e/.test(s) ? Math.abs(v).toFixed(20).replace(/0+$/, '') : s;
  return v < 0 ? `(-${t})` : t;
}

const CNN_OPS = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization']);
const FUNCTION_NAMES = new Set(['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'exp', 'log', 'log10', 'log2', 'sqrt', 'cbrt', 'abs', 'sign', 'step', 'sigmoid', 'relu', 'softplus', 'min', 'max', 'atan2', 'hypot', 'sum', 'mean', 'logsumexp', 'softmax', 'log_softmax', 'softmax_cross_entropy', 'transpose', 'onehot', 'argmax_mask', 'column', 'broadcast_to', 'sum_to', 'amax', 'matmul']);

interface ImportCtx {
  node: OnnxNode;
  idx: number;
  arg(i: number): Value;
  need(n: number): void;
  flat(v: Value): Value;
  transposedParam(v: Value): Value | undefined;
  broadcast(a: readonly number[], b: readonly number[]): number[];
  squeezeRow(v: Value): Value;
  opset: number;
  where: string;
  features: number;
}
type Imported = { expr: string; shape: readonly number[] } | { alias: Value };
type Importer = (c: ImportCtx) => Imported;

const unary = (fn: string): Importer => (c) => {
  c.need(1);
  const a = c.flat(c.arg(0));
  return { expr: `${fn}(${a.ref})`, shape: a.shape };
};
const binary = (sym: string): Importer => (c) => {
  c.need(2);
  const a = c.squeezeRow(c.flat(c.arg(0)));
  const b = c.squeezeRow(c.flat(c.arg(1)));
  return { expr: `${a.ref} ${sym} ${b.ref}`, shape: c.broadcast(a.shape, b.shape) };
};
const softmaxLike = (fn: string): Importer => (c) => {
  c.need(1);
  const a = c.flat(c.arg(0));
  let axis = attrInt(c.node, 'axis', c.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += a.shape.length;
  if (a.shape.length !== 2 || axis !== 1) throw new ExprError('usage', `${c.where}: ${c.node.op_type} over axis ${axis} of a rank-${a.shape.length} tensor (node ${describe(c.node, c.idx)}) is not supported; exprgrad imports softmax over the classes of [batch, classes]`);
  return { expr: `${fn}(${a.ref}, axis=1)`, shape: a.shape };
};
// Flatten/Reshape of the graph input to [batch, features] is absorbed into x; on a [batch, n] value it is identity.
const flatten: Importer = (c) => {
  c.need(1);
  const a = c.arg(0);
  const axis = attrInt(c.node, 'axis', 1);
  if (a.unflattened && axis === 1) return { alias: { ref: a.ref, shape: [a.shape[0], c.features] } };
  if (!a.unflattened && a.shape.length === 2 && axis === 1) return { alias: a };
  throw new ExprError('usage', `${c.where}: ONNX op '${c.node.op_type}' (node ${describe(c.node, c.idx)}) on a tensor of rank ${a.shape.length} with axis ${axis} is not supported by exprgrad yet (tensors of rank > 2 come with convolutions)`);
};
const reshape: Importer = (c) => {
  c.need(2);
  const a = c.arg(0);
  const s = c.arg(1);
  const target = Array.isArray(s.data) ? s.data : undefined;
  const flatSize = a.shape.slice(1).reduce((p, q) => p * q, 1);
  if (target && target.length === 2 && (target[0] === -1 || target[0] === 0 || target[0] === a.shape[0]) && (target[1] === flatSize || (target[1] === -1 && target[0] !== -1))) {
    return { alias: { ref: a.ref, shape: [a.shape[0], flatSize] } };
  }
  throw new ExprError('usage', `${c.where}: ONNX op 'Reshape' (node ${describe(c.node, c.idx)}) to [${target?.join(', ') ?? '?'}] is not supported by exprgrad yet (only flattening to [batch, features]; other shapes come with convolutions)`);
};

/** ONNX op → exprgrad program text. Conv, MaxPool, AveragePool get entries here when convolutions exist. */
export const IMPORTERS: Readonly<Record<string, Importer>> = {
  Gemm: (c) => {
    c.need(2);
    let a = c.flat(c.arg(0));
    let b = c.flat(c.arg(1));
    let aText = a.ref;
    if (attrInt(c.node, 'transA', 0)) {
      aText = `transpose(${a.ref})`;
      a = { ...a, shape: [a.shape[1], a.shape[0]] };
    }
    let bText = b.ref;
    if (attrInt(c.node, 'transB', 0)) {
      const t = c.transposedParam(b);
      if (t) b = t;
      else {
        bText = `transpose(${b.ref})`;
        b = { ...b, shape: [b.shape[1], b.shape[0]] };
      }
      if (t) bText = t.ref;
    }
    const alpha = attrFloat(c.node, 'alpha', 1);
    const beta = attrFloat(c.node, 'beta', 1);
    let expr = `${aText} @ ${bText}`;
    if (alpha !== 1) expr = `${numberText(alpha)} * (${expr})`;
    const shape = [a.shape[0], b.shape[1]];
    if (c.node.input && c.node.input.length > 2 && c.node.input[2] !== '') {
      const bias = c.squeezeRow(c.flat(c.arg(2)));
      expr += beta === 1 ? ` + ${bias.ref}` : ` + ${numberText(beta)} * ${bias.ref}`;
    }
    return { expr, shape };
  },
  MatMul: (c) => {
    c.need(2);
    const a = c.flat(c.arg(0));
    const b = c.flat(c.arg(1));
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new ExprError('usage', `${c.where}: MatMul (node ${describe(c.node, c.idx)}) of ranks ${a.shape.length} and ${b.shape.length} is not supported (matrices only)`);
    return { expr: `${a.ref} @ ${b.ref}`, shape: [a.shape[0], b.shape[1]] };
  },
  Add: binary('+'),
  Sub: binary('-'),
  Mul: binary('*'),
  Div: binary('/'),
  Relu: unary('relu'),
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  Exp: unary('exp'),
  Log: unary('log'),
  Sqrt: unary('sqrt'),
  Abs: unary('abs'),
  Softplus: unary('softplus'),
  Neg: (c) => {
    c.need(1);
    const a = c.flat(c.arg(0));
    return { expr: `-${a.ref}`, shape: a.shape };
  },
  Softmax: softmaxLike('softmax'),
  LogSoftmax: softmaxLike('log_softmax'),
  Dropout: (c) => {
    c.need(1);
    if ((c.node.output ?? []).length > 1 && c.node.output![1]) throw new ExprError('usage', `${c.where}: Dropout (node ${describe(c.node, c.idx)}) with a mask output is not supported (inference treats Dropout as identity)`);
    return { alias: c.arg(0) };
  },
  Identity: (c) => {
    c.need(1);
    return { alias: c.arg(0) };
  },
  Flatten: flatten,
  Reshape: reshape,
};
