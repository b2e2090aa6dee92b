// Float64 evaluations of the special and piecewise functions of the op table (src/ir/ops.ts): gamma, lgamma,
// digamma, polygamma, erfc, round (half to even), the reciprocal trigonometric and hyperbolic functions and their
// inverses, log to a base and real roots.
//
// In:  numbers.  Out: numbers (NaN outside the domain, ±Infinity at poles where the limit is one-signed).
// Every function is a plain, self-contained `function` that uses only Math and arithmetic (no arrays, no calls of
// each other), so gpu.js kernels can call its source as a native function and the JavaScript emitter can print it
// as a helper (src/emit/js.ts) — the same text everywhere.
//
// Accuracy against mpmath at random points (test/ir/functions.test.ts holds it to: gamma, lgamma 1e-12; digamma,
// erfc 1e-13; polygamma 1e-12 for n ≤ 6; relative, absolute where the value is below 1):
//   gamma       Lanczos g = 7, n = 9, reflection Γ(x)Γ(1−x) = π/sin(πx) below 1/2: about 1e-15 relative for x > 0,
//               a few 1e-13 for x < 0 (overflows to Infinity from 171.62; NaN at 0, −1, −2, …)
//   lgamma      log|Γ(x)|, the same Lanczos sum in log form: about 1e-15 relative (absolute near its zeros)
//   digamma     recurrence ψ(x) = ψ(x+1) − 1/x up to x ≥ 10, then the asymptotic series to x⁻¹⁴; reflection
//               ψ(x) = ψ(1−x) − π/tan(πx) below 0: about 2e-14 (absolute near its zero 1.4616…)
//   polygamma   ψ⁽ⁿ⁾(x), integer n ≥ 0: recurrence up to x ≥ 15 + n, then the asymptotic series (8 terms); for x < 0
//               the recurrence alone (its terms cancel near the poles); about 1e-15 relative for x > 0
//   erfc        the erf series below 2 in |x| (1 − erf: about 5e-14 relative near 2), erfc's continued fraction
//               (80 terms) beyond: 1e-15, no cancellation for large x

/** Γ(x) by the Lanczos approximation (g = 7, n = 9), with the reflection formula below 1/2. */
export function gamma(x: number): number {
  if (x <= 0 && Math.floor(x) === x) return 0 / 0; // poles at 0, −1, −2, …
  if (x > 171.7) return 1 / 0;
  const reflect = x < 0.5;
  const y = (reflect ? 1 - x : x) - 1;
  let a = 0.99999999999980993;
  a += 676.5203681218851 / (y + 1);
  a += -1259.1392167224028 / (y + 2);
  a += 771.32342877765313 / (y + 3);
  a += -176.61502916214059 / (y + 4);
  a += 12.507343278686905 / (y + 5);
  a += -0.13857109526572012 / (y + 6);
  a += 9.9843695780195716e-6 / (y + 7);
  a += 1.5056327351493116e-7 / (y + 8);
  const t = y + 7.5;
  // √(2π)·t^(y+1/2)·e^(−t)·a, the power split in two so that it does not overflow before Γ does
  const h = Math.pow(t, (y + 0.5) / 2);
  const g = 2.5066282746310002 * h * (h * Math.exp(-t)) * a;
  if (!reflect) return g;
  // sin(πx) with x reduced to (−1, 1] first, so that large |x| keeps its accuracy
  const r = x - 2 * Math.floor(x / 2 + 0.5);
  return Math.PI / (Math.sin(Math.PI * r) * g);
}

