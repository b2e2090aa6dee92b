// The machinery under the wasm backend: the compiled kernels, feature detection, memories with an allocator, and
// the thread pool that splits matrix products between cores.
//
// Features: SIMD is detected by validating the kernel binary itself (it uses f32x4); threads need
// SharedArrayBuffer, a shared WebAssembly.Memory, the threads binary to validate, and workers (node:worker_threads
// in Node; Web Workers in a cross-origin-isolated page). Without threads everything runs on the calling thread.
//
// Memories: with threads, ONE shared memory per JS realm (an arena) holds every wasm runner's buffers: it only grows,
// and growing never detaches a shared buffer, so the Float32Array views a runner made stay valid. A runner's
// regions are released by dispose(), or when the runner and every view of its buffers are garbage. Without
// threads each runner gets its own memory, sized before any view is made.
//
// The pool: workers instantiate the same module on the shared memory, so a job is just a call's arguments written
// to control words (see worker-source.ts). Pool.gemm() cuts C into chunks of columns (or rows) aligned to the
// micro-kernel's tiles, several per thread; the calling thread and the workers claim chunks with compareExchange
// until none are left (a worker that wakes late, or is descheduled, simply takes fewer), and the caller waits for
// the last. Every element of C is computed by the same instruction sequence whoever runs it: results do not depend
// on the number of threads. Workers are unref'd (they never keep a Node process alive) and end on
// shutdownWasmThreads().

import { KERNELS_MAX_PAGES, KERNELS_SHARED_WASM, KERNELS_WASM } from './kernels-wasm.js';
import { WORKER_SOURCE } from './worker-source.js';

type NodeWorkers = typeof import('node:worker_threads');

// The WebAssembly API, typed here (the project's lib is ES2022 without DOM, and @types/node does not declare it).
interface WasmMemoryDescriptor {
  initial: number;
  maximum?: number;
  shared?: boolean;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Memory: new (d: WasmMemoryDescriptor) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
interface WebWorker {
  postMessage(data: unknown): void;
  terminate(): void;
}
const WebWorkerCtor = (globalThis as unknown as { Worker?: new (url: string) => WebWorker }).Worker;
const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
const nodeWorkers: NodeWorkers | undefined = isNode ? await import('node:worker_threads').catch(() => undefined) : undefined;
const nodeOs: typeof import('node:os') | undefined = isNode ? await import('node:os').catch(() => undefined) : undefined;

interface KernelExports {
  gemm(tA: number, tB: number, m: number, n: number, k: number, A: number, B: number, C: number, i0: number, i1: number, j0: number, j1: number, scratch: number, bias: number, H: number, mask: number): void;
  colsum(X: number, Y: number, rows: number, cols: number): void;
  adam(P: number, G: number, M: number, V: number, n: number, alpha: number, b1: number, c1: number, b2: number, c2: number, eps: number): void;
  scratchBytes(): number;
  im2col(X: number, P: number, H: number, W: number, C: number, kh: number, kw: number, Ho: number, Wo: number, stride: number, pad: number, r0: number, r1: number): void;
  col2im(P: number, X: number, H: number, W: number, C: number, kh: number, kw: number, Ho: number, Wo: number, stride: number, pad: number, n0: number, n1: number): void;
  pool(op: number, backward: number, X: number, G: number, Y: number, H: number, W: number, C: number, size: number, stride: number, Ho: number, Wo: number, n0: number, n1: number): void;
  stepmask(Y: number, A: number, Z: number, n: number): void;
}

/** The range kernels (a range of rows or images as their last two arguments), by the number a job names them with. */
export const RANGE_KERNELS = ['im2col', 'col2im', 'pool'] as const;
export type RangeKernel = (typeof RANGE_KERNELS)[number];

function decode(b64: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(b64, 'base64'));
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const PAGE = 65536;
/** Bytes at the start of every memory kept for the pool's control words. */
const RESERVED = 65536;
const ALIGN = 64;
/** Bytes rounded up to whole 64-byte blocks (at least one): what alloc() takes for a request. */
export const aligned = (bytes: number) => Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;

let modules: { single?: WasmModule; shared?: WasmModule } | undefined;
function getModules() {
  if (!modules) {
    modules = {};
    if (typeof WebAssembly !== 'object') return modules;
    const single = decode(KERNELS_WASM);
    if (WebAssembly.validate(single)) modules.single = new WebAssembly.Module(single);
    const shared = decode(KERNELS_SHARED_WASM);
    if (typeof SharedArrayBuffer === 'function' && WebAssembly.validate(shared)) modules.shared = new WebAssembly.Module(shared);
  }
  return modules;
}

export interface WasmFeatures {
  /** WebAssembly 128-bit SIMD (the kernels validate). */
  readonly simd: boolean;
  /** Shared memory and workers: matrix products can be split between threads. */
  readonly threads: boolean;
  /** Logical cores (os.availableParallelism / navigator.hardwareConcurrency). */
  readonly cores: number;
  /** Why threads are unavailable, if they are. */
  readonly noThreadsReason?: string;
}

let features: WasmFeatures | undefined;
export function wasmFeatures(): WasmFeatures {
  if (features) return features;
  const m = getModules();
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  let cores = nav?.hardwareConcurrency ?? 1;
  if (nodeOs) cores = typeof nodeOs.availableParallelism === 'function' ? nodeOs.availableParallelism() : nodeOs.cpus().length;
  let reason: string | undefined;
  if (!m.single) reason = 'no WebAssembly SIMD';
  else if (typeof SharedArrayBuffer !== 'function') reason = 'no SharedArrayBuffer';
  else if (!m.shared) reason = 'no WebAssembly threads';
  else if (isNode ? !nodeWorkers : !(typeof WebWorkerCtor === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated)) {
    reason = isNode ? 'no worker_threads' : 'no cross-origin isolation';
  }
  features = { simd: !!m.single, threads: !reason, cores: Math.max(1, cores | 0), noThreadsReason: reason };
  return features;
}

/** A WebAssembly memory with the kernels instantiated on it and a first-fit allocator (64-byte aligned). */
export class Arena {
  readonly exports: KernelExports;
  private top = RESERVED;
  private readonly free: { start: number; size: number }[] = [];

