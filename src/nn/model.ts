// A model: an exprgrad program plus its parameters, as the trainer and the CLI use it.
//
// In:  program text that follows the model convention (inputs x [B, features] and y [B]; a statement `logits`
//      [B, classes]; the last statement is the loss; every other input is a parameter), or a saved model.
// Out: a Model that initializes its parameters (Keras's Glorot uniform for matrices, zeros for vectors; seeded),
//      compiles loss/gradient programs for any batch size, predicts, and saves/loads itself as versioned JSON
//      (weights as base64 float32, plus the program text, shapes and metadata, and a SHA-256 checksum of all of it,
//      src/nn/checksum.ts). Loading checks everything, the checksum included, and rejects a damaged file with a clear
//      error; values quoted from the file are escaped (quoteValue), so a hostile file cannot drive the terminal.

import { parseProgram, type Program } from '../parse/parse.js';
import { freeVars, topo } from '../ir/walk.js';
import { compile } from '../compile/compile.js';
import { CompiledTensor } from '../compile/tensor.js';
import { ExprError, quoteValue } from '../errors.js';
import { modelChecksum } from './checksum.js';
import type { Shape } from '../ir/tensor-ops.js';

export const MODEL_FORMAT = 'exprgrad-model';
export const MODEL_VERSION = 1;

import { rng } from '../tensor/rng.js';
export { rng };

export interface ModelSpec {
  readonly source: string;
  readonly program: Program;
  /** Parameter names, in order of first appearance. */
  readonly params: readonly string[];
  /** Declared shapes of every input (x and y with their batch dimension). */
  readonly shapes: Readonly<Record<string, Shape>>;
  readonly features: number;
  readonly classes: number;
  /** Statements that act only while training (dropout), by name: the trainer says so; evaluation runs without. */
  readonly trainingOnly: readonly string[];
}

/** Check a program against the model convention. */
export function modelSpec(source: string): ModelSpec {
  const program = parseProgram(source);
  const inputs = freeVars(program.result);
  const need = (cond: boolean, msg: string) => {
    if (!cond) throw new ExprError('usage', `model program: ${msg}`);
  };
  need(inputs.includes('x') && inputs.includes('y'), 'the loss must use the inputs x (images) and y (labels)');
  need(program.statements.some((s) => s.name === 'logits'), 'define a statement `logits = …` (the class scores)');
  for (const name of inputs) need(Object.hasOwn(program.shapes, name), `declare the shape of ${name} (e.g. ${name} : [784, 512])`);
  const xs = program.shapes.x;
  need(xs.length === 2 || xs.length === 4, 'x must be declared as [batch, features] or as images [batch, height, width, channels]');
  const params = inputs.filter((n) => n !== 'x' && n !== 'y');
  need(params.length > 0, 'the model has no parameters');
  // Classes from the logits' shape.
  const probe = compile(source, { keep: ['logits'] }) as CompiledTensor;
  const logitsShape = probe.tape.shapes.get(program.statements.find((s) => s.name === 'logits')!.expr)!;
  need(logitsShape.length === 2, 'logits must be [batch, classes]');
  // A statement is training-only where a dropout first appears (statements share the nodes of earlier ones).
  const seen = new Set<unknown>();
  const trainingOnly: string[] = [];
  for (const st of program.statements) {
    const fresh = topo(st.expr).filter((n) => !seen.has(n));
    fresh.forEach((n) => seen.add(n));
    if (st.name && fresh.some((n) => n.is('dropout'))) trainingOnly.push(st.name);
  }
  return { source, program, params, shapes: program.shapes, features: xs.slice(1).reduce((a, b) => a * b, 1), classes: logitsShape[1], trainingOnly };
}

/** x's shape for a batch size: [batch, features], or images [batch, height, width, channels] as declared. */
export function batchShapes(spec: ModelSpec, batch: number): Record<string, Shape> {
  const s: Record<string, Shape> = { ...spec.shapes };
  s.x = [batch, ...spec.shapes.x.slice(1)];
  const y = spec.shapes.y;
  s.y = y.length === 2 ? [batch, y[1]] : [batch];
  return s;
}

