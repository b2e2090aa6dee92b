// Float32 kernels of the wasm backend, in AssemblyScript, compiled with 128-bit SIMD (f32x4) by
// scripts/build-wasm.mjs into src/backend/wasm/kernels-wasm.ts. Not TypeScript: excluded from tsconfig.json.
//
// Memory: imported (env.memory); every pointer is a byte offset given by the caller (src/backend/wasm/wasm.ts),
// which plans all buffers. The module has no data, no heap and no stack of its own, so several threads can run it
// on one shared memory at once, each with its own `scratch` area (scratchBytes() bytes).
//
// The matrix product C = op(A)·op(B) (op: as stored, or transposed; both read in place) is Goto-style:
//   for column blocks jc (NC) · for depth blocks pc (KC): pack op(B)[pc.., jc..] into 8-column panels
//     for row blocks ic (MC) · for each 8-column panel · for each 4 rows: the 4×8 micro-kernel
// The micro-kernel keeps a 4×8 block of C in 8 f32x4 accumulators; per depth step it loads 8 floats of the packed
// panel and splats one float of each of 4 rows of A, read in place with a stride (so Aᵀ costs nothing). Packing
// turns Bᵀ into the same panels (4×4 transposes), so one micro-kernel serves NN, TN, NT and TT.
// Every element of C is the same sequence of float32 multiply-adds (k in order, restarting at each KC block and
// added to C) whatever rows/columns a call is given, so splitting C between threads gives identical results.
// An optional epilogue folds the elementwise step after a product into it (bias add, relu, relu-backward mask),
// and colsum is the bias gradient (a sum over the batch), both bitwise as the JS loops they replace.

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 256;
const NC: i32 = 512;
const BP_BYTES: usize = <usize>(KC * NC * 4);
const TILE_BYTES: usize = <usize>(MR * NR * 4);

/** Bytes of scratch one thread needs for gemm (packed panels and an edge tile). */
export function scratchBytes(): i32 {
  return <i32>(BP_BYTES + TILE_BYTES + 64);
}

@inline function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

@inline function ptr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/**
 * C[4×8] (= or +=) A[4×kc] · Bp[kc×8]: row r of A at depth p is the float at a_r + p·cs (A is read in place: cs is 4
 * bytes for a row-major A, a row of floats for a transposed one); Bp is a packed panel; ldc in bytes.
 */
@inline function micro4x8(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, cs: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a3);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    a0 += cs;
    a1 += cs;
    a2 += cs;
    a3 += cs;
    b += 32;
  }
  if (accumulate) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c + ldc), c10);
    c11 = f32x4.add(v128.load(c + ldc, 16), c11);
    c20 = f32x4.add(v128.load(c + 2 * ldc), c20);
    c21 = f32x4.add(v128.load(c + 2 * ldc, 16), c21);
    c30 = f32x4.add(v128.load(c + 3 * ldc), c30);
    c31 = f32x4.add(v128.load(c + 3 * ldc, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ldc;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ldc;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ldc;
  v128.store(c, c30);
  v128.store(c, c31, 16);
}

/** Pack op(B)[pc..pc+kc, jc..jc+nc] into 8-column panels (kc×8 each, zero-padded). */
function packB(tB: bool, B: usize, n: i32, k: i32, pc: i32, kc: i32, jc: i32, nc: i32, Bp: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = imin(NR, nc - jr);
    const j = jc + jr;
    let dst = Bp + <usize>(jr * kc * 4);
    if (!tB) {
      // B stored [k, n]: row p of a panel is 8 consecutive floats.
      let src = ptr(B, pc * n + j);
      const stride = <usize>n << 2;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += stride;
          dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), c < cols ? load<f32>(src + (<usize>c << 2)) : 0);
          src += stride;
          dst += 32;
        }
      }
    } else {
      // B stored [n, k] (op(B) = Bᵀ read in place): column j of op(B) is row j of B.
      if (cols == NR) {
        const rs = <usize>k << 2;
        const s0 = ptr(B, j * k + pc);
        let p = 0;
        for (; p + 3 < kc; p += 4) {
          const o = <usize>p << 2;
          // 4×4 transposes of rows j..j+3 and j+4..j+7, 4 depths at a time.
          const r0 = v128.load(s0 + o), r1 = v128.load(s0 + rs + o), r2 = v128.load(s0 + 2 * rs + o), r3 = v128.load(s0 + 3 * rs + o);
          const r4 = v128.load(s0 + 4 * rs + o), r5 = v128.load(s0 + 5 * rs + o), r6 = v128.load(s0 + 6 * rs + o), r7 = v128.load(s0 + 7 * rs + o);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const u0 = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5), u1 = v128.shuffle<f32>(r6, r7, 0, 4, 1, 5);
          const u2 = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7), u3 = v128.shuffle<f32>(r6, r7, 2, 6, 3, 7);
          v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(dst, v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), 16);
          v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
          v128.store(dst, v128.shuffle<f32>(u0, u1, 2, 3, 6, 7), 48);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
          v128.store(dst, v128.shuffle<f32>(u2, u3, 0, 1, 4, 5), 80);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
          v128.store(dst, v128.shuffle<f32>(u2, u3, 2, 3, 6, 7), 112);
          dst += 128;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), load<f32>(s0 + <usize>c * rs + o));
          dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), c < cols ? load<f32>(ptr(B, (j + c) * k + pc + p)) : 0);
          dst += 32;
        }
      }
    }
  }
}

