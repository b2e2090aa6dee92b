// Convolution and pooling on the host: loops over NHWC typed arrays (Float32Array, or Float64Array for gradient
// checks). The wasm backend has its own (src/backend/wasm/assembly/kernels.ts: im2col, col2im, pool).
//
// In:  buffers and a ConvGeometry (src/backend/lower.ts). Out: the result written into `out` (nothing allocated).
// Indexing: x[n, i, j, c] = x[((n·H + i)·W + j)·C + c], K[a, b, c, f] = K[((a·kw + b)·C + c)·F + f]; output
// position (i, j) reads input (i·stride + a − pad, j·stride + b − pad); reads outside the image are zeros.
// A window's maximum is its first one in row-major order (the gradient goes there alone), as argmax_mask does.

import type { ConvGeometry } from './lower.js';

type Buf = Float32Array | Float64Array;

/**
 * Every filter tap that lands inside the image: visit(o, xo, ko) with o the output pixel's offset in
 * [B, Ho, Wo, F], xo the input pixel's offset in [B, H, W, C], ko the tap's offset in K [kh, kw, C, F].
 */
function eachTap(g: ConvGeometry, visit: (o: number, xo: number, ko: number) => void): void {
  const { B, H, W, C, kh, kw, F, Ho, Wo, stride, pad } = g;
  for (let n = 0; n < B; n++) {
    for (let oi = 0; oi < Ho; oi++) {
      for (let oj = 0; oj < Wo; oj++) {
        const o = ((n * Ho + oi) * Wo + oj) * F;
        for (let a = 0; a < kh; a++) {
          const i = oi * stride + a - pad;
          if (i < 0 || i >= H) continue;
          for (let b = 0; b < kw; b++) {
            const j = oj * stride + b - pad;
            if (j >= 0 && j < W) visit(o, ((n * H + i) * W + j) * C, (a * kw + b) * C * F);
          }
        }
      }
    }
  }
}

/**
 * out = conv2d(x, K) (the js backend's direct loops; the wasm backend uses im2col and its SIMD product). Each output
 * pixel's channels are summed in float64 and rounded once (taps come grouped by output pixel).
 */
export function convForward(x: Buf, K: Buf, out: Buf, g: ConvGeometry): void {
  const { C, F } = g;
  const acc = new Float64Array(F);
  let at = -1;
  const flush = () => {
    if (at >= 0) for (let f = 0; f < F; f++) out[at + f] = acc[f];
    acc.fill(0);
  };
  out.fill(0);
  eachTap(g, (o, xo, ko) => {
    if (o !== at) (flush(), (at = o));
    for (let c = 0; c < C; c++) {
      const xv = x[xo + c];
      for (let f = 0, kc = ko + c * F; f < F; f++) acc[f] += xv * K[kc + f];
    }
  });
  flush();
}

/** out = conv2d_transpose(grad, K): each output gradient spread back over its window through K. */
export function convInput(grad: Buf, K: Buf, out: Buf, g: ConvGeometry): void {
  const { C, F } = g;
  out.fill(0);
  eachTap(g, (o, xo, ko) => {
    for (let c = 0; c < C; c++) {
      let acc = 0;
      for (let f = 0, kc = ko + c * F; f < F; f++) acc += grad[o + f] * K[kc + f];
      out[xo + c] += acc;
    }
  });
}

/** out = conv2d_backprop_filter(x, grad): Σ over images and positions of the window of x times grad, in float64. */
export function convFilter(x: Buf, grad: Buf, out: Buf, g: ConvGeometry): void {
  const { C, F } = g;
  const acc = new Float64Array(out.length);
  eachTap(g, (o, xo, ko) => {
    for (let c = 0; c < C; c++) {
      const xv = x[xo + c];
      for (let f = 0, kc = ko + c * F; f < F; f++) acc[kc + f] += xv * grad[o + f];
    }
  });
  out.set(acc);
}

/** Every pooling window (no padding: windows lie inside): visit(o, x0), o the output pixel's offset in [B, Ho, Wo, C], x0 the window's first pixel in [B, H, W, C]. */
function eachWindow(g: ConvGeometry, visit: (o: number, x0: number) => void): void {
  const { B, H, W, C, Ho, Wo, stride } = g;
  for (let n = 0; n < B; n++) {
    for (let oi = 0; oi < Ho; oi++) for (let oj = 0; oj < Wo; oj++) visit(((n * Ho + oi) * Wo + oj) * C, ((n * H + oi * stride) * W + oj * stride) * C);
  }
}

/** Forward pooling: out [B, Ho, Wo, C] = the max or mean of each window. */
export function poolForward(op: 'max' | 'avg', x: Buf, out: Buf, g: ConvGeometry): void {
  const { W, C, kh, kw } = g;
  const scale = 1 / (kh * kw);
  eachWindow(g, (o, x0) => {
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
  });
}

/** Pooling's gradient: out [B, H, W, C] gets each window's gradient at its first maximum (max) or spread evenly (avg). */
export function poolBackward(op: 'max' | 'avg', x: Buf | undefined, grad: Buf, out: Buf, g: ConvGeometry): void {
  const { W, C, kh, kw } = g;
  const scale = 1 / (kh * kw);
  out.fill(0);
  eachWindow(g, (o, x0) => {
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
  });
}
