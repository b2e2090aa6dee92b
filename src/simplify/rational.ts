// Exact rationals on BigInt, for constant folding in the simplifier (1/3 + 1/6 = 1/2, never 0.49999…).
//
// In:  float64 literals (read through their shortest decimal text, so 0.1 is exactly 1/10) and integers.
// Out: normalized p/q (q > 0, gcd(p, q) = 1) plus a `dec` flag: the value came from a decimal literal and should
//      print as a decimal when it can (0.1 + 0.2 → 0.3, while 1/3 + 1/6 → 1/2).

export interface Q {
  readonly n: bigint;
  readonly d: bigint;
  readonly dec: boolean;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function q(n: bigint, d: bigint = 1n, dec = false): Q {
  if (d === 1n) return { n, d, dec }; // already in lowest terms
  if (d === 0n) throw new RangeError('rational with zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g, dec } : { n, d, dec };
}

export const Q0 = q(0n);
export const Q1 = q(1n);
export const QM1 = q(-1n);
export const QHALF = q(1n, 2n);

/** Exact value of a finite float64, read as the decimal its shortest text denotes. */
export function fromNumber(v: number): Q {
  if (v >= 0 && v < SMALL_INTS.length && Number.isInteger(v)) return SMALL_INTS[v];
  if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return q(BigInt(v));
  const text = String(v);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(text);
  if (!m) throw new RangeError(`not a finite number: ${text}`);
  const [, sign, whole, frac = '', exp = '0'] = m;
  let n = BigInt(whole + frac);
  let d = 1n;
  const e = Number(exp) - frac.length;
  if (e >= 0) n *= 10n ** BigInt(e);
  else d = 10n ** BigInt(-e);
  return q(sign ? -n : n, d, !Number.isInteger(v));
}

/** 0, 1, …, 255, read once (the literals most formulas have). */
const SMALL_INTS: readonly Q[] = Array.from({ length: 256 }, (_, i) => q(BigInt(i)));

// Fast paths: x + 0 and x · 1 (of integer, non-decimal 0 and 1) are x itself, as the general formulas give.
export const add = (a: Q, b: Q): Q => (b.n === 0n && !b.dec ? a : a.n === 0n && !a.dec ? b : q(a.n * b.d + b.n * a.d, a.d * b.d, a.dec || b.dec));
export const sub = (a: Q, b: Q): Q => q(a.n * b.d - b.n * a.d, a.d * b.d, a.dec || b.dec);
export const mul = (a: Q, b: Q): Q => (b.n === 1n && b.d === 1n && !b.dec ? a : a.n === 1n && a.d === 1n && !a.dec ? b : q(a.n * b.n, a.d * b.d, a.dec || b.dec));
export const div = (a: Q, b: Q): Q => q(a.n * b.d, a.d * b.n, a.dec || b.dec);
export const neg = (a: Q): Q => ({ n: -a.n, d: a.d, dec: a.dec });
export const isZero = (a: Q): boolean => a.n === 0n;
export const isOne = (a: Q): boolean => a.n === 1n && a.d === 1n;
export const isInt = (a: Q): boolean => a.d === 1n;
export const sign = (a: Q): number => (a.n > 0n ? 1 : a.n < 0n ? -1 : 0);
export const eq = (a: Q, b: Q): boolean => a.n === b.n && a.d === b.d;
export const abs = (a: Q): Q => (a.n < 0n ? neg(a) : a);
export const toNumber = (a: Q): number => (a.d === 1n ? Number(a.n) : Number(a.n) / Number(a.d));
export const key = (a: Q): string => (a.d === 1n ? String(a.n) : `${a.n}/${a.d}`);

/** Bits a rational takes; results beyond MAX_BITS stay symbolic instead of growing without bound. */
export const MAX_BITS = 2048;
const SMALL_BITS = 1n << 30n;
const hexBits = (x: number): number => (x === 0 ? 4 : Math.ceil((32 - Math.clz32(x)) / 4) * 4);
export function bits(a: Q): number {
  const n = a.n < 0n ? -a.n : a.n;
  if (n < SMALL_BITS && a.d < SMALL_BITS) return hexBits(Number(n)) + hexBits(Number(a.d)); // as below, without text
  return (a.n < 0n ? -a.n : a.n).toString(16).length * 4 + a.d.toString(16).length * 4;
}

/** a^k for an integer k, or undefined when the result would exceed MAX_BITS. */
export function powInt(a: Q, k: bigint): Q | undefined {
  if (k === 0n) return Q1;
  // a¹ = a and 1ᵏ = 1, as below (a within the bounds)
  if ((k === 1n || (a.n === 1n && a.d === 1n && k > 0n)) && bits(a) <= MAX_BITS) return a;
  if (a.n === 0n) return k > 0n ? Q0 : undefined;
  const base = k < 0n ? div(Q1, a) : a;
  const e = k < 0n ? -k : k;
  if (Number(e) * bits(base) > MAX_BITS * 2) return undefined;
  const r = q(base.n ** e, base.d ** e, a.dec);
  return bits(r) > MAX_BITS ? undefined : r;
}

/** Exact k-th root of a non-negative bigint, or undefined. */
function rootExact(x: bigint, k: bigint): bigint | undefined {
  if (x < 0n) return undefined;
  if (x < 2n) return x;
  const approx = BigInt(Math.round(Math.pow(Number(x), 1 / Number(k))));
  for (let c = approx > 1n ? approx - 1n : 0n; c <= approx + 1n; c++) if (c ** k === x) return c;
  return undefined;
}

/** a^(p/q) when exact (4^(1/2) = 2, (8/27)^(2/3) = 4/9), for a ≥ 0; otherwise undefined. */
export function powRational(a: Q, e: Q): Q | undefined {
  if (isInt(e)) return powInt(a, e.n);
  if (a.n < 0n || e.d > 64n || bits(a) > 1024) return undefined;
  const rn = rootExact(a.n, e.d);
  const rd = rootExact(a.d, e.d);
  if (rn === undefined || rd === undefined) return undefined;
  return powInt(q(rn, rd, a.dec), e.n);
}

/** Whether the value can be written as a short decimal (denominator 2^a·5^b, at most 12 decimals). */
export function decimalText(a: Q): string | undefined {
  let d = a.d;
  let k = 0;
  while (d % 10n === 0n) {
    d /= 10n;
    k++;
  }
  while (d % 2n === 0n || d % 5n === 0n) {
    d /= d % 2n === 0n ? 2n : 5n;
    k++;
  }
  if (d !== 1n || k > 12) return undefined;
  const v = toNumber(a);
  return fromNumber(Math.abs(v)).n === (a.n < 0n ? -a.n : a.n) && fromNumber(Math.abs(v)).d === a.d ? String(Math.abs(v)) : undefined;
}