/**
 * Rows i0..i1 and columns j0..j1 of C[m, n] = op(A)[m, k] · op(B)[k, n], C row-major, then the epilogue below.
 * tA: A is stored [k, m] (op(A) = Aᵀ); otherwise [m, k]. tB: B is stored [n, k]; otherwise [k, n].
 */
export function gemm(tA: bool, tB: bool, m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize, bias: usize, H: usize, mask: usize): void {
  product(tA, tB, m, n, k, A, B, C, i0, i1, j0, j1, scratch);
  if (bias != 0 || H != 0 || mask != 0) epilogue(n, C, i0, i1, j0, j1, bias, H, mask);
}

/**
 * Over rows i0..i1 and columns j0..j1 of C[·, n], each part where its pointer is not 0:
 *   C[i, j] += bias[j];   C[i, j] *= step(mask[i, j]);   H[i, j] = relu(C[i, j]).
 * The arithmetic of the JS loops it replaces: a float32 add; a multiply by (z > 0 ? 1 : 0); (x > 0 ? x : 0), so NaN
 * and −0 give +0.
 */
function epilogue(n: i32, C: usize, i0: i32, i1: i32, j0: i32, j1: i32, bias: usize, H: usize, mask: usize): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  for (let i = i0; i < i1; i++) {
    const c = ptr(C, i * n);
    const h = ptr(H, i * n);
    const z = ptr(mask, i * n);
    let j = j0;
    for (; j + 3 < j1; j += 4) {
      const o = <usize>j << 2;
      let v = v128.load(c + o);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + o));
      if (mask != 0) v = f32x4.mul(v, v128.bitselect(one, zero, f32x4.gt(v128.load(z + o), zero)));
      v128.store(c + o, v);
      if (H != 0) v128.store(h + o, f32x4.pmax(zero, v));
    }
    for (; j < j1; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(c + o);
      if (bias != 0) v = v + load<f32>(bias + o);
      if (mask != 0) v = v * (load<f32>(z + o) > 0 ? <f32>1 : <f32>0);
      store<f32>(c + o, v);
      if (H != 0) store<f32>(h + o, v > 0 ? v : 0);
    }
  }
}

/**
 * Y[c] = Σ_r X[r, c] for every column of X[rows, cols] (a bias gradient: sum over the batch), accumulated in
 * float64 in row order and rounded once, exactly as the JS reduction does it.
 */
export function colsum(X: usize, Y: usize, rows: i32, cols: i32): void {
  let c = 0;
  for (; c + 3 < cols; c += 4) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    let x = ptr(X, c);
    const stride = <usize>cols << 2;
    for (let r = 0; r < rows; r++) {
      const v = v128.load(x);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
      x += stride;
    }
    v128.store(ptr(Y, c), v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
  }
  for (; c < cols; c++) {
    let s: f64 = 0;
    for (let r = 0; r < rows; r++) s += <f64>load<f32>(ptr(X, r * cols + c));
    store<f32>(ptr(Y, c), <f32>s);
  }
}

