// The op table's derivative rules, one by one, generated from the table itself: for every op with arguments
// (variadic ops with their minimum and one more argument), each partial ∂op/∂a_i, built by differentiating
// op(a1, a2, …) with respect to a_i, raw (the `d` rule straight) and simplified, against a five-point finite
// difference at random points where the op is smooth. Then the conventions documented in src/ir/ops.ts.

import { describe, expect, it } from 'vitest';
import { Expr, call, num, sym } from '../../src/ir/expr.js';
import { ops, type OpSpec } from '../../src/ir/ops.js';
import { derivative, differentiate } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { format } from '../../src/print/print.js';
import { parse } from '../../src/parse/parse.js';
import { topo } from '../../src/ir/walk.js';
import { type Point, close, fivePoint, mulberry32, randomPoint, resolvedStep } from '../util/gen.js';

const table: [string, OpSpec][] = Object.entries(ops);
const withArgs = table.filter(([, spec]) => spec.arity > 0);

/** Argument counts to test: the arity, and one more for variadic ops. */
function counts(spec: OpSpec): number[] {
  return spec.variadic ? [spec.arity, spec.arity + 1] : [spec.arity];
}

const argNames = (n: number) => Array.from({ length: n }, (_, i) => `a${i + 1}`);

/** Five-point finite difference of e in v at the point, at a step that resolves e there (else undefined). */
function fd(e: Expr, point: Point, v: string): number | undefined {
  const h = resolvedStep(e, point, v);
  if (h === undefined) return undefined;
  const f = (t: number) => evaluate(e, { ...point, [v]: t });
  const a = fivePoint(f, point[v], h);
  const b = fivePoint(f, point[v], h / 2);
  return close(a, b, 1e-7, 1e-7) ? b : undefined;
}

const WANT = 6;

/**
 * Check ∂e/∂v (raw and simplified) against finite differences at up to WANT random points; returns the number of
 * points checked, and the failures as text.
 */
function checkPartial(e: Expr, vars: readonly string[], v: string, seed: number): { checked: number; failures: string[] } {
  const raw = differentiate(e, v);
  const simplified = derivative(e, v);
  const rng = mulberry32(seed);
  const failures: string[] = [];
  let checked = 0;
  for (let t = 0; t < 400 && checked < WANT; t++) {
    const point = randomPoint(rng, vars);
    const expected = fd(e, point, v);
    if (expected === undefined) continue;
    checked++;
    const at = Object.entries(point).map(([k, x]) => `${k}=${x}`).join(', ');
    for (const [label, d] of [['raw', raw], ['simplified', simplified]] as const) {
      const got = evaluate(d, point);
      if (!close(got, expected, 1e-6, 1e-6)) {
        failures.push(`∂${format(e, 'plain')}/∂${v} (${label}: ${format(d, 'plain')}) at ${at}: expected ${expected}, got ${got}`);
      }
    }
  }
  return { checked, failures };
}

