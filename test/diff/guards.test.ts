// Higher derivatives stop with ExprError('too-large') within seconds when they outgrow the budget (generated
// products and towers at high orders), fixed points end early, printing refuses results too large to write out,
// and constants beyond float64 are an error rather than an internal failure.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse/parse.js';
import { derivative as rawDerivative, MAX_DERIVATIVE_GROWTH, MAX_DERIVATIVE_EXTRA } from '../../src/diff/diff.js';
import { format, formatCse, MAX_PRINTED_NODES } from '../../src/api-checks.js';
import { dagSize } from '../../src/ir/walk.js';
import { parseProgram } from '../../src/parse/parse.js';
import { formatProgram } from '../../src/print/print.js';
import { simplify as rawSimplify, MAX_SIMPLIFY_WORK } from '../../src/simplify/simplify.js';
import { ExprError } from '../../src/errors.js';

function tooLarge(f: () => unknown, label: string): ExprError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, label).toBeInstanceOf(ExprError);
  expect((err as ExprError).code, label).toBe('too-large');
  return err as ExprError;
}

// Factors that no identity of the simplifier combines (cos·tan would become sin, and the growth with it).
const fns = ['sin', 'exp', 'log', 'sqrt', 'atan', 'tanh', 'cosh', 'sigmoid'];

describe('derivative budget', () => {
  it('products of 5–8 different factors at order 30 stop with a clear error, each within seconds', () => {
    for (let n = 5; n <= 8; n++) {
      const text = fns.slice(0, n).map((f) => `${f}(x)`).join('*');
      const t0 = performance.now();
      const e = tooLarge(() => rawDerivative(parse(text), 'x', 30), text);
      expect(e.message).toMatch(/the \d+(st|nd|rd|th) derivative already has [\d,]+ distinct subexpressions, more than the limit of [\d,]+ .*order 30 was asked for/);
      expect(performance.now() - t0, text).toBeLessThan(20_000);
    }
  }, 120_000);

  it('the issue’s tower x^x^x^x^x^x at order 10000 stops early; the budget is the stated formula', () => {
    const e = parse('x^x^x^x^x^x');
    const err = tooLarge(() => rawDerivative(e, 'x', 10_000), 'tower');
    const budget = MAX_DERIVATIVE_GROWTH * dagSize(e) + MAX_DERIVATIVE_EXTRA;
    expect(err.message).toContain(`limit of ${budget.toLocaleString('en-US')}`);
  }, 60_000);

  it('results within the budget are unchanged: polynomials reach 0, sin cycles, exp is a fixed point', () => {
    const poly = '(x+1)*(x+2)*(x+3)*(x+4)*(x+5)*(x+6)*(x+7)*(x+8)';
    expect(format(rawDerivative(parse(poly), 'x', 8), 'plain')).toBe('40320');
    expect(format(rawDerivative(parse(poly), 'x', 30), 'plain')).toBe('0');
    expect(format(rawDerivative(parse('sin(x)'), 'x', 10_000), 'plain')).toBe('sin(x)');
    const t0 = performance.now();
    expect(format(rawDerivative(parse('exp(2x)'), 'x', 3), 'plain')).toBe('8*exp(2*x)');
    expect(format(rawDerivative(parse('exp(x)'), 'x', 10_000), 'plain')).toBe('exp(x)');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a constant beyond float64 (a chain of 4,000 squares) is an ExprError, not an internal error', () => {
    const lines = ['a0 = x', ...Array.from({ length: 4000 }, (_, i) => `a${i + 1} = a${i}*a${i} + 1`)].join('\n');
    const e = tooLarge(() => rawDerivative(parse(lines), 'x', 1), 'chain');
    expect(e.message).toMatch(/beyond the float64 range/);
  }, 60_000);
});

describe('simplification budget', () => {
  const chain = (body: string, n: number) => ['a0 = x', ...Array.from({ length: n - 1 }, (_, i) => `a${i + 1} = ${body.replaceAll('a', `a${i}`)}`)].join('\n');
  it('chains whose flattened products and sums grow quadratically stop with too-large within seconds (3,000–4,000 links)', () => {
    for (const [body, n] of [['sin(a)*a', 4000], ['a/(1+a)', 3000]] as const) {
      const e = parse(chain(body, n));
      const t0 = performance.now();
      const err = tooLarge(() => rawDerivative(e, 'x', 1), body);
      expect(err.message).toMatch(new RegExp(`simplifying this expression needs more than ${MAX_SIMPLIFY_WORK.toLocaleString('en-US')} steps|derivative already has`));
      expect(performance.now() - t0, body).toBeLessThan(20_000);
    }
  }, 120_000);

  it('short chains of the same kinds still simplify and differentiate', () => {
    const d = rawDerivative(parse(chain('sin(a)*a', 8)), 'x', 1);
    expect(dagSize(d)).toBeGreaterThan(10);
    expect(format(rawSimplify(parse(chain('a/(1+a)', 3))), 'plain')).toBe('x/(2*x + 1)'); // in lowest terms
  });
});

describe('printing programs', () => {
  it('a 4,000-statement program prints in linear time, each statement by its name', () => {
    const text = ['a0 = x', ...Array.from({ length: 3999 }, (_, i) => `a${i + 1} = sin(a${i})*a${i}`)].join('\n');
    const program = parseProgram(text);
    const t0 = performance.now();
    const out = formatProgram(program, 'plain', '\n');
    expect(performance.now() - t0).toBeLessThan(2000);
    const lines = out.split('\n');
    expect(lines).toHaveLength(4000);
    expect(lines[3999]).toBe('a3999 = sin(a3998)*a3998');
    expect(parseProgram(out).result).toBe(program.result); // plain output parses back to the identical graph
  }, 60_000);
});

describe('print budget', () => {
  it('format() refuses a result whose written-out form exceeds the limit; formatCse prints it', () => {
    const d = rawDerivative(parse('x^x^x^x^x^x'), 'x', 6);
    expect(d.treeSize).toBeGreaterThan(MAX_PRINTED_NODES);
    const e = tooLarge(() => format(d), 'print');
    expect(e.message).toMatch(/nodes when written out in full .*formatCse, exprgrad --cse/);
    expect(formatCse(d, 'plain').length).toBeLessThan(1_000_000);
  }, 60_000);
});