function product(tA: bool, tB: bool, m: i32, n: i32, k: i32, A: usize, B: usize, C: usize, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize): void {
  const Bp = (scratch + 63) & ~(<usize>63);
  const tile = Bp + BP_BYTES;
  const ldc = <usize>n << 2;
  if (k == 0) {
    for (let i = i0; i < i1; i++) memory.fill(ptr(C, i * n + j0), 0, <usize>(j1 - j0) << 2);
    return;
  }
  // A(i, p) at A + i·rs + p·cs (bytes).
  const rs: usize = tA ? 4 : <usize>k << 2;
  const cs: usize = tA ? <usize>m << 2 : 4;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = imin(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = imin(KC, k - pc);
      const acc = pc > 0;
      packB(tB, B, n, k, pc, kc, jc, nc, Bp);
      const ap = A + <usize>pc * cs;
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = imin(MC, i1 - ic);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = imin(NR, nc - jr);
          const bp = Bp + <usize>(jr * kc * 4);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = imin(MR, mc - ir);
            const i = ic + ir;
            const a0 = ap + <usize>i * rs;
            const c = ptr(C, i * n + jc + jr);
            if (rows == MR && cols == NR) {
              micro4x8(kc, a0, a0 + rs, a0 + 2 * rs, a0 + 3 * rs, cs, bp, c, ldc, acc);
            } else {
              // Edge tile: the same micro-kernel on a 4×8 tile (missing rows repeat row i), then the valid part.
              if (acc) {
                for (let r = 0; r < MR; r++)
                  for (let q = 0; q < NR; q++)
                    store<f32>(tile + <usize>((r * NR + q) << 2), r < rows && q < cols ? load<f32>(c + <usize>r * ldc + (<usize>q << 2)) : 0);
              }
              const a1 = rows > 1 ? a0 + rs : a0, a2 = rows > 2 ? a0 + 2 * rs : a0, a3 = rows > 3 ? a0 + 3 * rs : a0;
              micro4x8(kc, a0, a1, a2, a3, cs, bp, tile, <usize>(NR << 2), acc);
              for (let r = 0; r < rows; r++)
                for (let q = 0; q < cols; q++) store<f32>(c + <usize>r * ldc + (<usize>q << 2), load<f32>(tile + <usize>((r * NR + q) << 2)));
            }
          }
        }
      }
    }
  }
}