/**
 * Keras defaults: Glorot uniform (limit √(6/(fan_in + fan_out))) for matrices and filters, zeros for vectors.
 * A filter [kh, kw, in, out] has fan_in = kh·kw·in and fan_out = kh·kw·out.
 */
export function initParams(spec: ModelSpec, seed: number): Record<string, Float32Array> {
  const rand = rng(seed);
  // No prototype: parameters may be called __proto__ or constructor.
  const out: Record<string, Float32Array> = Object.create(null);
  for (const name of spec.params) {
    const s = spec.shapes[name];
    const size = s.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (s.length >= 2) {
      const receptive = s.slice(0, -2).reduce((a, b) => a * b, 1);
      const limit = Math.sqrt(6 / (receptive * (s[s.length - 2] + s[s.length - 1])));
      for (let i = 0; i < size; i++) data[i] = (rand() * 2 - 1) * limit;
    }
    out[name] = data;
  }
  return out;
}

export interface ModelFile {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  readonly program: string;
  readonly shapes: Record<string, number[]>;
  readonly params: Record<string, { shape: number[]; dtype: 'float32'; data: string }>;
  readonly metadata: Record<string, unknown>;
  /** 'sha256:…' of the canonical JSON of everything else (src/nn/checksum.ts). */
  readonly checksum: string;
}

export interface ExecutionOptions {
  /** Backend for the tensor programs: 'js' (default), 'gpujs', … */
  readonly backend?: string;
  /** gpu.js mode for the gpujs backend. */
  readonly mode?: string;
}