/** log|Γ(x)| (as C's lgamma and Python's math.lgamma): the Lanczos sum in log form, reflection below 1/2. */
export function lgamma(x: number): number {
  if (x <= 0 && Math.floor(x) === x) return 1 / 0; // log|Γ| → +∞ at the poles
  if (x === 1 || x === 2) return 0;
  const reflect = x < 0.5;
  const y = (reflect ? 1 - x : x) - 1;
  let a = 0.99999999999980993;
  a += 676.5203681218851 / (y + 1);
  a += -1259.1392167224028 / (y + 2);
  a += 771.32342877765313 / (y + 3);
  a += -176.61502916214059 / (y + 4);
  a += 12.507343278686905 / (y + 5);
  a += -0.13857109526572012 / (y + 6);
  a += 9.9843695780195716e-6 / (y + 7);
  a += 1.5056327351493116e-7 / (y + 8);
  const t = y + 7.5;
  const lg = 0.91893853320467274 + (y + 0.5) * Math.log(t) - t + Math.log(a);
  if (!reflect) return lg;
  const r = x - 2 * Math.floor(x / 2 + 0.5);
  return 1.1447298858494002 - Math.log(Math.abs(Math.sin(Math.PI * r))) - lg; // log π − log|sin πx| − log Γ(1−x)
}

/** ψ(x) = Γ′(x)/Γ(x): reflection below 0, recurrence up to 10, then the asymptotic series. */
export function digamma(x: number): number {
  if (x <= 0 && Math.floor(x) === x) return 0 / 0;
  let acc = 0;
  let v = x;
  if (v < 0) {
    // ψ(x) = ψ(1 − x) − π/tan(πx)
    const r = v - Math.floor(v);
    acc = -Math.PI / Math.tan(Math.PI * r);
    v = 1 - v;
  }
  while (v < 10) {
    acc -= 1 / v;
    v += 1;
  }
  const z = 1 / (v * v);
  // ln v − 1/(2v) − Σ B₂ₖ/(2k·v²ᵏ), k = 1…7
  const series = z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z * (1 / 132 - z * (691 / 32760 - z / 12))))));
  return acc + Math.log(v) - 0.5 / v - series;
}

/**
 * ψ⁽ⁿ⁾(x), the n-th derivative of ψ, for integer n ≥ 0 (NaN otherwise; n = 0 is ψ): the recurrence
 * ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ·n!/xⁿ⁺¹ up to x ≥ 15 + n, then the asymptotic series
 * (−1)ⁿ⁺¹·[(n−1)!/xⁿ + n!/(2xⁿ⁺¹) + Σₖ B₂ₖ·(2k+n−1)!/((2k)!·x²ᵏ⁺ⁿ)], k = 1…8.
 */
export function polygamma(n: number, x: number): number {
  if (!(n >= 0) || Math.floor(n) !== n || n > 170) return 0 / 0;
  if (x <= 0 && Math.floor(x) === x) return 0 / 0;
  if (n === 0) {
    let acc0 = 0;
    let v0 = x;
    if (v0 < 0) {
      const r = v0 - Math.floor(v0);
      acc0 = -Math.PI / Math.tan(Math.PI * r);
      v0 = 1 - v0;
    }
    while (v0 < 10) {
      acc0 -= 1 / v0;
      v0 += 1;
    }
    const z0 = 1 / (v0 * v0);
    const s0 = z0 * (1 / 12 - z0 * (1 / 120 - z0 * (1 / 252 - z0 * (1 / 240 - z0 * (1 / 132 - z0 * (691 / 32760 - z0 / 12))))));
    return acc0 + Math.log(v0) - 0.5 / v0 - s0;
  }
  let fact = 1; // n!
  for (let k = 2; k <= n; k++) fact *= k;
  const sign = n % 2 === 0 ? -1 : 1; // (−1)ⁿ⁺¹
  let acc = 0;
  let v = x;
  const bound = 15 + n;
  if (v < -1e6) return 0 / 0; // the recurrence would take too long; no accurate value there anyway
  while (v < bound) {
    acc += 1 / Math.pow(v, n + 1);
    v += 1;
  }
  // the asymptotic series at v, divided by n! (to keep the factorials small): terms (2k+n−1)!/((2k)!·n!)/v^(2k+n)
  let s = 1 / (n * Math.pow(v, n)) + 0.5 / Math.pow(v, n + 1);
  let c = 1; // (2k+n−1)!/((2k)!·n!), updated from k−1 to k
  let p = 1 / Math.pow(v, n + 2); // v^-(2k+n)
  for (let k = 1; k <= 8; k++) {
    c = k === 1 ? (n + 1) / 2 : (c * (2 * k + n - 2) * (2 * k + n - 1)) / ((2 * k - 1) * (2 * k));
    const b =
      k === 1 ? 1 / 6 : k === 2 ? -1 / 30 : k === 3 ? 1 / 42 : k === 4 ? -1 / 30 : k === 5 ? 5 / 66 : k === 6 ? -691 / 2730 : k === 7 ? 7 / 6 : -3617 / 510;
    s += b * c * p;
    p = p / (v * v);
  }
  return sign * fact * (acc + s);
}

