// A compiled tensor program: the tape planned once and executed on a backend.
//
// In:  the result expression (a scalar loss, or any tensor for forward-only use), input shapes, variables to
//      differentiate by.
// Out: an object that runs forward only (evaluate) or forward + backward (gradient) on float32 buffers, prints
//      itself, its tape, its gradient formulas and its generated kernels.
// With an optimizer (src/tape/optim.ts), step() runs forward, backward and the optimizer's update as one plan: the
// parameters (wrt) and the optimizer's state are inputs that the update replaces in place, kept by the runner
// (setState/state move them in and out).
// Buffers returned by gradient()/evaluate() belong to the compiled object and are overwritten by the next call
// (copy them to keep them); this is what lets a training step run without allocating. evaluateAsync() and
// gradientAsync() calls run one after another (a queue per object) and resolve to copies, so concurrent calls
// each get their own result; a synchronous call while one is in flight is refused.

import { Expr, sym } from '../ir/expr.js';
import { format, formatAll, type Style } from '../print/print.js';
import { buildTape, formatTape, type Tape } from '../tape/tape.js';
import { inferShapes, sizeOf, type ShapeMap } from '../tensor/shapes.js';
import { fillMasks, resolveDropout, type Mask } from './dropout.js';
import { rng } from '../tensor/rng.js';
import { freeVars } from '../ir/walk.js';
import { ExprError } from '../errors.js';
import type { Shape } from '../ir/tensor-ops.js';
import type { Statement } from '../parse/parse.js';
import { makePlan, type Plan } from '../backend/plan.js';
import { getBackend } from '../backend/registry.js';
import type { DType, Runner } from '../backend/backend.js';
import { scalarInput, slotInput, type Optimizer } from '../tape/optim.js';
import { formatCse } from '../print/cse.js';
import { simplify } from '../simplify/simplify.js';

export type TensorInput = Float32Array | Float64Array | readonly number[] | number;

export interface TensorCompileOptions {
  readonly shapes?: Readonly<Record<string, Shape>>;
  readonly wrt?: readonly string[];
  /** Buffer precision: float32 (default) or float64 (for gradient checks). */
  readonly dtype?: DType;
  /** Statements whose values stay readable after a run (valueOf), e.g. the logits of a loss program. */
  readonly keep?: readonly string[];
  /** Backend name (default 'js'); see src/backend/backend.ts. */
  readonly backend?: string;
  /** gpu.js mode for the gpujs backend. */
  readonly mode?: string;
  /** Train: step() updates every wrt variable (and the optimizer's state) in place. */
  readonly optimizer?: Optimizer;
  /** Seed of step()'s dropout masks (default 0). evaluate() and gradient() run without dropout. */
  readonly seed?: number;
}

/** The training plan's updates: [input, new value] for each parameter's slots, then the parameter. */
function trainingUpdates(tape: Tape, optimizer: Optimizer): [string, Expr][] {
  const scalars = optimizer.scalars.map((s) => sym(scalarInput(s)));
  return tape.wrt.flatMap((p, i) => {
    const slots = optimizer.slots.map((s) => slotInput(s, p));
    const next = optimizer.update(sym(p), tape.grads[i], slots.map((s) => sym(s)), scalars);
    return [...slots.map((s, k): [string, Expr] => [s, next.slots[k]]), [p, next.p] as [string, Expr]];
  });
}

type Buf = Float32Array | Float64Array;

/** A plan with its runner; `map` takes an original node to the node it became (src/compile/dropout.ts). */
interface Run {
  readonly plan: Plan;
  readonly runner: Runner;
  readonly map: (e: Expr) => Expr;
  readonly masks: readonly Mask[];
  readonly maskBufs: Buf[];
}

export class CompiledTensor {
  readonly kind = 'tensor' as const;
  readonly inputs: readonly string[];
  readonly wrt: readonly string[];
  readonly shapes: Readonly<Record<string, Shape>>;
  readonly outputShape: Shape;
  private forwardRunner?: Run;
  private fullRunner?: Run;
  private trainRunner?: Run & { scalars: Float32Array[] };
  private rand: () => number;
  /** Optimizer steps taken (step() counts; set it to resume). */
  t = 0;
  private readonly converted = new Map<string, Buf>();
  private readonly kept = new Map<string, Expr>();
  private lastRun?: Run;
  /** The asynchronous runs, one after another; and how many are queued or running. */
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  readonly dtype: DType;

