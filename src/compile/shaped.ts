// Tensor programs whose shapes come from the first values passed in.
//
// In:  a program compiled without shapes, then values that carry their shapes: nested arrays (number[][] is
//      [m, n], number[] is [n]), { data, shape } objects, or plain numbers (scalars).
// Out: the same results as a CompiledTensor compiled with those shapes (compiled on first use, and again for
//      each new combination of shapes, cached).

import { Expr } from '../ir/expr.js';
import { ExprError } from '../errors.js';
import type { Statement } from '../parse/parse.js';
import type { Shape } from '../ir/tensor-ops.js';
import { CompiledTensor, compileTensor, type TensorCompileOptions } from './tensor.js';

export type ShapedValue = number | readonly number[] | readonly (readonly number[])[] | { readonly data: ArrayLike<number>; readonly shape: readonly number[] };

type Buf = Float32Array | Float64Array;

function shapeAndData(name: string, v: ShapedValue): { shape: Shape; data: Float32Array | number } {
  if (typeof v === 'number') return { shape: [], data: v };
  if (v && typeof v === 'object' && 'shape' in v && 'data' in v) {
    const size = v.shape.reduce((a, b) => a * b, 1);
    if (v.data.length !== size) throw new ExprError('value', `${name}: ${v.data.length} elements do not fill shape [${v.shape.join(', ')}]`);
    return { shape: [...v.shape], data: Float32Array.from(v.data) };
  }
  if (Array.isArray(v)) {
    if (v.length > 0 && Array.isArray(v[0])) {
      const rows = v as readonly (readonly number[])[];
      const cols = rows[0].length;
      if (rows.some((r) => !Array.isArray(r) || r.length !== cols)) throw new ExprError('value', `${name}: rows differ in length`);
      const data = new Float32Array(rows.length * cols);
      rows.forEach((r, i) => data.set(r, i * cols));
      return { shape: [rows.length, cols], data };
    }
    return { shape: [v.length], data: Float32Array.from(v as readonly number[]) };
  }
  if (ArrayBuffer.isView(v)) throw new ExprError('value', `${name}: a flat typed array has no shape; pass { data, shape } or declare "${name} : [m, n]"`);
  throw new ExprError('value', `${name}: expected a number, an array, nested arrays or { data, shape }`);
}

export class ShapedProgram {
  readonly kind = 'shaped' as const;
  private readonly cache = new Map<string, CompiledTensor>();

  constructor(
    readonly expr: Expr,
    private readonly options: TensorCompileOptions,
    private readonly statements: readonly Statement[],
  ) {}

  /** The compiled program for these values' shapes, and the values as flat buffers. */
  specialize(values: Readonly<Record<string, ShapedValue>>): { compiled: CompiledTensor; flat: Record<string, Float32Array | number> } {
    const shapes: Record<string, Shape> = {};
    const flat: Record<string, Float32Array | number> = {};
    for (const [name, v] of Object.entries(values)) {
      const { shape, data } = shapeAndData(name, v);
      shapes[name] = shape;
      flat[name] = data;
    }
    const key = Object.entries(shapes).map(([n, s]) => `${n}:${s.join('x')}`).sort().join(',');
    let compiled = this.cache.get(key);
    if (!compiled) {
      compiled = compileTensor(this.expr, { ...this.options, shapes: { ...shapes, ...this.options.shapes } }, this.statements);
      this.cache.set(key, compiled);
    }
    return { compiled, flat };
  }

  evaluate(values: Readonly<Record<string, ShapedValue>>): number | Buf {
    const { compiled, flat } = this.specialize(values);
    return compiled.evaluate(flat);
  }

  gradient(values: Readonly<Record<string, ShapedValue>>): { value: number; gradient: Record<string, Buf> } {
    const { compiled, flat } = this.specialize(values);
    return compiled.gradient(flat);
  }
}
