// Float32 typed-array kernels for the tensor ops, the reference every other backend is compared against.
//
// In:  Float32Array buffers (row-major), sizes. Out: the result written into a caller-owned buffer; nothing is
// allocated per call (the products' float64 accumulator is one reused buffer). Accumulation is in float64 (JS
// numbers) and rounded to float32 once, on the final store.
//
// The matrix product is register-blocked (4 rows of the result at a time) and cache-blocked over k, and reads a
// transposed operand in place (C = Aᵀ·B and C = A·Bᵀ have their own loops, so the backward pass never copies).

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

/** C[m,n] = A[m,k] · B[k,n] */
export function matmulNN(A: F32, B: F32, C: F32, m: number, k: number, n: number): void {
  const acc = scratch64(m * n);
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
      const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
      for (let p = k0; p < k1; p++) {
        const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
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
      const c0 = i * n, a0 = i * k;
      for (let p = k0; p < k1; p++) {
        const x0 = A[a0 + p];
        const b = p * n;
        for (let j = 0; j < n; j++) acc[c0 + j] += x0 * B[b + j];
      }
    }
  }
  for (let t = 0; t < m * n; t++) C[t] = acc[t];
}

/** C[m,n] = Aᵀ · B with A stored as [k, m] and B as [k, n]. */
export function matmulTN(A: F32, B: F32, C: F32, m: number, k: number, n: number): void {
  const acc = scratch64(m * n);
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    for (let p = 0; p < k; p++) {
      const a = p * m + i;
      const x0 = A[a], x1 = A[a + 1], x2 = A[a + 2], x3 = A[a + 3];
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
    for (let p = 0; p < k; p++) {
      const x0 = A[p * m + i];
      const b = p * n;
      for (let j = 0; j < n; j++) acc[c0 + j] += x0 * B[b + j];
    }
  }
  for (let t = 0; t < m * n; t++) C[t] = acc[t];
}

/** C[m,n] = A · Bᵀ with A stored as [m, k] and B as [n, k]: dot products of rows. */
export function matmulNT(A: F32, B: F32, C: F32, m: number, k: number, n: number): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    for (let j = 0; j < n; j++) {
      const b = j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const y = B[b + p];
        s0 += A[a0 + p] * y;
        s1 += A[a1 + p] * y;
        s2 += A[a2 + p] * y;
        s3 += A[a3 + p] * y;
      }
      C[i * n + j] = s0;
      C[(i + 1) * n + j] = s1;
      C[(i + 2) * n + j] = s2;
      C[(i + 3) * n + j] = s3;
    }
  }
  for (; i < m; i++) {
    const a0 = i * k;
    for (let j = 0; j < n; j++) {
      const b = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[a0 + p] * B[b + p];
      C[i * n + j] = s;
    }
  }
}

/** Bᵀ of A [m, n] into B [n, m]. */
export function transpose2(A: F32, B: F32, m: number, n: number): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) B[j * m + i] = A[i * n + j];
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

/** softmax or log-softmax of each row (axis 1) or column (axis 0), the maximum subtracted first. */
export function softmax(X: F32, Y: F32, rows: number, cols: number, axis: number, log: boolean): void {
  const outer = axis === 1 ? rows : cols;
  const inner = axis === 1 ? cols : rows;
  const at = axis === 1 ? (o: number, t: number) => o * cols + t : (o: number, t: number) => t * cols + o;
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
  const outer = axis === 1 ? rows : cols;
  const inner = axis === 1 ? cols : rows;
  const at = axis === 1 ? (o: number, t: number) => o * cols + t : (o: number, t: number) => t * cols + o;
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