  constructor(
    readonly memory: WasmMemory,
    module: WasmModule,
    readonly shared: boolean,
  ) {
    this.exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  }

  static single(bytes: number): Arena {
    const pages = Math.ceil((RESERVED + bytes + ALIGN) / PAGE);
    return new Arena(new WebAssembly.Memory({ initial: pages }), getModules().single!, false);
  }

  alloc(bytes: number): number {
    const size = aligned(bytes);
    const i = this.free.findIndex((f) => f.size >= size);
    if (i >= 0) {
      const f = this.free[i];
      const start = f.start;
      if (f.size === size) this.free.splice(i, 1);
      else {
        f.start += size;
        f.size -= size;
      }
      return start;
    }
    const start = this.top;
    const end = start + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const need = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(Math.max(need, Math.min(256, Math.ceil(have / PAGE / 4))));
      } catch {
        this.memory.grow(need);
      }
    }
    this.top = end;
    return start;
  }

  release(start: number, bytes: number): void {
    const size = aligned(bytes);
    if (start + size === this.top) this.top = start;
    else this.free.push({ start, size });
    // Merge neighbours and give back a free block that ends at the top.
    this.free.sort((a, b) => a.start - b.start);
    for (let i = this.free.length - 1; i > 0; i--) {
      const a = this.free[i - 1];
      const b = this.free[i];
      if (a.start + a.size === b.start) {
        a.size += b.size;
        this.free.splice(i, 1);
      }
    }
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
}


// Control words (Int32) at the start of the shared memory, each group on its own cache line.
const CTRL = 0;
const AT = { seq: 0, claim: 16, done: 32, err: 48, args: 64, hyper: 80, range: 96, ready: 128, stride: 16, words: 128 + 16 * 64 } as const;
// Job kinds (args[0]); args[11] = chunks and args[12] = threads for every kind. Adam's float64 hyper-parameters
// (α, β₁, 1−β₁, β₂, 1−β₂, ε) lie at word AT.hyper (byte 320: 8-aligned), inside the arguments' cache lines.
const CMD_GEMM = 0;
const CMD_EXIT = 1;
const CMD_ADAM = 2;
const CMD_RANGE = 3;
/** Items (rows, images) below which a range kernel is not split. */
const RANGE_MIN_WORK = 1 << 16;
/** Floats below which Adam is not split (a chunk must pay for waking a thread). */
const ADAM_MIN_CHUNK = 1 << 15;
const MAX_WORKERS = 63;
const SPIN_WORKER = 1 << 16;
const SPIN_MAIN = 1 << 17;

