// The real identities of src/simplify/identities.ts, each over a class of inputs (several arguments u, other factors
// R and coefficients c): the rewrite happens (the function it removes is gone, the result is no larger than the
// expected form), values are unchanged at random points, derivatives too; and the near misses stay as they are.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse/parse.js';
import { format } from '../../src/print/print.js';
import { simplify } from '../../src/simplify/simplify.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { Expr } from '../../src/ir/expr.js';
import { mulberry32 } from '../util/gen.js';

/** e and f agree at random points where both are finite (at least 10 of them). */
function sameValues(e: Expr, f: Expr, what: string): void {
  const rng = mulberry32(23);
  let checked = 0;
  for (let i = 0; i < 60; i++) {
    const at = { x: (rng() - 0.5) * 5, y: (rng() - 0.5) * 5 };
    const a = evaluate(e, at);
    const b = evaluate(f, at);
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    checked++;
    expect(Math.abs(a - b), `${what}: ${format(e)} vs ${format(f)} at ${JSON.stringify(at)}`).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(a)));
  }
  expect(checked, what).toBeGreaterThanOrEqual(10);
}

const U = ['x', 'x^2 + 1', 'x*y', '3*x - 1', 'atan(x) + y'];
const R = ['1', 'y', 'exp(x)', 'x^2'];
const C = ['1', '3', '-2', '1/2'];

const fill = (t: string, u: string, r: string, c: string) => t.replaceAll('U', `(${u})`).replaceAll('R', `(${r})`).replaceAll('C', `(${c})`);

/** [input, an equal form, a function name the result no longer has] */
const SUMS: [string, string, string][] = [
  ['C*R*sin(U)^2 - C*R', '-C*R*cos(U)^2', 'sin'],
  ['C*R*cos(U)^2 - C*R', '-C*R*sin(U)^2', 'cos'],
  ['C*R*cosh(U)^2 - C*R', 'C*R*sinh(U)^2', 'cosh'],
  ['C*R*sinh(U)^2 + C*R', 'C*R*cosh(U)^2', 'sinh'],
  ['C*R*tan(U)^2 + C*R', 'C*R/cos(U)^2', 'tan'],
  ['C*R - C*R*tanh(U)^2', 'C*R/cosh(U)^2', 'tanh'],
  ['C*R*sin(U)^2 + C*R*cos(U)^2', 'C*R', 'sin'],
  ['C*R*cosh(U)^2 - C*R*sinh(U)^2', 'C*R', 'sinh'],
  ['C*R*cos(U)^2 - C*R*sin(U)^2', 'C*R*cos(2*U)', 'sin'],
  ['C*R*cosh(U)^2 + C*R*sinh(U)^2', 'C*R*cosh(2*U)', 'sinh'],
  ['C*R*expm1(U) + C*R', 'C*R*exp(U)', 'expm1'],
  ['C*R/cos(U)^2 - C*R', 'C*R*tan(U)^2', 'cos'],
  ['C*R/sin(U)^2 - C*R', 'C*R*cot(U)^2', 'sin'],
  ['C*R/cosh(U)^2 - C*R', '-C*R*tanh(U)^2', 'cosh'],
  ['C*R/sinh(U)^2 + C*R', 'C*R*coth(U)^2', 'sinh'],
  ['C*R*sec(U)^2 - C*R', 'C*R*tan(U)^2', 'sec'],
  ['C*R*csc(U)^2 - C*R', 'C*R*cot(U)^2', 'csc'],
  ['C*R*cot(U)^2 + C*R', 'C*R*csc(U)^2', 'cot'],
  ['2*C*R*sin(U)*cos(U)', 'C*R*sin(2*U)', 'cos'],
  ['2*C*R*sinh(U)*cosh(U)', 'C*R*sinh(2*U)', 'cosh'],
];

function check(input: string, equal: string, gone: RegExp, what: string): void {
  const e = parse(input);
  const s = simplify(e);
  const text = format(s, 'plain');
  expect(text, `${what}: ${input}`).not.toMatch(gone);
  expect(s.treeSize, `${what}: ${input} → ${text}`).toBeLessThanOrEqual(simplify(parse(equal)).treeSize);
  sameValues(e, s, what);
  sameValues(e, parse(equal), `${what} (the identity itself)`);
}

