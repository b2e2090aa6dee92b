// Convolution and pooling on the host: loops over NHWC typed arrays (Float32Array, or Float64Array for gradient
// checks), and the im2col/col2im copies that turn a convolution into one matrix product (the wasm backend's path).
//
// In:  buffers and a ConvGeometry (src/backend/lower.ts). Out: the result written into `out` (nothing allocated).
// Indexing: x[n, i, j, c] = x[((n·H + i)·W + j)·C + c], K[a, b, c, f] = K[((a·kw + b)·C + c)·F + f]; output
// position (i, j) reads input (i·stride + a − pad, j·stride + b − pad); reads outside the image are zeros.
// A window's maximum is its first one in row-major order (the gradient goes there alone), as argmax_mask does.

import type { ConvGeometry } from './lower.js';

type Buf = Float32Array | Float64Array;

/** out = conv2d(x, K): direct loops (the js backend; the wasm backend uses im2col and its SIMD product). */
export function convForward(x: Buf, K: Buf, out: Buf, g: ConvGeometry): void {
  const { B, H, W, C, kh, kw, F, Ho, Wo, stride, pad } = g;
  out.fill(0);
  for (let n = 0; n < B; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        const o = ((n * Ho + oi) * Wo + oj) * F;
        for (let a = 0; a < kh; a++) {
          const i = oi * stride + a - pad;
          if (i < 0 || i >= H) continue;
          for (let b = 0; b < kw; b++) {
            const j = oj * stride + b - pad;
            if (j < 0 || j >= W) continue;
            const xo = ((n * H + i) * W + j) * C;
            const ko = (a * kw + b) * C * F;
            for (let c = 0; c < C; c++) {
              const xv = x[xo + c];
              const kc = ko + c * F;
              for (let f = 0; f < F; f++) out[o + f] += xv * K[kc + f];
            }
          }
        }
      }
    }
  }
}

/** out = conv2d_transpose(grad, K): each output gradient spread back over its window through K. */
export function convInput(grad: Buf, K: Buf, out: Buf, g: ConvGeometry): void {
  const { B, H, W, C, kh, kw, F, Ho, Wo, stride, pad } = g;
  out.fill(0);
  for (let n = 0; n < B; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        const o = ((n * Ho + oi) * Wo + oj) * F;
        for (let a = 0; a < kh; a++) {
          const i = oi * stride + a - pad;
          if (i < 0 || i >= H) continue;
          for (let b = 0; b < kw; b++) {
            const j = oj * stride + b - pad;
            if (j < 0 || j >= W) continue;
            const xo = ((n * H + i) * W + j) * C;
            const ko = (a * kw + b) * C * F;
            for (let c = 0; c < C; c++) {
              let acc = 0;
              const kc = ko + c * F;
              for (let f = 0; f < F; f++) acc += grad[o + f] * K[kc + f];
              out[xo + c] += acc;
            }
          }
        }
      }
    }
  }
}

/** out = conv2d_backprop_filter(x, grad): Σ over images and positions of the window of x times grad. */
export function convFilter(x: Buf, grad: Buf, out: Buf, g: ConvGeometry): void {
  const { B, H, W, C, kh, kw, F, Ho, Wo, stride, pad } = g;
  out.fill(0);
  for (let n = 0; n < B; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        const o = ((n * Ho + oi) * Wo + oj) * F;
        for (let a = 0; a < kh; a++) {
          const i = oi * stride + a - pad;
          if (i < 0 || i >= H) continue;
          for (let b = 0; b < kw; b++) {
            const j = oj * stride + b - pad;
            if (j < 0 || j >= W) continue;
            const xo = ((n * H + i) * W + j) * C;
            const ko = (a * kw + b) * C * F;
            for (let c = 0; c < C; c++) {
              const xv = x[xo + c];
              const kc = ko + c * F;
              for (let f = 0; f < F; f++) out[kc + f] += xv * grad[o + f];
            }
          }
        }
      }
    }
  }
}

