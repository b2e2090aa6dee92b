// The renderings of the special and piecewise functions (issue 14: sec … acoth, erfc, expm1, log1p, floor ceil round
// trunc, gamma lgamma digamma polygamma, log(x, b), root(x, n)) in every emit target, and the helpers they call.
//
// In:  nothing (tables).  Out: per target, the table entries (spread into each target's RenderTable, where
// TypeScript checks that no op is missing) and the helper definitions (merged into the target's helpers).
// What a language lacks comes as a helper in the algorithms of src/ir/special.ts (float64 targets: the same
// formulas, the JavaScript helpers are that file's own functions) or, in shaders, in float32 forms with their
// precision stated. Rounding is half to even everywhere (C nearbyint, Python round, numpy rint, GLSL roundEven,
// WGSL round).

import type { OpName } from '../ir/ops.js';
import * as S from '../ir/special.js';
import { P, type Render, callOf, callsOf, helperCall, wrap } from './core.js';

type NewOp =
  | 'erfc' | 'sec' | 'csc' | 'cot' | 'asec' | 'acsc' | 'acot' | 'sech' | 'csch' | 'coth' | 'asinh' | 'acosh' | 'atanh'
  | 'asech' | 'acsch' | 'acoth' | 'expm1' | 'log1p' | 'floor' | 'ceil' | 'round' | 'trunc' | 'gamma' | 'lgamma'
  | 'digamma' | 'polygamma' | 'logb' | 'root';
type Table = { readonly [K in NewOp & OpName]: Render };
type Helpers = Record<string, { readonly code: string; readonly deps?: readonly string[] }>;

/** 1 / f(a) */
const recip = (f: string): Render => ([a]) => ({ text: `1.0 / ${f}(${a.text})`, prec: P.MUL });
/** f(1 / a) */
const ofRecip = (f: string): Render => ([a]) => ({ text: `${f}(1.0 / ${wrap(a, P.POW)})`, prec: P.ATOM });
/** log(x) / log(b) */
const logBase = (log: string): Render => ([x, b]) => ({ text: `${log}(${x.text}) / ${log}(${b.text})`, prec: P.MUL });

/** The table of one target from the names of its functions (f: sin-like call; h: helper). */
function table(f: (name: string) => Render, names: { cos: string; sin: string; tan: string; acos: string; asin: string; atan: string; cosh: string; sinh: string; tanh: string; acosh: string; asinh: string; atanh: string; log: string }, own: Omit<Table, 'sec' | 'csc' | 'cot' | 'asec' | 'acsc' | 'acot' | 'sech' | 'csch' | 'coth' | 'asinh' | 'acosh' | 'atanh' | 'asech' | 'acsch' | 'acoth' | 'logb'>): Table {
  return {
    sec: recip(names.cos),
    csc: recip(names.sin),
    cot: recip(names.tan),
    asec: ofRecip(names.acos),
    acsc: ofRecip(names.asin),
    acot: ofRecip(names.atan),
    sech: recip(names.cosh),
    csch: recip(names.sinh),
    coth: recip(names.tanh),
    asinh: f(names.asinh),
    acosh: f(names.acosh),
    atanh: f(names.atanh),
    asech: ofRecip(names.acosh),
    acsch: ofRecip(names.asinh),
    acoth: ofRecip(names.atanh),
    logb: logBase(names.log),
    ...own,
  };
}

const C_NAMES = { cos: 'cos', sin: 'sin', tan: 'tan', acos: 'acos', asin: 'asin', atan: 'atan', cosh: 'cosh', sinh: 'sinh', tanh: 'tanh', acosh: 'acosh', asinh: 'asinh', atanh: 'atanh', log: 'log' };

