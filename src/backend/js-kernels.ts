// Float32 typed-array kernels for the tensor ops, the reference every other backend is compared against.
//
// In:  Float32Array buffers (row-major), sizes. Out: the result written into a caller-owned buffer; nothing is
// allocated per call (the products' float64 accumulator is one reused buffer). Accumulation is in float64 (JS
// numbers) and rounded to float32 once, on the final store.
//
// The matrix product is register-blocked (4 rows of the result at a time) and cache-blocked over k; it reads a
// transposed A in place and copies a transposed B once into a reused scratch.

/** Buffers are float32 normally; float64 for gradient checks against finite differences. */
export type F32 = Float32Array | Float64Array;

const KB = 256; // k-block: a 4×256 slab of A and 256 rows of B stay in cache

/** The float64 accumulator of the products (grown once, reused): sums are rounded to float32 once, at the end. */
let acc64 = new Float64Array(0);
function scratch64(size: number): Float64Array {
  if (acc64.length < size) acc64 = new Float64Array(size);
  acc64.fill(0, 0, size);
  return acc64;
}

/** Bᵀ of B [n, k] in a reused scratch of B's kind (grown once). */
let scratchT32 = new Float32Array(0);
let scratchT64 = new Float64Array(0);
function transposed(B: F32, n: number, k: number): F32 {
  if (B instanceof Float64Array) {
    if (scratchT64.length < n * k) scratchT64 = new Float64Array(n * k);
    return transpose2(B, scratchT64, n, k);
  }
  if (scratchT32.length < n * k) scratchT32 = new Float32Array(n * k);
  return transpose2(B, scratchT32, n, k);
}

/**
 * C[m,n] = op(A)·op(B): op(A) is A [m, k], or Aᵀ (ta) with A stored as [k, m], read in place through strides;
 * op(B) is B [k, n], or Bᵀ (tb) with B stored as [n, k], copied transposed first so the inner loop runs along rows.
 * Each C[i, j] is the float64 sum over p in order, rounded once: the same for every transpose case.
 */
export function matmul(A: F32, B: F32, C: F32, m: number, k: number, n: number, ta = false, tb = false): void {
  if (tb) B = transposed(B, n, k);
  const si = ta ? 1 : k; // A's stride along rows of op(A)
  const sp = ta ? m : 1; // … and along p
  const acc = scratch64(m * n);
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
      for (let p = k0; p < k1; p++) {
        const a = i * si + p * sp;
        const x0 = A[a], x1 = A[a + si], x2 = A[a + 2 * si], x3 = A[a + 3 * si];
        const b = p * n;
        for (let j = 0; j < n; j++) {
          const y = B[b + j];
          acc[c0 + j] += x0 * y;
          acc[c1 + j] += x1 * y;
          acc[c2 + j] += x2 * y;
          acc[c3 + j] += x3 * y;
        }
      }
    }
    for (; i < m; i++) {
      const c0 = i * n;
      for (let p = k0; p < k1; p++) {
        const x0 = A[i * si + p * sp];
        const b = p * n;
        for (let j = 0; j < n; j++) acc[c0 + j] += x0 * B[b + j];
      }
    }
  }
  for (let t = 0; t < m * n; t++) C[t] = acc[t];
}

/** Bᵀ of A [m, n] into B [n, m]; returns B. */
export function transpose2<T extends F32>(A: F32, B: T, m: number, n: number): T {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) B[j * m + i] = A[i * n + j];
  return B;
}

/**
 * Reduce a [rows, cols] view along `axis` (undefined: everything) with the given fold.
 * kind: 'sum' | 'mean' | 'max' | 'logsumexp'. Output has rows (axis 1), cols (axis 0) or 1 element.
 */
export function reduce(kind: 'sum' | 'mean' | 'max' | 'logsumexp', X: F32, Y: F32, rows: number, cols: number, axis: number | undefined): void {
  const fold = (get: (t: number) => number, count: number): number => {
    if (kind === 'max') {
      let m = -Infinity;
      for (let t = 0; t < count; t++) {
        const v = get(t);
        if (v > m || Number.isNaN(v)) m = v;
      }
      return m;
    }
    if (kind === 'logsumexp') {
      let m = -Infinity;
      for (let t = 0; t < count; t++) m = Math.max(m, get(t));
      if (m === -Infinity) return -Infinity;
      let s = 0;
      for (let t = 0; t < count; t++) s += Math.exp(get(t) - m);
      return m + Math.log(s);
    }
    let s = 0;
    for (let t = 0; t < count; t++) s += get(t);
    return kind === 'mean' ? s / count : s;
  };
  if (axis === undefined) Y[0] = fold((t) => X[t], rows * cols);
  else if (axis === 1) for (let r = 0; r < rows; r++) Y[r] = fold((t) => X[r * cols + t], cols);
  else for (let c = 0; c < cols; c++) Y[c] = fold((t) => X[t * cols + c], rows);
}

