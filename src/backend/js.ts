// The JavaScript backend: executes a plan's lowered kernels (src/backend/lower.ts) on typed arrays on the host.
//
// In:  a plan; options.dtype float32 (default) or float64 (gradient checks).
// Out: a runner whose run() executes every kernel in order into buffers that were all allocated when the plan was
//      compiled (a steady-state run allocates nothing). Bound inputs are used where they lie, so an update (an
//      optimizer step) writes into the caller's own arrays. Every kernel kind is src/backend/host.ts's.

import type { Expr } from '../ir/expr.js';
import { sizeOf } from '../tensor/shapes.js';
import type { Plan } from './plan.js';
import { lower, type Ref } from './lower.js';
import { renderHost, type F32 } from './host.js';
import type { Backend, BackendOptions, Runner } from './backend.js';

export function createJsRunner(plan: Plan, options: BackendOptions = {}): Runner & { run(): void } {
  const dtype = options.dtype ?? 'float32';
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  const slots: F32[] = plan.slotSizes.map((n) => new Arr(n));
  const bound = new Map<string, F32>();
  const lowered = lower(plan);
  const buf = (r: Ref): F32 => {
    if (r.input === undefined) return slots[r.slot];
    const b = bound.get(r.input);
    if (!b) throw new Error(`internal: input ${r.input} not bound`);
    return b;
  };
  const { runs, sources } = renderHost(lowered.kernels, buf);
  return {
    run() {
      for (let i = 0; i < runs.length; i++) runs[i]();
    },
    bind(name, data) {
      const node = plan.inputs.get(name);
      if (!node) return;
      const need = Math.max(1, sizeOf(plan.shapes.get(node)!));
      if (data.length !== need) throw new RangeError(`input ${name} has ${data.length} elements, expected ${need}`);
      bound.set(name, data);
    },
    bufferOf: (e: Expr) => buf(lowered.refOf(e)),
    sources,
    description: `JavaScript (${dtype})`,
  };
}

export const jsBackend: Backend = { name: 'js', create: (plan, options) => createJsRunner(plan, options) };