@inline function lo64(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

@inline function hi64(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
}

@inline function join32(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * Adam's update in place over n floats of P (parameter), M and V (moments) from the gradient G:
 *   m ← β₁m + c₁g,  v ← β₂v + c₂g²,  p ← p − α·m/(√v + ε)      (c₁ = 1 − β₁, c₂ = 1 − β₂, given by the caller)
 * Each new value is computed in float64 from the stored float32 values and rounded once when stored, m and v
 * before p reads them: exactly the JS loop's arithmetic (adamUpdate in src/nn/adam.ts), so results are
 * bitwise the same (a NaN's sign bit aside).
 */
export function adam(P: usize, G: usize, M: usize, V: usize, n: i32, alpha: f64, b1: f64, c1: f64, b2: f64, c2: f64, eps: f64): void {
  const vb1 = f64x2.splat(b1), vc1 = f64x2.splat(c1), vb2 = f64x2.splat(b2), vc2 = f64x2.splat(c2);
  const va = f64x2.splat(alpha), ve = f64x2.splat(eps);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(G + o);
    const m = v128.load(M + o);
    const v = v128.load(V + o);
    const p = v128.load(P + o);
    const gl = lo64(g), gh = hi64(g);
    const m1 = join32(f64x2.add(f64x2.mul(vb1, lo64(m)), f64x2.mul(vc1, gl)), f64x2.add(f64x2.mul(vb1, hi64(m)), f64x2.mul(vc1, gh)));
    const v1 = join32(f64x2.add(f64x2.mul(vb2, lo64(v)), f64x2.mul(vc2, f64x2.mul(gl, gl))), f64x2.add(f64x2.mul(vb2, hi64(v)), f64x2.mul(vc2, f64x2.mul(gh, gh))));
    v128.store(M + o, m1);
    v128.store(V + o, v1);
    const pl = f64x2.sub(lo64(p), f64x2.div(f64x2.mul(va, lo64(m1)), f64x2.add(f64x2.sqrt(lo64(v1)), ve)));
    const ph = f64x2.sub(hi64(p), f64x2.div(f64x2.mul(va, hi64(m1)), f64x2.add(f64x2.sqrt(hi64(v1)), ve)));
    v128.store(P + o, join32(pl, ph));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = <f64>load<f32>(G + o);
    const m = <f32>(b1 * <f64>load<f32>(M + o) + c1 * g);
    const v = <f32>(b2 * <f64>load<f32>(V + o) + c2 * (g * g));
    store<f32>(M + o, m);
    store<f32>(V + o, v);
    store<f32>(P + o, <f32>(<f64>load<f32>(P + o) - (alpha * <f64>m) / (Math.sqrt(<f64>v) + eps)));
  }
}

// ── convolution and pooling helpers (NHWC images; src/backend/conv-kernels.ts has the same loops in JS) ──────────
// x[n, i, j, c] is float (((n·H + i)·W + j)·C + c). Channels are contiguous, so the f32x4 loops run over c.

/** Copy `count` floats (the channels of one pixel) from src to dst. */
@inline function copyFloats(dst: usize, src: usize, count: i32): void {
  if (count == 1) store<f32>(dst, load<f32>(src));
  else memory.copy(dst, src, <usize>count << 2);
}

/**
 * Rows r0 ≤ r < r1 of the patch matrix P [B·Ho·Wo, kh·kw·C]: row (n, oi, oj) holds the window of X at that output,
 * in filter order (a, b, c), zeros outside the image (so conv2d(X, K) = P·K).
 */
export function im2col(X: usize, P: usize, H: i32, W: i32, C: i32, kh: i32, kw: i32, Ho: i32, Wo: i32, stride: i32, pad: i32, r0: i32, r1: i32): void {
  const width = kh * kw * C;
  const bytes = <usize>C << 2;
  for (let r = r0; r < r1; r++) {
    const oj = r % Wo;
    const t = r / Wo;
    const oi = t % Ho;
    const n = t / Ho;
    let p = ptr(P, r * width);
    for (let a = 0; a < kh; a++) {
      const i = oi * stride + a - pad;
      const inside = i >= 0 && i < H;
      for (let b = 0; b < kw; b++) {
        const j = oj * stride + b - pad;
        if (!inside || j < 0 || j >= W) memory.fill(p, 0, bytes);
        else copyFloats(p, ptr(X, ((n * H + i) * W + j) * C), C);
        p += bytes;
      }
    }
  }
}

/** Images n0 ≤ n < n1 of X [B, H, W, C] = the adjoint of im2col: each patch entry added back where it was read. */
export function col2im(P: usize, X: usize, H: i32, W: i32, C: i32, kh: i32, kw: i32, Ho: i32, Wo: i32, stride: i32, pad: i32, n0: i32, n1: i32): void {
  const width = kh * kw * C;
  memory.fill(ptr(X, n0 * H * W * C), 0, <usize>((n1 - n0) * H * W * C) << 2);
  for (let n = n0; n < n1; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        let p = ptr(P, ((n * Ho + oi) * Wo + oj) * width);
        for (let a = 0; a < kh; a++) {
          const i = oi * stride + a - pad;
          for (let b = 0; b < kw; b++) {
            const j = oj * stride + b - pad;
            if (i >= 0 && i < H && j >= 0 && j < W) {
              const x = ptr(X, ((n * H + i) * W + j) * C);
              let c = 0;
              for (; c + 3 < C; c += 4) v128.store(x + (<usize>c << 2), f32x4.add(v128.load(x + (<usize>c << 2)), v128.load(p + (<usize>c << 2))));
              for (; c < C; c++) store<f32>(x + (<usize>c << 2), load<f32>(x + (<usize>c << 2)) + load<f32>(p + (<usize>c << 2)));
            }
            p += <usize>C << 2;
          }
        }
      }
    }
  }
}

/**
 * Pooling of images n0 ≤ n < n1 over size×size windows moved by `stride` (no padding). op 0: max, 1: mean.
 * Forward: Y [B, Ho, Wo, C] from X. Backward: Y [B, H, W, C] (zeroed first) gets each window's gradient G at its
 * first maximum in X (max) or spread evenly (mean).
 */
