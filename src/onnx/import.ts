// fromOnnx: an ONNX model (an MLP: Gemm/MatMul, Add, Relu, Sigmoid, Tanh, Softmax, Dropout, Flatten …) as an
// exprgrad program in our own language plus its weights, following the model convention (x, y, logits, loss), so
// `exprgrad diff` prints its gradients and evaluate/predict/train run it on our backends.
//
// Images (Conv, MaxPool, AveragePool): exprgrad is NHWC, ONNX NCHW. An input that a Conv, pool or elementwise op
// reads directly is NCHW (PyTorch): the program's x is its NHWC form [B, H, W, C] and each value keeps a flag saying
// its ONNX tensor is the NCHW form of the program's value; an input read by Transpose [0, 3, 1, 2] is NHWC (exprgrad's
// own export, tf2onnx): x is that input. Transposes [0, 3, 1, 2] / [0, 2, 3, 1] only flip the flag. Filters
// [F, C, kh, kw] become [kh, kw, C, F]; Conv's bias and a [C, 1, 1] / [1, C, 1, 1] Add become a per-channel [C]. A
// Flatten of an NCHW value (PyTorch) orders features c·h·w, exprgrad's flatten h·w·c: the rows of the Gemm/MatMul
// weights that read it are permuted to match. Pads must be symmetric, strides square, group and dilations 1.
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
import { permute, chwRowsToHwc } from './layout.js';
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
  /** Rank 4: the ONNX tensor is the NCHW form of the program's NHWC value (shape is the program's, NHWC). */
  readonly nchw?: boolean;
  /** Rank 2: the ONNX tensor is a flattening in c·h·w order of what the program holds in h·w·c order ([H, W, C]). */
  readonly chwFlat?: readonly [number, number, number];
  /** Rank 1 [C]: the ONNX tensor is [C, 1, 1] or [1, C, 1, 1], a per-channel vector of NCHW images. */
  readonly chw?: boolean;
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
  // A rank-4 input flattened by every reader is features (an MLP); read by Transpose [0, 3, 1, 2] it is NHWC; else NCHW.
  const readers = (g.node ?? []).filter((n) => (n.input ?? []).includes(inName));
  let imageInput: 'nhwc' | 'nchw' | undefined;
  if (inShape.length === 4 && !readers.every((n) => n.op_type === 'Flatten' || n.op_type === 'Reshape')) {
    imageInput = readers.some((n) => n.op_type === 'Transpose' && permOf(n).join() === '0,3,1,2') ? 'nhwc' : 'nchw';
  } else if (inShape.length === 3 && !readers.every((n) => n.op_type === 'Flatten' || n.op_type === 'Reshape')) {
    throw new ExprError('usage', `${where}: input '${clean(inName)}' has rank 3; exprgrad imports features [batch, n] or images [batch, channels, height, width]`);
  }
  const [d1, d2, d3] = inShape.slice(1) as number[];
  const xShape = imageInput === 'nchw' ? [batch, d2, d3, d1] : imageInput === 'nhwc' ? [batch, d1, d2, d3] : [batch, features];
  if (imageInput) values.set(inName, { ref: 'x', shape: xShape, nchw: imageInput === 'nchw' });
  else values.set(inName, { ref: 'x', shape: [batch, ...(inShape.slice(1) as number[])], unflattened: inShape.length > 2 });
  /** A float initializer as it is (rank ≤ 4), without making it a parameter; undefined when `name` is not one. */
  const constant = (name: string): { shape: number[]; data: Float32Array } | undefined => {
    const t = values.has(name) ? undefined : inits.get(name);
    if (!t) return undefined;
    const { shape, data } = tensorData(t, where);
    return data instanceof Float32Array ? { shape, data } : undefined;
  };
  /** Registers a parameter of the program (named after the ONNX name). */
  const param = (onnxName: string, shape: readonly number[], data: Float32Array): Value => {
    const ref = nameFor(onnxName, 'w');
    params[ref] = data;
    paramShapes.set(ref, shape);
    return { ref, shape, data };
  };

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
    if (v.chwFlat) throw new ExprError('usage', `${where}: node ${describe(node, idx)} (${clean(node.op_type ?? '')}) reads the flattening of an NCHW image, whose feature order exprgrad can only follow into a Gemm or MatMul with constant weights`);
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
      throw new ExprError('usage', `${where}: ONNX op '${clean(op)}' (node ${describe(node, idx)}) is not supported by exprgrad${CNN_OPS.has(op) ? ' yet (of image models exprgrad imports Conv, MaxPool, AveragePool, Flatten, Reshape, Dropout)' : ''}`);
    }
    const result = importer({ node, idx, arg, need, flat: (v) => flat(v, node, idx), transposedParam, broadcast, squeezeRow, opset, where, features, constant: (i) => constant(ins[i]), param, name: (i) => ins[i], setParam: (r, d) => { params[r] = d; } });
    let v: Value;
    if ('alias' in result) v = result.alias;
    else {
      const target = nameFor(outs[0], 't');
      lines.push(`${target} = ${result.expr}`);
      v = { ref: target, shape: result.shape, nchw: result.nchw, chwFlat: result.chwFlat };
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
  if (outValue.chwFlat || outValue.nchw) throw new ExprError('usage', `${where}: the output '${clean(outName)}' is an NCHW image or its flattening; exprgrad's models output [batch, classes]`);
  if (outValue.shape.length !== 2) throw new ExprError('usage', `${where}: the output has shape [${outValue.shape.join(', ')}]; exprgrad's models output [batch, classes]`);

  const header = [
    `# Imported from ONNX (${clean(m.producer_name ?? 'unknown producer')} ${clean(m.producer_version ?? '')}, opset ${opset}, graph '${clean(g.name ?? '')}').`,
    `# Input '${clean(inName)}' is x${imageInput === 'nchw' ? ' (NCHW in ONNX, NHWC here: images [batch, height, width, channels])' : imageInput ? ' (images, NHWC)' : inShape.length > 2 ? ` (flattened to ${features} features)` : ''}; output '${clean(outName)}' is logits${softmaxStripped ? ' (the final Softmax is in the loss)' : ''}.`,
    `x : [${xShape.join(', ')}]`,
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

const CNN_OPS = new Set(['ConvTranspose', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization', 'LRN', 'InstanceNormalization']);

/** A Transpose's perm (default: reversed axes, as ONNX says; [] when the rank is unknown here). */
function permOf(node: OnnxNode): number[] {
  const a = attr(node, 'perm');
  return a?.ints ? a.ints.map(Number) : [];
}
const attrInts = (node: OnnxNode, name: string): number[] | undefined => attr(node, name)?.ints?.map(Number);
function attrString(node: OnnxNode, name: string): string | undefined {
  const v = attr(node, name)?.s;
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array);
}
const FUNCTION_NAMES = new Set(['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'exp', 'log', 'log10', 'log2', 'sqrt', 'cbrt', 'abs', 'sign', 'step', 'sigmoid', 'relu', 'softplus', 'min', 'max', 'atan2', 'hypot', 'sum', 'mean', 'logsumexp', 'softmax', 'log_softmax', 'softmax_cross_entropy', 'transpose', 'onehot', 'argmax_mask', 'column', 'broadcast_to', 'sum_to', 'amax', 'matmul']);

interface ImportCtx {
  /** Replaces a parameter's data (same shape). */
  setParam(ref: string, data: Float32Array): void;
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
  /** Input i as a float initializer (any rank), not made a parameter; undefined when it is not an initializer. */
  constant(i: number): { shape: number[]; data: Float32Array } | undefined;
  param(onnxName: string, shape: readonly number[], data: Float32Array): Value;
  /** The ONNX name of input i. */
  name(i: number): string;
}
type Imported = { expr: string; shape: readonly number[]; nchw?: boolean; chwFlat?: readonly [number, number, number] } | { alias: Value };
type Importer = (c: ImportCtx) => Imported;

// Elementwise: images keep their layout, the flattening of an NCHW image keeps its feature order.
const unary = (fn: string): Importer => (c) => {
  c.need(1);
  const a = c.arg(0);
  if (a.unflattened) c.flat(a);
  return { expr: `${fn}(${a.ref})`, shape: a.shape, nchw: a.nchw, chwFlat: a.chwFlat };
};
/** Operands of an elementwise op on an image: images of one layout, scalars, per-channel constants ([C, 1, 1] in NCHW). */
function imageOperands(c: ImportCtx, sym: string): Imported | undefined {
  const k = [0, 1].map((i) => c.constant(i));
  const v = [0, 1].map((i) => (k[i] && k[i]!.shape.length > 2 ? undefined : c.arg(i)));
  const img = v.find((x) => x && x.shape.length === 4 && !x.unflattened);
  if (!img) return undefined;
  const C = img.shape[3];
  const refs = [0, 1].map((i) => {
    const x = v[i];
    if (x && x.shape.length === 4 && !x.unflattened && !!x.nchw === !!img.nchw) return x.ref;
    if (x && x.shape.length === 0) return x.ref;
    if (x && x.data instanceof Float32Array && x.data.length === 1) return x.ref;
    if (x && x.chw && img.nchw && x.shape[0] === C) return x.ref;
    const s = k[i]?.shape;
    const perChannel = s && (img.nchw ? ['1,' + C + ',1,1', C + ',1,1'] : ['1,1,1,' + C, '1,1,' + C, '1,' + C, String(C)]).includes(s.join());
    if (perChannel) {
      if (x) return c.squeezeRow(x).ref; // already read as a vector [C] or a row [1, C]
      return c.param(c.name(i), [C], k[i]!.data).ref;
    }
    throw new ExprError('usage', `${c.where}: ${c.node.op_type} (node ${describe(c.node, c.idx)}) of an image [${img.shape.join(', ')}] (NHWC here) with a tensor of shape [${(s ?? x?.shape ?? []).join(', ')}] is not supported; exprgrad broadcasts images with images, scalars and per-channel vectors`);
  });
  return { expr: `${refs[0]} ${sym} ${refs[1]}`, shape: img.shape, nchw: img.nchw };
}
const binary = (sym: string): Importer => (c) => {
  c.need(2);
  const image = imageOperands(c, sym);
  if (image) return image;
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
  if (!a.unflattened && a.shape.length === 4 && axis === 1) return flattenImage(a);
  throw new ExprError('usage', `${c.where}: ONNX op '${c.node.op_type}' (node ${describe(c.node, c.idx)}) on a tensor of rank ${a.shape.length} with axis ${axis} is not supported by exprgrad yet (tensors of rank > 2 come with convolutions)`);
};
const reshape: Importer = (c) => {
  c.need(2);
  const a = c.arg(0);
  const s = c.arg(1);
  const target = Array.isArray(s.data) ? s.data : undefined;
  const flatSize = a.shape.slice(1).reduce((p, q) => p * q, 1);
  // A computed per-channel vector [C] as [C, 1, 1] or [1, C, 1, 1] (how exprgrad's export broadcasts it over NCHW).
  if (target && a.shape.length === 1 && !a.chwFlat && [`${a.shape[0]},1,1`, `1,${a.shape[0]},1,1`].includes(target.join())) return { alias: { ...a, chw: true } };
  if (target && target.length === 2 && (target[0] === -1 || target[0] === 0 || target[0] === a.shape[0]) && (target[1] === flatSize || (target[1] === -1 && target[0] !== -1))) {
    if (!a.unflattened && a.shape.length === 4) return flattenImage(a);
    if (a.chwFlat) return { alias: a };
    return { alias: { ref: a.ref, shape: [a.shape[0], flatSize] } };
  }
  // Any other shape of a value the program holds as ONNX does (not an NCHW image or its flattening): reshape().
  if (target && target.length >= 1 && target.length <= 4 && !a.unflattened && !a.nchw && !a.chwFlat && !a.chw && a.shape.length > 0) {
    const dims = target.map((d, i) => (d === 0 ? a.shape[i] : d));
    const n = a.shape.reduce((p, q) => p * q, 1);
    const known = dims.filter((d) => d > 0).reduce((p, q) => p * q, 1);
    const out = dims.map((d) => (d === -1 ? n / known : d));
    if (dims.filter((d) => d === -1).length <= 1 && !dims.some((d) => d === undefined || d < -1 || d === 0) && out.every((d) => Number.isInteger(d) && d > 0) && out.reduce((p, q) => p * q, 1) === n) {
      return { expr: `reshape(${a.ref}, ${out.join(', ')})`, shape: out };
    }
  }
  throw new ExprError('usage', `${c.where}: ONNX op 'Reshape' (node ${describe(c.node, c.idx)}) to [${target?.join(', ') ?? '?'}] is not supported (exprgrad reshapes its own values to rank 1–4 and flattens images to [batch, features])`);
};

/** flatten() of an image; an NCHW one keeps ONNX's c·h·w feature order as a flag (the next Gemm's rows follow it). */
function flattenImage(a: Value): Imported {
  const [B, H, W, C] = a.shape;
  const reorder = a.nchw && H * W > 1 && C > 1;
  return { expr: `flatten(${a.ref})`, shape: [B, H * W * C], chwFlat: reorder ? [H, W, C] : undefined };
}

const describeOp = (c: ImportCtx) => `${c.where}: ${clean(c.node.op_type ?? '')} (node ${describe(c.node, c.idx)})`;
/** The image a Conv or pool reads: rank 4, NCHW in ONNX. */
function nchwImage(c: ImportCtx): Value {
  const x = c.arg(0);
  if (x.shape.length !== 4 || x.unflattened || !x.nchw) {
    throw new ExprError('usage', `${describeOp(c)} reads a tensor of rank ${x.shape.length}${x.shape.length === 4 ? ' in NHWC order' : ''}; exprgrad imports ${clean(c.node.op_type ?? '')} on NCHW images [batch, channels, height, width]`);
  }
  return x;
}
/** One stride for both axes (default 1), dilations 1. */
function squareStride(c: ImportCtx): number {
  const d = attrInts(c.node, 'dilations');
  if (d && d.some((v) => v !== 1)) throw new ExprError('usage', `${describeOp(c)}: attribute dilations = [${d.join(', ')}] is not supported (exprgrad has no dilated convolution or pooling; dilations must be 1)`);
  const s = attrInts(c.node, 'strides') ?? [1, 1];
  if (s.length !== 2 || s[0] !== s[1] || !(s[0] >= 1)) throw new ExprError('usage', `${describeOp(c)}: attribute strides = [${s.join(', ')}] is not supported (exprgrad takes one stride ≥ 1 for both axes)`);
  return s[0];
}
/** The symmetric padding of a Conv/pool (from pads or auto_pad), or a clear error. */
function symmetricPad(c: ImportCtx, H: number, W: number, kh: number, kw: number, s: number): number {
  const autoPad = attrString(c.node, 'auto_pad') ?? 'NOTSET';
  if (autoPad === 'NOTSET') {
    const p = attrInts(c.node, 'pads') ?? [0, 0, 0, 0];
    if (p.length !== 4 || p.some((v) => v !== p[0]) || p[0] < 0) throw new ExprError('usage', `${describeOp(c)}: attribute pads = [${p.join(', ')}] is not supported (exprgrad pads all four sides by the same amount)`);
    return p[0];
  }
  if (autoPad === 'VALID') return 0;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = (D: number, k: number) => Math.max((Math.ceil(D / s) - 1) * s + k - D, 0);
    const [th, tw] = [total(H, kh), total(W, kw)];
    if (th !== tw || th % 2) throw new ExprError('usage', `${describeOp(c)}: attribute auto_pad = ${autoPad} here pads ${th} rows and ${tw} columns in all, which is not the same on every side (exprgrad pads symmetrically; write explicit symmetric pads)`);
    return th / 2;
  }
  throw new ExprError('usage', `${describeOp(c)}: attribute auto_pad = '${clean(autoPad)}' is not one ONNX defines`);
}
function outSize(c: ImportCtx, D: number, k: number, s: number, p: number): number {
  if (D + 2 * p < k) throw new ExprError('usage', `${describeOp(c)}: a ${k}-wide window does not fit a side of ${D}${p ? ` padded by ${p}` : ''}`);
  return Math.floor((D + 2 * p - k) / s) + 1;
}
const pool = (fn: string): Importer => (c) => {
  c.need(1);
  const x = nchwImage(c);
  if ((c.node.output ?? []).length > 1 && c.node.output![1]) throw new ExprError('usage', `${describeOp(c)} with an Indices output is not supported`);
  const k = attrInts(c.node, 'kernel_shape');
  if (!k || k.length !== 2 || k[0] !== k[1] || !(k[0] >= 1)) throw new ExprError('usage', `${describeOp(c)}: attribute kernel_shape = [${k?.join(', ') ?? ''}] is not supported (exprgrad pools square windows: kernel_shape [k, k])`);
  const s = squareStride(c);
  const [B, H, W, C] = x.shape;
  const p = symmetricPad(c, H, W, k[0], k[0], s);
  if (p !== 0) throw new ExprError('usage', `${describeOp(c)}: padding ${p} is not supported (exprgrad's pools read no padding; pads must be 0)`);
  const [Ho, Wo] = [outSize(c, H, k[0], s, 0), outSize(c, W, k[0], s, 0)];
  if (attrInt(c.node, 'ceil_mode', 0) && ((H - k[0]) % s || (W - k[0]) % s)) throw new ExprError('usage', `${describeOp(c)}: attribute ceil_mode = 1 is not supported where it adds a partial window (exprgrad's pools floor)`);
  return { expr: `${fn}(${x.ref}, size=${k[0]}${s !== k[0] ? `, stride=${s}` : ''})`, shape: [B, Ho, Wo, C], nchw: true };
};
/** A Gemm/MatMul reading the flattening of an NCHW image: its weight rows reordered to exprgrad's h·w·c order. */
function reorderRows(c: ImportCtx, a: Value, b: Value, bText: string): void {
  if (!a.chwFlat) return;
  if (!(b.data instanceof Float32Array) || bText !== b.ref || b.shape.length !== 2) {
    throw new ExprError('usage', `${describeOp(c)} reads the flattening of an NCHW image with weights that are not a constant matrix; exprgrad cannot follow the feature order there`);
  }
  c.setParam(b.ref, chwRowsToHwc(b.data, a.chwFlat, b.shape[1]));
}

/** ONNX op → exprgrad program text. */
export const IMPORTERS: Readonly<Record<string, Importer>> = {
  Gemm: (c) => {
    c.need(2);
    const a0 = c.arg(0);
    let a = a0.chwFlat ? { ...a0, chwFlat: undefined } : c.flat(a0);
    let b = c.flat(c.arg(1));
    let aText = a.ref;
    if (attrInt(c.node, 'transA', 0)) {
      if (a0.chwFlat) throw new ExprError('usage', `${describeOp(c)}: transA = 1 on the flattening of an NCHW image is not supported`);
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
    reorderRows(c, a0, b, bText);
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
    const a0 = c.arg(0);
    const a = a0.chwFlat ? { ...a0, chwFlat: undefined } : c.flat(a0);
    const b = c.flat(c.arg(1));
    reorderRows(c, a0, b, b.ref);
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
    const a = c.arg(0);
    if (a.unflattened) c.flat(a);
    return { expr: `-${a.ref}`, shape: a.shape, nchw: a.nchw, chwFlat: a.chwFlat };
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
  Transpose: (c) => {
    c.need(1);
    const a = c.arg(0);
    const perm = permOf(c.node);
    if (a.shape.length === 4 && !a.unflattened) {
      if (!a.nchw && perm.join() === '0,3,1,2') return { alias: { ...a, nchw: true } };
      if (a.nchw && perm.join() === '0,2,3,1') return { alias: { ...a, nchw: false } };
    }
    if (a.shape.length === 2 && !a.unflattened && !a.chwFlat && (perm.length === 0 || perm.join() === '1,0')) return { expr: `transpose(${a.ref})`, shape: [a.shape[1], a.shape[0]] };
    throw new ExprError('usage', `${describeOp(c)} with perm [${perm.join(', ')}] of a rank-${a.shape.length} tensor${a.shape.length === 4 ? (a.nchw ? ' (NCHW)' : ' (NHWC)') : ''} is not supported (exprgrad follows the image transposes NHWC→NCHW [0, 3, 1, 2] and NCHW→NHWC [0, 2, 3, 1], and 2-D transposes)`);
  },
  Conv: (c) => {
    c.need(2);
    const x = nchwImage(c);
    const group = attrInt(c.node, 'group', 1);
    if (group !== 1) throw new ExprError('usage', `${describeOp(c)}: attribute group = ${group} is not supported (exprgrad has no grouped or depthwise convolution; group must be 1)`);
    const w = c.constant(1);
    if (!w) throw new ExprError('usage', `${describeOp(c)}: the filters '${clean(c.name(1))}' must be a constant initializer`);
    if (w.shape.length !== 4) throw new ExprError('usage', `${describeOp(c)}: filters of shape [${w.shape.join(', ')}] are not 2-D filters [out, in, kh, kw]`);
    const [F, C, kh, kw] = w.shape;
    const [B, H, W, Cx] = x.shape;
    if (C !== Cx) throw new ExprError('usage', `${describeOp(c)}: filters for ${C} channels read an image of ${Cx} channels`);
    const ks = attrInts(c.node, 'kernel_shape');
    if (ks && ks.join() !== `${kh},${kw}`) throw new ExprError('usage', `${describeOp(c)}: attribute kernel_shape = [${ks.join(', ')}] does not match the filters [${w.shape.join(', ')}]`);
    const s = squareStride(c);
    const p = symmetricPad(c, H, W, kh, kw, s);
    const [Ho, Wo] = [outSize(c, H, kh, s, p), outSize(c, W, kw, s, p)];
    const K = c.param(c.name(1), [kh, kw, C, F], permute(w.data, w.shape, [2, 3, 1, 0]));
    let expr = `conv2d(${x.ref}, ${K.ref}${s !== 1 ? `, stride=${s}` : ''}${p !== 0 ? `, pad=${p}` : ''})`;
    if (c.node.input && c.node.input.length > 2 && c.node.input[2] !== '') {
      const bias = c.constant(2);
      if (!bias || bias.data.length !== F) throw new ExprError('usage', `${describeOp(c)}: the bias '${clean(c.name(2))}' must be a constant initializer of ${F} values`);
      expr += ` + ${c.param(c.name(2), [F], bias.data).ref}`;
    }
    return { expr, shape: [B, Ho, Wo, F], nchw: true };
  },
  MaxPool: pool('max_pool2d'),
  AveragePool: pool('avg_pool2d'),
};
