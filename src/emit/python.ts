// Python targets: `def f(x, y)` returning the value; with grad `(value, [df_dx, df_dy])`; with the Hessian
// `(value, grad, hess)` (hess a list of rows).
//   python  the math module: plain floats; outside a function's domain math raises ValueError (math.log(-1)) or
//           OverflowError (math.exp(1000)) where exprgrad gives NaN or inf. math.cbrt needs Python 3.11.
//   numpy   numpy functions, so arguments may be arrays that broadcast; every output has the broadcast shape of
//           all arguments (a partial that reads only x still comes out with x and y's shape). Pass float arrays.
//
// In:  FunctionParts from core.ts.  Out: a module: imports, helpers (each once), the function.

import type { Expr } from '../ir/expr.js';
import { numpyErfLike, numpyFunctionHelpers, numpyFunctions, pythonFunctionHelpers, pythonFunctions } from './functions.js';
import { P, type Code, type FunctionParts, type Render, type RenderTable, type Target, callOf, callsOf, constant, fold, helperCall, gradDoc, indent, infix, negate, floatLiteral, integerLiteral, wrap } from './core.js';

/** a**n for a literal integer exponent (exact for floats, no complex results); else f(a, b). */
const power = (f: string): Render => ([a, b]: readonly Code[], node: Expr) => {
  const n = integerLiteral(node.args[1]);
  if (n !== undefined) return { text: `${wrap(a, P.ATOM)}**${n < 0 ? `(${n})` : n}`, prec: P.POW };
  return { text: `${f}(${a.text}, ${b.text})`, prec: P.ATOM };
};

const mathTable: RenderTable = {
  add: infix('+', P.ADD),
  sub: infix('-', P.ADD),
  mul: infix('*', P.MUL),
  div: infix('/', P.MUL),
  pow: power('math.pow'),
  neg: negate,
  pi: constant('math.pi'),
  e: constant('math.e'),
  ...callsOf('math.', ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'exp', 'log', 'log10', 'log2', 'sqrt', 'cbrt', 'atan2', 'hypot', 'erf']),
  abs: callOf('abs'),
  sign: helperCall('_eg_sign'),
  step: helperCall('_eg_step'),
  sigmoid: helperCall('_eg_sigmoid'),
  relu: helperCall('_eg_relu'),
  softplus: helperCall('_eg_softplus'),
  min: helperCall('_eg_min'),
  max: helperCall('_eg_max'),
  ...pythonFunctions,
};

const numpyTable: RenderTable = {
  ...mathTable,
  pow: power('np.power'),
  pi: constant('np.pi'),
  e: constant('np.e'),
  ...callsOf('np.', ['sin', 'cos', 'tan']),
  asin: callOf('np.arcsin'),
  acos: callOf('np.arccos'),
  atan: callOf('np.arctan'),
  ...callsOf('np.', ['sinh', 'cosh', 'tanh', 'exp', 'log', 'log10', 'log2', 'sqrt', 'cbrt', 'abs', 'sign']),
  step: ([a]) => ({ text: `np.heaviside(${a.text}, 0.0)`, prec: P.ATOM }), // step(0) = 0
  relu: ([a]) => ({ text: `np.maximum(${a.text}, 0.0)`, prec: P.ATOM }),
  sigmoid: helperCall('_eg_sigmoid'),
  softplus: helperCall('_eg_softplus'),
  min: fold('np.minimum'),
  max: fold('np.maximum'),
  atan2: callOf('np.arctan2'),
  hypot: fold('np.hypot'),
  erf: helperCall('_eg_erf'),
  ...numpyFunctions,
};

