// The convolution ops of the registry (src/ir/registry.ts): 2-D convolution and pooling over NHWC images
// (Keras's channels_last), their backward ops, flatten/reshape, and dropout. Declared like src/ir/tensor-ops.ts
// (shape rule, VJP, printing); keyword arguments (stride=, pad=, size=, rate=) are integer or number literals
// the parser fills with their defaults, so every node carries all of its arguments.
//
// Shapes: images x [B, H, W, C], filters K [kh, kw, C, F], out = floor((H + 2·pad − kh)/stride) + 1 (pad=0 is
// Keras's 'valid'; pad=(k − 1)/2 its 'same' for odd k; zeros are read outside the image).
//
// Math of the rules (ḡ is the incoming adjoint, y = conv2d(x, K), yᵢⱼ = Σ_{a,b,c} x[i·s+a−p, j·s+b−p, c]·K[a, b, c]):
//   conv2d(x, K)                x̄ = conv2d_transpose(ḡ, K)       (each ḡᵢⱼ spread back through K over its window)
//                               K̄ = conv2d_backprop_filter(x, ḡ)  (K̄[a, b, c, f] = Σ_{n,i,j} x[n, i·s+a−p, j·s+b−p, c]·ḡ[n, i, j, f])
//   max_pool2d(x)               x̄ = max_pool2d_backprop(x, ḡ)     (ḡ of each window to its first maximum)
//   avg_pool2d(x)               x̄ = avg_pool2d_backprop(ḡ)        (ḡ of each window spread evenly over it)
//   flatten(x), reshape(x, …)   x̄ = reshape(ḡ, shape of x)        (the same elements in the same order: views)
//   dropout(x, rate)            = x·dropout_mask(x, rate); x̄ = ḡ·dropout_mask(x, rate). The mask is 0 or
//                               1/(1 − rate) at random (a fresh draw each training step, seeded), and 1 when not
//                               training: the compile layer (src/compile/dropout.ts) substitutes both nodes.
// The backward ops are linear in ḡ, and their own VJPs follow from ⟨ȳ, A(g)⟩ = ⟨Aᵀ(ȳ), g⟩ (max_pool2d_backprop's in g is
// not provided: second derivatives through max pooling are not supported).

import { Expr, call, num } from './expr.js';
import { mul, ZERO } from './build.js';
import { Prec, type FmtCtx, type Printed } from './ops.js';
import { ShapeError, fmtShape, intArg, type Shape, type TensorOpSpec } from './tensor-ops.js';

/** Keyword arguments: name → [position, default (from the other arguments) or undefined when required]. */
export type Keywords = Readonly<Record<string, readonly [number, ((args: readonly Expr[]) => number) | undefined]>>;

const fixed = (v: number) => () => v;
const lit = (args: readonly Expr[], i: number): number => {
  const e = args[i];
  return e && e.kind === 'num' ? e.value : NaN;
};

/** name(a, b, key=v, …): keyword arguments print by name, and not at all where they have their default. */
function keywordPrint(name: string, keywords: Keywords) {
  const names = new Map(Object.entries(keywords).map(([k, [at]]) => [at, k]));
  return (ctx: FmtCtx, args: readonly Printed[], node: Expr): Printed => {
    const parts: string[] = [];
    args.forEach((a, i) => {
      const key = names.get(i);
      if (!key) return parts.push(a.text);
      const dflt = keywords[key][1];
      if (dflt && dflt(node.args) === lit(node.args, i)) return;
      parts.push(`${key}=${a.text}`);
    });
    if (ctx.style === 'latex') return { text: `\\operatorname{${name.replace(/_/g, '\\_')}}\\left(${parts.join(', ')}\\right)`, prec: Prec.ATOM };
    return { text: `${name}(${parts.join(', ')})`, prec: Prec.ATOM };
  };
}

function image(s: Shape, what: string): [number, number, number, number] {
  if (s.length !== 4) throw new ShapeError(`${what} must be an image batch [batch, height, width, channels], got ${fmtShape(s)}`);
  return [s[0], s[1], s[2], s[3]];
}

function positive(args: readonly Expr[], i: number, what: string, min = 1): number {
  const v = intArg(args[i]);
  if (v === undefined || v < min) throw new ShapeError(`${what} must be an integer ≥ ${min}, got ${args[i] ? (args[i].kind === 'num' ? args[i].value : 'an expression') : 'nothing'}`);
  return v;
}

/** Output size of a window of `k` moved by `s` over `n` cells padded by `p` on both sides. */
function windows(n: number, k: number, s: number, p: number, what: string): number {
  const o = Math.floor((n + 2 * p - k) / s) + 1;
  if (n + 2 * p < k) throw new ShapeError(`a ${what} of ${k} does not fit an input of ${n}${p ? ` padded by ${p}` : ''} (pad ${p})`);
  return o;
}