// ── C99 ─────────────────────────────────────────────────────────────────────
export const cFunctions: Table = table(callOf, C_NAMES, {
  ...callsOf('', ['erfc', 'expm1', 'log1p', 'floor', 'ceil']),
  round: callOf('nearbyint'), // ties to even in the default rounding mode
  trunc: callOf('trunc'),
  gamma: callOf('tgamma'),
  lgamma: callOf('lgamma'),
  digamma: helperCall('eg_digamma'),
  polygamma: helperCall('eg_polygamma'),
  root: helperCall('eg_root'),
});

export const cFunctionHelpers: Helpers = {
  eg_digamma: {
    code: [
      '// digamma psi(x): reflection below 0, recurrence up to 10, asymptotic series (about 1e-14)',
      'static double eg_digamma(double x) {',
      '    if (x <= 0 && floor(x) == x) return NAN;',
      '    double acc = 0.0, v = x;',
      '    if (v < 0) { acc = -3.141592653589793 / tan(3.141592653589793 * (v - floor(v))); v = 1.0 - v; }',
      '    while (v < 10.0) { acc -= 1.0 / v; v += 1.0; }',
      '    const double z = 1.0 / (v * v);',
      '    const double s = z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132 - z * (691.0 / 32760 - z / 12))))));',
      '    return acc + log(v) - 0.5 / v - s;',
      '}',
    ].join('\n'),
  },
  eg_polygamma: {
    deps: ['eg_digamma'],
    code: [
      '// polygamma psi^(n)(x) for integer n >= 0 (NaN otherwise): recurrence up to 15 + n, asymptotic series',
      'static double eg_polygamma(double n, double x) {',
      '    static const double B[8] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510};',
      '    if (!(n >= 0) || floor(n) != n || n > 170) return NAN;',
      '    if (x <= 0 && floor(x) == x) return NAN;',
      '    if (n == 0) return eg_digamma(x);',
      '    if (x < -1e6) return NAN;',
      '    double fact = 1.0, acc = 0.0, v = x;',
      '    for (int k = 2; k <= (int)n; k++) fact *= k;',
      '    while (v < 15.0 + n) { acc += 1.0 / pow(v, n + 1); v += 1.0; }',
      '    double s = 1.0 / (n * pow(v, n)) + 0.5 / pow(v, n + 1), c = 1.0, p = 1.0 / pow(v, n + 2);',
      '    for (int k = 1; k <= 8; k++) {',
      '        c = k == 1 ? (n + 1) / 2 : c * (2 * k + n - 2) * (2 * k + n - 1) / ((2 * k - 1) * (2.0 * k));',
      '        s += B[k - 1] * c * p;',
      '        p /= v * v;',
      '    }',
      '    return (fmod(n, 2.0) == 0 ? -1.0 : 1.0) * fact * (acc + s);',
      '}',
    ].join('\n'),
  },
  eg_root: {
    code: [
      '// the real n-th root; x < 0 with an odd integer n gives the negative root; one Newton step for integer n',
      'static double eg_root(double x, double n) {',
      '    const int odd = floor(n) == n && fabs(fmod(n, 2.0)) == 1.0;',
      '    double r = x < 0 && odd ? -pow(-x, 1.0 / n) : pow(x, 1.0 / n);',
      '    if (floor(n) == n && r != 0 && isfinite(r) && fabs(n) < 64) {',
      '        const double rn1 = pow(r, n - 1), step = (rn1 * r - x) / (n * rn1);',
      '        if (isfinite(step)) r -= step;',
      '    }',
      '    return r;',
      '}',
    ].join('\n'),
  },
};

