// The jax-js oracle of test/util/jax-conv.ts against naive float64 loops written here from the definitions
// (Keras's Conv2D: a cross-correlation, NHWC, filters [kh, kw, cin, cout]; pooling windows without padding), on
// random shapes: stride 1 and 2, pad 0 and 'same' ((k − 1)/2) with odd and even input sizes, 1×1 kernels, batch 1,
// cin = 1 and cin > 1, non-square inputs and kernels, and dilation. Tolerance: float32 against float64, per element
// |got − want| ≤ 1e-5·Σ|terms| + 1e-7, where Σ|terms| is the same sum taken over absolute values.
import { describe, expect, it } from 'vitest';
import { avgPool2d, avgPool2dVjp, conv2d, conv2dShape, conv2dVjp, conv2dVjpFilter, conv2dVjpInput, maxPool2d, maxPool2dVjp, pool2dShape, type ConvOptions, type PoolOptions, type Tensor } from './jax-conv.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const randomArray = (n: number, r: () => number) => Float64Array.from({ length: n }, () => r() * 2 - 1);

interface Ref {
  value: Float64Array;
  /** The same sums over absolute values (for the tolerance). */
  mag: Float64Array;
}

/** Naive float64 conv2d and both VJPs: y[b,oh,ow,co] = Σ x[b, oh·s + i·d − p, ow·s + j·d − p, ci] · K[i, j, ci, co]. */
function naiveConv(x: Float64Array, xs: number[], k: Float64Array, ks: number[], gy: Float64Array, o: { s: number[]; d: number[]; p: number[] }) {
  const [B, H, W, C] = xs;
  const [KH, KW, , CO] = ks;
  const ys = [B, Math.floor((H + o.p[0] + o.p[1] - o.d[0] * (KH - 1) - 1) / o.s[0]) + 1, Math.floor((W + o.p[2] + o.p[3] - o.d[1] * (KW - 1) - 1) / o.s[1]) + 1, CO];
  const [, OH, OW] = ys;
  const y: Ref = { value: new Float64Array(size(ys)), mag: new Float64Array(size(ys)) };
  const dx: Ref = { value: new Float64Array(size(xs)), mag: new Float64Array(size(xs)) };
  const dk: Ref = { value: new Float64Array(size(ks)), mag: new Float64Array(size(ks)) };
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let co = 0; co < CO; co++) {
          const yi = ((b * OH + oh) * OW + ow) * CO + co;
          for (let i = 0; i < KH; i++) {
            const h = oh * o.s[0] + i * o.d[0] - o.p[0];
            if (h < 0 || h >= H) continue;
            for (let j = 0; j < KW; j++) {
              const w = ow * o.s[1] + j * o.d[1] - o.p[2];
              if (w < 0 || w >= W) continue;
              for (let ci = 0; ci < C; ci++) {
                const xi = ((b * H + h) * W + w) * C + ci;
                const ki = ((i * KW + j) * C + ci) * CO + co;
                y.value[yi] += x[xi] * k[ki];
                y.mag[yi] += Math.abs(x[xi] * k[ki]);
                dx.value[xi] += gy[yi] * k[ki];
                dx.mag[xi] += Math.abs(gy[yi] * k[ki]);
                dk.value[ki] += gy[yi] * x[xi];
                dk.mag[ki] += Math.abs(gy[yi] * x[xi]);
              }
            }
          }
        }
  return { ys, y, dx, dk };
}

/** Naive float64 pooling (no padding) and its VJP; max sends the cotangent to the window's (unique) largest. */
function naivePool(kind: 'max' | 'avg', x: Float64Array, xs: number[], gy: Float64Array, size2: number[], stride: number[]) {
  const [B, H, W, C] = xs;
  const OH = Math.floor((H - size2[0]) / stride[0]) + 1;
  const OW = Math.floor((W - size2[1]) / stride[1]) + 1;
  const ys = [B, OH, OW, C];
  const y: Ref = { value: new Float64Array(size(ys)), mag: new Float64Array(size(ys)) };
  const dx: Ref = { value: new Float64Array(size(xs)), mag: new Float64Array(size(xs)) };
  const n = size2[0] * size2[1];
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          const yi = ((b * OH + oh) * OW + ow) * C + c;
          let best = -Infinity;
          let arg = -1;
          for (let i = 0; i < size2[0]; i++)
            for (let j = 0; j < size2[1]; j++) {
              const xi = ((b * H + oh * stride[0] + i) * W + ow * stride[1] + j) * C + c;
              if (kind === 'avg') {
                y.value[yi] += x[xi] / n;
                y.mag[yi] += Math.abs(x[xi]) / n;
                dx.value[xi] += gy[yi] / n;
                dx.mag[xi] += Math.abs(gy[yi]) / n;
              } else if (x[xi] > best) {
                best = x[xi];
                arg = xi;
              }
            }
          if (kind === 'max') {
            y.value[yi] = best;
            y.mag[yi] = Math.abs(best);
            dx.value[arg] += gy[yi];
            dx.mag[arg] += Math.abs(gy[yi]);
          }
        }
  return { ys, y, dx };
}

