// GLSL ES 3.00 target (float32): `float f(float x, float y)`; with grad the partials through an out parameter,
// `float f(float x, float y, out float grad[2])`; with the Hessian also `out float hess[4]` (n×n, row-major).
//
// In:  FunctionParts from core.ts.  Out: helper functions (each once) and the function, to paste into a shader
// that declares `precision highp float;`. GLSL lacks log10, cbrt, hypot, sigmoid, softplus and exprgrad's step
// (GLSL's step(0, 0) is 1): helpers below, with their precision in comments.

import { type FunctionParts, type RenderTable, type Target, gradDoc, indent } from './core.js';
import { f32Literal, namedArgs, shaderTable } from './shader.js';
import { shaderFunctionHelpers } from './functions.js';

const table: RenderTable = shaderTable('atan', 'roundEven');

const helpers = {
  ...shaderFunctionHelpers('glsl'),
  eg_pow: {
    code: [
      '// a^b with IEEE conventions GLSL pow lacks: 0^0 = 1, a < 0 with an integer b (odd b: negative)',
      'float eg_pow(float a, float b) {',
      '    if (b == 0.0) return 1.0;',
      '    if (a >= 0.0 || floor(b) != b) return pow(a, b);',
      '    float r = pow(-a, b);',
      '    return fract(b * 0.5) == 0.0 ? r : -r;',
      '}',
    ].join('\n'),
  },
  eg_log10: { code: 'float eg_log10(float x) { return log2(x) * 0.30102999566398120; } // within a few ulp of float32' },
  eg_cbrt: { code: 'float eg_cbrt(float x) { return sign(x) * pow(abs(x), 1.0 / 3.0); } // cube root, a few ulp of float32' },
  eg_step: { code: 'float eg_step(float x) { return x > 0.0 ? 1.0 : 0.0; } // step(0) = 0 (GLSL step(0.0, x) is 1 at 0)' },
  eg_sigmoid: {
    code: [
      '// 1/(1 + exp(-x)), stable for large |x|',
      'float eg_sigmoid(float x) {',
      '    if (x >= 0.0) return 1.0 / (1.0 + exp(-x));',
      '    float z = exp(x);',
      '    return z / (1.0 + z);',
      '}',
    ].join('\n'),
  },
  eg_softplus: {
    code: [
      '// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); log1p by the (1 + z) - 1 correction, to a few ulp',
      'float eg_softplus(float x) {',
      '    float z = exp(-abs(x));',
      '    float u = 1.0 + z;',
      '    float d = u - 1.0;',
      '    return max(x, 0.0) + (d == 0.0 ? z : log(u) * (z / d));',
      '}',
    ].join('\n'),
  },
  eg_erf: {
    code: [
      '// erf: the Maclaurin series to x^19 for |x| < 1, else Abramowitz-Stegun 7.1.26 (absolute error 1.5e-7)',
      'float eg_erf(float x) {',
      '    float ax = abs(x);',
      '    if (ax < 1.0) {',
      '        float z = x * x;',
      '        return x * ((((((((((-1.6365844691234924e-7) * z + 0.0000016462114365889246) * z + -0.00001492565035840625) * z + 0.00012055332981789664) * z + -0.0008548327023450852) * z + 0.005223977625442188) * z + -0.026866170645131252) * z + 0.11283791670955126) * z + -0.37612638903183754) * z + 1.1283791670955126);',
      '    }',
      '    float t = 1.0 / (1.0 + 0.3275911 * ax);',
      '    float p = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;',
      '    return sign(x) * (1.0 - p * exp(-ax * ax));',
      '}',
    ].join('\n'),
  },
  eg_hypot: {
    code: [
      '// sqrt(a^2 + b^2) without overflow or underflow of the squares',
      'float eg_hypot(float a, float b) {',
      '    float m = max(abs(a), abs(b));',
      '    if (m == 0.0) return 0.0;',
      '    float p = a / m;',
      '    float q = b / m;',
      '    return m * sqrt(p * p + q * q);',
      '}',
    ].join('\n'),
  },
};