// ── Python (math) and numpy ─────────────────────────────────────────────────
/** Python helpers written once with `M.` for the module: math for the python target, np (elementwise) for numpy. */
const PY_DIGAMMA = [
  'def _eg_digamma1(x):',
  '    # digamma psi(x): reflection below 0, recurrence up to 10, asymptotic series (about 1e-14)',
  '    if x <= 0 and M.floor(x) == x:',
  '        return M.nan',
  '    acc, v = 0.0, x',
  '    if v < 0:',
  '        acc, v = -M.pi / M.tan(M.pi * (v - M.floor(v))), 1.0 - v',
  '    while v < 10.0:',
  '        acc, v = acc - 1.0 / v, v + 1.0',
  '    z = 1.0 / (v * v)',
  '    s = z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z * (1 / 132 - z * (691 / 32760 - z / 12))))))',
  '    return acc + M.log(v) - 0.5 / v - s',
];
const PY_POLYGAMMA = [
  'def _eg_polygamma1(n, x):',
  '    # polygamma psi^(n)(x) for integer n >= 0 (NaN otherwise): recurrence up to 15 + n, asymptotic series',
  '    if not (n >= 0) or M.floor(n) != n or n > 170 or (x <= 0 and M.floor(x) == x) or x < -1e6:',
  '        return M.nan',
  '    if n == 0:',
  '        return _eg_digamma1(x)',
  '    n = int(n)',
  '    fact = float(M.prod(range(1, n + 1))) if n > 1 else 1.0',
  '    acc, v = 0.0, x',
  '    while v < 15 + n:',
  '        acc, v = acc + 1.0 / v ** (n + 1), v + 1.0',
  '    s, c, p = 1.0 / (n * v ** n) + 0.5 / v ** (n + 1), 1.0, 1.0 / v ** (n + 2)',
  '    for k, b in enumerate((1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510), 1):',
  '        c = (n + 1) / 2 if k == 1 else c * (2 * k + n - 2) * (2 * k + n - 1) / ((2 * k - 1) * (2 * k))',
  '        s, p = s + b * c * p, p / (v * v)',
  '    return (-1.0 if n % 2 == 0 else 1.0) * fact * (acc + s)',
];
const PY_ROOT = [
  'def _eg_root1(x, n):',
  '    # the real n-th root; x < 0 with an odd integer n gives the negative root; one Newton step for integer n',
  '    odd = M.floor(n) == n and abs(M.fmod(n, 2.0)) == 1.0',
  '    if x < 0 and not odd:',
  '        return M.nan',
  '    r = -((-x) ** (1.0 / n)) if x < 0 else x ** (1.0 / n)',
  '    if M.floor(n) == n and r != 0 and M.isfinite(r) and abs(n) < 64:',
  '        rn1 = r ** (n - 1)',
  '        r -= (rn1 * r - x) / (n * rn1)',
  '    return r',
];
const PY_GAMMA = [
  'def _eg_gamma1(x):',
  '    # gamma with NaN at the poles and inf past overflow (math.gamma raises there)',
  '    try:',
  '        return M.gamma(x)',
  '    except ValueError:',
  '        return M.nan',
  '    except OverflowError:',
  '        return M.inf',
];
const PY_LGAMMA = [
  'def _eg_lgamma1(x):',
  '    # log|gamma(x)|, inf at the poles (math.lgamma raises there)',
  '    try:',
  '        return M.lgamma(x)',
  '    except ValueError:',
  '        return M.inf',
];

const py = (lines: string[], mod: string) => lines.join('\n').replace(/\bM\./g, `${mod}.`);
/** The math target calls the scalar helper itself: rename _eg_f1 to _eg_f. */
const scalar = (lines: string[]) => py(lines, 'math').replace(/_eg_(\w+?)1\b/g, '_eg_$1');
/** numpy: the scalar function over math (imported inside, numpy has no gamma), mapped elementwise by np.vectorize. */
const vectorized = (lines: string[], name: string) =>
  `import math as _eg_math\n\n${py(lines, '_eg_math')}\n\n_eg_${name} = np.vectorize(_eg_${name}1, otypes=[float])`;

const PY_NAMES = { cos: 'math.cos', sin: 'math.sin', tan: 'math.tan', acos: 'math.acos', asin: 'math.asin', atan: 'math.atan', cosh: 'math.cosh', sinh: 'math.sinh', tanh: 'math.tanh', acosh: 'math.acosh', asinh: 'math.asinh', atanh: 'math.atanh', log: 'math.log' };

