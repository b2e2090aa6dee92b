// The wasm backend: executes a Plan (src/backend/plan.ts) in float32 with every buffer in one WebAssembly.Memory.
// Selected with compile(src, { backend: 'wasm' }).
//
// In:  a plan; options.mode: 'threads=N' caps the threads used for matrix products ('threads=1': one thread on a
//      memory of the runner's own, exactly the path taken where SharedArrayBuffer is unavailable).
// Out: a runner. Buffers (plan slots and inputs) are allocated once, when the runner is made: a steady-state run()
//      allocates nothing. Inputs bound by the caller are copied into wasm memory at run(); write into
//      inputView(name) instead (and bind that view, or nothing) to skip the copy.
// Matrix products (every transpose case, operands read in place) run as WebAssembly SIMD (src/backend/wasm/
// assembly/kernels.ts), split between threads when the shared engine has them; elementwise steps run the JS
// backend's generated loops and the other tensor ops its kernels, on Float32Array views of the same memory.
// Without WebAssembly SIMD the runner is the JS backend's, and says so in `description`.

import type { Expr } from '../../ir/expr.js';
import { axisOf } from '../../ir/tensor-ops.js';
import { sizeOf } from '../../tensor/shapes.js';
import type { Plan, Step } from '../plan.js';
import { ExprError } from '../../errors.js';
import { registerBackend, type BackendOptions, type Buf, type Runner } from '../backend.js';
import { adamOnHost, compileElementwise, createJsRunner, dims2, jsTensorKernel } from '../js.js';
import { Arena, gemmScratchBytes, sharedWasmEngine, wasmFeatures, type Pool } from './engine.js';

export { wasmFeatures, setWasmThreads, shutdownWasmThreads, type WasmFeatures } from './engine.js';

export interface WasmRunner extends Runner {
  run(): void;
  /** The input's buffer in wasm memory. Data written here is used as is when the input is not bound elsewhere. */
  inputView(name: string): Float32Array;
  /** Threads that matrix products may use. */
  readonly threads: number;
}

const ALIGN = 64;
const aligned = (bytes: number) => Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;

/** Releases a runner's regions of the shared memory once the runner and every view of its buffers are garbage. */
interface Lease {
  arena: Arena;
  regions: [number, number][];
  released: boolean;
}
const leases = new FinalizationRegistry<Lease>((lease) => release(lease));
const leaseOfView = new WeakMap<Float32Array, object>();
function release(lease: Lease): void {
  if (lease.released) return;
  lease.released = true;
  for (const [p, bytes] of lease.regions) lease.arena.release(p, bytes);
}

function parseThreads(mode: string | undefined): number | undefined {
  if (mode === undefined || mode === '') return undefined;
  const m = /^threads=(\d+)$/.exec(mode);
  if (!m || Number(m[1]) < 1) throw new ExprError('usage', `wasm backend: mode must be 'threads=N' (N ≥ 1), got '${mode}'`);
  return Number(m[1]);
}

