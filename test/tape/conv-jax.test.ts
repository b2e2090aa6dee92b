// The convolution ops' values and VJPs (the tape, float64) against jax-js (lax.conv_general_dilated and
// reduce_window, float32, through test/util/jax-conv.ts), on shapes drawn from a fixed seed: stride 1 and 2, pad 0
// and 'same' ((k − 1)/2) with odd and even input sizes, 1×1 kernels, batch 1, cin = 1 and cin > 1, non-square
// inputs; pooling windows of 2 and 3, overlapping or not. Tolerance: float32 against float64, 2e-5 of the largest
// magnitude (plus 1e-6).
import { describe, expect, it } from 'vitest';
import { compile, type CompiledTensor } from '../../src/index.js';
import { avgPool2dVjp, conv2dVjp, maxPool2dVjp } from '../util/jax-conv.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}
const r = rng(2026);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const randomArray = (n: number) => Float64Array.from({ length: n }, () => r() * 2 - 1);

function close(label: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length, label).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > 2e-5 * scale + 1e-6) expect(got[i], `${label}[${i}]`).toBeCloseTo(want[i], 5);
  }
}

/** Our value and gradients of sum(R · f(X[, K])) in float64. */
function ours(src: string, shapes: Record<string, number[]>, vals: Record<string, Float64Array>, wrt: string[]) {
  const c = compile(`${src}`, { shapes, wrt, dtype: 'float64', keep: ['y'] }) as CompiledTensor;
  const g = c.gradient(vals);
  return { y: c.valueOf('y').slice(), grads: g.gradient };
}

// Conv configurations: [batch, H, W, cin, kh, kw, cout, stride, pad]; every class the issue lists, then random ones.
const CONVS: number[][] = [
  [2, 7, 7, 3, 3, 3, 4, 1, 0], // valid, odd size
  [2, 8, 8, 3, 3, 3, 4, 1, 1], // same, even size
  [1, 9, 9, 1, 3, 3, 2, 1, 1], // same, odd size, batch 1, cin 1
  [2, 8, 6, 2, 3, 3, 3, 2, 0], // stride 2, even
  [1, 9, 7, 2, 3, 3, 2, 2, 1], // stride 2, pad 1, odd
  [3, 5, 4, 4, 1, 1, 3, 1, 0], // 1×1
  [1, 6, 6, 1, 5, 5, 2, 1, 2], // 5×5 same
];
for (let t = 0; t < 5; t++) {
  const k = pick([1, 2, 3, 5]);
  const stride = pick([1, 2]);
  const pad = pick([0, (k - 1) >> 1]);
  CONVS.push([pick([1, 2, 3]), k + Math.floor(r() * 6), k + Math.floor(r() * 6), pick([1, 2, 3, 5]), k, pick([1, k]), pick([1, 2, 4]), stride, pad]);
}

describe('conv2d against jax-js', () => {
  it.each(CONVS.map((c) => [c.join(' '), c] as const))('[B H W cin kh kw cout stride pad] = %s', async (_, c) => {
    const [B, H, W, C, kh, kw, F, stride, pad] = c;
    const xs = [B, H, W, C];
    const ks = [kh, kw, C, F];
    const Ho = Math.floor((H + 2 * pad - kh) / stride) + 1;
    const Wo = Math.floor((W + 2 * pad - kw) / stride) + 1;
    const vals = { X: randomArray(size(xs)), K: randomArray(size(ks)), R: randomArray(B * Ho * Wo * F) };
    const mine = ours(`y = conv2d(X, K, stride=${stride}, pad=${pad})\nloss = sum(R * y)`, { X: xs, K: ks, R: [B, Ho, Wo, F] }, vals, ['X', 'K']);
    const jax = await conv2dVjp(vals.X, xs, vals.K, ks, vals.R, { stride, pad });
    expect(jax.y.shape).toEqual([B, Ho, Wo, F]);
    close('y', mine.y, jax.y.data);
    close('∂X (conv2d_transpose)', mine.grads.X, jax.dx.data);
    close('∂K (conv2d_backprop_filter)', mine.grads.K, jax.dk.data);
  });
});

// Pool configurations: [batch, H, W, C, size, stride]
const POOLS: number[][] = [
  [2, 6, 6, 3, 2, 2],
  [1, 7, 7, 1, 2, 2], // odd size: the last row and column are dropped
  [2, 7, 6, 4, 3, 2], // overlapping windows
  [1, 5, 5, 2, 2, 1],
  [3, 9, 8, 5, 3, 3],
];

describe('max_pool2d and avg_pool2d against jax-js', () => {
  it.each(POOLS.map((p) => [p.join(' '), p] as const))('[B H W C size stride] = %s', async (_, p) => {
    const [B, H, W, C, k, s] = p;
    const xs = [B, H, W, C];
    const Ho = Math.floor((H - k) / s) + 1;
    const Wo = Math.floor((W - k) / s) + 1;
    // distinct values, so every window has one maximum (jax-js and exprgrad agree then; at ties exprgrad picks the first)
    const vals = { X: randomArray(size(xs)), R: randomArray(B * Ho * Wo * C) };
    const shapes = { X: xs, R: [B, Ho, Wo, C] };
    for (const [op, vjp] of [['max_pool2d', maxPool2dVjp], ['avg_pool2d', avgPool2dVjp]] as const) {
      const mine = ours(`y = ${op}(X, size=${k}, stride=${s})\nloss = sum(R * y)`, shapes, vals, ['X']);
      const jax = await vjp(vals.X, xs, vals.R, { size: k, stride: s });
      close(`${op} ∂X`, mine.grads.X, jax.dx.data);
      close(`${op} y`, mine.y, jax.y.data);
    }
  });
});