/**
 * Rows `r0 ≤ r < r1` of the patch matrix P [B·Ho·Wo, kh·kw·C]: row (n, oi, oj) holds the window of x at that
 * output, in K's order (a, b, c), zeros outside the image. Then conv2d(x, K) = P @ K as [kh·kw·C, F].
 */
export function im2col(x: Buf, P: Buf, g: ConvGeometry, r0 = 0, r1 = g.B * g.Ho * g.Wo): void {
  const { H, W, C, kh, kw, Ho, Wo, stride, pad } = g;
  const width = kh * kw * C;
  for (let r = r0; r < r1; r++) {
    const oj = r % Wo;
    const t = (r - oj) / Wo;
    const oi = t % Ho;
    const n = (t - oi) / Ho;
    let p = r * width;
    for (let a = 0; a < kh; a++) {
      const i = oi * stride + a - pad;
      const inside = i >= 0 && i < H;
      for (let b = 0; b < kw; b++, p += C) {
        const j = oj * stride + b - pad;
        if (!inside || j < 0 || j >= W) {
          P.fill(0, p, p + C);
          continue;
        }
        const xo = ((n * H + i) * W + j) * C;
        if (C === 1) P[p] = x[xo];
        else P.set(x.subarray(xo, xo + C), p);
      }
    }
  }
}

/** The adjoint of im2col: out [B, H, W, C] = Σ of the patch rows' entries at the positions they were read from. */
export function col2im(P: Buf, out: Buf, g: ConvGeometry): void {
  const { B, H, W, C, kh, kw, Ho, Wo, stride, pad } = g;
  out.fill(0);
  let p = 0;
  for (let n = 0; n < B; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        for (let a = 0; a < kh; a++) {
          const i = oi * stride + a - pad;
          for (let b = 0; b < kw; b++, p += C) {
            const j = oj * stride + b - pad;
            if (i < 0 || i >= H || j < 0 || j >= W) continue;
            const xo = ((n * H + i) * W + j) * C;
            for (let c = 0; c < C; c++) out[xo + c] += P[p + c];
          }
        }
      }
    }
  }
}

/** Forward pooling: out [B, Ho, Wo, C] = the max or mean of each window (windows lie inside: no padding). */
export function poolForward(op: 'max' | 'avg', x: Buf, out: Buf, g: ConvGeometry): void {
  const { B, H, W, C, kh, kw, Ho, Wo, stride } = g;
  const scale = 1 / (kh * kw);
  for (let n = 0; n < B; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        const o = ((n * Ho + oi) * Wo + oj) * C;
        const x0 = ((n * H + oi * stride) * W + oj * stride) * C;
        for (let c = 0; c < C; c++) {
          let acc = op === 'max' ? x[x0 + c] : 0;
          for (let a = 0; a < kh; a++) {
            for (let b = 0; b < kw; b++) {
              const v = x[x0 + (a * W + b) * C + c];
              if (op === 'max') {
                if (v > acc) acc = v;
              } else acc += v;
            }
          }
          out[o + c] = op === 'max' ? acc : acc * scale;
        }
      }
    }
  }
}

/** Pooling's gradient: out [B, H, W, C] gets each window's gradient at its first maximum (max) or spread evenly (avg). */
export function poolBackward(op: 'max' | 'avg', x: Buf | undefined, grad: Buf, out: Buf, g: ConvGeometry): void {
  const { B, H, W, C, kh, kw, Ho, Wo, stride } = g;
  const scale = 1 / (kh * kw);
  out.fill(0);
  for (let n = 0; n < B; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        const o = ((n * Ho + oi) * Wo + oj) * C;
        const x0 = ((n * H + oi * stride) * W + oj * stride) * C;
        for (let c = 0; c < C; c++) {
          if (op === 'avg') {
            const v = grad[o + c] * scale;
            for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) out[x0 + (a * W + b) * C + c] += v;
            continue;
          }
          let at = x0 + c;
          let best = x![at];
          for (let a = 0; a < kh; a++) {
            for (let b = 0; b < kw; b++) {
              const p = x0 + (a * W + b) * C + c;
              if (x![p] > best) (best = x![p]), (at = p);
            }
          }
          out[at] += grad[o + c];
        }
      }
    }
  }
}
