// The table of malformed and hostile inputs, shared by test/parse/errors.test.ts (the API) and
// test/cli/cli.test.ts (the same inputs through `exprgrad eval`).
import type { Values } from '../../src/eval/evaluate.js';
import type { ErrorCode } from '../../src/errors.js';
import { MAX_NESTING } from '../../src/parse/parse.js';

/** Throws: code, and where the error is located, line and column (1-based, in code points). */
export interface Throws {
  code: ErrorCode;
  at?: [line: number, column: number];
  /** A pattern the short reason must match. */
  says?: RegExp;
}
/** Parses and evaluates to this value. */
export interface Returns {
  value: number;
  vars?: Values;
}
/** Parses to this graph (an s-expression; tensor ops, which the scalar evaluator does not run). */
export interface Parses {
  tree: string;
}
export type Case = [name: string, input: string, expect: Throws | Returns | Parses];

const big = (s: string, n: number) => s.repeat(n);

export const errorCases: Case[] = [
  // brackets
  ['unclosed (', '(1+2', { code: 'syntax', at: [1, 5], says: /missing '\)' to close the '\(' at column 1/ }],
  ['stray )', '1+2)', { code: 'syntax', at: [1, 4], says: /unmatched '\)'/ }],
  ['one of two ( unclosed', '((x)', { code: 'syntax', at: [1, 5], says: /missing '\)'/ }],
  ['lone )', ')', { code: 'syntax', at: [1, 1], says: /unmatched '\)'/ }],
  ['empty brackets', '()', { code: 'syntax', at: [1, 2], says: /expected an expression, got '\)'/ }],
  ['absolute-value bars', '|x|', { code: 'syntax', at: [1, 1], says: /unexpected '\|'/ }],
  // operators
  ['Python power', '2**', { code: 'syntax', at: [1, 3], says: /expected an expression, got '\*'/ }],
  ['Python power with blanks', '2 ** 3', { code: 'syntax', at: [1, 4] }],
  ['lone +', '+', { code: 'syntax', at: [1, 2], says: /got end of input/ }],
  ['dangling ^', 'x^', { code: 'syntax', at: [1, 3] }],
  ['leading ^', '^2', { code: 'syntax', at: [1, 1], says: /unexpected '\^'/ }],
  ['comparison', 'x == 2', { code: 'syntax', at: [1, 4], says: /unexpected '='.*no '==' comparison/ }],
  ['= = with a blank', 'x = = 2', { code: 'syntax', at: [1, 5], says: /unexpected '='/ }],
  ['en dash as minus', '–x', { code: 'syntax', at: [1, 1], says: /unexpected '–'/ }],
  ['minus after √', '√-4', { code: 'syntax', at: [1, 2] }],
  ['dangling superscript minus', 'x⁻', { code: 'syntax', at: [1, 2], says: /unexpected '⁻'/ }],
  ['transpose mark', 'xᵀ', { tree: '(transpose x)' }],
  ['transpose mark alone', 'ᵀ', { code: 'syntax', at: [1, 1] }],
  ['dangling matrix product', 'x @', { code: 'syntax', at: [1, 4] }],
  // nothing at all
  ['empty', '', { code: 'empty', at: [1, 1], says: /empty input/ }],
  ['blanks', '   ', { code: 'empty', at: [1, 1] }],
  ['only a comment', '# only a comment', { code: 'empty', at: [1, 1] }],
  ['only separators', ';\n;\n', { code: 'empty', at: [1, 1] }],
  // juxtaposition
  ['two numbers', '2 3', { code: 'syntax', at: [1, 3], says: /expected an operator before '3'/ }],
  ['two names', 'x y', { code: 'syntax', at: [1, 3], says: /implicit multiplication only follows a number/ }],
  ['name then superscript then name', '2x²y', { code: 'syntax', at: [1, 4] }],
  ['sin² notation', 'sin²(x)', { code: 'syntax', at: [1, 5] }],
  // names and calls
  ['function without call', 'sin', { code: 'name', at: [1, 1], says: /sin is a function; call it as sin\(…\)/ }],
  ['no arguments', 'sin()', { code: 'arity', at: [1, 1], says: /sin\(\) takes 1 argument, got 0/ }],
  ['two arguments to sin', 'sin(x,y)', { code: 'arity', at: [1, 1], says: /takes 1 argument, got 2/ }],
  ['one argument to atan2', 'atan2(1)', { code: 'arity', at: [1, 1], says: /atan2\(\) takes 2 arguments, got 1/ }],
  ['one argument to min', 'min(1)', { code: 'arity', at: [1, 1], says: /min\(\) takes 2 or more arguments, got 1/ }],
  // max with one argument is the axis reduction of the tensor stage, not an arity error
  ['one argument to max is the reduction', 'max(1)', { tree: '(amax 1)' }],
  ['empty argument', 'max(,)', { code: 'syntax', at: [1, 5] }],
  ['misspelt function', 'sinn(x)', { code: 'unknown-function', at: [1, 1], says: /unknown function sinn\(\); did you mean .*\bsin\(\)/ }],
  ['unknown function', 'f(x)', { code: 'unknown-function', at: [1, 1], says: /unknown function f\(\).*write f\*\(…\)/ }],
  ['error in an argument, located inside', 'max(1, sin(), 2)', { code: 'arity', at: [1, 8] }],
  ['constant called', 'pi(2)', { code: 'unknown-function', at: [1, 1], says: /pi is not a function/ }],
  ['variable called', 'x = 2; x(3)', { code: 'unknown-function', at: [1, 8], says: /x is not a function/ }],
  ['assign to pi', 'pi = 3', { code: 'name', at: [1, 1], says: /cannot assign to the constant pi/ }],
  ['assign to e', 'e = 1', { code: 'name', at: [1, 1] }],
  ['assign to a function', 'sin = 2', { code: 'name', at: [1, 1], says: /cannot assign to sin/ }],
  ['assignment without value', 'x = ', { code: 'syntax', at: [1, 5], says: /expected an expression, got end of input/ }],
  ['assign to a number', '2 = x', { code: 'syntax', at: [1, 3] }],
  ['used before definition', 'x = y; y = 1', { code: 'name', at: [1, 8], says: /y is defined here but was already used \(line 1, column 5\)/ }],
  ['defined in terms of itself', 'x = x + 1', { code: 'name', at: [1, 1] }],
  // keyword arguments
  ['unknown keyword', 'sum(x, foo=1)', { code: 'syntax', at: [1, 8], says: /unknown keyword argument foo=/ }],
  ['axis= on a scalar function', 'sin(x, axis=1)', { code: 'syntax', at: [1, 1], says: /sin\(\) takes no axis= argument/ }],
  ['axis= twice', 'max(x, axis=1, axis=0)', { code: 'syntax', at: [1, 16], says: /axis= is given twice/ }],
  ['axis= first', 'sum(axis=1, x)', { code: 'syntax', at: [1, 13], says: /positional arguments must come before axis=/ }],
  ['axis= not a literal', 'sum(x, axis=y)', { code: 'syntax', at: [1, 1], says: /must be an integer literal/ }],
  ['axis == 1', 'sum(x, axis == 1)', { code: 'syntax', at: [1, 14], says: /unexpected '='/ }],
  ['keyword on an unknown function', 'constructor(x, axis=1)', { code: 'unknown-function', at: [1, 1] }],
  // numbers
  ['1e is 1·e (a number juxtaposed with the constant e)', '1e', { value: Math.E }],
  ['1e+ is 1·e + nothing', '1e+', { code: 'syntax', at: [1, 4] }],
  ['two decimal points', '1..2', { code: 'syntax', at: [1, 3], says: /expected an operator before '\.'/ }],
  ['three dotted parts', '1.2.3', { code: 'syntax', at: [1, 4] }],
  ['number too large', '1e999', { code: 'value', at: [1, 1], says: /1e999 is too large for float64/ }],
  ['number too large, later on the line', 'x + 2e308', { code: 'value', at: [1, 5] }],
  ['number too small is 0', '1e-400', { value: 0 }],
  ['largest double', '1.7976931348623157e308', { value: Number.MAX_VALUE }],
  // stray characters
  ['snowman', 'x ☃ y', { code: 'syntax', at: [1, 3], says: /unexpected '☃'/ }],
  ['NUL', '\u0000', { code: 'syntax', at: [1, 1], says: /unexpected U\+0000/ }],
  ['NUL after a name', 'x\u0000', { code: 'syntax', at: [1, 2], says: /U\+0000/ }],
  ['zero-width space', 'x\u200by', { code: 'syntax', at: [1, 2], says: /unexpected U\+200B/ }],
  ['byte-order mark', '\ufeffx', { code: 'syntax', at: [1, 1], says: /U\+FEFF/ }],
  ['bidi override', 'x\u202ey', { code: 'syntax', at: [1, 2], says: /U\+202E/ }],
  ['emoji (column counts code points)', 'x + 😀 + y', { code: 'syntax', at: [1, 5], says: /expected an expression, got '😀'/ }],
  ['emoji before the error', '😀', { code: 'syntax', at: [1, 1] }],
  ['emoji then error', 'x😀 +', { code: 'syntax', at: [1, 2] }],
  ['string quotes', '"x"', { code: 'syntax', at: [1, 1] }],
  ['factorial', 'x!', { code: 'syntax', at: [1, 2], says: /unexpected '!'/ }],
  // lines
  ['error on line 3', 'a = 1\nb = 2\nc = a +* b', { code: 'syntax', at: [3, 8], says: /expected an expression, got '\*'/ }],
  ['error on line 3, CRLF', 'a = 1\r\nb = 2\r\nc = a +* b', { code: 'syntax', at: [3, 8] }],
  ['error at an end of line', 'x = 1\r\ny = 2 +\r\n', { code: 'syntax', at: [2, 8], says: /got end of line/ }],
  ['error after blank lines and a tab', 'x\n\n  \ty ☃', { code: 'syntax', at: [3, 6] }],
  ['error after a comment line', '# c\nx = (1 +\n', { code: 'syntax', at: [2, 9] }],
  // size and depth
  ['1 MB line', big('x+', 500_000) + 'x', { code: 'too-large', says: /1,000,001 characters long; the limit is 100,000/ }],
  ['100,000 nested brackets', big('(', 100_000) + 'x' + big(')', 100_000), { code: 'too-large' }],
  ['49,999 nested brackets', big('(', 49_999) + 'x' + big(')', 49_999), { code: 'too-deep', at: [1, MAX_NESTING + 1] }],
  [`${MAX_NESTING} nested brackets are fine`, big('(', MAX_NESTING) + 'x' + big(')', MAX_NESTING), { value: 7, vars: { x: 7 } }],
  [`${MAX_NESTING + 1} nested brackets`, big('(', MAX_NESTING + 1) + 'x' + big(')', MAX_NESTING + 1), { code: 'too-deep', at: [1, MAX_NESTING + 1] }],
  ['nested calls', big('sin(', 1000) + 'x' + big(')', 1000), { code: 'too-deep' }],
  ['99,999 minus signs', big('-', 99_999) + 'x', { code: 'too-deep' }],
  ['20 minus signs are fine', big('-', 20) + 'x', { value: 3, vars: { x: 3 } }],
  ['long √ chain', big('√', 5_000) + 'x', { code: 'too-deep' }],
  ['exponent tower', big('2^', 1_000) + '2', { code: 'too-deep' }],
  ['negated exponent tower', big('2^-', 1_000) + '2', { code: 'too-deep' }],
  ['flat sum of 1,000 squares is not deep', big('x^2 + ', 1_000) + '1', { value: 4_001, vars: { x: 2 } }],
  ['flat product of 1,000 powers is not deep', big('x^0*', 1_000) + '1', { value: 1, vars: { x: 2 } }],
  ['max of 1,000 powers is not deep', 'max(' + big('x^2, ', 1_000) + '0)', { value: 4, vars: { x: 2 } }],
  ['many short nested groups in a row', big('((((x))))+', 500) + '0', { value: 500, vars: { x: 1 } }],
  // prototype names are ordinary names
  ['constructor as a variable', 'constructor', { value: 5, vars: new Map([['constructor', 5]]) }],
  ['__proto__ as a variable', '__proto__ * 2', { value: 10, vars: JSON.parse('{"__proto__": 5}') as Values }],
  ['toString as a variable', 'toString + 1', { value: 2, vars: { toString: 1 } as unknown as Values }],
  ['hasOwnProperty called', 'hasOwnProperty(x)', { code: 'unknown-function', at: [1, 1], says: /unknown function hasOwnProperty\(\)/ }],
  ['constructor called', 'constructor(x)', { code: 'unknown-function', at: [1, 1] }],
  ['__proto__ called', '__proto__(x)', { code: 'unknown-function', at: [1, 1] }],
  ['valueOf called', 'valueOf(1)', { code: 'unknown-function', at: [1, 1] }],
  ['__proto__ assigned', '__proto__ = 2; __proto__ + 1', { value: 3 }],
  ['constructor assigned', 'constructor = 2; prototype = 3; constructor * prototype', { value: 6 }],
];