export function createWasmRunner(plan: Plan, options: BackendOptions = {}): WasmRunner | Runner {
  const dtype = options.dtype ?? 'float32';
  const features = wasmFeatures();
  if (dtype !== 'float32' || !features.simd) {
    const js = createJsRunner(plan, dtype, options);
    const why = dtype !== 'float32' ? 'the wasm backend computes in float32 only' : 'WebAssembly SIMD is unavailable';
    return { ...js, run: () => js.run(), bind: (n, d) => js.bind(n, d), bufferOf: (e) => js.bufferOf(e), description: `${js.description}: ${why}` };
  }
  const wanted = parseThreads(options.mode);
  const shapeOf = (e: Expr) => plan.shapes.get(e)!;

  // Memory: the shared engine's arena (threads), or a memory of this runner's own, sized before any view exists.
  const inputSizes = new Map<string, number>();
  for (const [name, node] of plan.inputs) inputSizes.set(name, Math.max(1, sizeOf(shapeOf(node))));
  const stateSizes = new Map(Object.entries(options.buffers ?? {}).map(([name, n]) => [name, Math.max(1, n)]));
  const engine = wanted === 1 ? undefined : sharedWasmEngine();
  let arena: Arena;
  let pool: Pool | undefined;
  let scratch = 0;
  if (engine) {
    arena = engine.arena;
    pool = engine.pool;
  } else {
    let bytes = aligned(gemmScratchBytes());
    for (const n of plan.slotSizes) bytes += aligned(4 * n);
    for (const n of inputSizes.values()) bytes += aligned(4 * n);
    for (const n of stateSizes.values()) bytes += aligned(4 * n);
    arena = Arena.single(bytes);
    scratch = arena.alloc(gemmScratchBytes());
  }
  const threads = pool ? Math.min(pool.threads, wanted ?? pool.threads) : 1;
  const lease: Lease = { arena, regions: [], released: false };
  const allocF32 = (n: number): number => {
    const p = arena.alloc(4 * n);
    lease.regions.push([p, 4 * n]);
    return p;
  };
  const slotPtr = plan.slotSizes.map(allocF32);
  const inputPtr = new Map([...inputSizes].map(([name, n]) => [name, allocF32(n)]));
  const statePtr = new Map([...stateSizes].map(([name, n]) => [name, allocF32(n)]));
  // Views only now: a non-shared memory may have grown while allocating.
  const slotView = plan.slotSizes.map((n, i) => arena.f32(slotPtr[i], n));
  const inputView = new Map([...inputSizes].map(([name, n]) => [name, arena.f32(inputPtr.get(name)!, n)]));
  const stateView = new Map([...stateSizes].map(([name, n]) => [name, arena.f32(statePtr.get(name)!, n).fill(0)]));
  /** Where each of this runner's views starts in wasm memory (for kernels given views, such as adamUpdate). */
  const viewPtr = new Map<Buf, number>();
  slotView.forEach((v, i) => viewPtr.set(v, slotPtr[i]));
  for (const [name, v] of inputView) viewPtr.set(v, inputPtr.get(name)!);
  for (const [name, v] of stateView) viewPtr.set(v, statePtr.get(name)!);
  // The registry watches `owner`, held by this runner and (through leaseOfView) by each of its views.
  const owner = {};
  if (arena.shared) {
    leases.register(owner, lease, owner);
    for (const v of [...slotView, ...inputView.values(), ...stateView.values()]) leaseOfView.set(v, owner);
  }

  const ptrOf = (e: Expr): number => {
    if (e.kind === 'sym') {
      const p = inputPtr.get(e.name);
      if (p === undefined) throw new Error(`internal: no buffer for input ${e.name}`);
      return p;
    }
    const slot = plan.slotOf.get(e);
    if (slot === undefined || slot < 0) {
      if (e.is('column')) return ptrOf(e.args[0]);
      throw new Error(`internal: no buffer for a ${e.kind} node`);
    }
    return slotPtr[slot];
  };
  const buf = (e: Expr): Float32Array => {
    if (e.kind === 'sym') {
      const v = inputView.get(e.name);
      if (!v) throw new Error(`internal: no buffer for input ${e.name}`);
      return v;
    }
    const slot = plan.slotOf.get(e);
    if (slot === undefined || slot < 0) {
      if (e.is('column')) return buf(e.args[0]);
      throw new Error(`internal: no buffer for a ${e.kind} node`);
    }
    return slotView[slot];
  };

  const sources: string[] = [];
  const runs: (() => void)[] = [];
  const ex = arena.exports;
  const fused = epilogueFusions(plan, ptrOf);
  for (const step of plan.steps) {
    if (step.kind === 'view' || fused.skip.has(step)) continue;
    if (step.kind === 'elementwise') {
      const { source, inputs, kernel } = compileElementwise(step, plan);
      sources.push(source);
      const out = slotView[step.slot];
      const ins = inputs.map(buf);
      if (ins.length === 0) runs.push(() => kernel(out));
      else if (ins.length === 1) runs.push(() => kernel(out, ins[0]));
      else if (ins.length === 2) runs.push(() => kernel(out, ins[0], ins[1]));
      else runs.push(() => kernel(out, ...ins));
      continue;
    }
    if (step.node.op === 'matmul') {
      const [a, b] = step.node.args;
      const ta = a.is('transpose');
      const tb = b.is('transpose');
      const [m, k] = dims2(shapeOf(a));
      const n = dims2(shapeOf(b))[1];
      const pa = ptrOf(ta ? a.args[0] : a);
      const pb = ptrOf(tb ? b.args[0] : b);
      const f = fused.epilogue.get(step);
      const pc = f ? f.C : ptrOf(step.node);
      const bias = f?.bias ?? 0;
      const H = f?.H ?? 0;
      const mask = f?.mask ?? 0;
      if (f) sources.push(`// WebAssembly: matmul [${m}, ${n}] with ${f.what} fused in`);
      if (pool) runs.push(() => pool.gemm(ta, tb, m, n, k, pa, pb, pc, threads, bias, H, mask));
      else runs.push(() => ex.gemm(+ta, +tb, m, n, k, pa, pb, pc, 0, m, 0, n, scratch, bias, H, mask));
      continue;
    }
    if (step.node.op === 'sum') {
      const x = step.node.args[0];
      const xs = shapeOf(x);
      if (xs.length === 2 && axisOf(step.node.args, 2) === 0) {
        const [r, c] = xs;
        const px = ptrOf(x);
        const py = ptrOf(step.node);
        runs.push(() => ex.colsum(px, py, r, c));
        continue;
      }
    }
    runs.push(jsTensorKernel(step, buf, shapeOf));
  }

  const bound = new Map<string, Buf>();
  let disposed = false;
  const why = features.threads ? (wanted === 1 ? ' (threads=1)' : '') : ` (${features.noThreadsReason})`;
  return {
    run() {
      if (disposed) throw new Error('this wasm runner was disposed');
      for (const [name, data] of bound) {
        const v = inputView.get(name)!;
        if (data !== v) v.set(data);
      }
      for (let i = 0; i < runs.length; i++) runs[i]();
    },
    bind(name, data) {
      if (!plan.inputs.has(name)) return;
      const need = inputSizes.get(name)!;
      if (data.length !== need) throw new RangeError(`input ${name} has ${data.length} elements, expected ${need}`);
      bound.set(name, data);
    },
    bufferOf: buf,
    inputView(name) {
      const v = inputView.get(name);
      if (!v) throw new RangeError(`no input named ${name}`);
      bound.delete(name);
      return v;
    },
    stateBuffer(name) {
      const v = stateView.get(name);
      if (!v) throw new RangeError(`no state buffer named ${name}`);
      return v;
    },
    adamUpdate(p, m, v, g, h) {
      const gv = buf(g);
      const [P, M, V, G] = [p, m, v, gv].map((b) => viewPtr.get(b));
      // In this runner's memory (views, state buffers): the SIMD kernel; anything else: the same loop in JS.
      if (P === undefined || M === undefined || V === undefined || G === undefined || gv.length !== p.length) return adamOnHost(p, m, v, gv, h);
      if (m.length !== p.length || v.length !== p.length) throw new RangeError(`adamUpdate: sizes differ (p ${p.length}, m ${m.length}, v ${v.length})`);
      if (pool) pool.adam(P, G, M, V, p.length, h.alpha, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.epsilon, threads);
      else ex.adam(P, G, M, V, p.length, h.alpha, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.epsilon);
    },
    sources,
    threads,
    description: `WebAssembly SIMD (float32), ${threads} thread${threads === 1 ? '' : 's'}${why}`,
    dispose() {
      void owner;
      if (disposed) return;
      disposed = true;
      leases.unregister(owner);
      release(lease);
    },
  };
}

