// The public API given the wrong things: every function that takes an Expr, given each of a class of non-Exprs
// (text, null, numbers, arrays, objects), throws an ExprError('usage') that says what it got; styles, variables and
// values are checked; derivative(e) without a variable uses the only one, or refuses when there are several.
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { ExprError } from '../src/errors.js';

const notExprs: unknown[] = ['x^2', '', null, undefined, 3, NaN, true, {}, { kind: 'sym', name: 'x' }, [], new Map(), () => 1, Symbol('x')];

function refused(f: () => unknown, pattern: RegExp, label: string): ExprError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, label).toBeInstanceOf(ExprError);
  expect((err as Error).message, label).toMatch(pattern);
  return err as ExprError;
}

describe('API misuse is an ExprError', () => {
  const takesExpr: [string, (v: any) => unknown][] = [
    ['derivative', (v) => api.derivative(v, 'x')],
    ['simplify', (v) => api.simplify(v)],
    ['format', (v) => api.format(v)],
    ['formatCse', (v) => api.formatCse(v)],
    ['evaluate', (v) => api.evaluate(v, { x: 1 })],
    ['gradient', (v) => api.gradient(v)],
    ['hessian', (v) => api.hessian(v)],
    ['topo', (v) => api.topo(v)],
    ['jacobian', (v) => api.jacobian([v])],
  ];
  it.each(takesExpr)('%s() given each non-Expr', (name, f) => {
    for (const v of notExprs) {
      if (name === 'topo' && Array.isArray(v)) continue; // topo([]) is the empty list of roots: []
      const e = refused(() => f(v), new RegExp(`^Error: ${name}\\(\\): .*must be an Expr \\(from parse\\(\\)\\), got `), `${name}(${String(typeof v === 'symbol' ? 'symbol' : v)})`);
      expect(e.code).toBe('usage');
    }
  });

  it('topo() of an array checks every element', () => {
    expect(api.topo([])).toEqual([]);
    refused(() => api.topo([api.parse('x'), null] as never), /topo\(\): element 1 must be an Expr/, 'element');
  });

  it('text gets a hint to parse it first', () => {
    refused(() => api.simplify('2x + 3x' as never), /got the string "2x \+ 3x" \(parse it first: parse\(text\)\)/, 'text');
  });

  it('jacobian() needs an array; gradient/hessian/jacobian variables must be names', () => {
    refused(() => api.jacobian('x' as never), /expected an array of Expr/, 'jacobian text');
    const e = api.parse('x*y');
    for (const vars of ['x', [1], [null], {}]) {
      refused(() => api.gradient(e, vars as never), /variables must be an array of names/, `gradient ${String(vars)}`);
      refused(() => api.hessian(e, vars as never), /variables must be an array of names/, `hessian ${String(vars)}`);
    }
  });

  it('format() and formatCse() refuse unknown styles', () => {
    for (const style of ['html', 'UNICODE', '', 3, null, 'latex ']) {
      refused(() => api.format(api.parse('x'), style as never), /unknown style .*expected unicode, plain, latex/, String(style));
      refused(() => api.formatCse(api.parse('x'), style as never), /unknown style/, String(style));
    }
  });

  it('evaluate() refuses values that are not an object, or not numbers', () => {
    for (const values of [null, 3, 'x=1']) refused(() => api.evaluate(api.parse('x'), values as never), /values must be an object/, String(values));
    for (const v of ['3', null, [3], {}]) refused(() => api.evaluate(api.parse('x'), { x: v } as never), /value of x must be a number/, String(v));
  });
});

describe('derivative(e) without a variable', () => {
  it('uses the only free variable; a constant gives 0; several variables are refused (the issue: x*y gave 0)', () => {
    expect(api.format(api.derivative(api.parse('x^3')), 'plain')).toBe('3*x^2');
    expect(api.format(api.derivative(api.parse('sin(t)')), 'plain')).toBe('cos(t)');
    expect(api.format(api.derivative(api.parse('2 + pi')), 'plain')).toBe('0');
    for (const text of ['x*y', 'a + b + c', 'sin(x)*exp(z)']) refused(() => api.derivative(api.parse(text)), /several variables .*name the one/, text);
    for (const wrt of [3, null, '', {}]) refused(() => api.derivative(api.parse('x'), wrt as never), /the variable must be a name/, String(wrt));
    refused(() => api.derivative(api.parse('x'), 'x', '2' as never), /order must be a non-negative integer/, 'order text');
  });
});

describe('CompiledScalar.evaluateMany values', () => {
  it('accepts Float32Array, other typed arrays and plain number arrays, as Float64Array would be', () => {
    const c = api.compile('x^2 + y') as api.CompiledScalar;
    const want = Array.from(c.evaluateMany({ x: new Float64Array([1, 2, 3]), y: 1 }));
    for (const x of [new Float32Array([1, 2, 3]), new Int32Array([1, 2, 3]), new Uint8Array([1, 2, 3]), [1, 2, 3]]) {
      expect(Array.from(c.evaluateMany({ x: x as never, y: 1 })), x.constructor.name).toEqual(want);
    }
  });

  it('refuses missing values, holes, strings and other objects, naming the variable', () => {
    const c = api.compile('x^2') as api.CompiledScalar;
    // eslint-disable-next-line no-sparse-arrays
    const bad: [unknown, RegExp][] = [[undefined, /no value given for x/], ['3', /value of x must be a number or an array/], [[1, , 3], /x\[1\] is a hole/], [[1, 'a'], /x\[1\] is a string/], [{}, /must be a number or an array/], [null, /got null/]];
    for (const [x, why] of bad) refused(() => c.evaluateMany({ x } as never), why, String(x));
    refused(() => c.evaluateMany(null as never), /expected an object of variable values/, 'null');
  });
});