export function pool(op: i32, backward: bool, X: usize, G: usize, Y: usize, H: i32, W: i32, C: i32, size: i32, stride: i32, Ho: i32, Wo: i32, n0: i32, n1: i32): void {
  const scale: f32 = <f32>1 / <f32>(size * size);
  const row = <usize>(W * C) << 2;
  const px = <usize>C << 2;
  if (backward) memory.fill(ptr(Y, n0 * H * W * C), 0, <usize>((n1 - n0) * H * W * C) << 2);
  for (let n = n0; n < n1; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        const o = ((n * Ho + oi) * Wo + oj) * C;
        const w0 = <usize>(((n * H + oi * stride) * W + oj * stride) * C) << 2;
        let c = 0;
        for (; c + 3 < C; c += 4) {
          const cb = <usize>c << 2;
          if (!backward) {
            let acc = op == 0 ? v128.load(X + w0 + cb) : f32x4.splat(0);
            for (let a = 0; a < size; a++) {
              for (let b = 0; b < size; b++) {
                const v = v128.load(X + w0 + <usize>a * row + <usize>b * px + cb);
                acc = op == 0 ? v128.bitselect(v, acc, f32x4.gt(v, acc)) : f32x4.add(acc, v);
              }
            }
            v128.store(ptr(Y, o + c), op == 0 ? acc : f32x4.mul(acc, f32x4.splat(scale)));
          } else if (op == 0) {
            // per lane: the first maximum's offset in the window
            let best = v128.load(X + w0 + cb);
            let at = i32x4.splat(0);
            for (let a = 0; a < size; a++) {
              for (let b = 0; b < size; b++) {
                const off = <usize>a * row + <usize>b * px;
                const v = v128.load(X + w0 + off + cb);
                const gt = f32x4.gt(v, best);
                best = v128.bitselect(v, best, gt);
                at = v128.bitselect(i32x4.splat(<i32>off), at, gt);
              }
            }
            const g = v128.load(ptr(G, o + c));
            let y = Y + w0 + cb + <usize>i32x4.extract_lane(at, 0);
            store<f32>(y, load<f32>(y) + f32x4.extract_lane(g, 0));
            y = Y + w0 + cb + 4 + <usize>i32x4.extract_lane(at, 1);
            store<f32>(y, load<f32>(y) + f32x4.extract_lane(g, 1));
            y = Y + w0 + cb + 8 + <usize>i32x4.extract_lane(at, 2);
            store<f32>(y, load<f32>(y) + f32x4.extract_lane(g, 2));
            y = Y + w0 + cb + 12 + <usize>i32x4.extract_lane(at, 3);
            store<f32>(y, load<f32>(y) + f32x4.extract_lane(g, 3));
          } else {
            const g = f32x4.mul(v128.load(ptr(G, o + c)), f32x4.splat(scale));
            for (let a = 0; a < size; a++) {
              for (let b = 0; b < size; b++) {
                const y = Y + w0 + <usize>a * row + <usize>b * px + cb;
                v128.store(y, f32x4.add(v128.load(y), g));
              }
            }
          }
        }
        for (; c < C; c++) {
          const cb = <usize>c << 2;
          if (!backward) {
            let acc: f32 = op == 0 ? load<f32>(X + w0 + cb) : 0;
            for (let a = 0; a < size; a++) {
              for (let b = 0; b < size; b++) {
                const v = load<f32>(X + w0 + <usize>a * row + <usize>b * px + cb);
                if (op == 0) {
                  if (v > acc) acc = v;
                } else acc += v;
              }
            }
            store<f32>(ptr(Y, o + c), op == 0 ? acc : acc * scale);
          } else if (op == 0) {
            let best = load<f32>(X + w0 + cb);
            let at: usize = 0;
            for (let a = 0; a < size; a++) {
              for (let b = 0; b < size; b++) {
                const off = <usize>a * row + <usize>b * px;
                const v = load<f32>(X + w0 + off + cb);
                if (v > best) {
                  best = v;
                  at = off;
                }
              }
            }
            const y = Y + w0 + cb + at;
            store<f32>(y, load<f32>(y) + load<f32>(ptr(G, o + c)));
          } else {
            const g = load<f32>(ptr(G, o + c)) * scale;
            for (let a = 0; a < size; a++) {
              for (let b = 0; b < size; b++) {
                const y = Y + w0 + <usize>a * row + <usize>b * px + cb;
                store<f32>(y, load<f32>(y) + g);
              }
            }
          }
        }
      }
    }
  }
}

/** Y[i] = A[i]·step(Z[i]) (1 where Z > 0, else 0) over n floats: relu's backward where no product could take it. */
export function stepmask(Y: usize, A: usize, Z: usize, n: i32): void {
  let i = 0;
  const zero = f32x4.splat(0);
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(Y + o, v128.and(v128.load(A + o), f32x4.gt(v128.load(Z + o), zero)));
  }
  for (; i < n; i++) store<f32>(ptr(Y, i), load<f32>(ptr(Z, i)) > 0 ? load<f32>(ptr(A, i)) : 0);
}
