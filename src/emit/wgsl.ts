// WGSL target (f32): `fn f(x: f32, y: f32) -> f32`; with grad it returns a struct,
// `struct f_result { value: f32, grad: array<f32, 2> }` (with the Hessian also `hess: array<f32, 4>`, row-major).
//
// In:  FunctionParts from core.ts.  Out: helper functions (each once), the struct and the function. WGSL lacks
// log10, cbrt, hypot, sigmoid, softplus and exprgrad's step: helpers below, with their precision in comments.

import { type FunctionParts, type RenderTable, type Target, gradDoc, indent } from './core.js';
import { f32Literal, namedArgs, shaderTable } from './shader.js';
import { shaderFunctionHelpers } from './functions.js';

const table: RenderTable = shaderTable('atan2');

const helpers = {
  ...shaderFunctionHelpers('wgsl'),
  eg_pow: {
    code: [
      '// a^b with IEEE conventions WGSL pow lacks: 0^0 = 1, a < 0 with an integer b (odd b: negative)',
      'fn eg_pow(a: f32, b: f32) -> f32 {',
      '    if (b == 0.0) { return 1.0; }',
      '    if (a >= 0.0 || floor(b) != b) { return pow(a, b); }',
      '    let r = pow(-a, b);',
      '    return select(-r, r, fract(b * 0.5) == 0.0);',
      '}',
    ].join('\n'),
  },
  eg_log10: { code: 'fn eg_log10(x: f32) -> f32 { return log2(x) * 0.30102999566398120; } // within a few ulp of f32' },
  eg_cbrt: { code: 'fn eg_cbrt(x: f32) -> f32 { return sign(x) * pow(abs(x), 1.0 / 3.0); } // cube root, a few ulp of f32' },
  eg_step: { code: 'fn eg_step(x: f32) -> f32 { return select(0.0, 1.0, x > 0.0); } // step(0) = 0' },
  eg_sigmoid: {
    code: [
      '// 1/(1 + exp(-x)), stable for large |x|',
      'fn eg_sigmoid(x: f32) -> f32 {',
      '    if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }',
      '    let z = exp(x);',
      '    return z / (1.0 + z);',
      '}',
    ].join('\n'),
  },
  eg_softplus: {
    code: [
      '// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); log1p by the (1 + z) - 1 correction, to a few ulp',
      'fn eg_softplus(x: f32) -> f32 {',
      '    let z = exp(-abs(x));',
      '    let u = 1.0 + z;',
      '    let d = u - 1.0;',
      '    return max(x, 0.0) + select(log(u) * (z / d), z, d == 0.0);',
      '}',
    ].join('\n'),
  },
  eg_erf: {
    code: [
      '// erf: the Maclaurin series to x^19 for |x| < 1, else Abramowitz-Stegun 7.1.26 (absolute error 1.5e-7)',
      'fn eg_erf(x: f32) -> f32 {',
      '    let ax = abs(x);',
      '    if (ax < 1.0) {',
      '        let z = x * x;',
      '        return x * ((((((((((-1.6365844691234924e-7) * z + 0.0000016462114365889246) * z + -0.00001492565035840625) * z + 0.00012055332981789664) * z + -0.0008548327023450852) * z + 0.005223977625442188) * z + -0.026866170645131252) * z + 0.11283791670955126) * z + -0.37612638903183754) * z + 1.1283791670955126);',
      '    }',
      '    let t = 1.0 / (1.0 + 0.3275911 * ax);',
      '    let p = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;',
      '    return sign(x) * (1.0 - p * exp(-ax * ax));',
      '}',
    ].join('\n'),
  },
  eg_hypot: {
    code: [
      '// sqrt(a^2 + b^2) without overflow or underflow of the squares',
      'fn eg_hypot(a: f32, b: f32) -> f32 {',
      '    let m = max(abs(a), abs(b));',
      '    if (m == 0.0) { return 0.0; }',
      '    let p = a / m;',
      '    let q = b / m;',
      '    return m * sqrt(p * p + q * q);',
      '}',
    ].join('\n'),
  },
};