/**
 * Elementwise steps folded into the matrix product M = A @ B before them, where S (and R) come right after M in
 * the plan and S is M's only reader (so writing their buffers at M's time overwrites nothing still live; M's own
 * buffer is then never written):
 *   S = M + b, b a row broadcast over M's rows (a bias), and then possibly R = relu(S) (a dense layer);
 *   S = M * step(Z), step inlined and Z materialized (the backward pass through a relu).
 * The arithmetic is the loops' (float32 add; multiply by z > 0 ? 1 : 0; x > 0 ? x : 0): results are bitwise the same.
 */
function epilogueFusions(plan: Plan, ptrOf: (e: Expr) => number) {
  const epilogue = new Map<Step, { C: number; bias: number; H: number; mask: number; what: string }>();
  const skip = new Set<Step>();
  const readers = new Map<Expr, number>();
  for (const s of plan.steps) for (const r of new Set(s.reads)) readers.set(r, (readers.get(r) ?? 0) + 1);
  const roots = new Set(plan.roots);
  const steps = plan.steps.filter((s) => s.kind !== 'view');
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  const other = (e: Expr, M: Expr) => {
    const [x, y] = e.args;
    return e.args.length !== 2 || x === y ? undefined : x === M ? y : y === M ? x : undefined;
  };
  for (let i = 0; i + 1 < steps.length; i++) {
    const M = steps[i];
    const S = steps[i + 1];
    if (M.kind !== 'tensor' || M.node.op !== 'matmul' || roots.has(M.node) || readers.get(M.node) !== 1) continue;
    if (S.kind !== 'elementwise' || !same(S.shape, M.shape) || S.reads.length !== 2 || !S.reads.includes(M.node)) continue;
    const [a0, b0] = M.node.args.map((e) => (e.is('transpose') ? e.args[0] : e));
    const reads = [ptrOf(a0), ptrOf(b0)];
    const C = ptrOf(S.node);
    const n = M.shape[1];
    const b = S.node.is('add') ? other(S.node, M.node) : undefined;
    const t = S.node.is('mul') ? other(S.node, M.node) : undefined;
    if (b && !plan.isInlined(b) && S.reads.includes(b)) {
      const bs = plan.shapes.get(b)!;
      if (!(same(bs, [n]) || same(bs, [1, n]))) continue;
      const bias = ptrOf(b);
      if ([...reads, bias].includes(C)) continue;
      let H = 0;
      const R = steps[i + 2];
      if (R && R.kind === 'elementwise' && R.node.is('relu') && R.node.args[0] === S.node && same(R.shape, S.shape) && R.reads.length === 1) {
        const h = ptrOf(R.node);
        if (![...reads, bias, C].includes(h)) {
          H = h;
          skip.add(R);
        }
      }
      epilogue.set(M, { C, bias, H, mask: 0, what: H ? 'the bias add and relu of the next steps' : 'the bias add of the next step' });
      skip.add(S);
    } else if (t && t.is('step') && plan.isInlined(t) && t.args[0] !== M.node && S.reads.includes(t.args[0])) {
      const z = t.args[0];
      if (plan.isInlined(z) || !same(plan.shapes.get(z)!, M.shape)) continue;
      const mask = ptrOf(z);
      if ([...reads, mask].includes(C)) continue;
      epilogue.set(M, { C, bias: 0, H: 0, mask, what: 'the step mask (relu backward) of the next step' });
      skip.add(S);
    }
  }
  return { epilogue, skip };
}

registerBackend({ name: 'wasm', adamInPlace: true, create: (plan, options) => createWasmRunner(plan, options) });
