// Optimizers as graph-level updates: each is one definition, written with the graph's own constructors, that
// every backend lowers and runs like any other kernel (src/backend/lower.ts: an update kernel writes the parameter
// and its state in place; the wasm backend runs Adam's as its SIMD kernel).
//
// In:  a parameter p, its gradient g (a tape adjoint), the parameter's state slots and the step's scalars, as nodes.
// Out: the new state values and the new parameter, as nodes (the state first: p′ reads them as stored).
//   sgd       p′ = p − lr·g
//   momentum  u′ = μ·u + g,  p′ = p − lr·u′
//   adam      m′ = β₁m + (1 − β₁)g,  v′ = β₂v + (1 − β₂)g²,  p′ = p − α_t·m′/(√v′ + ε)
//             α_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) (Keras's form, as src/nn/adam.ts), a scalar input of each step
// Slots and scalars become inputs named `m[W1]`, `[alpha]`: brackets cannot appear in the language's names.

import type { Expr } from '../ir/expr.js';
import { num } from '../ir/expr.js';
import { add, div, fn, mul, sub } from '../ir/build.js';

/** Adam's settings; defaults are Keras's: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7. */
export interface AdamOptions {
  readonly lr?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

export interface Optimizer {
  readonly name: string;
  /** Per-parameter state, each of the parameter's shape, zeros at first. */
  readonly slots: readonly string[];
  /** Names of the per-step scalar inputs. */
  readonly scalars: readonly string[];
  /** The scalars' values at step t (1 for the first step). */
  scalarsAt(t: number): readonly number[];
  /** New values: one per slot, in order, then the parameter. */
  update(p: Expr, g: Expr, slots: readonly Expr[], scalars: readonly Expr[]): { slots: Expr[]; p: Expr };
}

export const slotInput = (slot: string, param: string) => `${slot}[${param}]`;
export const scalarInput = (scalar: string) => `[${scalar}]`;

export function sgd(options: { lr?: number } = {}): Optimizer {
  const lr = options.lr ?? 1e-2;
  return { name: 'sgd', slots: [], scalars: [], scalarsAt: () => [], update: (p, g) => ({ slots: [], p: sub(p, mul(num(lr), g)) }) };
}

export function momentum(options: { lr?: number; mu?: number } = {}): Optimizer {
  const lr = options.lr ?? 1e-2;
  const mu = options.mu ?? 0.9;
  return {
    name: 'momentum',
    slots: ['u'],
    scalars: [],
    scalarsAt: () => [],
    update(p, g, [u]) {
      const u1 = add(mul(num(mu), u), g);
      return { slots: [u1], p: sub(p, mul(num(lr), u1)) };
    },
  };
}

export function adam(options: AdamOptions = {}): Optimizer {
  const lr = options.lr ?? 1e-3;
  const b1 = options.beta1 ?? 0.9;
  const b2 = options.beta2 ?? 0.999;
  const eps = options.epsilon ?? 1e-7;
  return {
    name: 'adam',
    slots: ['m', 'v'],
    scalars: ['alpha'],
    scalarsAt: (t) => [(lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)],
    update(p, g, [m, v], [alpha]) {
      const m1 = add(mul(num(b1), m), mul(num(1 - b1), g));
      const v1 = add(mul(num(b2), v), mul(num(1 - b2), mul(g, g)));
      return { slots: [m1, v1], p: sub(p, div(mul(alpha, m1), add(fn('sqrt', v1), num(eps)))) };
    },
  };
}
