// What the two shader targets (GLSL ES 3.00, WGSL) share: the render table, float32 literals, x^n for small n.
//
// In:  a node / a float64 value.  Out: rendering pieces for glsl.ts and wgsl.ts.
// Shader pow(a, b) is undefined for a < 0 (and a = 0, b ≤ 0), so x^2 is written x * x (exact as in float64 code),
// x^-2 as 1.0 / (x * x), and other powers go through the targets' eg_pow helper (odd/even integer exponents of a
// negative base as the sign rule says).

import type { Expr } from '../ir/expr.js';
import { ExprError } from '../errors.js';
import { shaderFunctions } from './functions.js';
import { P, type Code, type Render, type RenderTable, callOf, callsOf, constant, floatLiteral, fold, helperCall, infix, integerLiteral, negate, wrap } from './core.js';

const F32_MAX = 3.4028234663852886e38;

export function f32Literal(v: number): string {
  if (Math.abs(v) > F32_MAX) throw new ExprError('value', `the number ${v} does not fit in float32 (shaders compute in float32)`);
  return floatLiteral(v);
}

/** The small integer exponent (±1…±4) a power is multiplied out for, if any. */
export function smallPower(node: Expr): number | undefined {
  if (!node.is('pow')) return undefined;
  const n = integerLiteral(node.args[1]);
  return n !== undefined && n !== 0 && Math.abs(n) <= 4 ? n : undefined;
}

/** Shaders need a plain name for the base of a multiplied-out power (it is written n times). */
export const namedArgs = (node: Expr): boolean => smallPower(node) !== undefined && Math.abs(smallPower(node)!) > 1;

export function shaderPow(helper: string): Render {
  return ([a, b]: readonly Code[], node, ctx) => {
    const n = smallPower(node);
    if (n === undefined) return { text: `${ctx.helper(helper)}(${a.text}, ${b.text})`, prec: P.ATOM };
    const base = wrap(a, P.ATOM);
    const product = Array(Math.abs(n)).fill(base).join(' * ');
    if (n > 0) return { text: product, prec: Math.abs(n) > 1 ? P.MUL : a.prec };
    return { text: `1.0 / ${Math.abs(n) > 1 ? `(${product})` : base}`, prec: P.MUL };
  };
}

/** The render table both shader languages use (they differ only in atan2's name: GLSL's atan(y, x)). */
export function shaderTable(atan2: string, roundEven = 'round'): RenderTable {
  return {
    add: infix('+', P.ADD),
    sub: infix('-', P.ADD),
    mul: infix('*', P.MUL),
    div: infix('/', P.MUL),
    pow: shaderPow('eg_pow'),
    neg: negate,
    pi: constant('3.141592653589793'),
    e: constant('2.718281828459045'),
    ...callsOf('', ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'exp', 'log']),
    log10: helperCall('eg_log10'),
    log2: callOf('log2'),
    sqrt: callOf('sqrt'),
    cbrt: helperCall('eg_cbrt'),
    abs: callOf('abs'),
    sign: callOf('sign'),
    step: helperCall('eg_step'),
    sigmoid: helperCall('eg_sigmoid'),
    relu: ([a]) => ({ text: `max(${a.text}, 0.0)`, prec: P.ATOM }),
    softplus: helperCall('eg_softplus'),
    min: fold('min'),
    max: fold('max'),
    atan2: callOf(atan2),
    hypot: helperCall('eg_hypot', true),
    erf: helperCall('eg_erf'),
    ...shaderFunctions(roundEven),
  };
}