const RESERVED = new Set(
  (
    // keywords
    'alias break case const const_assert continue continuing default diagnostic discard else enable false fn for if ' +
    'let loop override requires return struct switch true var while ' +
    // reserved words
    'NULL Self abstract active alignas alignof as asm asm_fragment async attribute auto await become binding_array ' +
    'cast catch class co_await co_return co_yield coherent column_major common compile compile_fragment concept ' +
    'const_cast consteval constexpr constinit crate debugger decltype delete demote demote_to_helper do dynamic_cast ' +
    'enum explicit export extends extern external fallthrough filter final finally friend from fxgroup get goto ' +
    'groupshared highp impl implements import inline instanceof interface layout lowp macro macro_rules match mediump ' +
    'meta mod module move mut mutable namespace new nil noexcept noinline nointerpolation noperspective null nullptr ' +
    'of operator package packoffset partition pass patch pixelfragment precise precision premerge priv protected pub ' +
    'public readonly ref regardless register reinterpret_cast require resource restrict self set shared sizeof smooth ' +
    'snorm static static_assert static_cast std subroutine super target template this thread_local throw trait try ' +
    'type typedef typeid typename typeof union unless unorm unsafe unsized use using varying virtual volatile wgsl ' +
    'where with writeonly yield ' +
    // predeclared types and enumerants
    'bool f16 f32 i32 u32 vec2 vec3 vec4 vec2f vec3f vec4f vec2i vec3i vec4i vec2u vec3u vec4u vec2h vec3h vec4h ' +
    'mat2x2 mat2x3 mat2x4 mat3x2 mat3x3 mat3x4 mat4x2 mat4x3 mat4x4 mat2x2f mat3x3f mat4x4f array atomic ptr sampler ' +
    'sampler_comparison function private workgroup uniform storage read write read_write ' +
    // built-in functions
    'abs acos acosh all any arrayLength asin asinh atan atan2 atanh bitcast ceil clamp cos cosh countLeadingZeros ' +
    'countOneBits countTrailingZeros cross degrees determinant distance dot dot4U8Packed dot4I8Packed exp exp2 ' +
    'extractBits faceForward firstLeadingBit firstTrailingBit floor fma fract frexp insertBits inverseSqrt ldexp ' +
    'length log log2 max min mix modf normalize pow quantizeToF16 radians reflect refract reverseBits round saturate ' +
    'select sign sin sinh smoothstep sqrt step tan tanh transpose trunc ' +
    // the generated code's own names
    'value grad hess r'
  ).split(' '),
);

function assemble(f: FunctionParts): string {
  const n = f.params.length;
  const params = f.params.map((p) => `${p}: f32`).join(', ');
  const body = f.temps.map((t) => `let ${t.name} = ${t.text};`);
  const doc = f.hess
    ? `${gradDoc(f.params, 'r.grad')}; r.hess[i*${n} + j] = d2f/d(param i)d(param j), row-major.`
    : f.grad
      ? `${gradDoc(f.params, 'r.grad')}.`
      : 'Returns the value.';
  const head = [...f.comments.map((c) => `// ${c}`), `// ${doc} f32.`, '', ...f.helpers.flatMap((h) => [h, ''])];
  if (!f.grad) {
    body.push(`return ${f.value};`);
    return [...head, `fn ${f.name}(${params}) -> f32 {`, ...indent(body, '    '), '}', ''].join('\n');
  }
  const struct = `${f.name}_result`;
  const fields = ['value: f32,'];
  if (n > 0) fields.push(`grad: array<f32, ${n}>,`);
  if (f.hess && n > 0) fields.push(`hess: array<f32, ${n * n}>,`);
  body.push(`var r: ${struct};`, `r.value = ${f.value};`);
  body.push(...f.grad.map((g, i) => `r.grad[${i}] = ${g};`));
  if (f.hess) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) body.push(`r.hess[${i * n + j}] = ${f.hess[i][j]};`);
  body.push('return r;');
  return [
    ...head,
    `struct ${struct} {`,
    ...indent(fields, '    '),
    '}',
    '',
    `fn ${f.name}(${params}) -> ${struct} {`,
    ...indent(body, '    '),
    '}',
    '',
  ].join('\n');
}

export const wgslTarget: Target = {
  lang: 'wgsl',
  table,
  literal: f32Literal,
  names: { reserved: RESERVED, pattern: /^__|^eg_|^_$|_result$/ },
  helpers,
  namedArgs,
  assemble,
};
