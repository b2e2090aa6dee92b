// Pins the language's precedence and associativity conventions (see grammar/expr.ohm): for each input, the exact
// graph (written as an s-expression and built without the parser), the same graph from a fully parenthesized
// form, and the float64 value, worked out by hand.
import { describe, expect, it } from 'vitest';
import { parse, parseProgram } from '../../src/parse/parse.js';
import { format } from '../../src/print/print.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { ExprError } from '../../src/errors.js';
import { call, num, sym } from '../../src/ir/expr.js';
import { explicit, lisp, tree } from '../helpers.js';

type Case = [input: string, structure: string, value: number, vars?: Record<string, number>];

const X2 = { x: 2 };
const XY = { x: 2, y: 3 };

const cases: Case[] = [
  // exponentiation: right-associative, binds tighter than a leading minus; 2^-1 parses
  ['2^3^2', '(pow 2 (pow 3 2))', 512], // 2^9
  ['2^2^3', '(pow 2 (pow 2 3))', 256], // 2^8
  ['(2^3)^2', '(pow (pow 2 3) 2)', 64],
  ['-2^2', '(neg (pow 2 2))', -4],
  ['-(2)^2', '(neg (pow 2 2))', -4],
  ['(-2)^2', '(pow (neg 2) 2)', 4],
  ['2^-1', '(pow 2 (neg 1))', 0.5],
  ['2^+3', '(pow 2 3)', 8],
  ['-2^-2', '(neg (pow 2 (neg 2)))', -0.25],
  ['2^-2^2', '(pow 2 (neg (pow 2 2)))', 0.0625], // 2^-(2^2) = 2^-4
  ['2^-x^2', '(pow 2 (neg (pow x 2)))', 0.0625, X2],
  ['-x^2', '(neg (pow x 2))', -4, X2],
  ['2*3^2', '(mul 2 (pow 3 2))', 18],
  ['2^3*2', '(mul (pow 2 3) 2)', 16],
  // a leading minus covers the whole product; a minus after an operator covers one factor
  ['-x*y', '(neg (mul x y))', -6, XY],
  ['-2x', '(neg (mul 2 x))', -4, X2],
  ['2*-3', '(mul 2 (neg 3))', -6],
  ['-2*-3', '(neg (mul 2 (neg 3)))', 6],
  ['--2', '(neg (neg 2))', 2],
  ['+2', '2', 2],
  ['2--3', '(sub 2 (neg 3))', 5],
  ['2+-3', '(add 2 (neg 3))', -1],
  ['−3 − −2', '(sub (neg 3) (neg 2))', -1], // U+2212 minus signs
  // left-associative + − * /
  ['2-3-4', '(sub (sub 2 3) 4)', -5],
  ['1-2+3', '(add (sub 1 2) 3)', 2],
  ['1-(2+3)', '(sub 1 (add 2 3))', -4],
  ['8/4/2', '(div (div 8 4) 2)', 1],
  ['12/3*2', '(mul (div 12 3) 2)', 8],
  ['12/(3*2)', '(div 12 (mul 3 2))', 2],
  ['1+2*3', '(add 1 (mul 2 3))', 7],
  ['(1+2)*3', '(mul (add 1 2) 3)', 9],
  ['1-2-3-4', '(sub (sub (sub 1 2) 3) 4)', -8],
  // unicode operators
  ['2·3×4÷6', '(div (mul (mul 2 3) 4) 6)', 4],
  ['2⋅3', '(mul 2 3)', 6],
  ['8÷2÷2', '(div (div 8 2) 2)', 2],
  // implicit multiplication after a number literal binds tighter than * and /
  ['3x²', '(mul 3 (pow x 2))', 12, X2],
  ['2x^2', '(mul 2 (pow x 2))', 8, X2],
  ['2(x+1)', '(mul 2 (add x 1))', 6, X2],
  ['2 (x)', '(mul 2 x)', 4, X2],
  ['2(3)', '(mul 2 3)', 6],
  ['2*3x', '(mul 2 (mul 3 x))', 12, X2],
  ['2x*3', '(mul (mul 2 x) 3)', 12, X2],
  ['2x/4', '(div (mul 2 x) 4)', 1, X2],
  ['6/2x', '(div 6 (mul 2 x))', 1, { x: 3 }], // 6/(2·3): "2x" is one factor
  ['2sin(pi/2)', '(mul 2 (sin (div (pi) 2)))', 2],
  ['2π', '(mul 2 (pi))', 2 * Math.PI],
  ['1e3x', '(mul 1000 x)', 2000, X2],
  // superscripts bind to the primary before them
  ['2^3²', '(pow 2 (pow 3 2))', 512],
  ['-x²', '(neg (pow x 2))', -4, X2],
  ['4⁻¹', '(pow 4 (neg 1))', 0.25],
  ['(x+2)⁻¹', '(pow (add x 2) (neg 1))', 0.25, X2],
  ['x¹⁰', '(pow x 10)', 1024, X2],
  // square roots: √ takes one primary
  ['√4', '(sqrt 4)', 2],
  ['2√x', '(mul 2 (sqrt x))', 4, { x: 4 }],
  ['√x+1', '(add (sqrt x) 1)', 3, { x: 4 }],
  ['√(x+7)', '(sqrt (add x 7))', 3, X2],
  ['√x^2', '(pow (sqrt x) 2)', 9, { x: 9 }],
  // number literals
  ['1e-3', '0.001', 0.001],
  ['.5', '0.5', 0.5],
  ['3.', '3', 3],
  ['2.5e-1', '0.25', 0.25],
  ['1E2', '100', 100],
  ['0.1+0.2', '(add 0.1 0.2)', 0.30000000000000004], // float64 rounding, not folded at parse time
  // constants and functions
  ['π', '(pi)', Math.PI],
  ['log(e)', '(log (e))', 1],
  ['atan2(1, 1)*4', '(mul (atan2 1 1) 4)', Math.PI],
  ['max(1, 2, 3) - min(4, 5)', '(sub (max 1 2 3) (min 4 5))', -1],
  ['hypot(3, 4)', '(hypot 3 4)', 5],
  ['abs(-3)', '(abs (neg 3))', 3],
  ['cos(x)^2', '(pow (cos x) 2)', 1, { x: 0 }],
  // blanks anywhere between tokens
  [' 2 ^ -  1 ', '(pow 2 (neg 1))', 0.5],
  ['\t2\u00a0*\t3 ', '(mul 2 3)', 6],
  // statements
  ['x = 2; y = x^2; y + 1', '(add (pow 2 2) 1)', 5],
];