/** Matrix products smaller than this (multiply-adds) run on the calling thread. */
const SPLIT_MIN_WORK = 1 << 19;
/** Counters of the pool's work, for tests and benchmarks. */
export const threadStats = { splitJobs: 0, chunks: 0, callerChunks: 0 };
let callerTakesPart = true;
/** Testing: whether the calling thread claims chunks itself (false: the workers compute every chunk of a split). */
export function setCallerTakesPart(on: boolean): void {
  callerTakesPart = on;
}

/** Chunks per thread a split product is cut into (dynamic balance: a thread that starts late takes fewer). */
const CHUNKS_PER_THREAD = 4;

export class Pool {
  private readonly ctrl: Int32Array;
  private readonly hyper: Float64Array;
  private readonly handles: { terminate(): unknown }[] = [];
  private seq = 0;
  /** Scratch of each thread, 0 = the calling thread. */
  readonly scratch: number[] = [];
  private readonly canWait: boolean;
  private closed = false;
  readonly workers: number;

  constructor(
    readonly arena: Arena,
    readonly threads: number,
  ) {
    this.workers = Math.min(threads - 1, MAX_WORKERS);
    this.ctrl = new Int32Array(arena.memory.buffer, CTRL, AT.words);
    this.hyper = new Float64Array(arena.memory.buffer, CTRL + 4 * AT.hyper, 6);
    const bytes = arena.exports.scratchBytes();
    for (let t = 0; t <= this.workers; t++) this.scratch.push(arena.alloc(bytes));
    this.canWait = isNode; // a browser's main thread may not Atomics.wait: it spins
    const module = getModules().shared!;
    for (let w = 0; w < this.workers; w++) {
      const data = { module, memory: arena.memory, index: w, ctrlOffset: CTRL, at: AT, spin: SPIN_WORKER, scratch: this.scratch[w + 1] };
      const readyAt = AT.ready + AT.stride * w;
      if (nodeWorkers) {
        const worker = new nodeWorkers.Worker(WORKER_SOURCE, { eval: true, workerData: data });
        worker.unref();
        worker.on('error', () => Atomics.store(this.ctrl, readyAt, -1));
        this.handles.push(worker);
      } else {
        const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
        const worker = new WebWorkerCtor!(url);
        worker.postMessage(data);
        this.handles.push(worker);
      }
    }
    // In Node, wait (up to 2 s) for the workers to instantiate, so the first run already uses them.
    if (this.canWait) {
      const until = performance.now() + 2000;
      for (let w = 0; w < this.workers; w++) {
        const readyAt = AT.ready + AT.stride * w;
        while (Atomics.load(this.ctrl, readyAt) === 0 && performance.now() < until) Atomics.wait(this.ctrl, readyAt, 0, 50);
      }
    }
  }

  /** Threads that can take a job now (the calling one included). */
  get ready(): number {
    let n = 1;
    if (!this.closed) for (let w = 0; w < this.workers; w++) if (Atomics.load(this.ctrl, AT.ready + AT.stride * w) === 1) n++;
    return n;
  }

  /**
   * C = op(A)·op(B) and its epilogue (bias row, step mask, H = relu(C): see kernels.ts) with at most maxThreads threads;
   * pointers are byte offsets in the arena. The product is cut into
   * chunks of columns (multiples of 8) or, when C is narrow, of rows (multiples of 4), which every thread claims
   * until none are left; the calling thread takes part, then waits for the chunks still running.
   */
  gemm(tA: boolean, tB: boolean, m: number, n: number, k: number, A: number, B: number, C: number, maxThreads = this.threads, bias = 0, H = 0, mask = 0): void {
    const ex = this.arena.exports;
    const threads = Math.min(maxThreads, this.ready);
    const byCols = n >= 8 * threads * 2;
    const [total, unit] = byCols ? [n, 8] : [m, 4];
    const width = Math.max(unit, Math.ceil(total / (threads * CHUNKS_PER_THREAD) / unit) * unit);
    const chunks = Math.ceil(total / width);
    if (threads <= 1 || m * n * k < SPLIT_MIN_WORK || chunks <= 1) {
      ex.gemm(+tA, +tB, m, n, k, A, B, C, 0, m, 0, n, this.scratch[0], bias, H, mask);
      return;
    }
    const scratch = this.scratch[0];
    this.split(chunks, threads, (ctrl, a) => {
      ctrl[a] = CMD_GEMM;
      ctrl[a + 1] = +tA;
      ctrl[a + 2] = +tB;
      ctrl[a + 3] = m;
      ctrl[a + 4] = n;
      ctrl[a + 5] = k;
      ctrl[a + 6] = A;
      ctrl[a + 7] = B;
      ctrl[a + 8] = C;
      ctrl[a + 9] = +byCols;
      ctrl[a + 10] = width;
      ctrl[a + 13] = bias;
      ctrl[a + 14] = H;
      ctrl[a + 15] = mask;
    }, (c) => {
      const lo = c * width;
      if (byCols) ex.gemm(+tA, +tB, m, n, k, A, B, C, 0, m, lo, Math.min(n, lo + width), scratch, bias, H, mask);
      else ex.gemm(+tA, +tB, m, n, k, A, B, C, lo, Math.min(m, lo + width), 0, n, scratch, bias, H, mask);
    });
  }

