// A second opinion for convolution and pooling: float32 reference values, and their vector-Jacobian products, from
// jax-js (@jax-js/jax, a dev dependency), for tests of exprgrad's conv2d / max_pool2d / avg_pool2d.
//
// In:  row-major Float32Arrays (or number arrays) in exprgrad's layout — NHWC inputs [B, H, W, C] (Keras's
//      channels_last) and filters [kh, kw, cin, cout] — with their shapes; conv options { stride, pad, dilation }
//      (pad: symmetric zero padding on each side, an integer as in exprgrad's conv2d(x, K, stride, pad), or
//      [[top, bottom], [left, right]]); pool options { size, stride } (no padding: Keras's 'valid').
// Out: { data: Float32Array, shape } for the forward ops, and for each VJP the cotangent of the input (and of the
//      filter) for a given output cotangent gy, computed by jax-js's vjp() of lax.conv (NCHW/OIHW in jax-js: the
//      layout changes are transposes inside the differentiated function) and of lax.reduceWindow.
//
// Conventions: Keras's Conv2D is a cross-correlation (no kernel flip), as lax.conv is. Output size per spatial
// axis: floor((n + lo + hi − dilation·(k − 1) − 1) / stride) + 1. Max pooling's VJP at a tie is jax-js's (see its
// tests: the cotangent goes to the tied elements as its max VJP sends it), while exprgrad sends the whole derivative
// to the first tied element; test with distinct values (random floats). Everything runs on jax-js's 'cpu' device,
// the simplest and deterministic; each call returns plain Float32Arrays and frees every jax-js array it made.
import * as jax from '@jax-js/jax';

type Arr = jax.Array;
export type Shape = readonly number[];
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: number[];
}
export type Pad = number | readonly [readonly [number, number], readonly [number, number]];
export interface ConvOptions {
  /** Stride along H and W (a number) or [sh, sw]; default 1. */
  readonly stride?: number | readonly [number, number];
  /** Zero padding; default 0 (Keras 'valid'); (k − 1)/2 for odd k is Keras 'same' at stride 1. */
  readonly pad?: Pad;
  /** Filter dilation along H and W; default 1. */
  readonly dilation?: number | readonly [number, number];
}
export interface PoolOptions {
  /** Window size; default 2. */
  readonly size?: number | readonly [number, number];
  /** Stride; default 2. */
  readonly stride?: number | readonly [number, number];
}

let ready: Promise<void> | undefined;
/** Starts jax-js once (the cpu device). */
function start(): Promise<void> {
  ready ??= jax.init('cpu').then(() => {
    jax.defaultDevice('cpu');
  });
  return ready;
}

