// Convolution and pooling kernels on every backend against the js backend in float64, at sizes where the wasm
// backend splits im2col, col2im, pooling and the products between threads, with channel counts that take the
// SIMD paths (multiples of 4) and the scalar ones (1, 3).
import { describe, expect, it } from 'vitest';
import { compile, type CompiledTensor } from '../../src/index.js';

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const CASES: [string, Record<string, number[]>][] = [
  // a CNN block: conv, bias, relu, max pool (C = 8: SIMD), then a strided padded conv and average pooling
  [
    'h = max_pool2d(relu(conv2d(x, K, pad=1) + c))\nz = avg_pool2d(conv2d(h, L, stride=2, pad=1), size=2, stride=1)\nloss = sum(R * z)',
    { x: [6, 16, 16, 3], K: [3, 3, 3, 8], c: [8], L: [3, 3, 8, 5], R: [6, 3, 3, 5] },
  ],
  // one input channel (the scalar paths), overlapping max windows, a 1×1 convolution, flatten into a product
  [
    'h = max_pool2d(relu(conv2d(x, K)), size=3, stride=2)\nf = flatten(conv2d(h, P))\nloss = sum(R * (f @ W))',
    { x: [4, 20, 17, 1], K: [5, 5, 1, 4], P: [1, 1, 4, 3], W: [126, 2], R: [4, 2] },
  ],
];

describe('convolution kernels on every backend', () => {
  it.each(CASES.map((c, i) => [i, c] as const))('case %i: value and gradients match the float64 reference', async (_, [src, shapes]) => {
    const next = rand(11);
    const wrt = Object.keys(shapes).filter((k) => k !== 'R');
    const vals64: Record<string, Float64Array> = {};
    for (const [k, s] of Object.entries(shapes)) vals64[k] = Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, next);
    const ref = (compile(src, { shapes, wrt, dtype: 'float64' }) as CompiledTensor).gradient(vals64);
    const vals32 = Object.fromEntries(Object.entries(vals64).map(([k, v]) => [k, Float32Array.from(v)]));
    for (const [backend, mode] of [['js'], ['wasm'], ['wasm', 'threads=1'], ['gpujs', 'cpu']] as [string, string?][]) {
      const c = compile(src, { shapes, wrt, backend, mode }) as CompiledTensor;
      const got = backend === 'gpujs' ? await c.gradientAsync(vals32) : c.gradient(vals32);
      const label = `${backend} ${mode ?? ''}`;
      expect(Math.abs(got.value - ref.value) / (1 + Math.abs(ref.value)), label).toBeLessThan(1e-4);
      for (const k of wrt) {
        let scale = 0;
        for (const v of ref.gradient[k]) scale = Math.max(scale, Math.abs(v));
        let err = 0;
        for (let i = 0; i < ref.gradient[k].length; i++) err = Math.max(err, Math.abs(got.gradient[k][i] - ref.gradient[k][i]));
        expect(err / (1 + scale), `${label} ∂/∂${k}`).toBeLessThan(1e-4);
      }
      c.dispose();
    }
  });
});