const RESERVED = new Set(
  (
    // GLSL ES 3.00 keywords and reserved words
    'const uniform layout centroid flat smooth break continue do for while switch case default if else in out inout ' +
    'float int void bool true false invariant discard return mat2 mat3 mat4 mat2x2 mat2x3 mat2x4 mat3x2 mat3x3 mat3x4 ' +
    'mat4x2 mat4x3 mat4x4 vec2 vec3 vec4 ivec2 ivec3 ivec4 bvec2 bvec3 bvec4 uint uvec2 uvec3 uvec4 lowp mediump highp ' +
    'precision sampler2D sampler3D samplerCube sampler2DShadow samplerCubeShadow sampler2DArray sampler2DArrayShadow ' +
    'isampler2D isampler3D isamplerCube isampler2DArray usampler2D usampler3D usamplerCube usampler2DArray struct ' +
    'attribute varying coherent volatile restrict readonly writeonly resource atomic_uint noperspective patch sample ' +
    'subroutine common partition active asm class union enum typedef template this goto inline noinline public static ' +
    'extern external interface long short double half fixed unsigned superp input output hvec2 hvec3 hvec4 dvec2 dvec3 ' +
    'dvec4 fvec2 fvec3 fvec4 sampler3DRect filter image1D image2D image3D imageCube iimage1D iimage2D iimage3D ' +
    'iimageCube uimage1D uimage2D uimage3D uimageCube image1DArray image2DArray iimage1DArray iimage2DArray ' +
    'uimage1DArray uimage2DArray image1DShadow image2DShadow image1DArrayShadow image2DArrayShadow imageBuffer ' +
    'iimageBuffer uimageBuffer sampler1D sampler1DShadow sampler1DArray sampler1DArrayShadow isampler1D usampler1D ' +
    'isampler1DArray usampler1DArray sampler2DRect sampler2DRectShadow isampler2DRect usampler2DRect samplerBuffer ' +
    'isamplerBuffer usamplerBuffer sampler2DMS isampler2DMS usampler2DMS sampler2DMSArray isampler2DMSArray ' +
    'usampler2DMSArray sizeof cast namespace using main ' +
    // built-in functions
    'radians degrees sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh pow exp log exp2 log2 sqrt inversesqrt ' +
    'abs sign floor trunc round roundEven ceil fract mod modf min max clamp mix step smoothstep isnan isinf ' +
    'floatBitsToInt floatBitsToUint intBitsToFloat uintBitsToFloat packSnorm2x16 unpackSnorm2x16 packUnorm2x16 ' +
    'unpackUnorm2x16 packHalf2x16 unpackHalf2x16 length distance dot cross normalize faceforward reflect refract ' +
    'matrixCompMult outerProduct transpose determinant inverse lessThan lessThanEqual greaterThan greaterThanEqual ' +
    'equal notEqual any all not texture textureSize textureProj textureLod textureOffset texelFetch texelFetchOffset ' +
    'textureProjOffset textureLodOffset textureProjLod textureProjLodOffset textureGrad textureGradOffset ' +
    'textureProjGrad textureProjGradOffset dFdx dFdy fwidth ' +
    // the generated code's own names
    'value grad hess'
  ).split(' '),
);

function assemble(f: FunctionParts): string {
  const params = f.params.map((p) => `float ${p}`);
  const n = f.params.length;
  if (f.grad && n > 0) params.push(`out float grad[${n}]`);
  if (f.hess && n > 0) params.push(`out float hess[${n * n}]`);
  const body = f.temps.map((t) => `float ${t.name} = ${t.text};`);
  body.push(`float value = ${f.value};`);
  if (f.grad) body.push(...f.grad.map((g, i) => `grad[${i}] = ${g};`));
  if (f.hess) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) body.push(`hess[${i * n + j}] = ${f.hess[i][j]};`);
  body.push('return value;');
  const doc = f.hess
    ? `${gradDoc(f.params)}; hess[i*${n} + j] = d2f/d(param i)d(param j), row-major.`
    : f.grad
      ? `${gradDoc(f.params)}.`
      : 'Returns the value.';
  return [
    ...f.comments.map((c) => `// ${c}`),
    `// ${doc} Float32 (precision highp float).`,
    '',
    ...f.helpers.flatMap((h) => [h, '']),
    `float ${f.name}(${params.join(', ')}) {`,
    ...indent(body, '    '),
    '}',
    '',
  ].join('\n');
}

export const glslTarget: Target = {
  lang: 'glsl',
  table,
  literal: f32Literal,
  names: { reserved: RESERVED, pattern: /^(gl_|webgl_|_webgl_)|__|^eg_|^_$/ },
  helpers,
  namedArgs,
  assemble,
};