/** A kh×kw window fits an H×W input padded by `pad`, or a ShapeError says so in the issue's words. */
function fits(H: number, W: number, kh: number, kw: number, pad: number, what: string): void {
  if (H + 2 * pad < kh || W + 2 * pad < kw) throw new ShapeError(`a ${kh}×${kw} ${what} does not fit a ${H}×${W} input with pad ${pad}`);
}

const CONV_KW: Keywords = { stride: [2, fixed(1)], pad: [3, fixed(0)] };
const convGeometry = (args: readonly Expr[]) => ({ stride: positive(args, 2, 'stride'), pad: positive(args, 3, 'pad', 0) });

export function conv2d(x: Expr, K: Expr, stride: number, pad: number): Expr {
  return call('conv2d', [x, K, num(stride), num(pad)]);
}

const POOL_KW: Keywords = { size: [1, fixed(2)], stride: [2, (args) => lit(args, 1)] };
const poolShape = (what: string) => ([s]: readonly Shape[], args: readonly Expr[]): Shape => {
  const [B, H, W, C] = image(s, `the input of ${what}`);
  const size = positive(args, 1, 'size');
  const stride = positive(args, 2, 'stride');
  fits(H, W, size, size, 0, 'window');
  return [B, windows(H, size, stride, 0, `${what} window`), windows(W, size, stride, 0, `${what} window`), C];
};

/** The spatial size the backward op writes: given, or (0) the smallest input that has this output. */
function backSize(args: readonly Expr[], at: number, out: number, k: number, s: number, p: number): number {
  const given = intArg(args[at]) ?? 0;
  return given > 0 ? given : (out - 1) * s + k - 2 * p;
}

function product(s: Shape): number {
  return s.reduce((a, b) => a * b, 1);
}

export function reshape(x: Expr, shape: Shape): Expr {
  return call('reshape', [x, ...shape.map((n) => num(n))]);
}

const spec = (s: Omit<TensorOpSpec, 'print'> & { keywords: Keywords }, name: string): TensorOpSpec => ({ ...s, print: keywordPrint(name, s.keywords) });