/** The slices of a [rows, cols] view along axis 1 (rows) or 0 (columns): how many, how long, element t of slice o. */
const slices = (rows: number, cols: number, axis: number): [number, number, (o: number, t: number) => number] =>
  axis === 1 ? [rows, cols, (o, t) => o * cols + t] : [cols, rows, (o, t) => t * cols + o];

/** softmax or log-softmax of each row (axis 1) or column (axis 0), the maximum subtracted first. */
export function softmax(X: F32, Y: F32, rows: number, cols: number, axis: number, log: boolean): void {
  const [outer, inner, at] = slices(rows, cols, axis);
  for (let o = 0; o < outer; o++) {
    let m = -Infinity;
    for (let t = 0; t < inner; t++) m = Math.max(m, X[at(o, t)]);
    let s = 0;
    for (let t = 0; t < inner; t++) s += Math.exp(X[at(o, t)] - m);
    if (log) {
      const lse = m + Math.log(s);
      for (let t = 0; t < inner; t++) Y[at(o, t)] = X[at(o, t)] - lse;
    } else {
      for (let t = 0; t < inner; t++) Y[at(o, t)] = Math.exp(X[at(o, t)] - m) / s;
    }
  }
}

/** 1 at the first maximum of each slice (axis 1: rows, 0: columns, undefined: all), 0 elsewhere. */
export function argmaxMask(X: F32, Y: F32, rows: number, cols: number, axis: number | undefined): void {
  Y.fill(0, 0, rows * cols);
  if (axis === undefined) {
    let best = 0;
    for (let t = 1; t < rows * cols; t++) if (X[t] > X[best]) best = t;
    Y[best] = 1;
    return;
  }
  const [outer, inner, at] = slices(rows, cols, axis);
  for (let o = 0; o < outer; o++) {
    let best = 0;
    for (let t = 1; t < inner; t++) if (X[at(o, t)] > X[at(o, best)]) best = t;
    Y[at(o, best)] = 1;
  }
}

/**
 * Per-row cross-entropy of softmax(Z) [B, C]: labels one-hot [B, C] (oneHot) or class indices [B].
 * loss_b = logsumexp(z_b) − Σ_c y_bc·z_bc.
 */
export function softmaxCrossEntropy(Z: F32, Yl: F32, L: F32, B: number, C: number, oneHot: boolean): void {
  for (let b = 0; b < B; b++) {
    const z = b * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, Z[z + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(Z[z + c] - m);
    const lse = m + Math.log(s);
    if (oneHot) {
      let dot = 0;
      let total = 0;
      for (let c = 0; c < C; c++) {
        dot += Yl[z + c] * Z[z + c];
        total += Yl[z + c];
      }
      L[b] = total * lse - dot;
    } else {
      const label = Yl[b];
      if (!(label >= 0 && label < C && Number.isInteger(label))) {
        throw new RangeError(`label ${label} in row ${b} is not a class index in 0..${C - 1}`);
      }
      L[b] = lse - Z[z + label];
    }
  }
}

export function onehot(Yl: F32, Y: F32, B: number, C: number): void {
  Y.fill(0, 0, B * C);
  for (let b = 0; b < B; b++) {
    const label = Yl[b];
    if (!(label >= 0 && label < C && Number.isInteger(label))) {
      throw new RangeError(`label ${label} in row ${b} is not a class index in 0..${C - 1}`);
    }
    Y[b * C + label] = 1;
  }
}

/** Sum X [rows, cols] down to a broadcast-compatible target [tr, tc] (each 1 or equal). */
export function sumTo(X: F32, Y: F32, rows: number, cols: number, tr: number, tc: number): void {
  Y.fill(0, 0, tr * tc);
  for (let r = 0; r < rows; r++) {
    const yr = tr === 1 ? 0 : r * tc;
    for (let c = 0; c < cols; c++) Y[yr + (tc === 1 ? 0 : c)] += X[r * cols + c];
  }
}

/**
 * A matrix product's fused epilogue on C [m, n] in place (src/backend/lower.ts): C += bias row, then H = relu(C);
 * or C *= step(mask). The arithmetic of the unfused loops, so results are bitwise the same.
 */
export function epilogue(C: F32, m: number, n: number, bias?: F32, H?: F32, mask?: F32): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const idx = row + j;
      if (bias) C[idx] = C[idx] + bias[j];
      if (H) H[idx] = C[idx] > 0 ? C[idx] : 0;
      if (mask) C[idx] = C[idx] * (mask[idx] > 0 ? 1 : 0);
    }
  }
}
