// Sums of fractions over a monomial (x, x², 2x³): combined into one fraction when no more terms stay on top than
// the sum had (1/x − (x + 10)/x² is −10/x²), left as they are otherwise (1/x + log(x)/x² stays: one big quotient
// would differentiate into a bigger one). Found by an independent hunt against SymPy (notes/issue-14-hunt.md).
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse/parse.js';
import { format } from '../../src/print/print.js';
import { simplify } from '../../src/simplify/simplify.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';

const plain = (e: Parameters<typeof format>[0]) => format(e, 'plain');

describe('fractions over a monomial', () => {
  it('d/dx (a·x + b)/x^k is one fraction, with the value kept', () => {
    let checked = 0;
    for (const a of [1, 2, 3]) {
      for (const b of [1, 5, 10]) {
        for (const k of [1, 2, 3]) {
          const e = parse(`(${a}*x + ${b})/x^${k}`);
          const d = derivative(e, 'x');
          const text = plain(d);
          // one quotient (possibly negated), not a sum of two quotients
          expect(text.match(/\//g)?.length, `d/dx ${plain(e)} = ${text}`).toBe(1);
          for (const x of [-1.5, 0.4, 2.2]) {
            const h = 1e-5;
            const fd = (evaluate(e, { x: x + h }) - evaluate(e, { x: x - h })) / (2 * h);
            expect(evaluate(d, { x })).toBeCloseTo(fd, 4);
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(27);
    expect(plain(derivative(parse('(3/x)*(x + 10)'), 'x'))).toBe('-30/x^2');
    expect(plain(simplify(parse('1/x - (x + 10)/x^2')))).toBe('-10/x^2');
  });

  it('leaves a sum over a monomial alone where nothing cancels on top', () => {
    for (const text of ['1/x + log(x)/x^2', 'sin(x)/x + cos(x)/x^2', 'y/x - (x + y)/x^2']) {
      const s = simplify(parse(text));
      expect(s.is('add') || s.is('sub'), `${text} → ${plain(s)}`).toBe(true);
    }
  });
});
