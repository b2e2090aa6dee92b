// The Backend interface: what executes a Plan (src/backend/plan.ts). Backends register here by name.
//
// In:  a plan (steps, buffer slots, shapes) and options (precision, gpu.js mode, …).
// Out: a Runner. run() executes every step (it may return a Promise: GPU backends can be asynchronous);
//      bind() attaches an input's data; bufferOf() reads a node's value after a run (GPU backends read back from
//      the device only then: the loss is read back only when asked). `description` says what actually ran
//      (for gpu.js: the kernel class, since gpu.js silently falls back when a mode is unavailable).

import type { Expr } from '../ir/expr.js';
import type { Plan } from './plan.js';
import { ExprError } from '../errors.js';

export type Buf = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';

export interface Runner {
  run(): void | Promise<void>;
  bind(name: string, data: Buf): void;
  bufferOf(e: Expr): Buf;
  /** Generated kernel sources, for inspection. */
  readonly sources: readonly string[];
  /** What runs the kernels, in words (e.g. "JavaScript (float32)", "gpu.js WebGL2Kernel"). */
  readonly description: string;
  /** Free device resources (textures); the runner cannot be used afterwards. */
  dispose?(): void;

  // Device-resident state (GPU backends): values that stay on the device across runs, such as weights and
  // optimizer moments. A taken value belongs to the caller until it is bound again or released.
  /** Hand over a computed value (the runner will not free it). */
  takeValue?(e: Expr): unknown;
  /** Bind a device value (from takeValue) as an input. */
  bindValue?(name: string, value: unknown): void;
  /** Copy a device value of the given shape to the host. */
  readValue?(value: unknown, shape: readonly number[]): Float32Array;
  /** Free a device value. */
  releaseValue?(value: unknown): void;
  /**
   * Backends whose memory the host can address (wasm): the input's own buffer, to write in place instead of
   * binding (and copying) host data. Once taken, the input is read from this view at every run.
   */
  inputView?(name: string): Float32Array;

  // Optimizer state updated in place (backends that declare `adamInPlace`: js, wasm). The training step then
  // leaves the update out of the graph and calls adamUpdate after run(), so nothing is copied back.
  /** A named buffer requested with BackendOptions.buffers (zeros at first), kept beside the runner's own (wasm: in its memory). */
  stateBuffer?(name: string): Buf;
  /**
   * Adam's update in place, from the gradient node g computed by the last run (a root of the plan):
   *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  p ← p − α·m/(√v + ε)
   * p, m, v: buffers of g's size (an input's view or bound array, state buffers). Each new value is computed in
   * float64 and rounded once when stored; every backend's result is bitwise the same (a NaN's sign bit aside).
   */
  adamUpdate?(p: Buf, m: Buf, v: Buf, g: Expr, h: AdamHyper): void;
}

/** Adam's hyper-parameters for one step: α is the step size with both bias corrections folded in. */
export interface AdamHyper {
  readonly alpha: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export interface BackendOptions {
  readonly dtype?: DType;
  /** gpu.js mode: gpu, webgl2, webgl, webgpu, webasm, headlessgl, cpu. */
  readonly mode?: string;
  /** Named buffers (sizes in elements) the runner keeps for the caller: stateBuffer(name). */
  readonly buffers?: Readonly<Record<string, number>>;
}

export interface Backend {
  readonly name: string;
  /** Can the backend alias buffers (plan views such as column(v))? Default true. */
  readonly views?: boolean;
  /** Do its runners offer stateBuffer and adamUpdate (optimizer state updated in place)? */
  readonly adamInPlace?: boolean;
  create(plan: Plan, options: BackendOptions): Runner;
}

const registry = new Map<string, Backend>();

export function registerBackend(b: Backend): void {
  registry.set(b.name, b);
}

export function getBackend(name: string): Backend {
  const b = registry.get(name);
  if (!b) throw new ExprError('usage', `unknown backend '${name}' (available: ${[...registry.keys()].join(', ')})`);
  return b;
}

export function backendNames(): string[] {
  return [...registry.keys()];
}