  /**
   * Adam's update in place over n floats (kernels.ts `adam`: P, M, V updated from G; byte offsets in the arena)
   * with at most maxThreads threads: cut into chunks of a multiple of 4 floats that every thread claims. Each
   * element is computed alone, so the result is the same however it is cut.
   */
  adam(P: number, G: number, M: number, V: number, n: number, alpha: number, b1: number, c1: number, b2: number, c2: number, eps: number, maxThreads = this.threads): void {
    const ex = this.arena.exports;
    const threads = Math.min(maxThreads, this.ready);
    const width = Math.max(ADAM_MIN_CHUNK, Math.ceil(n / (threads * CHUNKS_PER_THREAD) / 4) * 4);
    const chunks = Math.ceil(n / width);
    if (threads <= 1 || chunks <= 1) {
      ex.adam(P, G, M, V, n, alpha, b1, c1, b2, c2, eps);
      return;
    }
    const h = this.hyper;
    this.split(chunks, threads, (ctrl, a) => {
      ctrl[a] = CMD_ADAM;
      ctrl[a + 1] = P;
      ctrl[a + 2] = G;
      ctrl[a + 3] = M;
      ctrl[a + 4] = V;
      ctrl[a + 5] = n;
      ctrl[a + 10] = width;
      h[0] = alpha;
      h[1] = b1;
      h[2] = c1;
      h[3] = b2;
      h[4] = c2;
      h[5] = eps;
    }, (c) => {
      const lo = c * width;
      const o = 4 * lo;
      ex.adam(P + o, G + o, M + o, V + o, Math.min(n, lo + width) - lo, alpha, b1, c1, b2, c2, eps);
    });
  }

  /**
   * A range kernel (im2col, col2im, pool) over items 0…total−1 (its last two arguments are the range), split
   * between at most maxThreads threads in chunks of items; `work` is the floats an item touches (for the split
   * threshold). Every item is computed alone, so the result is the same however it is cut.
   */
  range(kernel: RangeKernel, args: readonly number[], total: number, work: number, maxThreads = this.threads): void {
    const ex = this.arena.exports as unknown as Record<RangeKernel, (...a: number[]) => void>;
    const threads = Math.min(maxThreads, this.ready);
    const chunks = Math.min(total, threads * CHUNKS_PER_THREAD);
    if (threads <= 1 || chunks <= 1 || total * work < RANGE_MIN_WORK) {
      ex[kernel](...args, 0, total);
      return;
    }
    const width = Math.ceil(total / chunks);
    const fn = RANGE_KERNELS.indexOf(kernel);
    this.split(Math.ceil(total / width), threads, (ctrl, a) => {
      ctrl[a] = CMD_RANGE;
      ctrl[a + 1] = fn;
      ctrl[a + 2] = total;
      ctrl[a + 3] = args.length;
      ctrl[a + 10] = width;
      for (let i = 0; i < args.length; i++) ctrl[AT.range + i] = args[i];
    }, (c) => {
      const lo = c * width;
      ex[kernel](...args, lo, Math.min(total, lo + width));
    });
  }