describe('sums: Pythagorean, double-angle, reciprocal-square and expm1 identities', () => {
  it('each rule over arguments u, other factors R and coefficients c', () => {
    for (const [lhs, rhs, fnName] of SUMS) {
      for (const u of U) {
        for (const r of R) {
          for (const c of C) {
            // 2c·sin·cos with 2c odd stays (sin(2u)/2 is no shorter): see the near misses
            if (lhs.startsWith('2*') && c === '1/2') continue;
            check(fill(lhs, u, r, c), fill(rhs, u, r, c), new RegExp(`\\b${fnName}\\(`), lhs);
          }
        }
      }
    }
  });

  it('prints the textbook forms', () => {
    expect(format(simplify(parse('sin(x)^2 + cos(x)^2')))).toBe('1');
    expect(format(simplify(parse('cosh(x)^2 - sinh(x)^2')))).toBe('1');
    expect(format(simplify(parse('1 + expm1(x + y)')))).toBe('exp(x + y)');
    expect(format(derivative(parse('tan(x) - x'), 'x'))).toBe('tan(x)²');
    expect(format(derivative(parse('x - tanh(x)'), 'x'))).toBe('tanh(x)²');
    expect(format(derivative(parse('-cot(x) - x'), 'x'))).toBe('cot(x)²');
    expect(format(derivative(parse('sin(x)*cos(x)'), 'x'))).toBe('cos(2x)');
    expect(format(derivative(parse('asin(tanh(x))'), 'x'))).toBe('1/cosh(x)');
    expect(format(derivative(parse('acoth(cosh(x))'), 'x'))).toBe('−1/sinh(x)');
  });

  it('leaves near misses alone (other coefficients, other arguments)', () => {
    for (const t of ['2*sin(x)^2 + cos(x)^2', 'sin(x)^2 - 2', 'sin(x)^2 + cos(y)^2', 'cosh(x)^2 + 1', 'expm1(x) + 2', 'tanh(x)^2 + 1', 'cos(x)^-2 + 1', '2*cos(x)^-2 - 1', 'sec(x)^2 + 1', 'cot(x)^2 - 1']) {
      const e = parse(t);
      const s = simplify(e);
      const fnName = /^[0-9*]*([a-z]+\d?)/.exec(t)![1];
      expect(format(s, 'plain'), t).toContain(`${fnName}(`);
      sameValues(e, s, t);
    }
    // an odd coefficient keeps sin·cos (sin(2x)/2 is no shorter)
    expect(format(simplify(parse('sin(x)*cos(x)')))).toBe('sin(x)·cos(x)');
  });
});

describe('products and powers', () => {
  it('exp(a)·exp(b) = exp(a + b) where the exponents combine or cancel, exp(u)^r = exp(r·u) for fractional r', () => {
    for (const u of U) {
      for (const [t, exps] of [
        [`exp(${u})*exp(-(${u}))`, 0],
        [`y*exp(2*(${u}))/exp(${u})`, 1],
        [`exp(${u} + x)*exp(-x)`, 1],
        [`sqrt(exp(${u}))`, 1],
        [`exp(${u})^(1/2)*exp(${u})^(3/2)`, 1],
        [`exp(${u})/cbrt(exp(${u}))^2`, 1],
        // exponents that do not combine stay apart (each exp may be shared with the rest of a program)
        [`exp(${u})*exp(y^3)`, 2],
      ] as [string, number][]) {
        const e = parse(t);
        const s = simplify(e);
        expect(format(s, 'plain').split('exp(').length - 1, `${t} → ${format(s)}`).toBe(exps);
        sameValues(e, s, t);
      }
    }
    expect(format(simplify(parse('exp(x)*exp(-x)')))).toBe('1');
    expect(format(simplify(parse('exp(x)^2')), 'plain')).toBe('exp(x)^2');
    expect(format(derivative(parse('tanh(exp(x))*exp(-x)'), 'x'), 'plain')).not.toContain('exp(x)*exp(-x)');
  });

  it('roots merge with their base: cbrt(u)³ = u, u^a·cbrt(u)^b written the shortest way', () => {
    for (const u of ['x', 'x^2 + 1', '1 + exp(x)', 'x - y']) {
      const cases: [string, string][] = [
        [`cbrt(${u})^3`, u],
        [`cbrt((${u})^3)`, u],
        [`root((${u})^5, 5)`, u],
        [`cbrt((${u})^6)`, `(${u})^2`],
        [`(${u})^2/cbrt(${u})^2`, `cbrt(${u})^4`],
        [`(${u})/cbrt(${u})^2`, `cbrt(${u})`],
        [`cbrt(${u})^3/x`, `(${u})/x`],
      ];
      for (const [t, eq] of cases) {
        const e = parse(t);
        const s = simplify(e);
        expect(s.treeSize, `${t} → ${format(s)}`).toBeLessThanOrEqual(simplify(parse(eq)).treeSize);
        sameValues(e, s, t);
      }
    }
  });

  it('a root of a positive or nonnegative value is a power, a root of exp an exp', () => {
    expect(format(simplify(parse('cbrt(sqrt(x))')), 'plain')).toBe('x^(1/6)');
    expect(format(simplify(parse('root(sqrt(x), 2)')), 'plain')).toBe('x^(1/4)');
    expect(format(simplify(parse('cbrt(exp(x))')), 'plain')).toBe('exp(x/3)');
    expect(format(simplify(parse('root(exp(2*x), 4)')), 'plain')).toBe('exp(x/2)');
    expect(format(derivative(parse('cbrt(sqrt(x))'), 'x'), 'plain')).toBe('1/(6*x^(5/6))');
    for (const t of ['cbrt(sqrt(x))*x^3', 'cbrt(exp(x))*x^2', 'root(sqrt(x), 3)/(1 + x^2)', 'cbrt(exp(x))/(1 + x^2)']) {
      const e = parse(t);
      sameValues(e, simplify(e), t);
      sameValues(derivative(e, 'x', 1, { simplify: false }), derivative(e, 'x'), `d/dx ${t}`);
    }
  });

  it('keeps roots whose base may be negative where the power would not be real', () => {
    // cbrt(x²) is real for x < 0, x^(2/3) is not (IEEE pow): it stays
    for (const t of ['cbrt(x^2)', 'cbrt(x)', 'root(x^3, 4)', 'cbrt(x*y)']) {
      const s = simplify(parse(t));
      expect(format(s, 'plain'), t).toMatch(/cbrt|root/);
      sameValues(parse(t), s, t);
    }
  });

  it('logarithms of exp: log_b(exp u) = u/log(b)', () => {
    for (const u of U) {
      for (const [t, eq] of [[`log(exp(${u}), 3)`, `(${u})/log(3)`], [`log10(exp(${u}))`, `(${u})/log(10)`], [`log2(exp(${u}))`, `(${u})/log(2)`]]) {
        const e = parse(t);
        const s = simplify(e);
        expect(format(s, 'plain'), t).not.toContain('exp(');
        expect(s.treeSize).toBeLessThanOrEqual(simplify(parse(eq)).treeSize);
        sameValues(e, s, t);
      }
    }
    expect(format(derivative(parse('log(exp(x), 2)/(log(exp(x), 2) + x)'), 'x'))).toBe('0');
  });
});

