// The wasm backend: executes a plan's lowered kernels (src/backend/lower.ts) in float32 with every buffer in one
// WebAssembly.Memory. Selected with compile(src, { backend: 'wasm' }).
//
// In:  a plan; options.mode: 'threads=N' caps the threads used for matrix products ('threads=1': one thread on a
//      memory of the runner's own, exactly the path taken where SharedArrayBuffer is unavailable).
// Out: a runner. Buffers (plan slots and inputs) are allocated once, when the runner is made: a steady-state run()
//      allocates nothing. Inputs bound by the caller are copied into wasm memory at run(); write into
//      inputView(name) instead (and bind that view, or nothing) to skip the copy. Inputs that updates replace are
//      copied once, at bind(): the runner's copy is the one the updates advance (read it with bufferOf).
// Its table: matrix products with their epilogues (every transpose case, operands read in place) and column sums
// run as WebAssembly SIMD (src/backend/wasm/assembly/kernels.ts), split between threads when the shared engine has
// them; an update that is Adam's (matchAdam) runs the SIMD `adam` kernel, split likewise; every other kind runs
// the host renderers (src/backend/host.ts) on Float32Array views of the same memory. Convolutions are im2col (or
// col2im) and the SIMD product, pooling SIMD loops over channels, all split likewise.
// Without WebAssembly SIMD the runner is the JS backend's, and says so in `description`.

import type { Expr } from '../../ir/expr.js';
import { sizeOf } from '../../tensor/shapes.js';
import type { Plan } from '../plan.js';
import type { Backend, BackendOptions, Buf, Runner } from '../backend.js';
import { lower, type Arg, type Ref, type UpdateKernel } from '../lower.js';
import { hostTable, renderHost } from '../host.js';
import type { ConvGeometry, ConvKernel } from '../lower.js';
import { epilogue } from '../js-kernels.js';
import { createJsRunner } from '../js.js';
import { ExprError } from '../../errors.js';
import { aligned, Arena, gemmScratchBytes, sharedWasmEngine, wasmFeatures, type Pool, type RangeKernel } from './engine.js';

export { wasmFeatures, setWasmThreads, shutdownWasmThreads, type WasmFeatures } from './engine.js';