describe('each partial derivative of each op in the table, against finite differences', () => {
  it('the table has the ops these tests expect to generate from', () => {
    expect(withArgs.length).toBeGreaterThanOrEqual(30);
    expect(table.filter(([, s]) => s.arity === 0).map(([n]) => n)).toEqual(['pi', 'e']);
  });

  for (const [name, spec] of withArgs) {
    for (const n of counts(spec)) {
      const vars = argNames(n);
      const e = call(name, vars.map((v) => sym(v)));
      const integerArgs = spec.integerArgs ?? [];
      vars.forEach((v, i) => {
        if (integerArgs.includes(i)) {
          // An argument that takes integers only (polygamma's order): its partial is 0; the other partials are
          // checked at orders 0, 1 and 3 (below).
          it(`∂${name}(${vars.join(', ')})/∂${v} = 0 (an integer argument)`, () => expect(derivative(e, v)).toBe(num(0)));
          return;
        }
        if (integerArgs.length) {
          it.each([0, 1, 3])(`∂${name}(…)/∂${v} with integer arguments %i`, (k) => {
            const ek = call(name, vars.map((w, j) => (integerArgs.includes(j) ? num(k) : sym(w))));
            const free = vars.filter((_, j) => !integerArgs.includes(j));
            const { checked, failures } = checkPartial(ek, free, v, 1000 * n + 17 * i + k);
            expect(failures).toEqual([]);
            expect(checked).toBeGreaterThanOrEqual(WANT);
          });
          return;
        }
        it(`∂${name}(${vars.join(', ')})/∂${v}`, () => {
          const { checked, failures } = checkPartial(e, vars, v, 1000 * n + 17 * i + name.length);
          expect(failures).toEqual([]);
          expect(checked).toBeGreaterThanOrEqual(WANT);
        });
      });
      if (n >= 2 && name !== 'min' && name !== 'max' && !integerArgs.length) {
        // Every argument the same variable: the chain rule adds all the partials (max/min of equal arguments is
        // never smooth, so they are left out).
        it(`d/dx ${name}(x, x${n > 2 ? ', x' : ''}) sums the partials`, () => {
          const same = call(name, vars.map(() => sym('x')));
          const { checked, failures } = checkPartial(same, ['x'], 'x', 77 + n);
          expect(failures).toEqual([]);
          expect(checked).toBeGreaterThanOrEqual(WANT);
        });
      }
    }
  }

  // Partials where another argument is a constant: the rules for pow at a negative base with an integer exponent,
  // for a constant base, and for the ops whose derivative uses the other argument's value.
  const withConstants: [text: string, v: string][] = [
    ['x^3', 'x'],
    ['x^(-2)', 'x'],
    ['x^0.5', 'x'],
    ['x^1.5', 'x'],
    ['2^x', 'x'],
    ['pi^x', 'x'],
    ['x^x', 'x'],
    ['atan2(x, -1.5)', 'x'],
    ['atan2(2, x)', 'x'],
    ['hypot(x, 0)', 'x'],
    ['hypot(x, 1, 2)', 'x'],
    ['max(x, 0.5, -1)', 'x'],
    ['min(2, x, 1)', 'x'],
    ['x/3', 'x'],
    ['3/x', 'x'],
  ];
  for (const [text, v] of withConstants) {
    it(`d/d${v} ${text}`, () => {
      const { checked, failures } = checkPartial(parse(text), [v], v, text.length);
      expect(failures).toEqual([]);
      expect(checked).toBeGreaterThanOrEqual(WANT);
    });
  }
});