describe('precedence and associativity', () => {
  it('has at least 45 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
  });

  it.each(cases)('%s', (input, structure, value, vars = {}) => {
    const e = parse(input);
    const expected = tree(structure);
    // the exact graph (hash-consed: structurally equal means identical)
    expect(lisp(e)).toBe(lisp(expected));
    expect(e).toBe(expected);
    // the same graph from a form where every operand is bracketed
    const full = explicit(expected);
    expect(parse(full)).toBe(e);
    expect(format(e, 'plain')).toBe(format(parse(full), 'plain'));
    // its float64 value
    expect(evaluate(e, vars)).toBe(value);
  });

  it('does no folding at parse time', () => {
    expect(parse('2+3')).toBe(call('add', [num(2), num(3)]));
    expect(parse('x*1')).toBe(call('mul', [sym('x'), num(1)]));
    expect(parse('0*x')).toBe(call('mul', [num(0), sym('x')]));
  });

  it('keeps number literals non-negative: a minus is a neg node', () => {
    expect(parse('-5')).toBe(call('neg', [num(5)]));
    expect(parse('-0')).toBe(call('neg', [num(0)]));
    expect(evaluate(parse('-0'))).toBe(-0);
  });

  it('never multiplies two names implicitly', () => {
    expect(() => parse('x y')).toThrow(ExprError);
    expect(() => parse('(x)(y)')).toThrow(ExprError);
    expect(() => parse('x²y')).toThrow(ExprError);
    expect(() => parse('x√y')).toThrow(ExprError);
    expect(() => parse('2^3x')).toThrow(ExprError); // the exponent is a primary, not "3x"
    // adjacent letters are one name
    expect(parse('xy')).toBe(sym('xy'));
    expect(parse('πr')).toBe(sym('πr'));
  });
});