export interface WasmRunner extends Runner {
  run(): void;
  /** The input's buffer in wasm memory. Data written here is used as is when the input is not bound elsewhere. */
  inputView(name: string): Float32Array;
  /** Threads that matrix products may use. */
  readonly threads: number;
}

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
    const js = createJsRunner(plan, options);
    const why = dtype !== 'float32' ? 'the wasm backend computes in float32 only' : 'WebAssembly SIMD is unavailable';
    return { ...js, run: () => js.run(), bind: (n, d) => js.bind(n, d), bufferOf: (e) => js.bufferOf(e), description: `${js.description}: ${why}` };
  }
  const wanted = parseThreads(options.mode);
  const shapeOf = (e: Expr) => plan.shapes.get(e)!;

  // Memory: the shared engine's arena (threads), or a memory of this runner's own, sized before any view exists.
  const inputSizes = new Map<string, number>();
  for (const [name, node] of plan.inputs) inputSizes.set(name, Math.max(1, sizeOf(shapeOf(node))));
  const lowered = lower(plan);
  // One patch matrix (im2col) shared by every convolution that is not a plain 1×1 product.
  // A forward convolution whose input's filter gradient comes later keeps its patches for it (its input buffer lives
  // until that gradient has read it, so the patches stay valid): one region each, `kept`; the rest share `patchPtr`.
  // A filter gradient reuses patches only from a forward convolution of the same input and geometry run before it.
  let patchSize = 0;
  const patchKey = (k: ConvKernel) => `${k.a.node.id}:${JSON.stringify(k.g)}`;
  const keptSizes = new Map<string, number>();
  const reusing = new Set<ConvKernel>();
  const forwardSeen = new Map<string, number>();
  for (const k of lowered.kernels) {
    if (k.kind !== 'conv' || pointwiseConv(k.g)) continue;
    const size = k.g.B * k.g.Ho * k.g.Wo * k.g.kh * k.g.kw * k.g.C;
    const key = patchKey(k);
    if (k.op === 'forward') forwardSeen.set(key, size);
    if (k.op === 'filter' && forwardSeen.has(key)) {
      keptSizes.set(key, size);
      reusing.add(k);
    } else patchSize = Math.max(patchSize, size);
  }
  const engine = wanted === 1 ? undefined : sharedWasmEngine();
  let arena: Arena;
  let pool: Pool | undefined;
  let scratch = 0;
  if (engine) {
    arena = engine.arena;
    pool = engine.pool;
  } else {
    let bytes = aligned(gemmScratchBytes()) + aligned(4 * patchSize);
    for (const n of keptSizes.values()) bytes += aligned(4 * n);
    for (const n of plan.slotSizes) bytes += aligned(4 * n);
    for (const n of inputSizes.values()) bytes += aligned(4 * n);
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
  const patchPtr = patchSize ? allocF32(patchSize) : 0;
  const kept = new Map([...keptSizes].map(([key, n]) => [key, allocF32(n)]));
  const inputPtr = new Map([...inputSizes].map(([name, n]) => [name, allocF32(n)]));
  // Views only now: a non-shared memory may have grown while allocating.
  const slotView = plan.slotSizes.map((n, i) => arena.f32(slotPtr[i], n));
  const inputView = new Map([...inputSizes].map(([name, n]) => [name, arena.f32(inputPtr.get(name)!, n)]));
  // The registry watches `owner`, held by this runner and (through leaseOfView) by each of its views.
  const owner = {};
  if (arena.shared) {
    leases.register(owner, lease, owner);
    for (const v of [...slotView, ...inputView.values()]) leaseOfView.set(v, owner);
  }

  const ex = arena.exports;
  const at = (r: Ref): number => (r.input !== undefined ? inputPtr.get(r.input)! : slotPtr[r.slot]);
  const view = (r: Ref): Float32Array => (r.input !== undefined ? inputView.get(r.input)! : slotView[r.slot]);
  const gemm = (ta: boolean, tb: boolean, m: number, n: number, kk: number, pa: number, pb: number, pc: number, bias = 0, H = 0, mask = 0) =>
    pool ? pool.gemm(ta, tb, m, n, kk, pa, pb, pc, threads, bias, H, mask) : ex.gemm(+ta, +tb, m, n, kk, pa, pb, pc, 0, m, 0, n, scratch, bias, H, mask);
  /** A range kernel over `total` items: split between threads where there is a pool. */
  const range = (kernel: RangeKernel, args: number[], total: number, work: number) =>
    pool ? pool.range(kernel, args, total, work, threads) : (ex as unknown as Record<RangeKernel, (...a: number[]) => void>)[kernel](...args, 0, total);
  const im2colOf = (x: Ref, g: ConvGeometry, P: number) => range('im2col', [at(x), P, g.H, g.W, g.C, g.kh, g.kw, g.Ho, g.Wo, g.stride, g.pad], g.B * g.Ho * g.Wo, g.kh * g.kw * g.C);
  const col2imOf = (out: Ref, g: ConvGeometry) => range('col2im', [patchPtr, at(out), g.H, g.W, g.C, g.kh, g.kw, g.Ho, g.Wo, g.stride, g.pad], g.B, g.Ho * g.Wo * g.kh * g.kw * g.C);
  const { runs, sources } = renderHost(lowered.kernels, view, {
    // A convolution as one SIMD product over the patch matrix P [B·Ho·Wo, kh·kw·C] (src/backend/conv-kernels.ts):
    //   forward out = P @ K,  filter out = Pᵀ @ ḡ,  input: P = ḡ @ Kᵀ, then col2im(P) (a 1×1 kernel needs no P)
    conv(k) {
      const { B, Ho, Wo, kh, kw, C, F } = k.g;
      const rows = B * Ho * Wo;
      const width = kh * kw * C;
      const direct = pointwiseConv(k.g);
      const [pa, pb, pc] = [at(k.a), at(k.b), at(k.out)];
      const what = k.op === 'forward' ? 'conv2d' : k.op === 'input' ? 'conv2d_transpose' : 'conv2d_backprop_filter';
      const source = k.op === 'input' ? `// WebAssembly SIMD: ${what} as a [${rows}, ${F}] × ${width} product${direct ? '' : ', then col2im'}` : `// WebAssembly SIMD: ${what} as a [${rows}, ${width}] × ${F} product${direct ? '' : ' over im2col patches'}`;
      // forward: its own region when a later filter gradient reuses it; filter: reuse only if so marked
      const own = k.op === 'forward' || reusing.has(k) ? kept.get(patchKey(k)) : undefined;
      const P = own ?? patchPtr;
      if (k.op === 'forward') {
        const [bias, H, mask] = [k.bias, k.relu, k.mask].map((r) => (r ? at(r) : 0));
        const fused = k.mask ? ', the step mask fused in' : k.relu ? ', the bias add and relu fused in' : k.bias ? ', the bias add fused in' : '';
        return { run: () => (direct || im2colOf(k.a, k.g, P), gemm(false, false, rows, F, width, direct ? pa : P, pb, pc, bias, H, mask)), source: source + fused + (own ? ', its patches kept for the filter gradient' : '') };
      }
      if (k.op === 'filter') {
        if (own) return { run: () => gemm(true, false, width, F, rows, own, pb, pc), source: source.replace('over im2col patches', "over the forward convolution's patches") };
        return { run: () => (direct || im2colOf(k.a, k.g, P), gemm(true, false, width, F, rows, direct ? pa : P, pb, pc)), source };
      }
      if (direct) return { run: () => gemm(false, true, rows, width, F, pa, pb, pc), source };
      return { run: () => (gemm(false, true, rows, width, F, pa, pb, patchPtr), col2imOf(k.out, k.g)), source };
    },
    // a·step(z) (relu's backward after a pooling's or a convolution's backward) as one SIMD pass
    elementwise(k) {
      const [s, m] = k.ops;
      const isStepMask = k.ops.length === 2 && s.op === 'step' && m.op === 'mul' && 'in' in s.args[0] && k.inputs.length === 2 && k.inputs.every((o) => o.read === 'full' || o.read === 'flat');
      const other = isStepMask ? m.args.find((a) => !('t' in a && a.t === 0)) : undefined;
      if (!isStepMask || !other || !('in' in other) || !m.args.some((a) => 't' in a && a.t === 0) || !('t' in k.result && k.result.t === 1)) return hostTable.elementwise(k, view);
      const z = k.inputs[(s.args[0] as { in: number }).in].ref;
      const a = k.inputs[other.in].ref;
      return { run: () => ex.stepmask(at(k.out), at(a), at(z), k.rows * k.cols), source: `// WebAssembly SIMD: ${k.rows * k.cols} values times step() of another (relu's backward)` };
    },
    // Pooling as SIMD loops over channels, split between threads by images; a fused step mask as the host's loop.
    pool(k) {
      const { B, H, W, C, kh, stride, Ho, Wo } = k.g;
      const args = [k.op === 'max' ? 0 : 1, +k.backward, k.x ? at(k.x) : 0, k.grad ? at(k.grad) : 0, at(k.out), H, W, C, kh, stride, Ho, Wo];
      const source = `// WebAssembly SIMD: ${k.op}_pool2d${k.backward ? ' backward' : ''} of [${B}, ${H}, ${W}, ${C}]`;
      if (!k.mask) return { run: () => range('pool', args, B, H * W * C), source };
      // only a backward pooling carries a mask (lower.ts)
      return { run: () => (range('pool', args, B, H * W * C), epilogue(view(k.out), B * H * W, C, undefined, undefined, view(k.mask!))), source };
    },
    matmul(k) {
      const [pa, pb, pc] = [at(k.a), at(k.b), at(k.out)];
      const [bias, H, mask] = [k.bias, k.relu, k.mask].map((r) => (r ? at(r) : 0));
      const { ta, tb, m, n } = k;
      const what = k.mask ? 'the step mask (relu backward) of the next step' : k.relu ? 'the bias add and relu of the next steps' : k.bias ? 'the bias add of the next step' : '';
      const source = what ? `// WebAssembly: matmul [${m}, ${n}] with ${what} fused in` : undefined;
      return { run: () => gemm(ta, tb, m, n, k.k, pa, pb, pc, bias, H, mask), source };
    },
    reduce(k) {
      if (k.op !== 'sum' || k.axis !== 0) return hostTable.reduce(k, view);
      const [px, py] = [at(k.x), at(k.out)];
      return { run: () => ex.colsum(px, py, k.rows, k.cols) };
    },
    update(k) {
      const adam = matchAdam(k);
      if (!adam) return hostTable.update(k, view);
      const [P, G, M, V] = [adam.p, adam.g, adam.m, adam.v].map(at);
      const alpha = view(adam.alpha);
      const n = k.rows * k.cols;
      const { b1, c1, b2, c2, eps } = adam;
      const source = `// WebAssembly SIMD: Adam's update of ${adam.p.input} and its moments (${n} values)`;
      if (pool) return { run: () => pool.adam(P, G, M, V, n, alpha[0], b1, c1, b2, c2, eps, threads), source };
      return { run: () => ex.adam(P, G, M, V, n, alpha[0], b1, c1, b2, c2, eps), source };
    },
  });

  // Bound inputs are copied in at each run; an updated input (an optimizer's state) is copied once, at bind(),
  // since the runner's copy is the one the updates advance.
  const updated = new Set(plan.updates.values());
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
      if (updated.has(name)) inputView.get(name)!.set(data);
      else bound.set(name, data);
    },
    bufferOf: (e: Expr) => view(lowered.refOf(e)),
    inputView(name) {
      const v = inputView.get(name);
      if (!v) throw new RangeError(`no input named ${name}`);
      bound.delete(name);
      return v;
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
 * Adam's update as the SIMD kernel `adam` computes it, bitwise (src/nn/optim.ts writes it so):
 *   m′ = b1·m + c1·g,  v′ = b2·v + c2·(g·g),  p′ = p − (α·m′)/(√v′ + ε)   (outputs m, v, p in that order)
 */
function matchAdam(k: UpdateKernel) {
  if (k.outputs.length !== 3 || k.ops.length === 0) return undefined;
  const text = (a: Arg, top: boolean): string => {
    if ('in' in a) return `$${a.in}`;
    if ('num' in a) return `#${a.num}`;
    if ('c' in a) return '?';
    const j = k.outputs.findIndex((o) => 't' in o.value && o.value.t === a.t);
    if (j >= 0 && !top) return `@${j}`;
    const op = k.ops[a.t];
    return `${op.op}(${op.args.map((x) => text(x, false)).join(',')})`;
  };
  const [m, v, p] = k.outputs.map((o) => text(o.value, true));
  const NUM = '#([^,()]+)';
  const IN = '\\$(\\d+)';
  const mm = new RegExp(`^add\\(mul\\(${NUM},${IN}\\),mul\\(${NUM},${IN}\\)\\)$`).exec(m);
  const vm = new RegExp(`^add\\(mul\\(${NUM},${IN}\\),mul\\(${NUM},mul\\(${IN},${IN}\\)\\)\\)$`).exec(v);
  const pm = new RegExp(`^sub\\(${IN},div\\(mul\\(${IN},@0\\),add\\(sqrt\\(@1\\),${NUM}\\)\\)\\)$`).exec(p);
  if (!mm || !vm || !pm) return undefined;
  const op = (i: string) => k.inputs[Number(i)];
  const [M, G, V, G1, G2, P, A] = [mm[2], mm[4], vm[2], vm[4], vm[5], pm[1], pm[2]].map(op);
  const full = [M, G, V, P].every((o) => o.read === 'full' || (o.read === 'scalar' && k.rows * k.cols === 1));
  const targets = k.outputs.map((o) => o.target.input);
  if (!full || G1 !== G || G2 !== G || A.read !== 'scalar' || M.ref.input !== targets[0] || V.ref.input !== targets[1] || P.ref.input !== targets[2]) return undefined;
  return { m: M.ref, v: V.ref, p: P.ref, g: G.ref, alpha: A.ref, b1: Number(mm[1]), c1: Number(mm[3]), b2: Number(vm[1]), c2: Number(vm[3]), eps: Number(pm[3]) };
}

/** A 1×1 convolution with stride 1 and no padding reads x itself as the patch matrix. */
const pointwiseConv = (g: ConvGeometry) => g.kh === 1 && g.kw === 1 && g.stride === 1 && g.pad === 0;

export const wasmBackend: Backend = { name: 'wasm', create: (plan, options) => createWasmRunner(plan, options) };