const mathHelpers = {
  ...pythonFunctionHelpers,
  _eg_sign: { code: 'def _eg_sign(x):\n    return 1.0 if x > 0 else -1.0 if x < 0 else x  # sign(0) = 0, NaN stays NaN' },
  _eg_step: { code: 'def _eg_step(x):\n    return 1.0 if x > 0 else 0.0 if x <= 0 else x  # step(0) = 0' },
  _eg_relu: { code: 'def _eg_relu(x):\n    return x if x > 0 else 0.0 if x <= 0 else x' },
  _eg_sigmoid: {
    code: 'def _eg_sigmoid(x):\n    # 1/(1 + exp(-x)), stable for large |x|\n    if x >= 0:\n        return 1.0 / (1.0 + math.exp(-x))\n    z = math.exp(x)\n    return z / (1.0 + z)',
  },
  _eg_softplus: {
    code: 'def _eg_softplus(x):\n    # log(1 + exp(x)), stable for large |x|\n    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))',
  },
  _eg_min: {
    code: 'def _eg_min(*xs):\n    # ties: the first; NaN in, NaN out\n    best = xs[0]\n    for x in xs[1:]:\n        if x != x or x < best:\n            best = x\n    return best',
  },
  _eg_max: {
    code: 'def _eg_max(*xs):\n    # ties: the first; NaN in, NaN out\n    best = xs[0]\n    for x in xs[1:]:\n        if x != x or x > best:\n            best = x\n    return best',
  },
};

const numpyHelpers = {
  ...numpyFunctionHelpers,
  _eg_erf: { code: numpyErfLike('erf', 'erf in float64 (numpy has none), within 2e-15', '1.1283791670955126 * s, np.where(x > 0, 1.0 - c, c - 1.0)') },
  _eg_sigmoid: {
    code: 'def _eg_sigmoid(x):\n    # 1/(1 + exp(-x)), stable: exp never overflows\n    z = np.exp(-np.abs(x))\n    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))',
  },
  _eg_softplus: {
    code: 'def _eg_softplus(x):\n    # log(1 + exp(x)), stable: exp never overflows\n    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))',
  },
};

const RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if ' +
    'import in is lambda nonlocal not or pass raise return try while with yield match case type ' +
    'abs all any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex delattr dict dir divmod ' +
    'enumerate eval exec filter float format frozenset getattr globals hasattr hash help hex id input int isinstance ' +
    'issubclass iter len list locals map max memoryview min next object oct open ord pow print property range repr ' +
    'reversed round set setattr slice sorted staticmethod str sum super tuple vars zip NotImplemented Ellipsis ' +
    'math np numpy value grad hess self cls'
  ).split(' '),
);

function assembler(numpy: boolean) {
  return (f: FunctionParts): string => {
    const n = f.params.length;
    const body = f.temps.map((t) => `${t.name} = ${t.text}`);
    // numpy: outputs that do not read every argument still get the broadcast shape of all of them.
    const partial = numpy && n > 0 && (!f.full.value || f.full.grad.some((x) => !x) || f.full.hess.some((r) => r.some((x) => !x)));
    if (partial) body.push(`_eg_zero = np.zeros(np.broadcast_shapes(${f.params.map((p) => `np.shape(${p})`).join(', ')}))`);
    const out = (text: string, full: boolean) => (partial && !full ? `_eg_zero + ${/^[\w.]+$/.test(text) ? text : `(${text})`}` : text);
    body.push(`value = ${out(f.value, f.full.value)}`);
    if (f.grad) {
      body.push('grad = [', ...f.grad.map((g, i) => `    ${out(g, f.full.grad[i])},  # d/d${f.params[i]}`), ']');
    }
    if (f.hess) {
      body.push('hess = [', ...f.hess.map((row, i) => `    [${row.map((h, j) => out(h, f.full.hess[i][j])).join(', ')}],`), ']');
    }
    body.push(f.hess ? 'return value, grad, hess' : f.grad ? 'return value, grad' : 'return value');
    const doc = f.hess
      ? `Returns (value, grad, hess): ${gradDoc(f.params)}, hess[i][j] = d2f/d(param i)d(param j).`
      : f.grad
        ? `Returns (value, grad): ${gradDoc(f.params)}.`
        : 'Returns the value.';
    return [
      ...f.comments.map((c) => `# ${c}`),
      `# ${doc}`,
      numpy ? 'import numpy as np' : 'import math',
      '',
      ...f.helpers.flatMap((h) => ['', h, '']),
      '',
      `def ${f.name}(${f.params.join(', ')}):`,
      ...indent(body, '    '),
      '',
    ].join('\n');
  };
}

const names = { reserved: RESERVED, pattern: /^_eg_|^__/ };

export const pythonTarget: Target = { lang: 'python', table: mathTable, literal: floatLiteral, names, helpers: mathHelpers, assemble: assembler(false) };
export const numpyTarget: Target = { lang: 'numpy', table: numpyTable, literal: floatLiteral, names, helpers: numpyHelpers, assemble: assembler(true) };