describe('statements', () => {
  it('inlines names: a name used twice is one shared node', () => {
    const e = parse('a = x + 1\nb = a * a\nb');
    expect(e.op).toBe('mul');
    expect(e.args[0]).toBe(e.args[1]);
    expect(e).toBe(parse('(x+1)*(x+1)'));
    expect(evaluate(e, { x: 2 })).toBe(9);
  });

  it('shares one node across several statements', () => {
    const e = parse('u = sin(x); v = u^2 + u; w = v * u; w');
    const u = parse('sin(x)');
    expect(e.args[1]).toBe(u);
    expect(e.args[0].args[1]).toBe(u);
    expect(e.args[0].args[0].args[0]).toBe(u);
  });

  it('uses the last statement as the result by default', () => {
    expect(parse('x=1\ny=2')).toBe(num(2));
    expect(parse('x = 1; y = 2;')).toBe(num(2));
    expect(parse('\n\nx = 1;;\n\ny = x + 1\n\n')).toBe(parse('1 + 1'));
  });

  it('picks a named result', () => {
    expect(parse('x=1\ny=2', { result: 'x' })).toBe(num(1));
    expect(parse('x=1\ny=2', { result: 'y' })).toBe(num(2));
    expect(parse('x = 1; x = 2', { result: 'x' })).toBe(num(2)); // the latest definition
    try {
      parse('x=1\ny=2', { result: 'z' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ExprError);
      expect((err as ExprError).code).toBe('usage');
      expect((err as ExprError).message).toMatch(/no statement named z/);
    }
  });

  it('reports each statement with its line and column', () => {
    const p = parseProgram('a = 1\n  b = a + x\nb^2');
    expect(p.statements.map((s) => [s.name, s.line, s.column])).toEqual([
      ['a', 1, 1],
      ['b', 2, 3],
      [undefined, 3, 1],
    ]);
    expect(p.result).toBe(parse('(1 + x)^2'));
    expect(p.resultName).toBeUndefined();
  });

  it('accepts CRLF and CR line ends', () => {
    expect(parse('a = 2\r\nb = a^3\r\nb')).toBe(parse('2^3'));
    expect(parse('a = 2\rb = a^3\rb')).toBe(parse('2^3'));
  });

  it('later definitions shadow earlier ones; earlier uses keep the old value', () => {
    expect(evaluate(parse('x = 1; y = x + 1; x = 10; y + x'))).toBe(12);
  });
});

describe('names', () => {
  it('reads Greek letters and subscripts as names', () => {
    expect(parse('θ + α')).toBe(call('add', [sym('θ'), sym('α')]));
    expect(parse('θ_1 * Δt')).toBe(call('mul', [sym('θ_1'), sym('Δt')]));
    expect(parse('x_1^2')).toBe(call('pow', [sym('x_1'), num(2)]));
    expect(evaluate(parse('2θ_1 + λ'), { θ_1: 1.5, λ: 0.25 })).toBe(3.25);
  });

  it('reads pi, π and e as constants, other names as variables', () => {
    expect(parse('pi')).toBe(call('pi', []));
    expect(parse('π')).toBe(call('pi', []));
    expect(parse('e')).toBe(call('e', []));
    expect(parse('E')).toBe(sym('E'));
    expect(parse('Pi')).toBe(sym('Pi'));
    expect(parse('pi2')).toBe(sym('pi2'));
    expect(evaluate(parse('e^1'))).toBe(Math.E);
  });

  it('allows assigning Greek names', () => {
    expect(evaluate(parse('θ = pi/4; ω = 2; ω*θ'))).toBe(Math.PI / 2);
  });
});

describe('comments', () => {
  it('ignores # to the end of the line', () => {
    expect(parse('1 + 2 # three')).toBe(parse('1 + 2'));
    expect(evaluate(parse('# header\nx = 2 # two\n# between\nx^2 # four\n# trailer'))).toBe(4);
    expect(parse('x # ( unbalanced ) ( in a comment\n')).toBe(sym('x'));
  });

  it('does not let a comment swallow the next line', () => {
    expect(parse('a = 3 # c\na * 2')).toBe(parse('3 * 2'));
  });
});