export const pythonFunctions: Table = table(callOf, PY_NAMES, {
  ...callsOf('math.', ['erfc', 'expm1', 'log1p', 'floor', 'ceil', 'trunc', 'gamma', 'lgamma']),
  round: callOf('round'), // Python 3 rounds ties to even
  digamma: helperCall('_eg_digamma'),
  polygamma: helperCall('_eg_polygamma'),
  root: helperCall('_eg_root'),
});

export const pythonFunctionHelpers: Helpers = {
  _eg_digamma: { code: scalar(PY_DIGAMMA) },
  _eg_polygamma: { code: scalar(PY_POLYGAMMA), deps: ['_eg_digamma'] },
  _eg_root: { code: scalar(PY_ROOT) },
};

const NP_NAMES = { cos: 'np.cos', sin: 'np.sin', tan: 'np.tan', acos: 'np.arccos', asin: 'np.arcsin', atan: 'np.arctan', cosh: 'np.cosh', sinh: 'np.sinh', tanh: 'np.tanh', acosh: 'np.arccosh', asinh: 'np.arcsinh', atanh: 'np.arctanh', log: 'np.log' };

export const numpyFunctions: Table = table(callOf, NP_NAMES, {
  erfc: helperCall('_eg_erfc'),
  ...callsOf('np.', ['expm1', 'log1p', 'floor', 'ceil']),
  round: callOf('np.rint'), // ties to even
  trunc: callOf('np.trunc'),
  gamma: helperCall('_eg_gamma'),
  lgamma: helperCall('_eg_lgamma'),
  digamma: helperCall('_eg_digamma'),
  polygamma: helperCall('_eg_polygamma'),
  root: helperCall('_eg_root'),
});

/**
 * erf or erfc over numpy arrays in float64, within 2e-15: the Maclaurin series s of erf below |x| = 2, erfc's
 * continued fraction c beyond; both computed for every element, then chosen by `pick` (its np.where arguments).
 */
export function numpyErfLike(name: string, what: string, pick: string): string {
  return [
    `def _eg_${name}(x):`,
    `    # ${what}: the series below 2,`,
    "    # erfc's continued fraction beyond; both computed for every element, then chosen",
    '    x = np.asarray(x, dtype=float)',
    '    ax = np.abs(x)',
    '    xs = np.clip(x, -2.0, 2.0)',
    '    x2 = xs * xs',
    '    term = xs',
    '    s = xs',
    '    for n in range(1, 40):',
    '        term = -term * x2 / n',
    '        s = s + term / (2 * n + 1)',
    '    a = np.maximum(ax, 2.0)',
    '    f = a',
    '    for n in range(80, 0, -1):',
    '        f = a + n / 2 / f',
    '    c = np.exp(-a * a) / (f * 1.7724538509055159)',
    `    return np.where(ax < 2.0, ${pick})`,
  ].join('\n');
}

export const numpyFunctionHelpers: Helpers = {
  _eg_erfc: { code: numpyErfLike('erfc', "erfc = 1 - erf without the cancellation for large x (numpy has none)", '1.0 - 1.1283791670955126 * s, np.where(x > 0, c, 2.0 - c)') },
  _eg_gamma: { code: vectorized(PY_GAMMA, 'gamma') },
  _eg_lgamma: { code: vectorized(PY_LGAMMA, 'lgamma') },
  _eg_digamma: { code: vectorized(PY_DIGAMMA, 'digamma') },
  _eg_polygamma: { code: vectorized([...PY_DIGAMMA, '', '', ...PY_POLYGAMMA], 'polygamma') },
  _eg_root: { code: vectorized(PY_ROOT, 'root') },
};

// ── JavaScript ──────────────────────────────────────────────────────────────
const JS_NAMES = { cos: 'Math.cos', sin: 'Math.sin', tan: 'Math.tan', acos: 'Math.acos', asin: 'Math.asin', atan: 'Math.atan', cosh: 'Math.cosh', sinh: 'Math.sinh', tanh: 'Math.tanh', acosh: 'Math.acosh', asinh: 'Math.asinh', atanh: 'Math.atanh', log: 'Math.log' };

