// Depth and size: 100,000 nested calls differentiate, simplify, evaluate and print without overflowing the stack;
// a long sum and a long chain-rule product simplify to the right values (timings live in bench/diff-large.mjs).
import { describe, expect, it } from 'vitest';
import { call, sym } from '../../src/ir/expr.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { formatCse } from '../../src/print/cse.js';
import { parse } from '../../src/parse/parse.js';
import { format } from '../../src/print/print.js';
import { simplify } from '../../src/simplify/simplify.js';

describe('deep and large expressions', () => {
  it('d/dx of 100,000 nested sin: no stack overflow, and the chain rule is right', () => {
    let e = sym('x');
    for (let i = 0; i < 100_000; i++) e = call('sin', [e]);
    const d = derivative(e, 'x');
    // d/dx sin∘…∘sin (x) = Π cos(u_k) with u_0 = x, u_{k+1} = sin(u_k)
    let u = 0.5;
    let want = 1;
    for (let i = 0; i < 100_000; i++) {
      want *= Math.cos(u);
      u = Math.sin(u);
    }
    expect(evaluate(d, { x: 0.5 })).toBeCloseTo(want, 12);
    const text = formatCse(d, 'plain');
    expect(text.length).toBeGreaterThan(100_000);
  }, 60_000);

  it('a 5,000-term sum combines like terms exactly', () => {
    const terms = Array.from({ length: 5000 }, (_, k) => `${k % 2 ? '-' : ''}${k + 1}*x`).join(' + ');
    // Σ (−1)^k (k+1) x for k = 0..4999 = −2500x
    expect(format(simplify(parse(terms)), 'plain')).toBe('-2500*x');
    const xx = call('mul', [sym('x'), sym('x')]);
    const e = Array.from({ length: 5000 }, () => xx).reduce((a, b) => call('add', [a, b]));
    expect(format(simplify(e), 'plain')).toBe('5000*x^2');
  });
});
