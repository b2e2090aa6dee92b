// The Backend interface: what executes a Plan (src/backend/plan.ts), lowered to kernels (src/backend/lower.ts).
//
// In:  a plan (steps, buffer slots, shapes, updates) and options (precision, mode).
// Out: a Runner: bind inputs, run, read values, dispose. run() may return a Promise (GPU backends can be
//      asynchronous); bufferOf() reads a node's value after a run, or an input's current value (after updates),
//      from the device only then. `description` says what actually ran (for gpu.js: the kernel class, since gpu.js
//      silently falls back when a mode is unavailable). Device residency is the runner's business: an input that
//      the plan updates stays where the backend keeps it (wasm memory, GPU textures) from run to run.
// The backends themselves are listed in src/backend/registry.ts.

import type { Expr } from '../ir/expr.js';
import type { Plan } from './plan.js';

export type Buf = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';

export interface Runner {
  run(): void | Promise<void>;
  /** Attach an input's data (an updated input: its starting value, which the runner then owns). */
  bind(name: string, data: Buf): void;
  bufferOf(e: Expr): Buf;
  /**
   * Backends whose memory the host can address (wasm): the input's own buffer, to write in place instead of
   * binding (and copying) host data. Once taken, the input is read from this view at every run.
   */
  inputView?(name: string): Float32Array;
  /** Generated kernel sources, for inspection. */
  readonly sources: readonly string[];
  /** What runs the kernels, in words (e.g. "JavaScript (float32)", "gpu.js WebGL2Kernel"). */
  readonly description: string;
  /** Free device resources (textures, memory); the runner cannot be used afterwards. */
  dispose?(): void;
}

export interface BackendOptions {
  readonly dtype?: DType;
  /** gpu.js mode (gpu, webgl2, webgl, webgpu, webasm, headlessgl, cpu); wasm: threads=N. */
  readonly mode?: string;
}

export interface Backend {
  readonly name: string;
  /** Can the backend alias buffers (plan views such as column(v))? Default true. */
  readonly views?: boolean;
  create(plan: Plan, options: BackendOptions): Runner;
}