  constructor(
    readonly expr: Expr,
    readonly tape: Tape,
    shapes: Readonly<Record<string, Shape>>,
    readonly statements: readonly Statement[],
    dtype: DType = 'float32',
    keep: readonly string[] = [],
    readonly backend = 'js',
    readonly mode?: string,
    readonly optimizer?: Optimizer,
    seed = 0,
  ) {
    this.dtype = dtype;
    this.rand = rng(seed ^ 0x5bd1e995);
    getBackend(backend); // fail early on an unknown name
    for (const name of keep) {
      const st = [...statements].reverse().find((s) => s.name === name);
      if (!st) throw new ExprError('usage', `no statement named ${name} to keep`);
      this.kept.set(name, st.expr);
    }
    this.inputs = tape.inputs;
    this.wrt = tape.wrt;
    this.shapes = shapes;
    this.outputShape = tape.shapes.get(expr)!;
  }

  private get forward(): Run {
    return (this.forwardRunner ??= this.makeRun([this.expr, ...this.kept.values()], this.tape.shapes, false));
  }

  private get full(): Run {
    return (this.fullRunner ??= this.makeRun([this.expr, ...this.tape.grads, ...this.kept.values()], this.tape.shapes, false));
  }

  /** Plan and runner for these roots (and updates), dropout resolved for training or not. */
  private makeRun(roots: readonly Expr[], shapes: ShapeMap, training: boolean, updates: readonly [string, Expr][] = []): Run {
    const r = resolveDropout([...roots, ...updates.map((u) => u[1])], shapes, training);
    const plan = makePlan(r.roots.slice(0, roots.length), r.shapes, { views: getBackend(this.backend).views !== false, updates: updates.map(([n], i) => [n, r.roots[roots.length + i]]) });
    const Arr = this.dtype === 'float64' ? Float64Array : Float32Array;
    return { plan, runner: this.makeRunner(plan), map: r.map, masks: r.masks, maskBufs: r.masks.map((m) => new Arr(m.size)) };
  }

  private get training() {
    if (!this.trainRunner) {
      const opt = this.optimizer;
      if (!opt) throw new ExprError('usage', 'compile with an optimizer to train (compile(src, { optimizer: adam() }))');
      const updates = trainingUpdates(this.tape, opt);
      const stateShapes: Record<string, Shape> = { ...this.shapes };
      for (const p of this.wrt) for (const s of this.stateNames(p)) stateShapes[s] = this.shapes[p] ?? [];
      for (const s of opt.scalars) stateShapes[scalarInput(s)] = [];
      const shapes = inferShapes(updates.map((u) => u[1]), (n) => (Object.hasOwn(stateShapes, n) ? stateShapes[n] : undefined), {}, this.tape.shapes);
      const run = this.makeRun([this.expr, ...this.kept.values()], shapes, true, updates);
      const scalars = opt.scalars.map(() => new Float32Array(1));
      this.trainRunner = { ...run, scalars };
    }
    return this.trainRunner;
  }

  /** Names of the optimizer's state inputs of a parameter (e.g. m[W1], v[W1] for Adam). */
  stateNames(param: string): string[] {
    return (this.optimizer?.slots ?? []).map((s) => slotInput(s, param));
  }

  /** Give a parameter or optimizer state its value (the runner takes it: on js the array itself is updated). */
  setState(name: string, data: Buf): void {
    this.training.runner.bind(name, data);
  }

  /** A parameter's or optimizer state's current value (read back from the device where it lives). */
  state(name: string): Buf {
    const { plan, runner } = this.training;
    const node = plan.inputs.get(name);
    if (!node) throw new ExprError('usage', `no parameter or optimizer state named ${name}`);
    return runner.bufferOf(node);
  }

  /** One optimizer step: forward, backward and the update, from the given batch inputs (not the parameters). */
  async step(values: Readonly<Record<string, TensorInput>>): Promise<void> {
    const run = this.training;
    const { runner, scalars } = run;
    const t = ++this.t;
    fillMasks(run.masks, run.maskBufs, this.rand);
    run.masks.forEach((m, i) => runner.bind(m.name, run.maskBufs[i]));
    // Bound at every step: a GPU backend uploads what it is given when it is given it.
    this.optimizer!.scalarsAt(t).forEach((v, i) => {
      scalars[i][0] = v;
      runner.bind(scalarInput(this.optimizer!.scalars[i]), scalars[i]);
    });
    const state = new Set(this.wrt);
    this.bind(runner, values, (name) => !state.has(name));
    this.lastRun = run;
    await runner.run();
  }

  /** The result of the last run (the loss, after step()). */
  lastResult(): number | Buf {
    if (!this.lastRun) throw new ExprError('usage', 'run evaluate(), gradient() or step() first');
    return this.read(this.lastRun, this.expr, this.outputShape);
  }