/** erfc(x) = 1 − erf(x), without the cancellation of 1 − erf for large x. */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 40; n++) {
      term = (-term * x2) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - 1.1283791670955126 * sum;
  }
  let f = ax;
  for (let n = 80; n >= 1; n--) f = ax + n / 2 / f;
  const c = Math.exp(-ax * ax) / (f * 1.7724538509055159);
  return x > 0 ? c : 2 - c;
}

/** The nearest integer, ties to the even one (IEEE roundTiesToEven, as numpy, Python 3, WGSL and C's rint). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties toward +∞
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function sec(x: number): number {
  return 1 / Math.cos(x);
}
export function csc(x: number): number {
  return 1 / Math.sin(x);
}
export function cot(x: number): number {
  return 1 / Math.tan(x);
}
/** acos(1/x), in [0, π], for |x| ≥ 1. */
export function asec(x: number): number {
  return Math.acos(1 / x);
}
/** asin(1/x), in [−π/2, π/2], for |x| ≥ 1. */
export function acsc(x: number): number {
  return Math.asin(1 / x);
}
/** atan(1/x), in (−π/2, π/2], odd, with a jump at 0 (acot(0) = π/2), as mathjs and SymPy. */
export function acot(x: number): number {
  return x === 0 ? Math.PI / 2 : Math.atan(1 / x); // −0 too: acot(−0) = π/2, not −π/2
}
export function sech(x: number): number {
  return 1 / Math.cosh(x);
}
export function csch(x: number): number {
  return 1 / Math.sinh(x);
}
export function coth(x: number): number {
  return 1 / Math.tanh(x);
}
/** acosh(1/x) for 0 < x ≤ 1. */
export function asech(x: number): number {
  return Math.acosh(1 / x);
}
export function acsch(x: number): number {
  return Math.asinh(1 / x);
}
/** atanh(1/x) for |x| > 1. */
export function acoth(x: number): number {
  return Math.atanh(1 / x);
}

/** atan2(y, x) with +0 and −0 read as one value: atan2(−0, −1) = π, as atan2(0, −1) (the simplifier's reading). */
export function atan2(y: number, x: number): number {
  return Math.atan2(y + 0, x + 0);
}

/** log(x)/log(b): the logarithm of x to base b. */
export function logb(x: number, b: number): number {
  return b === 1 ? 0 / 0 : Math.log(x) / Math.log(b); // no logarithm to base 1 (log(x)/0 would be ±∞)
}

/**
 * The real n-th root x^(1/n); for x < 0 and an odd integer n, the negative real root (root(−8, 3) = −2). For an
 * integer n one Newton step polishes pow's result (root(8, 3) = 2 exactly).
 */
export function root(x: number, n: number): number {
  if (n === 0) return 0 / 0; // no 0-th root (x^(1/0) would be 0, 1 or ∞)
  const odd = Math.floor(n) === n && Math.abs(n % 2) === 1;
  let r = x < 0 && odd ? -Math.pow(-x, 1 / n) : Math.pow(x, 1 / n);
  if (Math.floor(n) === n && r !== 0 && Math.abs(r) < 1 / 0 && Math.abs(n) < 64) {
    const rn1 = Math.pow(r, n - 1);
    const step = (rn1 * r - x) / (n * rn1);
    if (Math.abs(step) < 1 / 0) r -= step;
  }
  return r;
}
