// C99 target: `double f(double x, double y)`; with grad `double f(double x, double y, double *grad)` writing the
// partials to grad[0..n-1]; with the Hessian also `double *hess` (n×n, row-major). NULL pointers skip that work.
//
// In:  FunctionParts from core.ts.  Out: one C99 translation unit fragment (#include <math.h>, static helpers, the
// function). Helpers keep exprgrad's conventions exactly: sign(0) = 0, step(0) = 0, relu'(0) = 0, max/min ties to
// the first argument and NaN in, NaN out; sigmoid and softplus in the stable forms of src/ir/ops.ts.

import { cFunctionHelpers, cFunctions } from './functions.js';
import { P, type RenderTable, type Target, callOf, callsOf, constant, fold, helperCall, gradDoc, indent, infix, negate, floatLiteral } from './core.js';

const table: RenderTable = {
  add: infix('+', P.ADD),
  sub: infix('-', P.ADD),
  mul: infix('*', P.MUL),
  div: infix('/', P.MUL),
  pow: callOf('pow'),
  neg: negate,
  pi: constant('3.141592653589793'),
  e: constant('2.718281828459045'),
  ...callsOf('', ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'exp', 'log', 'log10', 'log2', 'sqrt', 'cbrt', 'atan2', 'erf']),
  abs: callOf('fabs'),
  sign: helperCall('eg_sign'),
  step: helperCall('eg_step'),
  sigmoid: helperCall('eg_sigmoid'),
  relu: helperCall('eg_relu'),
  softplus: helperCall('eg_softplus'),
  min: helperCall('eg_min', true),
  max: helperCall('eg_max', true),
  hypot: fold('hypot'),
  ...cFunctions,
};

const helpers = {
  ...cFunctionHelpers,
  eg_sign: { code: 'static double eg_sign(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; } // sign(0) = 0, NaN stays NaN' },
  eg_step: { code: 'static double eg_step(double x) { return x > 0 ? 1.0 : x <= 0 ? 0.0 : x; } // step(0) = 0' },
  eg_relu: { code: 'static double eg_relu(double x) { return x > 0 ? x : x <= 0 ? 0.0 : x; }' },
  eg_sigmoid: {
    code: [
      '// 1/(1 + exp(-x)), stable for large |x|',
      'static double eg_sigmoid(double x) {',
      '    if (x >= 0) return 1.0 / (1.0 + exp(-x));',
      '    const double z = exp(x);',
      '    return z / (1.0 + z);',
      '}',
    ].join('\n'),
  },
  eg_softplus: {
    code: [
      '// log(1 + exp(x)), stable for large |x|',
      'static double eg_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }',
    ].join('\n'),
  },
  eg_min: { code: 'static double eg_min(double a, double b) { return (b != b || b < a) ? b : a; } // ties: the first; NaN wins' },
  eg_max: { code: 'static double eg_max(double a, double b) { return (b != b || b > a) ? b : a; } // ties: the first; NaN wins' },
};

const RESERVED = new Set(
  (
    // C99/C11/C23 keywords
    'auto break case char const continue default do double else enum extern float for goto if inline int long register ' +
    'restrict return short signed sizeof static struct switch typedef union unsigned void volatile while _Bool _Complex ' +
    '_Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local bool true false nullptr alignas ' +
    'alignof constexpr static_assert thread_local typeof typeof_unqual asm fortran ' +
    // <math.h>, <stddef.h> and common macros
    'acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 frexp ldexp log log10 log1p log2 ' +
    'logb ilogb modf scalbn scalbln cbrt fabs hypot pow sqrt erf erfc lgamma tgamma gamma ceil floor nearbyint rint lrint ' +
    'llrint round lround llround trunc fmod remainder remquo copysign nan nextafter nexttoward fdim fmax fmin fma isnan ' +
    'isinf isfinite isnormal fpclassify signbit isgreater isgreaterequal isless islessequal islessgreater isunordered ' +
    'j0 j1 jn y0 y1 yn drem significand finite HUGE_VAL HUGE_VALF HUGE_VALL INFINITY NAN NULL offsetof size_t ptrdiff_t ' +
    'wchar_t max_align_t errno assert I complex imaginary main exit abs ' +
    // the generated code's own names
    'grad hess value'
  ).split(' '),
);

function assemble(f: import('./core.js').FunctionParts): string {
  const params = f.params.map((p) => `double ${p}`);
  if (f.grad) params.push('double *grad');
  if (f.hess) params.push('double *hess');
  const n = f.params.length;
  const decl = (t: { name: string; text: string }) => `const double ${t.name} = ${t.text};`;
  const body: string[] = f.unused.map((p) => `(void)${p};`);
  body.push(...f.temps.filter((t) => t.level === 0).map(decl));
  body.push(`const double value = ${f.value};`);
  const gradLines = (f.grad ?? []).map((g, i) => `grad[${i}] = ${g};`);
  const hessLines: string[] = [];
  if (f.hess) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) hessLines.push(`hess[${i * n + j}] = ${f.hess[i][j]};`);
  const l1 = f.temps.filter((t) => t.level === 1).map(decl);
  const l2 = f.temps.filter((t) => t.level === 2).map(decl);
  if (f.hess) {
    body.push('if (grad != NULL || hess != NULL) {', ...indent(l1, '    '));
    body.push(...indent(['if (grad != NULL) {', ...indent(gradLines, '    '), '}'], '    '));
    body.push(...indent(['if (hess != NULL) {', ...indent([...l2, ...hessLines], '    '), '}'], '    '), '}');
  } else if (f.grad) {
    body.push('if (grad != NULL) {', ...indent([...l1, ...gradLines], '    '), '}');
  }
  body.push('return value;');
  const doc = f.hess
    ? `${gradDoc(f.params)}; hess[i*${n} + j] = d2f/d(param i)d(param j), row-major (${n}x${n}). NULL skips either.`
    : f.grad
      ? `${gradDoc(f.params)}. Pass NULL to skip the gradient.`
      : 'Returns the value.';
  return [
    ...f.comments.map((c) => `// ${c}`),
    `// ${doc}`,
    '#include <math.h>',
    '#include <stddef.h>',
    '',
    ...f.helpers.flatMap((h) => [h, '']),
    `double ${f.name}(${params.length ? params.join(', ') : 'void'}) {`,
    ...indent(body, '    '),
    '}',
    '',
  ].join('\n');
}

export const cTarget: Target = {
  lang: 'c',
  table,
  literal: floatLiteral,
  names: { reserved: RESERVED, pattern: /^_[A-Z_]|^__|^eg_|^(M|FP)_|^E[A-Z0-9]/ },
  helpers,
  assemble,
};