function expectClose(got: Tensor, shape: number[], want: Ref, what: string) {
  expect(got.shape, what).toEqual(shape);
  expect(got.data).toBeInstanceOf(Float32Array);
  expect(got.data.length, what).toBe(want.value.length);
  let worst = 0;
  for (let i = 0; i < want.value.length; i++) {
    const err = Math.abs(got.data[i] - want.value[i]);
    const tol = 1e-5 * want.mag[i] + 1e-7;
    if (!(err <= tol)) throw new Error(`${what}: element ${i}: jax-js ${got.data[i]}, float64 ${want.value[i]} (|error| ${err} > ${tol})`);
    worst = Math.max(worst, err / tol);
  }
  return worst;
}

interface ConvCase {
  name: string;
  x: number[];
  k: number[];
  opts: ConvOptions;
}
// [B, H, W, cin] and [kh, kw, cin, cout]; 'same' is pad (k − 1)/2.
const CONV_CASES: ConvCase[] = [
  { name: '3×3 valid, stride 1, batch 1, cin 1 (the first CNN layer)', x: [1, 7, 7, 1], k: [3, 3, 1, 4], opts: {} },
  { name: '3×3 valid, stride 1, cin > 1, even size', x: [2, 8, 6, 3], k: [3, 3, 3, 5], opts: { stride: 1, pad: 0 } },
  { name: '3×3 same, stride 1, odd size', x: [2, 7, 5, 2], k: [3, 3, 2, 3], opts: { pad: 1 } },
  { name: '3×3 same, stride 1, even size', x: [1, 6, 8, 4], k: [3, 3, 4, 2], opts: { pad: 1 } },
  { name: '3×3 valid, stride 2, odd size', x: [2, 9, 7, 2], k: [3, 3, 2, 3], opts: { stride: 2 } },
  { name: '3×3 valid, stride 2, even size (the last row and column unused)', x: [1, 8, 10, 3], k: [3, 3, 3, 2], opts: { stride: 2 } },
  { name: '3×3 same, stride 2, odd size', x: [2, 7, 9, 1], k: [3, 3, 1, 4], opts: { stride: 2, pad: 1 } },
  { name: '3×3 same, stride 2, even size', x: [1, 8, 6, 2], k: [3, 3, 2, 2], opts: { stride: 2, pad: 1 } },
  { name: '5×5 same (pad 2), stride 1', x: [1, 9, 8, 2], k: [5, 5, 2, 3], opts: { pad: 2 } },
  { name: '1×1 kernel, stride 1 (a matrix product per pixel)', x: [3, 4, 5, 6], k: [1, 1, 6, 4], opts: {} },
  { name: '1×1 kernel, stride 2, batch 1, cin 1', x: [1, 7, 6, 1], k: [1, 1, 1, 3], opts: { stride: 2 } },
  { name: 'non-square kernel 2×3, stride [1, 2], asymmetric pad', x: [2, 6, 9, 3], k: [2, 3, 3, 2], opts: { stride: [1, 2], pad: [[1, 0], [0, 2]] } },
  { name: 'kernel the size of the input', x: [2, 5, 4, 2], k: [5, 4, 2, 3], opts: {} },
  { name: 'dilation 2', x: [1, 9, 9, 2], k: [3, 3, 2, 2], opts: { dilation: 2 } },
];

const norm = (o: ConvOptions) => {
  const two = (v: number | readonly [number, number] | undefined, d: number) => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);
  const p = o.pad === undefined ? [0, 0, 0, 0] : typeof o.pad === 'number' ? [o.pad, o.pad, o.pad, o.pad] : [o.pad[0][0], o.pad[0][1], o.pad[1][0], o.pad[1][1]];
  return { s: two(o.stride, 1), d: two(o.dilation, 1), p };
};

