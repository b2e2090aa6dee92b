// compile(): the one entry point for running expressions fast.
//
// In:  source text (a formula or a program) or an Expr; options: input shapes, variables to differentiate by,
//      the statement to use as result.
// Out: a compiled object.
//   Scalar formulas (no tensor shapes): float64, one generated JavaScript function for value + gradient through
//     the reverse-mode tape, and a batch version for sweeps (Float64Array per variable).
//   Tensor programs (shapes given): a CompiledTensor, float32 kernels on a backend (js by default, wasm, gpujs:
//     src/backend/registry.ts) planned from the tape; with an optimizer, a training step (step()).
//   Tensor programs without shapes: a ShapedProgram, compiled for the shapes of the first values given.
// `kind` tells the three apart. They print themselves, show their tape and generated code, and give derivatives.

import { Expr } from '../ir/expr.js';
import { parseProgram, type Statement } from '../parse/parse.js';
import { format, type Style } from '../print/print.js';
import { buildTape, formatTape, type Tape } from '../tape/tape.js';
import { compileScalar, type ScalarProgram } from '../eval/codegen.js';
import { derivative } from '../diff/diff.js';
import { ExprError } from '../errors.js';
import { freeVars, topo } from '../ir/walk.js';
import { findOp } from '../ir/registry.js';
import { ShapedProgram } from './shaped.js';
import { checkScalar } from '../eval/evaluate.js';
import type { Shape } from '../ir/tensor-ops.js';
import type { Optimizer } from '../tape/optim.js';
import { compileTensor, type CompiledTensor } from './tensor.js';
import { batchInputs, checkCompileOptions, checkShapes } from '../tensor/check-options.js';

export interface CompileOptions {
  /** Shapes of tensor inputs: { x: [128, 784], W1: [784, 512], … }. Without any, the program is scalar. */
  readonly shapes?: Readonly<Record<string, Shape>>;
  /** Variables to differentiate by (default: all free variables). */
  readonly wrt?: readonly string[];
  /** The statement whose value is the result (default: the last). */
  readonly result?: string;
  /** Backend for tensor programs: 'js' (default), 'wasm', 'gpujs'. */
  readonly backend?: string;
  /** Backend mode: gpu.js's gpu, webgl2, webgl, webgpu, webasm, headlessgl, cpu; wasm's threads=N. */
  readonly mode?: string;
  /** Tensor buffer precision: 'float32' (default) or 'float64' (gradient checks). */
  readonly dtype?: 'float32' | 'float64';
  /** Tensor programs: statements whose values stay readable after a run (CompiledTensor.valueOf). */
  readonly keep?: readonly string[];
  /** Tensor programs: train the wrt variables with this optimizer (CompiledTensor.step; src/tape/optim.ts). */
  readonly optimizer?: Optimizer;
  /** Tensor programs: the seed of step()'s dropout masks (default 0). */
  readonly seed?: number;
}

export type ScalarValues = Readonly<Record<string, number>>;
export type BatchValues = Readonly<Record<string, number | Float64Array>>;

export class CompiledScalar {
  readonly kind = 'scalar' as const;
  readonly inputs: readonly string[];
  private program?: ScalarProgram;
  private readonly inBuf: Float64Array;
  private readonly outBuf: Float64Array;

  constructor(
    readonly expr: Expr,
    readonly tape: Tape,
    readonly statements: readonly Statement[] = [],
  ) {
    this.inputs = tape.inputs;
    this.inBuf = new Float64Array(this.inputs.length);
    this.outBuf = new Float64Array(1 + tape.wrt.length);
  }

  private get compiled(): ScalarProgram {
    this.program ??= compileScalar([this.tape.output, ...this.tape.grads], this.inputs);
    return this.program;
  }

  /** The generated JavaScript (value and gradient in one function; batch version below it). */
  get js(): string {
    return this.compiled.source;
  }

  private load(values: ScalarValues): void {
    if (values === null || typeof values !== 'object') throw new ExprError('value', 'expected an object of variable values');
    this.inputs.forEach((name, k) => {
      const v = Object.hasOwn(values, name) ? values[name] : undefined;
      if (v === undefined) throw new ExprError('value', `no value given for ${name}`);
      if (typeof v !== 'number') throw new ExprError('value', `value of ${name} must be a number, got ${typeof v}`);
      this.inBuf[k] = v;
    });
  }

  /** The value at a point (float64). */
  evaluate(values: ScalarValues = {}): number {
    this.load(values);
    this.compiled.single(this.inBuf, this.outBuf);
    return this.outBuf[0];
  }

