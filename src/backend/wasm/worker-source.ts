// The source of a kernel worker thread, as a string: started with `eval: true` in Node (node:worker_threads) and
// from a Blob URL in browsers (Web Workers), so it needs no file next to the compiled module.
//
// A worker instantiates the kernels on the shared memory it is given, says it is ready, then loops: it spins a
// little on the job counter, sleeps on it (Atomics.wait) when idle, and on a new job claims chunks of it (columns or
// rows of C, floats of an Adam update, rows or images of a range kernel) until none are left, exactly as the calling
// thread does (engine.ts, Pool.gemm, Pool.adam, Pool.range). Claims carry the job's
// tag, so a worker that wakes late can never take a chunk of a later job with the arguments of an earlier one.
// The control words are shared with engine.ts, whose AT table gives their positions (passed as `data.at`).

export const WORKER_SOURCE = String.raw`
'use strict';
function start(data) {
  const memory = data.memory;
  const at = data.at;
  const ctrl = new Int32Array(memory.buffer, data.ctrlOffset, at.words);
  const hyper = new Float64Array(memory.buffer, data.ctrlOffset + 4 * at.hyper, 6);
  const readyAt = at.ready + at.stride * data.index;
  let ex;
  try {
    ex = new WebAssembly.Instance(data.module, { env: { memory } }).exports;
  } catch (e) {
    Atomics.store(ctrl, readyAt, -1);
    Atomics.notify(ctrl, readyAt);
    return;
  }
  const spin = data.spin;
  const scratch = data.scratch;
  let seen = Atomics.load(ctrl, at.seq); // read before saying ready: the first job is posted only after that
  Atomics.store(ctrl, readyAt, 1);
  Atomics.notify(ctrl, readyAt);
  for (;;) {
    let s = Atomics.load(ctrl, at.seq);
    for (let i = 0; s === seen && i < spin; i++) s = Atomics.load(ctrl, at.seq);
    if (s === seen) {
      Atomics.wait(ctrl, at.seq, seen);
      continue;
    }
    seen = s;
    const a = at.args;
    const cmd = ctrl[a];
    if (cmd === 1) break;
    if (data.index + 1 >= ctrl[a + 12]) continue; // not among this job's threads
    const tag = (s & 0x7fff) << 16;
    const width = ctrl[a + 10], chunks = ctrl[a + 11];
    // Claim chunks of this job (lo = the chunk's first item) until none are left.
    const claim = (run) => {
      for (;;) {
        const v = Atomics.load(ctrl, at.claim);
        if ((v & ~0xffff) !== tag || (v & 0xffff) >= chunks) break;
        if (Atomics.compareExchange(ctrl, at.claim, v, v + 1) !== v) continue;
        try {
          run((v & 0xffff) * width);
        } catch (e) {
          Atomics.store(ctrl, at.err, 1);
        }
        if (Atomics.add(ctrl, at.done, 1) + 1 === chunks) Atomics.notify(ctrl, at.done);
      }
    };
    if (cmd === 2) {
      // Adam in place over chunks of floats: P, G, M, V, n; float64 hyper-parameters at word at.hyper.
      const P = ctrl[a + 1], G = ctrl[a + 2], M = ctrl[a + 3], V = ctrl[a + 4], n = ctrl[a + 5];
      const h0 = hyper[0], h1 = hyper[1], h2 = hyper[2], h3 = hyper[3], h4 = hyper[4], h5 = hyper[5];
      claim((lo) => ex.adam(P + 4 * lo, G + 4 * lo, M + 4 * lo, V + 4 * lo, Math.min(n, lo + width) - lo, h0, h1, h2, h3, h4, h5));
    } else if (cmd === 3) {
      // A range kernel (engine.ts RANGE_KERNELS: im2col, col2im, pool) over chunks of items; its other arguments at
      // word at.range.
      const fn = ['im2col', 'col2im', 'pool'][ctrl[a + 1]], total = ctrl[a + 2], nargs = ctrl[a + 3];
      const args = [];
      for (let i = 0; i < nargs; i++) args.push(ctrl[at.range + i]);
      claim((lo) => ex[fn](...args, lo, Math.min(total, lo + width)));
    } else {
      const tA = ctrl[a + 1], tB = ctrl[a + 2], m = ctrl[a + 3], n = ctrl[a + 4], k = ctrl[a + 5];
      const A = ctrl[a + 6], B = ctrl[a + 7], C = ctrl[a + 8], byCols = ctrl[a + 9];
      const bias = ctrl[a + 13], H = ctrl[a + 14], mask = ctrl[a + 15];
      claim((lo) => byCols ? ex.gemm(tA, tB, m, n, k, A, B, C, 0, m, lo, Math.min(n, lo + width), scratch, bias, H, mask) : ex.gemm(tA, tB, m, n, k, A, B, C, lo, Math.min(m, lo + width), 0, n, scratch, bias, H, mask));
    }
  }
  Atomics.store(ctrl, readyAt, 0);
}
if (typeof process === 'object' && process.versions && process.versions.node) {
  start(require('node:worker_threads').workerData);
} else {
  self.onmessage = (e) => start(e.data);
}
`;