/** Bytes as base64, and back, without Node's Buffer (the main entry runs in browsers too). */
function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export class Model {
  private readonly compiled = new Map<string, CompiledTensor>();
  /** Where the model's programs run; change before the first step (compiled programs are cached). */
  execution: ExecutionOptions = {};

  constructor(
    readonly spec: ModelSpec,
    readonly params: Record<string, Float32Array>,
    public metadata: Record<string, unknown> = {},
  ) {}

  /** What runs the kernels of the most recently used program (e.g. "gpu.js WebAssemblyKernel …"). */
  get description(): string {
    const last = [...this.compiled.values()].at(-1);
    return last ? last.description : 'not run yet';
  }

  /** Release every compiled program's device resources. */
  dispose(): void {
    for (const c of this.compiled.values()) c.dispose();
    this.compiled.clear();
  }

  static create(source: string, seed = 1): Model {
    const spec = modelSpec(source);
    return new Model(spec, initParams(spec, seed), { seed });
  }

  /** Shapes with a given batch size. */
  private shapesFor(batch: number): Record<string, Shape> {
    return batchShapes(this.spec, batch);
  }

  /** The loss program for a batch size: gradient() for training, evaluate() for scoring; logits kept. */
  program(batch: number, withGradients: boolean): CompiledTensor {
    const key = `${batch}:${withGradients}`;
    let c = this.compiled.get(key);
    if (!c) {
      c = compile(this.spec.source, {
        shapes: this.shapesFor(batch),
        wrt: withGradients ? this.spec.params : [],
        keep: ['logits'],
        backend: this.execution.backend,
        mode: this.execution.mode,
      }) as CompiledTensor;
      this.compiled.set(key, c);
    }
    return c;
  }

  /** Class scores for a batch of images (features already scaled): a [batch × classes] buffer. */
  logits(x: Float32Array, batch: number): Float32Array | Float64Array {
    const c = this.program(batch, false);
    const y = new Float32Array(this.spec.shapes.y.length === 2 ? batch * this.spec.shapes.y[1] : batch);
    c.evaluate({ x, y, ...this.params });
    return c.valueOf('logits');
  }

  /** One example's class probabilities (softmax of its logits, the maximum subtracted) and the likeliest class. */
  predict(features: Float32Array): { probabilities: number[]; digit: number } {
    const logits = this.logits(features, 1);
    const max = Math.max(...logits);
    const exps = Array.from(logits, (v) => Math.exp(v - max));
    const total = exps.reduce((a, b) => a + b, 0);
    const probabilities = exps.map((v) => v / total);
    return { probabilities, digit: probabilities.indexOf(Math.max(...probabilities)) };
  }

  toJSON(): ModelFile {
    const params: ModelFile['params'] = Object.create(null);
    for (const name of this.spec.params) {
      const data = this.params[name];
      params[name] = {
        shape: [...this.spec.shapes[name]],
        dtype: 'float32',
        data: toBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
      };
    }
    const shapes = Object.fromEntries(Object.entries(this.spec.shapes).map(([k, v]) => [k, [...v]]));
    const file = { format: MODEL_FORMAT, version: MODEL_VERSION, program: this.spec.source, shapes, params, metadata: this.metadata } as const;
    return { ...file, checksum: modelChecksum(file) };
  }

  /** Rebuild from parsed JSON, checking format, version, program, shapes and every weight. */
  static fromJSON(json: unknown, where = 'model file'): Model {
    const bad = (msg: string): never => {
      throw new ExprError('data', `${where}: ${msg}`);
    };
    if (!json || typeof json !== 'object') bad('not a JSON object');
    const f = json as Partial<ModelFile>;
    if (Array.isArray(json)) bad('not a JSON object (an array)');
    const own = (o: object, k: string): unknown => (Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);
    if (f.format !== MODEL_FORMAT) bad(`not an exprgrad model (format is ${quoteValue(own(f, 'format'))})`);
    if (f.version !== MODEL_VERSION) bad(`model version ${quoteValue(own(f, 'version'))} is not supported (this exprgrad reads version ${MODEL_VERSION})`);
    if (typeof f.program !== 'string') bad('the program text is missing');
    let spec: ModelSpec;
    try {
      spec = modelSpec(f.program!);
    } catch (err) {
      return bad(`its program does not compile: ${(err as Error).message}`);
    }
    if (!f.params || typeof f.params !== 'object') bad('the weights are missing');
    if (Array.isArray(f.params)) bad('the weights are not an object');
    const params: Record<string, Float32Array> = Object.create(null);
    for (const name of spec.params) {
      const p = own(f.params!, name) as ModelFile['params'][string] | undefined;
      if (!p || typeof p !== 'object') bad(`the weights of ${name} are missing`);
      const want = spec.shapes[name];
      if (!Array.isArray(p!.shape) || p!.shape.join() !== want.join()) bad(`${name} has shape ${Array.isArray(p!.shape) ? `[${quoteValue(p!.shape).slice(1, -1)}]` : quoteValue(p!.shape)}, the program declares [${want.join(', ')}]`);
      if (p!.dtype !== 'float32') bad(`${name} has dtype ${quoteValue(own(p!, 'dtype'))}, expected float32`);
      if (typeof p!.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(p!.data)) bad(`the weights of ${name} are not base64`);
      const bytes = fromBase64(p!.data);
      const size = want.reduce((a, b) => a * b, 1);
      if (bytes.length !== size * 4) bad(`${name} has ${bytes.length} bytes of weights, expected ${size * 4}`);
      const data = new Float32Array(size);
      new Uint8Array(data.buffer).set(bytes);
      if (!data.every(Number.isFinite)) bad(`${name} contains NaN or infinite weights`);
      params[name] = data;
    }
    const extra = Object.keys(f.params!).filter((n) => !spec.params.includes(n));
    if (extra.length) bad(`weights for unknown parameters: ${extra.map((n) => quoteValue(n, 30)).join(', ')}`);
    // Last, so that the checks above name what is damaged; this one catches everything they cannot see (a weight
    // changed to another valid value, an edited program or metadata).
    const checksum = own(f, 'checksum');
    if (checksum === undefined) bad('it has no checksum (a file from an older exprgrad, or edited by hand); it cannot be verified');
    const actual = modelChecksum(f);
    if (checksum !== actual) bad(`checksum mismatch: the file says ${quoteValue(checksum, 75)}, its contents give ${actual}; the file is damaged or was edited`);
    return new Model(spec, params, (f.metadata && typeof f.metadata === 'object' ? f.metadata : {}) as Record<string, unknown>);
  }
}