describe('quotients and powers of a product', () => {
  it('sinᵖ/cosᵖ = tanᵖ, cosᵖ/sinᵖ = cotᵖ, and tanh, coth likewise', () => {
    for (const u of U) {
      for (const [t, gone] of [[`sin(${u})/cos(${u})`, 'cos'], [`y*cos(${u})^2/sin(${u})^2`, 'sin'], [`3*sinh(${u})^3/cosh(${u})^3`, 'cosh'], [`cosh(${u})/(x*sinh(${u}))`, 'sinh']]) {
        const e = parse(t);
        const s = simplify(e);
        expect(format(s, 'plain'), t).not.toMatch(new RegExp(`\\b${gone}\\(`));
        expect(s.treeSize).toBeLessThan(e.treeSize);
        sameValues(e, s, t);
      }
    }
    expect(format(derivative(parse('log(cos(x))'), 'x'))).toBe('−tan(x)');
    // different powers keep their form: sin(x)/cos(x)² is sec'(x)'s textbook form
    expect(format(simplify(parse('sin(x)/cos(x)^2')), 'plain')).toBe('sin(x)/cos(x)^2');
  });

  it('B^e·B = B^(e + 1) where the factors of B stand in the term', () => {
    const cases: [string, string][] = [
      ['x*y*(x*y)^(x^2 - 1)', '(x*y)^(x^2)'],
      ['x^3*(x^3)^(x - 1)', '(x^3)^x'],
      ['9*x*(3*x)^(x - 1)', '3*(3*x)^x'],
      ['(x/y)^(1/x - 1)*x/y', '(x/y)^(1/x)'],
      ['x*sqrt(x/y)/y', '(x/y)^(3/2)'],
    ];
    for (const [t, eq] of cases) {
      const e = parse(t);
      const s = simplify(e);
      expect(s.treeSize, `${t} → ${format(s)}`).toBeLessThanOrEqual(parse(eq).treeSize);
      sameValues(e, s, t);
      sameValues(e, parse(eq), `${t} = ${eq}`);
    }
    // the derivative of u^v then shares u^v: (x³)^x·(log(x³) + 3)
    const d = derivative(parse('pow(x^3, x)'), 'x');
    expect(format(d, 'plain').split('(x^3)^').length - 1, format(d)).toBe(1);
  });
});

describe('the issue’s higher derivative', () => {
  it('the 6th derivative of 2y·x·sin(x)·cos(x)·log(x)·exp(x) stays near SymPy’s size (75 distinct, 155 tree nodes)', () => {
    const d6 = derivative(parse('2y*x*sin(x)*cos(x)*log(x)*exp(x)'), 'x', 6);
    expect(simplify(d6)).toBe(d6);
    const raw = derivative(parse('2y*x*sin(x)*cos(x)*log(x)*exp(x)'), 'x', 6, { simplify: false });
    const rng = mulberry32(5);
    for (let i = 0; i < 10; i++) {
      const at = { x: 0.2 + rng() * 3, y: (rng() - 0.5) * 4 };
      const a = evaluate(raw, at);
      expect(Math.abs(evaluate(d6, at) - a)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(a)));
    }
    expect(d6.treeSize).toBeLessThanOrEqual(200);
  });
});
