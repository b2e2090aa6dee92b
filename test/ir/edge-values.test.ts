// Values at the edges an independent random hunt found (notes: /work/notes/issue-14-hunt.md), each over a class:
//   • +0 and −0 are one value for atan2 and acot, in evaluate and in generated JavaScript, so simplify (which reads
//     round(−1/2), −(x − x) … as 0) never changes a value: atan2(round(−1/2), x) = atan2(0, x) for x < 0
//   • no logarithm to base 1 and no 0-th root: NaN, not ±∞ or 0
//   • c^u for a negative literal c: ∂/∂x is 0 (not NaN) where u is locally constant, so c^u is defined
//   • exact logarithms: log(e^u) = u, log_b(b^k) = k and log_b(1/b^k) = −k for integer literals
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse/parse.js';
import { format } from '../../src/print/print.js';
import { simplify } from '../../src/simplify/simplify.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { compileScalar } from '../../src/eval/codegen.js';
import { Expr } from '../../src/ir/expr.js';

const jsValue = (e: Expr, vars: Record<string, number>): number => {
  const names = Object.keys(vars);
  const out = new Float64Array(1);
  compileScalar([e], names).single(Float64Array.from(names.map((n) => vars[n])), out);
  return out[0];
};

describe('signed zeros', () => {
  it('atan2 and acot read −0 as 0, in evaluate and in generated JavaScript', () => {
    for (const x of [-2, -0.5, 0, 0.5, 3]) {
      const a = parse('atan2(y, x)');
      expect(evaluate(a, { y: -0, x })).toBe(evaluate(a, { y: 0, x }));
      expect(jsValue(a, { y: -0, x })).toBe(jsValue(a, { y: 0, x }));
      expect(evaluate(a, { y: 0, x: -0 })).toBe(evaluate(a, { y: 0, x: 0 }));
    }
    const c = parse('acot(x)');
    expect(evaluate(c, { x: -0 })).toBe(Math.PI / 2);
    expect(jsValue(c, { x: -0 })).toBe(Math.PI / 2);
  });

  it('simplify keeps the value of atan2 and acot of a zero that float64 computes as −0', () => {
    // each argument is exactly 0 and evaluates to −0 in float64
    const zeros = ['round(-1/2)', 'round(-0.5)', 'ceil(-0.5)', 'trunc(-0.5)', '-(x - x)', '-0*x', 'sign(-0*x)'];
    for (const z of zeros) {
      for (const text of [`atan2(${z}, x)`, `acot(${z}) + x`, `atan2(${z}, x - 3)*x`]) {
        const e = parse(text);
        const s = simplify(e);
        for (const x of [-2.5, -0.3, 0.7, 2]) expect(evaluate(s, { x }), `${text} → ${format(s, 'plain')} at x = ${x}`).toBe(evaluate(e, { x }));
      }
    }
  });
});

describe('undefined logarithms and roots', () => {
  it('log(x, 1) and root(x, 0) are NaN for every x', () => {
    for (const x of [-2, 0, 0.5, 1, 2, 1e300]) {
      expect(evaluate(parse('log(x, 1)'), { x })).toBeNaN();
      expect(evaluate(parse('root(x, 0)'), { x })).toBeNaN();
      expect(jsValue(parse('log(x, b)'), { x, b: 1 })).toBeNaN();
      expect(jsValue(parse('root(x, n)'), { x, n: 0 })).toBeNaN();
    }
  });
});

describe('negative literal bases', () => {
  it('∂/∂x of c^u is 0, not NaN, where the exponent u is locally constant', () => {
    const cases: [string, number[]][] = [
      ['min(3, x)', [3.5, 4, 10]],
      ['max(-2, x)', [-2.5, -7]],
      ['2*min(1, x) + 1', [1.5, 2]],
      ['relu(x) + 2', [-1, -3]],
    ];
    let checked = 0;
    for (const c of ['-3/4', '-2', '-0.5', '-10']) {
      for (const [u, xs] of cases) {
        const e = parse(`(${c})^(${u})`);
        const d = derivative(e, 'x');
        for (const x of xs) {
          expect(Number.isFinite(evaluate(e, { x })), `${format(e, 'plain')} at ${x}`).toBe(true);
          expect(Math.abs(evaluate(d, { x })), `d/dx ${format(e, 'plain')} = ${format(d, 'plain')} at ${x}`).toBe(0);
          checked++;
        }
      }
    }
    expect(checked).toBe(36);
    // a positive base keeps log(c)
    expect(format(derivative(parse('2^x'), 'x'), 'plain')).toBe('2^x*log(2)');
  });
});

