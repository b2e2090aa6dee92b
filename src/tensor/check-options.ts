// Checks of what a caller passes to compile(): the options object and every tensor shape, before anything is built.
// A rank-3 shape, a zero, a fraction, a negative or NaN dimension, a shape too large to allocate, or an option of
// the wrong type is an ExprError that names the input and says what is allowed; never a silently wrong result.
//
// In:  compile()'s options (unknown: they come from JavaScript callers).  Out: nothing, or an ExprError.

import { ExprError, quoteValue } from '../errors.js';

/** Most elements one tensor may have: 2^28 (1 GiB of float32). */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

function usage(msg: string): never {
  throw new ExprError('usage', `compile(): ${msg}`);
}

/** One shape: [] (scalar), [n], [m, n], up to rank 4, each dimension a positive integer, at most MAX_TENSOR_ELEMENTS in all. */
export function checkShape(name: string, shape: unknown): void {
  const bad = (why: string): never => {
    throw new ExprError('shape', `the shape of ${name} ${why}`);
  };
  if (!Array.isArray(shape)) bad(`must be an array of dimensions such as [2, 3], got ${quoteValue(shape)}`);
  const dims = shape as unknown[];
  if (dims.length > 4) bad(`has ${dims.length} dimensions (${quoteValue(dims)}); tensors have at most 4`);
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
      bad(`has dimension ${i + 1} = ${quoteValue(d === undefined ? 'missing' : d)}; each dimension must be a positive integer`);
    }
  }
  const size = (dims as number[]).reduce((a, b) => a * b, 1);
  if (size > MAX_TENSOR_ELEMENTS) {
    bad(`[${dims.join(', ')}] has ${size.toExponential(2)} elements; at most ${MAX_TENSOR_ELEMENTS.toLocaleString('en-US')} (2^28) per tensor`);
  }
}

export function checkShapes(shapes: unknown): void {
  if (shapes === undefined) return;
  if (shapes === null || typeof shapes !== 'object' || Array.isArray(shapes)) usage(`shapes must be an object such as { A: [2, 3] }, got ${quoteValue(shapes)}`);
  for (const [name, shape] of Object.entries(shapes as object)) checkShape(name, shape);
}

const stringList = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function checkCompileOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) usage(`options must be an object, got ${quoteValue(options)}`);
  const o = options as Record<string, unknown>;
  checkShapes(o.shapes);
  if (o.wrt !== undefined && !stringList(o.wrt)) usage(`wrt must be an array of variable names, got ${quoteValue(o.wrt)}`);
  if (o.keep !== undefined && !stringList(o.keep)) usage(`keep must be an array of statement names, got ${quoteValue(o.keep)}`);
  for (const k of ['result', 'backend', 'mode'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') usage(`${k} must be a string, got ${quoteValue(o[k])}`);
  }
  if (o.dtype !== undefined && o.dtype !== 'float32' && o.dtype !== 'float64') usage(`dtype must be 'float32' or 'float64', got ${quoteValue(o.dtype)}`);
}

/**
 * CompiledScalar.evaluateMany's values with every array as a Float64Array: a Float32Array or other typed array is
 * widened, a plain array is checked element by element (holes and strings are errors, not NaN); anything else that
 * is not a number is an ExprError naming the variable.
 */
export function batchInputs(inputs: readonly string[], values: unknown): Record<string, number | Float64Array> {
  if (values === null || typeof values !== 'object') throw new ExprError('value', `expected an object of variable values, got ${quoteValue(values)}`);
  const out: Record<string, number | Float64Array> = Object.create(null);
  const v = values as Record<string, unknown>;
  for (const name of inputs) {
    const x = Object.hasOwn(v, name) ? v[name] : undefined;
    if (x === undefined) throw new ExprError('value', `no value given for ${name}`);
    if (typeof x === 'number' || x instanceof Float64Array) out[name] = x;
    else if (ArrayBuffer.isView(x) && !(x instanceof DataView) && typeof (x as unknown as ArrayLike<unknown>)[0] !== 'bigint') out[name] = Float64Array.from(x as unknown as ArrayLike<number>);
    else if (Array.isArray(x)) {
      x.forEach((e, i) => {
        if (typeof e !== 'number') throw new ExprError('value', `${name}[${i}] is ${e === undefined ? 'missing' : `a ${typeof e}`}; every element must be a number`);
      });
      for (let i = 0; i < x.length; i++) if (!(i in x)) throw new ExprError('value', `${name}[${i}] is a hole (an empty slot); every element must be a number`);
      out[name] = Float64Array.from(x as number[]);
    } else throw new ExprError('value', `the value of ${name} must be a number or an array of numbers (Float64Array), got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x === 'object' ? (x.constructor?.name ?? 'an object') : `a ${typeof x}`}`);
  }
  return out;
}