  /**
   * One job split between threads: the arguments are written (claims closed meanwhile), the workers woken; every
   * thread (the caller too, unless a test says otherwise) claims chunks 0…chunks−1 until none are left; then the
   * caller waits for the chunks still running.
   */
  private split(chunks: number, threads: number, setArgs: (ctrl: Int32Array, a: number) => void, runChunk: (chunk: number) => void): void {
    const ctrl = this.ctrl;
    const s = (this.seq = (this.seq + 1) & 0x7fffffff);
    const tag = (s & 0x7fff) << 16;
    Atomics.store(ctrl, AT.claim, -1); // closed while the arguments change
    const a = AT.args;
    setArgs(ctrl, a);
    ctrl[a + 11] = chunks;
    ctrl[a + 12] = threads;
    Atomics.store(ctrl, AT.done, 0);
    Atomics.store(ctrl, AT.err, 0);
    Atomics.store(ctrl, AT.claim, tag);
    Atomics.store(ctrl, AT.seq, s);
    Atomics.notify(ctrl, AT.seq);
    threadStats.splitJobs++;
    threadStats.chunks += chunks;
    for (; callerTakesPart; ) {
      const v = Atomics.load(ctrl, AT.claim);
      if ((v & 0xffff) >= chunks) break;
      if (Atomics.compareExchange(ctrl, AT.claim, v, v + 1) !== v) continue;
      runChunk(v & 0xffff);
      Atomics.add(ctrl, AT.done, 1);
      threadStats.callerChunks++;
    }
    let d = Atomics.load(ctrl, AT.done);
    for (let i = 0; d < chunks && i < SPIN_MAIN; i++) d = Atomics.load(ctrl, AT.done);
    while (d < chunks) {
      if (this.ready <= 1 && this.closed) throw new Error('internal: the wasm workers stopped mid-job');
      if (this.canWait) Atomics.wait(ctrl, AT.done, d, 20);
      d = Atomics.load(ctrl, AT.done);
    }
    if (Atomics.load(ctrl, AT.err) !== 0) throw new Error('internal: a wasm worker failed');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctrl, AT.claim, -1);
    this.ctrl[AT.args] = CMD_EXIT;
    Atomics.store(this.ctrl, AT.seq, (this.seq = (this.seq + 1) & 0x7fffffff));
    Atomics.notify(this.ctrl, AT.seq);
    for (const h of this.handles) h.terminate();
  }
}

let sharedEngine: { arena: Arena; pool: Pool } | undefined;

function makeSharedMemory(initial: number): WasmMemory | undefined {
  for (const maximum of [KERNELS_MAX_PAGES, 16384, 4096]) {
    try {
      return new WebAssembly.Memory({ initial, maximum, shared: true });
    } catch {
      /* try a smaller reservation */
    }
  }
  return undefined;
}

/** The realm's shared engine (created on first use), or undefined where threads are unavailable. */
export function sharedWasmEngine(): { arena: Arena; pool: Pool } | undefined {
  if (sharedEngine) return sharedEngine;
  const f = wasmFeatures();
  if (!f.threads) return undefined;
  const threads = requestedThreads ?? Math.max(1, Math.min(f.cores, 8));
  const memory = makeSharedMemory(Math.ceil((RESERVED + threads * (gemmScratchBytes() + ALIGN)) / PAGE) + 16);
  if (!memory) return undefined;
  const arena = new Arena(memory, getModules().shared!, true);
  sharedEngine = { arena, pool: new Pool(arena, threads) };
  return sharedEngine;
}

let requestedThreads: number | undefined;

/**
 * Threads of the shared pool (the calling thread included; default: the logical cores, at most 8). Ends a pool of
 * another size: runners made before keep their memory and run on the calling thread alone.
 */
export function setWasmThreads(n: number | undefined): void {
  requestedThreads = n === undefined ? undefined : Math.max(1, Math.min(64, Math.floor(n)));
  if (sharedEngine && sharedEngine.pool.threads !== (requestedThreads ?? sharedEngine.pool.threads)) shutdownWasmThreads();
}

/** End the worker threads; later wasm runners start a new pool on a new memory. */
export function shutdownWasmThreads(): void {
  sharedEngine?.pool.close();
  sharedEngine = undefined;
}

let scratchSize: number | undefined;
/** Scratch bytes one thread needs for gemm. */
export function gemmScratchBytes(): number {
  if (scratchSize === undefined) {
    const probe = new WebAssembly.Instance(getModules().single!, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } }).exports as unknown as KernelExports;
    scratchSize = probe.scratchBytes();
  }
  return scratchSize;
}
