// JavaScript target: an ES module exporting `function f(x, y)` returning the value; with grad
// `{ value, grad: [df_dx, df_dy] }`; with the Hessian `{ value, grad, hess }` (hess an array of rows).
//
// In:  FunctionParts from core.ts.  Out: module source: helpers (each once, not exported), the exported function.
// Math.max/min propagate NaN as exprgrad does (Math.max(-0, 0) is 0 where exprgrad keeps the first, -0).

import { jsFunctionHelpers, jsFunctions } from './functions.js';
import { P, type FunctionParts, type RenderTable, type Target, callOf, constant, helperCall, gradDoc, indent, infix, negate } from './core.js';

const m = (f: string) => callOf(`Math.${f}`);

const table: RenderTable = {
  add: infix('+', P.ADD),
  sub: infix('-', P.ADD),
  mul: infix('*', P.MUL),
  div: infix('/', P.MUL),
  pow: m('pow'),
  neg: negate,
  pi: constant('Math.PI'),
  e: constant('Math.E'),
  sin: m('sin'),
  cos: m('cos'),
  tan: m('tan'),
  asin: m('asin'),
  acos: m('acos'),
  atan: m('atan'),
  sinh: m('sinh'),
  cosh: m('cosh'),
  tanh: m('tanh'),
  exp: m('exp'),
  log: m('log'),
  log10: m('log10'),
  log2: m('log2'),
  sqrt: m('sqrt'),
  cbrt: m('cbrt'),
  abs: m('abs'),
  sign: m('sign'),
  step: helperCall('eg_step'),
  sigmoid: helperCall('eg_sigmoid'),
  relu: helperCall('eg_relu'),
  softplus: helperCall('eg_softplus'),
  min: m('min'),
  max: m('max'),
  atan2: m('atan2'),
  hypot: m('hypot'),
  erf: helperCall('eg_erf'),
  ...jsFunctions,
};

const helpers = {
  ...jsFunctionHelpers,
  eg_erf: {
    code: [
      'function eg_erf(x) {',
      '  // erf in float64, within 2e-15: the Maclaurin series for |x| < 2, else 1 - erfc(|x|) by its continued fraction',
      '  const ax = Math.abs(x);',
      '  if (ax < 2) {',
      '    const x2 = x * x;',
      '    let term = x;',
      '    let sum = x;',
      '    for (let n = 1; n < 40; n++) {',
      '      term = (-term * x2) / n;',
      '      sum += term / (2 * n + 1);',
      '    }',
      '    return 1.1283791670955126 * sum;',
      '  }',
      '  let f = ax;',
      '  for (let n = 80; n >= 1; n--) f = ax + n / 2 / f;',
      '  const c = Math.exp(-ax * ax) / (f * 1.7724538509055159);',
      '  return x > 0 ? 1 - c : c - 1;',
      '}',
    ].join('\n'),
  },
  eg_step: { code: 'function eg_step(x) {\n  return x > 0 ? 1 : x <= 0 ? 0 : NaN; // step(0) = 0\n}' },
  eg_relu: { code: 'function eg_relu(x) {\n  return x > 0 ? x : x <= 0 ? 0 : NaN;\n}' },
  eg_sigmoid: {
    code: 'function eg_sigmoid(x) {\n  // 1/(1 + exp(-x)), stable for large |x|\n  if (x >= 0) return 1 / (1 + Math.exp(-x));\n  const z = Math.exp(x);\n  return z / (1 + z);\n}',
  },
  eg_softplus: {
    code: 'function eg_softplus(x) {\n  // log(1 + exp(x)), stable for large |x|\n  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));\n}',
  },
};

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else export extends finally for function if import ' +
    'in instanceof new return super switch this throw try typeof var void while with yield let static enum await ' +
    'implements package protected interface private public null true false arguments eval undefined NaN Infinity Math ' +
    'globalThis Object Array Number String Symbol BigInt JSON Reflect Proxy Promise Function Error async of get set ' +
    'value grad hess'
  ).split(' '),
);

function assemble(f: FunctionParts): string {
  const body = f.temps.map((t) => `const ${t.name} = ${t.text};`);
  if (!f.grad) body.push(`return ${f.value};`);
  else {
    body.push('return {', `  value: ${f.value},`, '  grad: [', ...f.grad.map((g, i) => `    ${g}, // d/d${f.params[i]}`), '  ],');
    if (f.hess) body.push('  hess: [', ...f.hess.map((row) => `    [${row.join(', ')}],`), '  ],');
    body.push('};');
  }
  const doc = f.hess
    ? `Returns { value, grad, hess }: ${gradDoc(f.params)}, hess[i][j] = d2f/d(param i)d(param j).`
    : f.grad
      ? `Returns { value, grad }: ${gradDoc(f.params)}.`
      : 'Returns the value.';
  return [
    ...f.comments.map((c) => `// ${c}`),
    `// ${doc}`,
    '',
    ...f.helpers.flatMap((h) => [h, '']),
    `export function ${f.name}(${f.params.join(', ')}) {`,
    ...indent(body, '  '),
    '}',
    '',
  ].join('\n');
}

export const jsTarget: Target = {
  lang: 'js',
  table,
  literal: (v) => {
    if (!Number.isFinite(v)) throw new Error('internal: non-finite literal');
    return String(v);
  },
  names: { reserved: RESERVED, pattern: /^eg_/ },
  helpers,
  assemble,
};