describe('exact logarithms', () => {
  it('log(e^u) = u', () => {
    for (const u of ['x', 'x^2', 'sin(x) + 1', '-x', '3']) expect(simplify(parse(`log(e^(${u}))`))).toBe(simplify(parse(u)));
  });

  it('log_b(b^k) = k and log_b(1/b^k) = −k for integer literals, in all three spellings', () => {
    for (const b of [2, 3, 5, 10]) {
      for (let k = 0; k <= 6; k++) {
        const p = b ** k;
        const spellings = [`log(${p}, ${b})`, `log(1/${p}, ${b})`];
        if (b === 10) spellings.push(`log10(${p})`, `log10(1/${p})`);
        if (b === 2) spellings.push(`log2(${p})`, `log2(1/${p})`);
        for (const text of spellings) {
          const want = text.includes('1/') && k > 0 ? `-${k}` : `${k}`;
          expect(format(simplify(parse(text)), 'plain'), text).toBe(want);
        }
      }
      // not a power of the base: left as written
      expect(format(simplify(parse(`log(${b ** 2 + 1}, ${b})`)), 'plain')).toMatch(/^log/);
    }
  });
});

describe('inverse pairs and rational roots', () => {
  it('f(f⁻¹(u)) = u for every trigonometric and hyperbolic pair, with the value kept wherever the left side is defined', () => {
    const pairs = ['sin asin', 'cos acos', 'tan atan', 'sec asec', 'csc acsc', 'cot acot', 'sinh asinh', 'cosh acosh', 'tanh atanh', 'sech asech', 'csch acsch', 'coth acoth'];
    let checked = 0;
    for (const pair of pairs) {
      const [f, g] = pair.split(' ');
      for (const u of ['x', '2*x - 1', 'x^2 + 1/2', 'exp(x)']) {
        const e = parse(`${f}(${g}(${u}))`);
        const s = simplify(e);
        expect(s, `${f}(${g}(${u}))`).toBe(simplify(parse(u)));
        for (const x of [-3, -1.2, -0.4, 0.3, 0.8, 1.7, 4]) {
          const v = evaluate(e, { x });
          if (Number.isFinite(v)) {
            expect(evaluate(s, { x })).toBeCloseTo(v, 9);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('root(x, n) for a non-integer rational n is x^(1/n), the same value everywhere', () => {
    for (const n of ['1/2', '0.5', '-3/4', '0.3', '2/3', '-1/2', '5/2']) {
      const e = parse(`root(x, ${n})`);
      const s = simplify(e);
      expect(s.is('root'), `root(x, ${n}) → ${format(s, 'plain')}`).toBe(false);
      for (const x of [-2, -0.5, 0.25, 1, 3.5]) {
        const v = evaluate(e, { x });
        const w = evaluate(s, { x });
        if (Number.isNaN(v)) continue; // x < 0: no real root either way
        expect(w).toBeCloseTo(v, 10);
      }
    }
    expect(format(simplify(parse('x - root(x, 1/2)')), 'plain')).toBe('x - x^2');
    // integer n keeps root (an odd n has a real root of a negative x, which a rational power would not print as)
    expect(format(simplify(parse('root(x, 5)')), 'plain')).toBe('root(x, 5)');
  });
});

describe('reciprocal inverse pairs and even powers of abs', () => {
  it('f(g(u)) = 1/u where f is the reciprocal of g⁻¹, with the value kept wherever the left side is defined', () => {
    const pairs = ['tan acot', 'cot atan', 'sin acsc', 'cos asec', 'sec acos', 'csc asin', 'sinh acsch', 'cosh asech', 'tanh acoth', 'sech acosh', 'csch asinh', 'coth atanh'];
    let checked = 0;
    for (const pair of pairs) {
      const [f, g] = pair.split(' ');
      for (const u of ['x', '2*x - 1', 'x^2 + 1/2']) {
        const e = parse(`${f}(${g}(${u}))`);
        const s = simplify(e);
        expect(s, `${f}(${g}(${u})) → ${format(s, 'plain')}`).toBe(simplify(parse(`1/(${u})`)));
        for (const x of [-3, -1.2, -0.4, 0.3, 0.8, 1.7, 4]) {
          const v = evaluate(e, { x });
          if (Number.isFinite(v)) {
            expect(evaluate(s, { x })).toBeCloseTo(v, 9);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(120);
  });

  it('|u|^(2k) = u^(2k), also inside sums and products and from √(u⁴)', () => {
    for (const u of ['x', 'x + 1', 'sin(x)*y', 'x - y']) {
      for (const k of [1, 2, 3]) {
        const e = parse(`abs(${u})^${2 * k}`);
        const s = simplify(e);
        expect(format(s, 'plain'), format(e, 'plain')).not.toMatch(/abs/);
        for (const x of [-2, -0.3, 0.6]) expect(evaluate(s, { x, y: -0.7 })).toBeCloseTo(evaluate(e, { x, y: -0.7 }), 10);
      }
    }
    expect(format(simplify(parse('sqrt(1 - abs(x)^2)')), 'plain')).toBe('sqrt(1 - x^2)');
    expect(format(simplify(parse('abs(x)^3')), 'plain')).toBe('abs(x)^3'); // an odd power keeps it
  });
});