  /** Value and every partial derivative (reverse mode), at a point. */
  gradient(values: ScalarValues = {}): { value: number; gradient: Record<string, number> } {
    this.load(values);
    this.compiled.single(this.inBuf, this.outBuf);
    const gradient: Record<string, number> = Object.create(null);
    this.tape.wrt.forEach((name, i) => (gradient[name] = this.outBuf[1 + i]));
    return { value: this.outBuf[0], gradient };
  }

  /**
   * Fast path without allocation: inputs in `this.inputs` order; out[0] = value, out[1 + i] = ∂/∂wrt[i].
   */
  gradientInto(inputs: Float64Array, out: Float64Array): void {
    this.compiled.single(inputs, out);
  }

  /**
   * Evaluate at many points: each variable a Float64Array (or a number, held fixed). Returns the values, and with
   * `grad: true` also the partials, as arrays.
   */
  evaluateMany(values: BatchValues): Float64Array;
  evaluateMany(values: BatchValues, opts: { grad: true }): { value: Float64Array; gradient: Record<string, Float64Array> };
  evaluateMany(values: BatchValues, opts?: { grad: true }): Float64Array | { value: Float64Array; gradient: Record<string, Float64Array> } {
    values = batchInputs(this.inputs, values);
    let n = -1;
    for (const name of this.inputs) {
      const v = Object.hasOwn(values, name) ? values[name] : undefined;
      if (v instanceof Float64Array) {
        if (n !== -1 && v.length !== n) throw new ExprError('value', `arrays differ in length (${n} and ${v.length} for ${name})`);
        n = v.length;
      } else if (typeof v !== 'number') throw new ExprError('value', `no value given for ${name}`);
    }
    if (n === -1) n = 1;
    const inp = this.inputs.map((name) => {
      const v = values[name];
      return v instanceof Float64Array ? v : new Float64Array(n).fill(v as number);
    });
    const out = Array.from({ length: 1 + this.tape.wrt.length }, () => new Float64Array(n));
    this.compiled.batch(inp, out, n);
    if (!opts?.grad) return out[0];
    const gradient: Record<string, Float64Array> = Object.create(null);
    this.tape.wrt.forEach((name, i) => (gradient[name] = out[1 + i]));
    return { value: out[0], gradient };
  }

  /** dⁿ/d(wrt)ⁿ as a new compiled object (symbolic, simplified). */
  derivative(wrt?: string, order = 1): CompiledScalar {
    const v = wrt ?? (this.inputs.length === 1 ? this.inputs[0] : undefined);
    if (v === undefined) throw new ExprError('usage', `choose the variable to differentiate by (${this.inputs.join(', ')})`);
    return compileExpr(derivative(this.expr, v, order));
  }

  toString(style: Style = 'unicode'): string {
    return format(this.expr, style);
  }

  /** The tape: forward equations, then backward, one a line. */
  tapeText(style: Style = 'unicode'): string {
    return formatTape(this.tape, style);
  }
}

function compileExpr(expr: Expr, options: CompileOptions = {}, statements: readonly Statement[] = []): CompiledScalar {
  checkScalar(expr);
  const tape = buildTape(expr, { wrt: options.wrt ?? freeVars(expr), context: { statements } });
  return new CompiledScalar(expr, tape, statements);
}

function isTensorProgram(options: CompileOptions): boolean {
  return Object.values(options.shapes ?? {}).some((s) => s.length > 0);
}

/** Does the graph use tensor operations (so it cannot run as a scalar formula)? */
function usesTensorOps(e: Expr): boolean {
  return topo(e).some((n) => n.kind === 'call' && !findOp(n.op)?.elementwise);
}

/** What compile() returns; `kind` ('scalar', 'tensor', 'shaped') tells them apart. */
export type Compiled = CompiledScalar | CompiledTensor | ShapedProgram;

/**
 * Compile a formula or program. With tensor shapes (options or `x : [m, n]` declarations): a CompiledTensor.
 * A tensor program without shapes: a ShapedProgram that takes its shapes from the first values passed in.
 * Otherwise: a float64 CompiledScalar.
 */
export function compile(source: string | Expr, options: CompileOptions = {}): Compiled {
  checkCompileOptions(options);
  options ??= {};
  let expr: Expr;
  let statements: readonly Statement[] = [];
  if (typeof source === 'string') {
    const program = parseProgram(source, { result: options.result });
    expr = program.result;
    statements = program.statements;
    if (Object.keys(program.shapes).length) options = { ...options, shapes: { ...program.shapes, ...options.shapes } };
  } else if (source instanceof Expr) expr = source;
  else throw new ExprError('usage', 'compile() expects source text or an Expr');
  checkShapes(options.shapes);
  if (isTensorProgram(options)) return compileTensor(expr, options, statements);
  if (usesTensorOps(expr)) return new ShapedProgram(expr, options, statements);
  return compileExpr(expr, options, statements);
}
