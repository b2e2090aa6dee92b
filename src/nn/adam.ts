// Adam, as Keras computes it (so a model trained here matches the seed's Keras protocol).
//
// In:  parameter buffers (updated in place) and gradient buffers of the same sizes.
// Out: nothing; each step() updates every parameter without allocating:
//   m ← β₁m + (1 − β₁)g          v ← β₂v + (1 − β₂)g²
//   α_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)   p ← p − α_t·m/(√v + ε)
// Defaults are Keras's: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7.

import type { AdamOptions } from '../tape/optim.js';

export type { AdamOptions } from '../tape/optim.js';

type Buf = Float32Array | Float64Array;
type F32 = Buf;

/**
 * Adam's update in place over every element: m ← β₁m + c₁g, v ← β₂v + c₂g², p ← p − α·m/(√v + ε), with
 * c₁ = 1 − β₁ and c₂ = 1 − β₂ given by the caller. Each new value is computed in float64 from the stored values and
 * rounded when stored, m and v before p reads them (the wasm kernel `adam`, used for the graph-level Adam of src/tape/optim.ts, does exactly this, bitwise, a NaN's sign
 * bit aside). A gradient
 * of one element is broadcast.
 */
export function adamUpdate(p: F32, g: F32, m: F32, v: F32, alpha: number, b1: number, c1: number, b2: number, c2: number, eps: number): void {
  const n = p.length;
  const one = g.length === 1;
  for (let i = 0; i < n; i++) {
    const gi = one ? g[0] : g[i];
    m[i] = b1 * m[i] + c1 * gi;
    v[i] = b2 * v[i] + c2 * (gi * gi);
    p[i] = p[i] - (alpha * m[i]) / (Math.sqrt(v[i]) + eps);
  }
}


export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Steps taken so far. */
  t = 0;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(
    private readonly params: Readonly<Record<string, Buf>>,
    options: AdamOptions = {},
  ) {
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    for (const [name, p] of Object.entries(params)) {
      this.m.set(name, new Float32Array(p.length));
      this.v.set(name, new Float32Array(p.length));
    }
  }

  /** One update of every parameter from its gradient. */
  step(grads: Readonly<Record<string, Buf>>): void {
    this.t++;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const alpha = (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    for (const [name, p] of Object.entries(this.params)) {
      const g = grads[name];
      if (!g || g.length !== p.length) throw new RangeError(`Adam: gradient of ${name} missing or of the wrong size`);
      // The loop every host backend uses (float64 arithmetic, each value rounded when stored).
      adamUpdate(p, g, this.m.get(name)!, this.v.get(name)!, alpha, b1, 1 - b1, b2, 1 - b2, eps);
    }
  }

  /** Moments, for saving and resuming training. */
  state(): { t: number; m: Record<string, Float32Array>; v: Record<string, Float32Array> } {
    return { t: this.t, m: Object.fromEntries(this.m), v: Object.fromEntries(this.v) };
  }
}