export const jsFunctions: Table = table(callOf, JS_NAMES, {
  erfc: helperCall('eg_erfc'),
  ...callsOf('Math.', ['expm1', 'log1p', 'floor', 'ceil']),
  round: helperCall('eg_round'), // Math.round rounds ties toward +infinity
  trunc: callOf('Math.trunc'),
  gamma: helperCall('eg_gamma'),
  lgamma: helperCall('eg_lgamma'),
  digamma: helperCall('eg_digamma'),
  polygamma: helperCall('eg_polygamma'),
  root: helperCall('eg_root'),
});

/** exprgrad's own evaluation as the helper's source (plain functions of Math only), renamed eg_<name>. */
function own(name: string, f: (...xs: number[]) => number): { code: string } {
  const text = f.toString().replace(/^function\s*[\w$]*\s*\(/, `function eg_${name}(`);
  if (!text.startsWith(`function eg_${name}(`)) throw new Error(`internal: ${name}'s evaluation is not a plain function`);
  return { code: text };
}

export const jsFunctionHelpers: Helpers = {
  eg_erfc: own('erfc', S.erfc),
  eg_round: own('round', S.roundHalfEven),
  eg_gamma: own('gamma', S.gamma),
  eg_lgamma: own('lgamma', S.lgamma),
  eg_digamma: own('digamma', S.digamma),
  eg_polygamma: own('polygamma', S.polygamma),
  eg_root: own('root', S.root),
};

// ── shaders (GLSL ES 3.00 and WGSL, float32) ────────────────────────────────
const SH_NAMES = { cos: 'cos', sin: 'sin', tan: 'tan', acos: 'acos', asin: 'asin', atan: 'atan', cosh: 'cosh', sinh: 'sinh', tanh: 'tanh', acosh: 'acosh', asinh: 'asinh', atanh: 'atanh', log: 'log' };

export function shaderFunctions(roundEven: string): Table {
  return table(callOf, SH_NAMES, {
    erfc: helperCall('eg_erfc'),
    expm1: helperCall('eg_expm1'),
    log1p: helperCall('eg_log1p'),
    floor: callOf('floor'),
    ceil: callOf('ceil'),
    round: callOf(roundEven), // GLSL roundEven, WGSL round: ties to even
    trunc: callOf('trunc'),
    gamma: helperCall('eg_gamma'),
    lgamma: helperCall('eg_lgamma'),
    digamma: helperCall('eg_digamma'),
    polygamma: helperCall('eg_polygamma'),
    root: helperCall('eg_root'),
  });
}

/**
 * The shader helpers in one notation, turned into GLSL or WGSL by `shaderCode`: `F` is the float type, `let`
 * declares a constant, `var` a variable, `sel(c, a, b)` is c ? a : b. Precision (float32):
 *   expm1, log1p   Kahan's corrections: a few ulp
 *   erfc           Numerical Recipes' erfcc: relative 1.2e-7, plus exp's error at −x²
 *   lgamma         recurrence up to 8, then Stirling's series to x⁻⁵: a few ulp of its magnitude (absolute near 1, 2)
 *   gamma          exp(lgamma) with the sign from reflection: relative error about |lgamma|·2⁻²³
 *   digamma        recurrence up to 8, asymptotic series to x⁻⁸: about 2⁻²² absolute
 *   polygamma      recurrence up to 8 + n, asymptotic series to 6 terms: a few ulp for small n
 *   root           pow of |x| with the sign for odd integer n
 */
const SHADER_HELPERS: Record<string, { deps?: string[]; lines: string[] }> = {
  eg_expm1: {
    lines: [
      '// exp(x) - 1 without cancellation for small x (Kahan): a few ulp',
      'fn eg_expm1(x: F) -> F {',
      '    let u = exp(x);',
      '    if (u == 1.0) { return x; }',
      '    let um1 = u - 1.0;',
      '    if (um1 == -1.0) { return -1.0; }',
      '    return um1 * x / log(u);',
      '}',
    ],
  },
  eg_log1p: {
    lines: [
      '// log(1 + x) without cancellation for small x (the (1 + x) - 1 correction): a few ulp',
      'fn eg_log1p(x: F) -> F {',
      '    let u = 1.0 + x;',
      '    let d = u - 1.0;',
      '    return sel(d == 0.0, x, log(u) * (x / d));',
      '}',
    ],
  },
  eg_erfc: {
    lines: [
      "// erfc (Numerical Recipes' erfcc): relative error below 1.2e-7 plus exp's at -x^2",
      'fn eg_erfc(x: F) -> F {',
      '    let z = abs(x);',
      '    let t = 1.0 / (1.0 + 0.5 * z);',
      '    let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));',
      '    return sel(x >= 0.0, r, 2.0 - r);',
      '}',
    ],
  },
  eg_lgamma: {
    lines: [
      "// log|gamma(x)|: reflection below 1/2, recurrence up to 8, Stirling's series to x^-5",
      'fn eg_lgamma(x: F) -> F {',
      '    var v = sel(x < 0.5, 1.0 - x, x);',
      '    var prod = 1.0;',
      '    var shift = 0.0;',
      '    while (v < 8.0) { prod = prod * v; v = v + 1.0; if (prod > 1e30) { shift = shift + log(prod); prod = 1.0; } }',
      '    let z = 1.0 / (v * v);',
      '    let lg = (v - 0.5) * log(v) - v + 0.9189385332 + (1.0 / v) * (0.0833333333 - z * (0.0027777778 - z * 0.00079365079)) - log(prod) - shift;',
      '    if (x >= 0.5) { return lg; }',
      '    let r = x - 2.0 * floor(0.5 * x + 0.5);',
      '    return 1.1447298858 - log(abs(sin(3.14159265358979 * r))) - lg;',
      '}',
    ],
  },
  eg_gamma: {
    deps: ['eg_lgamma'],
    lines: [
      '// gamma(x) = sign * exp(log|gamma(x)|): relative error about |lgamma(x)| * 2^-23; NaN at the poles',
      'fn eg_gamma(x: F) -> F {',
      '    if (x <= 0.0 && floor(x) == x) { return sqrt(-1.0 - abs(x)); }',
      '    let r = x - 2.0 * floor(0.5 * x + 0.5);',
      '    let s = sel(x < 0.0 && sin(3.14159265358979 * r) < 0.0, -1.0, 1.0);',
      '    return s * exp(eg_lgamma(x));',
      '}',
    ],
  },
  eg_digamma: {
    lines: [
      '// digamma: reflection below 0, recurrence up to 8, asymptotic series to x^-8 (about 2^-22 absolute)',
      'fn eg_digamma(x: F) -> F {',
      '    var acc = 0.0;',
      '    var v = x;',
      '    if (v < 0.0) { acc = -3.14159265358979 / tan(3.14159265358979 * (v - floor(v))); v = 1.0 - v; }',
      '    while (v < 8.0) { acc = acc - 1.0 / v; v = v + 1.0; }',
      '    let z = 1.0 / (v * v);',
      '    return acc + log(v) - 0.5 / v - z * (0.0833333333 - z * (0.0083333333 - z * (0.0039682540 - z * 0.0041666667)));',
      '}',
    ],
  },
  eg_polygamma: {
    deps: ['eg_digamma'],
    lines: [
      '// polygamma psi^(n)(x), integer n >= 0: recurrence up to 8 + n, asymptotic series (6 terms)',
      'fn eg_polygamma(n: F, x: F) -> F {',
      '    if (n == 0.0) { return eg_digamma(x); }',
      '    var fact = 1.0;',
      '    var k = 2.0;',
      '    while (k <= n) { fact = fact * k; k = k + 1.0; }',
      '    var acc = 0.0;',
      '    var v = x;',
      '    while (v < 8.0 + n) { acc = acc + pow(abs(v), -n - 1.0) * sel(v < 0.0 && fract(0.5 * (n + 1.0)) != 0.0, -1.0, 1.0); v = v + 1.0; }',
      '    var s = 1.0 / (n * pow(v, n)) + 0.5 / pow(v, n + 1.0);',
      '    var c = 1.0;',
      '    var p = 1.0 / pow(v, n + 2.0);',
      '    var j = 1.0;',
      '    while (j <= 6.0) {',
      '        c = sel(j == 1.0, 0.5 * (n + 1.0), c * (2.0 * j + n - 2.0) * (2.0 * j + n - 1.0) / ((2.0 * j - 1.0) * (2.0 * j)));',
      '        let b = sel(j == 1.0, 0.16666667, sel(j == 2.0, -0.033333333, sel(j == 3.0, 0.023809524, sel(j == 4.0, -0.033333333, sel(j == 5.0, 0.075757576, -0.25311355)))));',
      '        s = s + b * c * p;',
      '        p = p / (v * v);',
      '        j = j + 1.0;',
      '    }',
      '    return sel(fract(0.5 * n) == 0.0, -1.0, 1.0) * fact * (acc + s);',
      '}',
    ],
  },
  eg_root: {
    lines: [
      '// the real n-th root; x < 0 with an odd integer n gives the negative root (NaN for other n)',
      'fn eg_root(x: F, n: F) -> F {',
      '    if (x >= 0.0) { return pow(x, 1.0 / n); }',
      '    if (floor(n) == n && abs(n - 2.0 * floor(0.5 * n)) == 1.0) { return -pow(-x, 1.0 / n); }',
      '    return sqrt(-1.0 - abs(x));',
      '}',
    ],
  },
};

/** The helpers of SHADER_HELPERS in GLSL or WGSL. */
export function shaderFunctionHelpers(lang: 'glsl' | 'wgsl'): Helpers {
  const out: Helpers = {};
  for (const [name, h] of Object.entries(SHADER_HELPERS)) {
    let text = h.lines.join('\n');
    if (lang === 'glsl') {
      text = text
        .replace(/fn (\w+)\(([^)]*)\) -> F \{/, (_m, f: string, ps: string) => `float ${f}(${ps.split(', ').map((p) => `float ${p.split(':')[0]}`).join(', ')}) {`)
        .replace(/\b(let|var) /g, 'float ')
        .replace(/sel\(/g, 'eg_sel(');
      text = rewriteSel(text, (c, a, b) => `((${c}) ? (${a}) : (${b}))`);
    } else {
      text = text.replace(/: F\b/g, ': f32').replace(/-> F\b/g, '-> f32').replace(/\bvar (\w+) = /g, 'var $1: f32 = ');
      text = rewriteSel(text.replace(/sel\(/g, 'eg_sel('), (c, a, b) => `select(${b}, ${a}, ${c})`);
    }
    out[name] = { code: text, deps: h.deps };
  }
  return out;
}

/** Replaces eg_sel(c, a, b) (nested ones too) by the language's conditional. */
function rewriteSel(text: string, form: (c: string, a: string, b: string) => string): string {
  for (;;) {
    const at = text.lastIndexOf('eg_sel(');
    if (at < 0) return text;
    // split the arguments at top-level commas
    let depth = 0;
    const parts: string[] = [];
    let start = at + 7;
    let i = start;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch === '(') depth++;
      else if (ch === ')') {
        if (depth === 0) break;
        depth--;
      } else if (ch === ',' && depth === 0) {
        parts.push(text.slice(start, i).trim());
        start = i + 1;
      }
    }
    parts.push(text.slice(start, i).trim());
    text = text.slice(0, at) + form(parts[0], parts[1], parts[2]) + text.slice(i + 1);
  }
}