describe('conv2d oracle (jax-js lax.convGeneralDilated) against float64 loops', () => {
  it('a hand-computed case: a cross-correlation, not a convolution (no flipped kernel)', async () => {
    // x = 1..9 as a 3×3 image, K = [[1, 0], [0, -1]] → y[i][j] = x[i][j] − x[i+1][j+1] = −4 everywhere.
    const y = await conv2d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1], [1, 0, 0, -1], [2, 2, 1, 1]);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.data)).toEqual([-4, -4, -4, -4]);
    // Channels last: cout varies fastest; K[0, 0, 0, :] = [1, 2] on a 1×1 image of value 3 gives [3, 6].
    const z = await conv2d([3], [1, 1, 1, 1], [1, 2], [1, 1, 1, 2]);
    expect(Array.from(z.data)).toEqual([3, 6]);
  });

  it.each(CONV_CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const r = rng(1000 + i);
    const x = randomArray(size(c.x), r);
    const k = randomArray(size(c.k), r);
    const ys = conv2dShape(c.x, c.k, c.opts);
    const gy = randomArray(size(ys), r);
    const want = naiveConv(x, c.x, k, c.k, gy, norm(c.opts));
    expect(ys).toEqual(want.ys);
    const f = await conv2d(x, c.x, k, c.k, c.opts);
    expectClose(f, want.ys, want.y, 'conv2d');
    const v = await conv2dVjp(x, c.x, k, c.k, gy, c.opts);
    expectClose(v.y, want.ys, want.y, 'conv2dVjp y');
    expectClose(v.dx, c.x, want.dx, 'VJP wrt x');
    expectClose(v.dk, c.k, want.dk, 'VJP wrt K');
    expectClose(await conv2dVjpInput(x, c.x, k, c.k, gy, c.opts), c.x, want.dx, 'conv2dVjpInput');
    expectClose(await conv2dVjpFilter(x, c.x, k, c.k, gy, c.opts), c.k, want.dk, 'conv2dVjpFilter');
  });

  it('the loops catch a wrong oracle: a swapped spatial axis or a flipped kernel is far outside the tolerance', async () => {
    const c = CONV_CASES[1];
    const r = rng(7);
    const x = randomArray(size(c.x), r);
    const k = randomArray(size(c.k), r);
    const want = naiveConv(x, c.x, k, c.k, new Float64Array(size(conv2dShape(c.x, c.k))), norm({}));
    const [KH, KW, CI, CO] = c.k;
    const flipped = new Float64Array(k.length);
    for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) for (let t = 0; t < CI * CO; t++) flipped[((KH - 1 - i) * KW + (KW - 1 - j)) * CI * CO + t] = k[(i * KW + j) * CI * CO + t];
    const bad = await conv2d(x, c.x, flipped, c.k);
    expect(() => expectClose(bad, want.ys, want.y, 'flipped')).toThrow(/jax-js/);
  });

  it('shapes that do not fit are refused', async () => {
    await expect(conv2d(new Float64Array(9), [1, 3, 3, 1], new Float64Array(25), [5, 5, 1, 1])).rejects.toThrow(/does not fit/);
    await expect(conv2d(new Float64Array(18), [1, 3, 3, 2], new Float64Array(9), [3, 3, 1, 1])).rejects.toThrow(/channels/);
    await expect(conv2d(new Float64Array(8), [1, 3, 3, 1], new Float64Array(9), [3, 3, 1, 1])).rejects.toThrow(/8 values/);
  });
});

interface PoolCase {
  name: string;
  x: number[];
  opts: PoolOptions;
}
const POOL_CASES: PoolCase[] = [
  { name: '2×2 stride 2, even size, batch 1, one channel', x: [1, 6, 8, 1], opts: {} },
  { name: '2×2 stride 2, odd size (the last row and column dropped)', x: [2, 7, 5, 3], opts: { size: 2, stride: 2 } },
  { name: '3×3 stride 1 (overlapping windows)', x: [2, 6, 5, 2], opts: { size: 3, stride: 1 } },
  { name: '3×3 stride 2, odd size', x: [1, 9, 7, 4], opts: { size: 3, stride: 2 } },
  { name: '2×3 window, stride [1, 2]', x: [2, 5, 9, 2], opts: { size: [2, 3], stride: [1, 2] } },
  { name: 'the CNN’s pools: 26×26×32 → 13×13 and 11×11×64 → 5×5', x: [2, 26, 26, 32], opts: {} },
  { name: '11×11×64 → 5×5', x: [1, 11, 11, 64], opts: {} },
];

describe.each(['max', 'avg'] as const)('%s_pool2d oracle (jax-js lax.reduceWindow) against float64 loops', (kind) => {
  it.each(POOL_CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const r = rng(2000 + i);
    const x = randomArray(size(c.x), r); // distinct values almost surely: no ties for max
    const ys = pool2dShape(c.x, c.opts);
    const gy = randomArray(size(ys), r);
    const two = (v: number | readonly [number, number] | undefined) => (v === undefined ? [2, 2] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);
    const want = naivePool(kind, x, c.x, gy, two(c.opts.size), two(c.opts.stride));
    expect(ys).toEqual(want.ys);
    expectClose(await (kind === 'max' ? maxPool2d : avgPool2d)(x, c.x, c.opts), want.ys, want.y, `${kind}_pool2d`);
    const v = await (kind === 'max' ? maxPool2dVjp : avgPool2dVjp)(x, c.x, gy, c.opts);
    expectClose(v.y, want.ys, want.y, `${kind}_pool2d (vjp)`);
    expectClose(v.dx, c.x, want.dx, `${kind}_pool2d VJP`);
  });
});

it('pooling a hand-computed case: max and mean of each 2×2 block, channels kept apart', async () => {
  // Two channels of a 2×4 image: channel 0 = 0..7, channel 1 = 10 × (0..7).
  const x = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? i >> 1 : 10 * (i >> 1)));
  const m = await maxPool2d(x, [1, 2, 4, 2]);
  expect(m.shape).toEqual([1, 1, 2, 2]);
  expect(Array.from(m.data)).toEqual([5, 50, 7, 70]);
  const a = await avgPool2d(x, [1, 2, 4, 2]);
  expect(Array.from(a.data)).toEqual([2.5, 25, 4.5, 45]);
});