export const convOps = {
  conv2d: spec(
    {
      minArgs: 2,
      maxArgs: 4,
      literalArgs: [2, 3],
      keywords: CONV_KW,
      doc: 'conv2d(x, K, stride=1, pad=0): 2-D convolution of images x [B, H, W, C] with filters K [kh, kw, C, F]',
      shape: ([x, k], args) => {
        const [B, H, W, C] = image(x, 'the input of conv2d');
        if (k.length !== 4) throw new ShapeError(`filters must be [height, width, in channels, out channels], got ${fmtShape(k)}`);
        if (k[2] !== C) throw new ShapeError(`the filters take ${k[2]} input channel${k[2] === 1 ? '' : 's'} but the input has ${C}`);
        const { stride, pad } = convGeometry(args);
        fits(H, W, k[0], k[1], pad, 'kernel');
        return [B, windows(H, k[0], stride, pad, 'kernel'), windows(W, k[1], stride, pad, 'kernel'), k[3]];
      },
      vjp: ({ args: [x, K, s, p], adj, shapeOf }, i) => {
        const [, H, W] = shapeOf(x);
        const [kh, kw] = shapeOf(K);
        const [, Ho, Wo] = shapeOf(adj);
        const st = intArg(s)!;
        const pd = intArg(p)!;
        if (i === 0) {
          const h = (Ho - 1) * st + kh - 2 * pd === H ? 0 : H;
          const w = (Wo - 1) * st + kw - 2 * pd === W ? 0 : W;
          return call('conv2d_transpose', [adj, K, s, p, num(h), num(w)]);
        }
        return call('conv2d_backprop_filter', [x, adj, num(kh), num(kw), s, p]);
      },
    },
    'conv2d',
  ),
  conv2d_transpose: spec(
    {
      minArgs: 2,
      maxArgs: 6,
      literalArgs: [2, 3, 4, 5],
      keywords: { stride: [2, fixed(1)], pad: [3, fixed(0)], height: [4, fixed(0)], width: [5, fixed(0)] },
      doc: 'conv2d_transpose(g, K, stride=1, pad=0): the transposed convolution (conv2d\'s gradient in its input); height=, width= give the output size where it is not the smallest',
      shape: ([g, k], args) => {
        const [B, Ho, Wo, F] = image(g, 'the input of conv2d_transpose');
        if (k.length !== 4 || k[3] !== F) throw new ShapeError(`filters ${fmtShape(k)} do not map ${F} channels back`);
        const { stride, pad } = convGeometry(args);
        const H = backSize(args, 4, Ho, k[0], stride, pad);
        const W = backSize(args, 5, Wo, k[1], stride, pad);
        if (H < 1 || W < 1 || windows(H, k[0], stride, pad, 'kernel') !== Ho || windows(W, k[1], stride, pad, 'kernel') !== Wo) {
          throw new ShapeError(`an output of ${H}×${W} does not convolve to ${Ho}×${Wo}`);
        }
        return [B, H, W, k[2]];
      },
      // linear in both: ⟨ȳ, conv2d_transpose(g, K)⟩ = ⟨conv2d(ȳ, K), g⟩
      vjp: ({ args: [g, K, s, p], adj, shapeOf }, i) => {
        const [kh, kw] = shapeOf(K);
        return i === 0 ? call('conv2d', [adj, K, s, p]) : call('conv2d_backprop_filter', [adj, g, num(kh), num(kw), s, p]);
      },
    },
    'conv2d_transpose',
  ),
  conv2d_backprop_filter: spec(
    {
      minArgs: 4,
      maxArgs: 6,
      literalArgs: [2, 3, 4, 5],
      keywords: { stride: [4, fixed(1)], pad: [5, fixed(0)] },
      doc: 'conv2d_backprop_filter(x, g, kh, kw, stride=1, pad=0): conv2d\'s gradient in its filters, Σ over the batch and positions of x\'s window times g',
      shape: ([x, g], args) => {
        const [B, H, W, C] = image(x, 'the input of conv2d_backprop_filter');
        const [B2, Ho, Wo, F] = image(g, 'the gradient of conv2d_backprop_filter');
        const kh = positive(args, 2, 'kh');
        const kw = positive(args, 3, 'kw');
        const { stride, pad } = { stride: positive(args, 4, 'stride'), pad: positive(args, 5, 'pad', 0) };
        if (B2 !== B || windows(H, kh, stride, pad, 'kernel') !== Ho || windows(W, kw, stride, pad, 'kernel') !== Wo) {
          throw new ShapeError(`gradient ${fmtShape(g)} is not the output of a ${kh}×${kw} convolution of ${fmtShape(x)}`);
        }
        return [kh, kw, C, F];
      },
      // linear in both: ⟨F̄, conv2d_backprop_filter(x, g)⟩ = ⟨conv2d(x, F̄), g⟩ = ⟨x, conv2d_transpose(g, F̄)⟩
      vjp: ({ args: [x, g, , , s, p], adj, shapeOf }, i) => {
        if (i === 1) return call('conv2d', [x, adj, s, p]);
        const [, H, W] = shapeOf(x);
        return call('conv2d_transpose', [g, adj, s, p, num(H), num(W)]);
      },
    },
    'conv2d_backprop_filter',
  ),
  max_pool2d: spec(
    {
      minArgs: 1,
      maxArgs: 3,
      literalArgs: [1, 2],
      keywords: POOL_KW,
      doc: 'max_pool2d(x, size=2, stride=size): the largest value of each size×size window of images x [B, H, W, C]',
      shape: poolShape('max_pool2d'),
      vjp: ({ args: [x, size, stride], adj }) => call('max_pool2d_backprop', [x, adj, size, stride]),
    },
    'max_pool2d',
  ),
  max_pool2d_backprop: spec(
    {
      minArgs: 2,
      maxArgs: 4,
      literalArgs: [2, 3],
      keywords: { size: [2, fixed(2)], stride: [3, (args) => lit(args, 2)] },
      doc: 'max_pool2d_backprop(x, g, size=2, stride=size): max_pool2d\'s gradient: each window\'s g at the first maximum of x there',
      shape: ([x, g], args) => {
        const out = poolShape('max_pool2d')([x], [args[0], args[2], args[3]]);
        if (g.join() !== out.join()) throw new ShapeError(`gradient ${fmtShape(g)} is not the shape ${fmtShape(out)} of max_pool2d of ${fmtShape(x)}`);
        return x;
      },
      // piecewise constant in x; in g, ȳ read at each window's maximum (not an op of its own yet)
      vjp: (_, i) => (i === 0 ? ZERO : undefined),
    },
    'max_pool2d_backprop',
  ),
  avg_pool2d: spec(
    {
      minArgs: 1,
      maxArgs: 3,
      literalArgs: [1, 2],
      keywords: POOL_KW,
      doc: 'avg_pool2d(x, size=2, stride=size): the mean of each size×size window of images x [B, H, W, C]',
      shape: poolShape('avg_pool2d'),
      vjp: ({ args: [x, size, stride], adj, shapeOf }) => {
        const [, H, W] = shapeOf(x);
        const [, Ho, Wo] = shapeOf(adj);
        const k = intArg(size)!;
        const s = intArg(stride)!;
        return call('avg_pool2d_backprop', [adj, size, stride, num((Ho - 1) * s + k === H ? 0 : H), num((Wo - 1) * s + k === W ? 0 : W)]);
      },
    },
    'avg_pool2d',
  ),
  avg_pool2d_backprop: spec(
    {
      minArgs: 1,
      maxArgs: 5,
      literalArgs: [1, 2, 3, 4],
      keywords: { size: [1, fixed(2)], stride: [2, (args) => lit(args, 1)], height: [3, fixed(0)], width: [4, fixed(0)] },
      doc: 'avg_pool2d_backprop(g, size=2, stride=size): avg_pool2d\'s gradient: each g spread evenly over its window',
      shape: ([g], args) => {
        const [B, Ho, Wo, C] = image(g, 'the input of avg_pool2d_backprop');
        const size = positive(args, 1, 'size');
        const stride = positive(args, 2, 'stride');
        const H = backSize(args, 3, Ho, size, stride, 0);
        const W = backSize(args, 4, Wo, size, stride, 0);
        if (windows(H, size, stride, 0, 'window') !== Ho || windows(W, size, stride, 0, 'window') !== Wo) throw new ShapeError(`an output of ${H}×${W} does not pool to ${Ho}×${Wo}`);
        return [B, H, W, C];
      },
      vjp: ({ args: [, size, stride], adj }) => call('avg_pool2d', [adj, size, stride]),
    },
    'avg_pool2d_backprop',
  ),
  flatten: {
    minArgs: 1,
    maxArgs: 1,
    doc: 'flatten(x): [B, h, w, c] → [B, h·w·c], the same elements in the same order',
    shape: ([s]) => {
      if (s.length < 2) throw new ShapeError(`flatten needs a batch of at least rank 2, got ${fmtShape(s)}`);
      return [s[0], product(s.slice(1))];
    },
    vjp: ({ args: [x], adj, shapeOf }) => reshape(adj, shapeOf(x)),
  },
  reshape: {
    minArgs: 2,
    maxArgs: 5,
    literalArgs: [1, 2, 3, 4],
    doc: 'reshape(x, d1, …, dk): the same elements in the same order as a [d1, …, dk] tensor (k ≤ 4; one −1 is inferred)',
    shape: ([s], args) => {
      const dims = args.slice(1).map((a) => intArg(a)!);
      const n = product(s);
      const free = dims.filter((d) => d === -1).length;
      if (free > 1 || dims.some((d) => d === 0 || d < -1)) throw new ShapeError(`reshape sizes must be positive (one may be −1), got ${dims.join(', ')}`);
      const known = product(dims.filter((d) => d > 0));
      const out = dims.map((d) => (d === -1 ? n / known : d));
      if (product(out) !== n || !out.every(Number.isInteger)) throw new ShapeError(`cannot reshape ${fmtShape(s)} (${n} elements) to [${dims.join(', ')}]`);
      return out;
    },
    vjp: ({ args: [x], adj, shapeOf }) => reshape(adj, shapeOf(x)),
  },
  dropout: spec(
    {
      minArgs: 1,
      maxArgs: 2,
      literalArgs: [1],
      keywords: { rate: [1, fixed(0.5)] },
      doc: 'dropout(x, rate=0.5): while training, each element zeroed with probability rate and the rest scaled by 1/(1 − rate); x otherwise',
      shape: ([s], args) => {
        const r = lit(args, 1);
        if (!(r >= 0 && r < 1)) throw new ShapeError(`the dropout rate must be in [0, 1), got ${args[1]?.kind === 'num' ? r : 'an expression'}`);
        return s;
      },
      vjp: ({ args: [x, r], adj }) => mul(adj, call('dropout_mask', [x, r])),
    },
    'dropout',
  ),
  dropout_mask: spec(
    {
      minArgs: 1,
      maxArgs: 2,
      literalArgs: [1],
      keywords: { rate: [1, fixed(0.5)] },
      doc: 'dropout_mask(x, rate=0.5): the mask dropout(x, rate) multiplies x by (0 or 1/(1 − rate) while training, 1 otherwise)',
      shape: ([s]) => s,
      vjp: () => ZERO, // piecewise constant
    },
    'dropout_mask',
  ),
} satisfies Record<string, TensorOpSpec & { keywords?: Keywords }>;

/** Literal positions that may hold any number (not only integers): dropout's rate. */
export const REAL_LITERALS: Readonly<Record<string, readonly number[]>> = { dropout: [1], dropout_mask: [1] };