const pair = (v: number | readonly [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

function check(data: ArrayLike<number>, shape: Shape, what: string): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${what}: bad shape [${shape.join(', ')}]`);
  if (data.length !== n) throw new Error(`${what}: ${data.length} values for shape [${shape.join(', ')}] (${n})`);
}

function arr(data: ArrayLike<number>, shape: Shape, what: string): Arr {
  check(data, shape, what);
  return jax.numpy.array(Float32Array.from(data)).reshape([...shape]);
}

async function out(a: Arr): Promise<Tensor> {
  const shape = [...a.shape];
  const data = Float32Array.from(await a.data()); // data() consumes the array
  return { data, shape };
}

function padding(pad: Pad | undefined): [number, number][] {
  if (pad === undefined || typeof pad === 'number') {
    const p = pad ?? 0;
    if (!Number.isInteger(p) || p < 0) throw new Error(`pad must be an integer ≥ 0, got ${p}`);
    return [
      [p, p],
      [p, p],
    ];
  }
  return [
    [pad[0][0], pad[0][1]],
    [pad[1][0], pad[1][1]],
  ];
}

/** The output shape of conv2d: [B, OH, OW, cout]; throws when the shapes do not fit. */
export function conv2dShape(xShape: Shape, kShape: Shape, opts: ConvOptions = {}): number[] {
  if (xShape.length !== 4 || kShape.length !== 4) throw new Error(`conv2d: x must be [B, H, W, C] and K [kh, kw, cin, cout]`);
  if (xShape[3] !== kShape[2]) throw new Error(`conv2d: x has ${xShape[3]} channels, K expects ${kShape[2]}`);
  const [sh, sw] = pair(opts.stride, 1);
  const [dh, dw] = pair(opts.dilation, 1);
  const [[pt, pb], [pl, pr]] = padding(opts.pad);
  const oh = Math.floor((xShape[1] + pt + pb - dh * (kShape[0] - 1) - 1) / sh) + 1;
  const ow = Math.floor((xShape[2] + pl + pr - dw * (kShape[1] - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) throw new Error(`conv2d: a ${kShape[0]}×${kShape[1]} kernel does not fit a ${xShape[1]}×${xShape[2]} input with this padding`);
  return [xShape[0], oh, ow, kShape[3]];
}

/** The output shape of a 2-D pool: [B, OH, OW, C]. */
export function pool2dShape(xShape: Shape, opts: PoolOptions = {}): number[] {
  const [kh, kw] = pair(opts.size, 2);
  const [sh, sw] = pair(opts.stride, 2);
  const oh = Math.floor((xShape[1] - kh) / sh) + 1;
  const ow = Math.floor((xShape[2] - kw) / sw) + 1;
  if (xShape.length !== 4 || oh < 1 || ow < 1) throw new Error(`pool2d: a ${kh}×${kw} window does not fit [${xShape.join(', ')}]`);
  return [xShape[0], oh, ow, xShape[3]];
}

/** conv2d in exprgrad's layout, as a jax-js function of (x NHWC, K HWIO) (owned arguments, moved). */
function convFn(opts: ConvOptions) {
  const strides = pair(opts.stride, 1);
  const dil = pair(opts.dilation, 1);
  const pad = padding(opts.pad);
  return (x: Arr, k: Arr): Arr =>
    jax.lax
      .convGeneralDilated(x.transpose([0, 3, 1, 2]), k.transpose([3, 2, 0, 1]), strides, pad, { rhsDilation: dil })
      .transpose([0, 2, 3, 1]);
}

function poolFn(kind: 'max' | 'avg', opts: PoolOptions) {
  const [kh, kw] = pair(opts.size, 2);
  const [sh, sw] = pair(opts.stride, 2);
  // The window runs over the last three axes (H, W, C) with extent 1 along C.
  const reduce = kind === 'max' ? (w: Arr) => jax.numpy.max(w) : (w: Arr) => jax.numpy.mean(w);
  return (x: Arr): Arr => jax.lax.reduceWindow(x, reduce, [kh, kw, 1], [sh, sw, 1]);
}

/** conv2d(x, K, stride, pad): [B, H, W, cin] ⋆ [kh, kw, cin, cout] → [B, OH, OW, cout]. */
export async function conv2d(x: ArrayLike<number>, xShape: Shape, k: ArrayLike<number>, kShape: Shape, opts: ConvOptions = {}): Promise<Tensor> {
  await start();
  conv2dShape(xShape, kShape, opts);
  return out(convFn(opts)(arr(x, xShape, 'x'), arr(k, kShape, 'K')));
}

/** Both VJPs of conv2d at (x, K) for the output cotangent gy: { dx [B, H, W, cin], dk [kh, kw, cin, cout], y }. */
export async function conv2dVjp(
  x: ArrayLike<number>,
  xShape: Shape,
  k: ArrayLike<number>,
  kShape: Shape,
  gy: ArrayLike<number>,
  opts: ConvOptions = {},
): Promise<{ y: Tensor; dx: Tensor; dk: Tensor }> {
  await start();
  const yShape = conv2dShape(xShape, kShape, opts);
  const g = arr(gy, yShape, 'gy');
  const [y, f] = jax.vjp(convFn(opts), [arr(x, xShape, 'x'), arr(k, kShape, 'K')]);
  const [dx, dk] = f(g) as [Arr, Arr];
  f.dispose();
  return { y: await out(y), dx: await out(dx), dk: await out(dk) };
}

/** The VJP of conv2d with respect to its input (a transposed convolution of gy with K). */
export async function conv2dVjpInput(x: ArrayLike<number>, xShape: Shape, k: ArrayLike<number>, kShape: Shape, gy: ArrayLike<number>, opts: ConvOptions = {}): Promise<Tensor> {
  return (await conv2dVjp(x, xShape, k, kShape, gy, opts)).dx;
}

/** The VJP of conv2d with respect to its filter (a correlation of x with gy). */
export async function conv2dVjpFilter(x: ArrayLike<number>, xShape: Shape, k: ArrayLike<number>, kShape: Shape, gy: ArrayLike<number>, opts: ConvOptions = {}): Promise<Tensor> {
  return (await conv2dVjp(x, xShape, k, kShape, gy, opts)).dk;
}

async function pool(kind: 'max' | 'avg', x: ArrayLike<number>, xShape: Shape, opts: PoolOptions): Promise<Tensor> {
  await start();
  pool2dShape(xShape, opts);
  return out(poolFn(kind, opts)(arr(x, xShape, 'x')));
}

async function poolVjp(kind: 'max' | 'avg', x: ArrayLike<number>, xShape: Shape, gy: ArrayLike<number>, opts: PoolOptions): Promise<{ y: Tensor; dx: Tensor }> {
  await start();
  const g = arr(gy, pool2dShape(xShape, opts), 'gy');
  const [y, f] = jax.vjp(poolFn(kind, opts), [arr(x, xShape, 'x')]);
  const [dx] = f(g) as [Arr];
  f.dispose();
  return { y: await out(y), dx: await out(dx) };
}

/** max_pool2d(x, size, stride) on [B, H, W, C] → [B, OH, OW, C]. */
export const maxPool2d = (x: ArrayLike<number>, xShape: Shape, opts: PoolOptions = {}) => pool('max', x, xShape, opts);
/** avg_pool2d(x, size, stride) on [B, H, W, C] → [B, OH, OW, C]. */
export const avgPool2d = (x: ArrayLike<number>, xShape: Shape, opts: PoolOptions = {}) => pool('avg', x, xShape, opts);
/** The VJP of max_pool2d for the output cotangent gy: { y, dx }. */
export const maxPool2dVjp = (x: ArrayLike<number>, xShape: Shape, gy: ArrayLike<number>, opts: PoolOptions = {}) => poolVjp('max', x, xShape, gy, opts);
/** The VJP of avg_pool2d for the output cotangent gy: { y, dx }. */
export const avgPool2dVjp = (x: ArrayLike<number>, xShape: Shape, gy: ArrayLike<number>, opts: PoolOptions = {}) => poolVjp('avg', x, xShape, gy, opts);