  private makeRunner(plan: Plan): Runner {
    return getBackend(this.backend).create(plan, { dtype: this.dtype, mode: this.mode });
  }

  /** What executes the kernels (for gpu.js: the kernel class that actually ran). */
  get description(): string {
    const made = this.trainRunner ?? this.fullRunner ?? this.forwardRunner ?? (this.optimizer ? this.training : this.full);
    return (this.lastRun ?? made).runner.description;
  }

  /** Run `job` after every earlier asynchronous run of this object has settled. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.queue.then(job).finally(() => this.pending--);
    this.queue = run.catch(() => {});
    return run;
  }

  /** The inputs as they are now (a later change by the caller does not reach a queued run). */
  private static snapshot(values: Readonly<Record<string, TensorInput>>): Record<string, TensorInput> {
    if (values === null || typeof values !== 'object') throw new ExprError('value', 'expected an object of input values');
    const copy: Record<string, TensorInput> = Object.create(null);
    for (const [k, v] of Object.entries(values)) copy[k] = v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v) ? v.slice() : v;
    return copy;
  }

  /** evaluate(), awaiting asynchronous backends; resolves to a copy of the result. */
  evaluateAsync(values: Readonly<Record<string, TensorInput>>): Promise<number | Buf> {
    const inputs = CompiledTensor.snapshot(values);
    return this.enqueue(async () => {
      const r = this.read(await this.runOn(this.forward, inputs), this.expr, this.outputShape);
      return typeof r === 'number' ? r : r.slice();
    });
  }

  /** gradient(), awaiting asynchronous backends; resolves to copies of the gradients. */
  gradientAsync(values: Readonly<Record<string, TensorInput>>): Promise<{ value: number; gradient: Record<string, Buf> }> {
    const inputs = CompiledTensor.snapshot(values);
    return this.enqueue(async () => {
      const { value, gradient } = this.collect(await this.runOn(this.gradientRun, inputs));
      const copies: Record<string, Buf> = Object.create(null);
      for (const [k, g] of Object.entries(gradient)) copies[k] = g.slice();
      return { value, gradient: copies };
    });
  }

  /** Bind the inputs and run; the result is a Promise only where the backend runs asynchronously. */
  private runOn(run: Run, values: Readonly<Record<string, TensorInput>>): Run | Promise<Run> {
    this.bind(run.runner, values);
    const done = run.runner.run();
    const finish = () => ((this.lastRun = run), run);
    return done instanceof Promise ? done.then(finish) : finish();
  }

  /** The full (gradient) run, for a scalar result only. */
  private get gradientRun(): Run {
    if (this.outputShape.length > 0) throw new ExprError('shape', 'gradients need a scalar result; wrap it in sum() or mean()');
    return this.full;
  }

  /** A synchronous run: refused while an asynchronous one is queued, or where the backend runs asynchronously. */
  private runSync(run: Run, values: Readonly<Record<string, TensorInput>>): Run {
    if (this.pending > 0) throw new ExprError('usage', 'an evaluateAsync()/gradientAsync() call on this program is still running; await it before a synchronous call');
    const r = this.runOn(run, values);
    if (r instanceof Promise) throw new ExprError('usage', 'this backend runs asynchronously: use evaluateAsync()/gradientAsync()');
    return r;
  }

  /** Release device resources of every runner (GPU textures). */
  dispose(): void {
    for (const r of [this.forwardRunner, this.fullRunner, this.trainRunner]) r?.runner.dispose?.();
    this.forwardRunner = this.fullRunner = this.trainRunner = undefined;
  }

  private bind(runner: Runner, values: Readonly<Record<string, TensorInput>>, which: (name: string) => boolean = () => true): void {
    if (values === null || typeof values !== 'object') throw new ExprError('value', 'expected an object of input values');
    const Arr = this.dtype === 'float64' ? Float64Array : Float32Array;
    for (const name of this.inputs) {
      if (!which(name)) continue;
      const v = Object.hasOwn(values, name) ? values[name] : undefined;
      if (v === undefined) throw new ExprError('value', `no value given for ${name}`);
      if (typeof v !== 'number' && !(v instanceof Float64Array || v instanceof Float32Array || Array.isArray(v))) throw new ExprError('value', `value of ${name} must be a Float32Array, an array or a number`);
      const need = Math.max(1, sizeOf(this.shapes[name] ?? []));
      if (typeof v !== 'number' && v.length !== need) throw new ExprError('value', `${name} has ${v.length} elements, expected ${need} for shape [${(this.shapes[name] ?? []).join(', ')}]`);
      let data: Buf;
      if (v instanceof Arr) data = v;
      else {
        data = this.converted.get(name) ?? new Arr(need);
        this.converted.set(name, data);
        if (typeof v === 'number') data.fill(v);
        else {
          if (Array.isArray(v)) checkNumbers(name, v);
          data.set(v as ArrayLike<number>);
        }
      }
      runner.bind(name, data);
    }
  }

  private read(run: Run, e: Expr, shape: Shape): number | Buf {
    const b = run.runner.bufferOf(run.map(e));
    return shape.length === 0 ? b[0] : b;
  }

  /** Forward only: the result (a number for a scalar result). */
  evaluate(values: Readonly<Record<string, TensorInput>>): number | Buf {
    return this.read(this.runSync(this.forward, values), this.expr, this.outputShape);
  }

  /** Forward and backward: the value and ∂value/∂v for each differentiated variable. */
  gradient(values: Readonly<Record<string, TensorInput>>): { value: number; gradient: Record<string, Buf> } {
    return this.collect(this.runSync(this.gradientRun, values));
  }

  private collect(run: Run): { value: number; gradient: Record<string, Buf> } {
    const runner = run.runner;
    const gradient: Record<string, Buf> = Object.create(null);
    this.wrt.forEach((name, i) => {
      const g = this.tape.grads[i];
      const size = Math.max(1, sizeOf(this.shapes[name] ?? []));
      // a constant gradient has no buffer: filled here
      gradient[name] = g.kind === 'num' ? new (this.dtype === 'float64' ? Float64Array : Float32Array)(size).fill(g.value) : runner.bufferOf(run.map(g));
    });
    return { value: runner.bufferOf(run.map(this.expr))[0], gradient };
  }

  /** After evaluate() or gradient(): the value of a statement named in `keep` (a buffer owned by this object). */
  valueOf(name: string): Buf {
    const e = this.kept.get(name);
    if (!e) throw new ExprError('usage', `${name} was not kept (compile with keep: ['${name}'])`);
    if (!this.lastRun) throw new ExprError('usage', 'run evaluate() or gradient() first');
    return this.lastRun.runner.bufferOf(this.lastRun.map(e));
  }

  toString(style: Style = 'unicode'): string {
    const named = this.statements.filter((s) => s.name);
    if (named.length === 0) return format(this.expr, style);
    const names = new Map<Expr, string>(named.map((s) => [s.expr, s.name!]));
    const texts = formatAll(named.map((s) => s.expr), style, names);
    return named.map((s, i) => `${s.name} = ${texts[i]}`).join('\n');
  }

  tapeText(style: Style = 'unicode'): string {
    return formatTape(this.tape, style);
  }

  /** ∂result/∂v as formulas (simplified, shared subexpressions named). */
  gradientFormulas(style: Style = 'unicode'): Map<string, string> {
    const known = new Map<Expr, string>();
    for (const s of this.statements) if (s.name && s.expr.kind === 'call') known.set(s.expr, s.name);
    return new Map(this.wrt.map((v, i) => [v, formatCse(simplify(this.tape.grads[i]), style, known)]));
  }

  /** The generated kernels (JavaScript loops, notes on native kernels) of the last run's plan (default: the gradient's). */
  get js(): string {
    return (this.lastRun ?? this.full).runner.sources.join('\n\n');
  }

  /** How many buffers the plan allocates, and their total size in bytes. */
  memoryPlan(): { buffers: number; bytes: number } {
    const sizes = this.full.plan.slotSizes;
    return { buffers: sizes.length, bytes: sizes.reduce((a, b) => a + 4 * b, 0) };
  }
}

/** Every element of a plain array is a number (holes and strings would silently become NaN or 0). */
function checkNumbers(name: string, v: readonly unknown[]): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number') {
      throw new ExprError('value', `${name}[${i}] is ${!(i in v) ? 'a hole (an empty slot)' : x === undefined ? 'undefined' : `a ${typeof x}`}; every element must be a number`);
    }
  }
}

export function compileTensor(
  expr: Expr,
  options: TensorCompileOptions,
  statements: readonly Statement[] = [],
): CompiledTensor {
  const shapes = options.shapes ?? {};
  const inputs = freeVars(expr);
  // Inputs without a shape are scalars; check the whole program's shapes now, naming statements in errors.
  inferShapes(expr, (n) => (Object.hasOwn(shapes, n) ? shapes[n] : undefined), { statements });
  const wrt = options.wrt ?? inputs;
  const tape = buildTape(expr, { wrt, shapes, context: { statements } });
  return new CompiledTensor(expr, tape, shapes, statements, options.dtype, options.keep, options.backend, options.mode, options.optimizer, options.seed);
}