describe('derivative conventions (src/ir/ops.ts)', () => {
  const d = (text: string, v = 'x') => derivative(parse(text), v);
  const dAt = (text: string, at: Point, v = 'x') => evaluate(derivative(parse(text), v), at);
  const rawAt = (text: string, at: Point, v = 'x') => evaluate(differentiate(parse(text), v), at);
  const plain = (e: Expr) => format(e, 'plain');

  it("relu'(0) = 0 (relu' = step, step(0) = 0)", () => {
    expect(plain(d('relu(x)'))).toBe('step(x)');
    expect(dAt('relu(x)', { x: 0 })).toBe(0);
    expect(rawAt('relu(x)', { x: 0 })).toBe(0);
    expect(dAt('relu(x)', { x: 1e-300 })).toBe(1);
    expect(dAt('relu(x)', { x: -2 })).toBe(0);
    expect(evaluate(parse('step(0)'))).toBe(0);
  });

  it("abs' = sign, with sign(0) = 0", () => {
    expect(plain(d('abs(x)'))).toBe('sign(x)');
    expect(dAt('abs(x)', { x: 0 })).toBe(0);
    expect(dAt('abs(x)', { x: -3 })).toBe(-1);
    expect(dAt('abs(x)', { x: 0.25 })).toBe(1);
    expect(evaluate(parse('sign(0)'))).toBe(0);
  });

  it("sign' = step' = 0", () => {
    expect(d('sign(x)')).toBe(num(0));
    expect(d('step(x)')).toBe(num(0));
    expect(differentiate(parse('sign(x)'), 'x')).toBe(num(0));
    expect(d('sign(x^2 + 1)*3')).toBe(num(0));
  });

  it('max: at a tie the derivative goes to the first of the tied arguments', () => {
    const tie = { a: 1, b: 1, c: 1 };
    for (const at of [dAt, rawAt]) {
      expect(at('max(a, b)', tie, 'a')).toBe(1);
      expect(at('max(a, b)', tie, 'b')).toBe(0);
      expect(at('max(a, b, c)', tie, 'a')).toBe(1);
      expect(at('max(a, b, c)', tie, 'b')).toBe(0);
      expect(at('max(a, b, c)', tie, 'c')).toBe(0);
      // a loses; b and c tie for the max: b, the first of them, gets it
      expect(at('max(a, b, c)', { a: 0, b: 1, c: 1 }, 'b')).toBe(1);
      expect(at('max(a, b, c)', { a: 0, b: 1, c: 1 }, 'c')).toBe(0);
      expect(at('max(a, b, c)', { a: 0, b: 1, c: 1 }, 'a')).toBe(0);
      // away from ties: the largest
      expect(at('max(a, b)', { a: 2, b: 1 }, 'a')).toBe(1);
      expect(at('max(a, b)', { a: 1, b: 2 }, 'b')).toBe(1);
      expect(at('max(a, b)', { a: 1, b: 2 }, 'a')).toBe(0);
    }
    // d/dx max(x, x) = 1: the whole derivative, once
    expect(dAt('max(x, x)', { x: 3 })).toBe(1);
    expect(rawAt('max(x, x, x)', { x: 3 })).toBe(1);
  });

  it('min: at a tie the derivative goes to the first of the tied arguments', () => {
    const tie = { a: 1, b: 1, c: 1 };
    for (const at of [dAt, rawAt]) {
      expect(at('min(a, b)', tie, 'a')).toBe(1);
      expect(at('min(a, b)', tie, 'b')).toBe(0);
      expect(at('min(a, b, c)', tie, 'a')).toBe(1);
      expect(at('min(a, b, c)', tie, 'b')).toBe(0);
      expect(at('min(a, b, c)', tie, 'c')).toBe(0);
      expect(at('min(a, b, c)', { a: 2, b: 1, c: 1 }, 'b')).toBe(1);
      expect(at('min(a, b, c)', { a: 2, b: 1, c: 1 }, 'c')).toBe(0);
      expect(at('min(a, b)', { a: 2, b: 1 }, 'b')).toBe(1);
      expect(at('min(a, b)', { a: 2, b: 1 }, 'a')).toBe(0);
    }
    expect(dAt('min(x, x)', { x: -3 })).toBe(1);
  });

  it('d/dx x^3 = 3*x^2, with no log (the exponent does not depend on x)', () => {
    expect(plain(d('x^3'))).toBe('3*x^2');
    expect(plain(differentiate(parse('x^3'), 'x'))).not.toContain('log');
    expect(plain(differentiate(parse('x^y'), 'x'))).not.toContain('log');
    expect(plain(differentiate(parse('x^(y + 1)'), 'x'))).not.toContain('log');
    // an exponent that does depend on x brings the log in
    expect(plain(differentiate(parse('2^x'), 'x'))).toContain('log');
  });

  it('zero derivatives are skipped, not built', () => {
    expect(differentiate(parse('sin(y)'), 'x')).toBe(num(0));
    expect(differentiate(parse('pi'), 'x')).toBe(num(0));
    expect(differentiate(parse('e^2'), 'x')).toBe(num(0));
    // the constant factor's derivative (cos(y)·0) never appears
    const raw = differentiate(parse('x*sin(y) + exp(y)'), 'x');
    expect(topo(raw).some((n) => n.is('cos') || n.is('exp'))).toBe(false);
    expect(plain(derivative(parse('x*sin(y) + exp(y)'), 'x'))).toBe('sin(y)');
    // d/dx of an argument whose own derivative is zero (step, sign) drops the whole chain
    expect(differentiate(parse('sin(step(x))'), 'x')).toBe(num(0));
    expect(differentiate(parse('exp(sign(x))*x'), 'x')).toBe(parse('exp(sign(x))'));
  });

  it('orders 0 and 2 and more', () => {
    expect(derivative(parse('x^3'), 'x', 0)).toBe(parse('x^3'));
    expect(plain(d('x^3', 'x'))).toBe('3*x^2');
    expect(plain(derivative(parse('x^3'), 'x', 2))).toBe('6*x');
    expect(plain(derivative(parse('x^3'), 'x', 3))).toBe('6');
    expect(derivative(parse('x^3'), 'x', 4)).toBe(num(0));
    expect(() => derivative(parse('x'), 'x', -1)).toThrow();
    expect(() => derivative(parse('x'), 'x', 1.5)).toThrow();
  });
});
