// Shared factors taken out of sums (src/simplify/factor.ts), the rational pass on a sum inside a product, and the
// sign rules for relu, step, max and min. Each rule over a class of inputs, checked numerically against the input.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse/parse.js';
import { format } from '../../src/print/print.js';
import { simplify } from '../../src/simplify/simplify.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { Expr } from '../../src/ir/expr.js';
import { mulberry32 } from '../util/gen.js';

/** e and f agree at random points where both are finite (at least 10 of them). */
function sameValues(e: Expr, f: Expr): void {
  const rng = mulberry32(11);
  let checked = 0;
  for (let i = 0; i < 40; i++) {
    const at = { x: (rng() - 0.5) * 6, y: (rng() - 0.5) * 6, u: rng() * 3 };
    const a = evaluate(e, at);
    const b = evaluate(f, at);
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    checked++;
    expect(Math.abs(a - b), `${format(e)} vs ${format(f)} at ${JSON.stringify(at)}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
  }
  expect(checked).toBeGreaterThanOrEqual(10);
}

const LONG = ['exp(x^2 - 2*x)', 'sqrt(x^2 + y^2 + 1)', 'log(x^2 + 1)^2', 'cosh(3*x + 1)', '(x + y)^5'];
const SHORT = ['exp(x)', 'sin(x)', 'x^2', 'exp(2*x)', 'exp(-x)'];
const COFACTORS = [['cos(x)', 'sin(x)'], ['x', 'y^2'], ['tanh(x)', '3'], ['atan(x)', 'x*y']];

describe('shared factors', () => {
  it('takes a long factor every term shares out of the sum, keeping values', () => {
    for (const f of LONG) {
      for (const [a, b] of COFACTORS) {
        const e = parse(`${a}*${f} + ${b}*${f}`);
        const s = simplify(e);
        expect(s.treeSize, `${format(e)} → ${format(s)}`).toBeLessThan(e.treeSize - 1);
        // the shared factor is written once
        expect(format(s, 'plain').split(format(simplify(parse(f)), 'plain')).length - 1, format(s)).toBe(1);
        sameValues(e, s);
      }
    }
    expect(format(simplify(parse('cos(x)*exp(x^2 - 2*x) + sin(x)*exp(x^2 - 2*x)')))).toBe('(cos(x) + sin(x))·exp(x² − 2x)');
  });

  it('takes a short shared factor out too when that is smaller (the product rule: (cos(x) + sin(x))·exp(x))', () => {
    for (const f of SHORT) {
      for (const [a, b] of [['cos(y)', 'sin(y)'], ['y', 'y^2'], ['tanh(y)', '3'], ['atan(y)', 'y*u']]) {
        const e = parse(`${a}*${f} + ${b}*${f}`);
        const s = simplify(e);
        expect(s.treeSize, `${format(e)} → ${format(s)}`).toBeLessThan(e.treeSize - 1);
        expect(format(s, 'plain').split(format(simplify(parse(f)), 'plain')).length - 1, format(s)).toBe(1);
        sameValues(e, s);
      }
    }
    expect(format(simplify(parse('cos(x)*exp(x) + sin(x)*exp(x)')))).toBe('(cos(x) + sin(x))·exp(x)');
  });

  it('leaves a lone shared symbol written out (2x·sin(x) + x²·cos(x), not x·(2sin(x) + x·cos(x)))', () => {
    for (const [a, b] of [['cos(x)', 'sin(x)'], ['2*sin(x)', 'x*cos(x)'], ['tanh(x)', '3']]) {
      const e = parse(`${a}*y + ${b}*y`);
      const s = simplify(e);
      expect(format(s, 'plain').split('y').length - 1, format(s)).toBe(2);
      sameValues(e, s);
    }
    expect(format(derivative(parse('x^2*sin(x)'), 'x'))).toBe('2x·sin(x) + x²·cos(x)');
  });

  it('multiplies out a factored sum inside a larger sum, so its like terms combine', () => {
    // 2y·(x·sin(x) − cos(x))·log(x) + 2y·x·sin(x)·log(x): the x·sin(x)·log(x) terms are like terms
    for (const g of ['exp(x)', 'cosh(x)']) {
      const e = parse(`(2*y*(x*sin(x) - cos(x))*log(x) + 2*y*x*sin(x)*log(x))*${g} + 2*y*cos(x)*log(x)*${g}`);
      const s = simplify(e);
      // one term, 4y·x·sin(x)·log(x)·g in some order
      expect(format(s, 'plain'), format(s)).not.toMatch(/[-+]/);
      expect(s.treeSize, format(s)).toBe(parse(`4*y*x*sin(x)*log(x)*${g}`).treeSize);
      sameValues(e, s);
    }
  });

  it('shares the power nearest 0 of one sign, and whatever is left collapses', () => {
    const e = parse('x/(x^2 + y^2 + 1)^2 + y/(x^2 + y^2 + 1)^3');
    const s = simplify(e);
    expect(s.treeSize).toBeLessThan(e.treeSize);
    sameValues(e, s);
    // (x − s)/D − x/D leaves one term
    const one = parse('(x - sin(y))/(x^2 + y^2 + 1)^2 - x/(x^2 + y^2 + 1)^2');
    expect(format(simplify(one))).toBe('−sin(y)/(x² + y² + 1)²');
  });

  it('derivatives of products with a long shared factor stay small, and idempotent', () => {
    for (const f of LONG) {
      for (const [a] of COFACTORS) {
        const d = derivative(parse(`${a}*${f}`), 'x');
        expect(simplify(d)).toBe(d);
      }
    }
  });
});

describe('a sum inside a product', () => {
  it('gets its own rational pass', () => {
    for (const g of ['exp(u)', 'sin(x*y)', 'sqrt(u)']) {
      const e = parse(`${g}*(1/(x + 1) - x/(x + 1)^2)`);
      const s = simplify(e);
      expect(format(s, 'plain')).toBe(`${format(simplify(parse(g)), 'plain')}/(x + 1)^2`);
      sameValues(e, s);
    }
  });
});

describe('sign rules', () => {
  const POSITIVE = ['x^2 + 1', 'exp(x)', 'cosh(x)', 'x^2 + y^2 + 2'];
  const UNKNOWN = ['x', 'x - 1', 'sin(x)', 'x*y'];
  it('relu(u) = u for u ≥ 0 and step(u) = 1 for u > 0; not otherwise', () => {
    for (const u of POSITIVE) {
      expect(simplify(parse(`relu(${u})`))).toBe(simplify(parse(u)));
      expect(format(simplify(parse(`step(${u})`)))).toBe('1');
    }
    // x² ≥ 0 but step(0) = 0: step(x²) stays
    expect(format(simplify(parse('relu(x^2)')))).toBe('x²');
    expect(format(simplify(parse('step(x^2)')))).toBe('step(x²)');
    for (const u of UNKNOWN) {
      expect(format(simplify(parse(`relu(${u})`)))).toContain('relu');
      expect(format(simplify(parse(`step(${u})`)))).toContain('step');
    }
  });

  it('max and min drop repeated arguments; values and derivatives unchanged', () => {
    for (const op of ['max', 'min']) {
      for (const [a, b] of [['x', 'y'], ['sin(x)', 'x^2'], ['x', '2*x']]) {
        const e = parse(`${op}(${a}, ${b}, ${a})`);
        const s = simplify(e);
        expect(s).toBe(simplify(parse(`${op}(${a}, ${b})`)));
        sameValues(e, s);
        sameValues(derivative(e, 'x', 1, { simplify: false }), derivative(e, 'x'));
      }
      expect(format(simplify(parse(`${op}(sin(x), sin(x))`)))).toBe('sin(x)');
    }
  });
});
