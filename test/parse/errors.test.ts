// Malformed and hostile input: every case either throws an ExprError with the right code and location (and a
// message with the offending line and a caret, and never a stack trace), or parses to the right value. Nothing
// else may escape: no TypeError, no RangeError (stack overflow), no hang.
import { describe, expect, it } from 'vitest';
import { MAX_NESTING, MAX_SOURCE_LENGTH, parse } from '../../src/parse/parse.js';
import { evaluate, type Values } from '../../src/eval/evaluate.js';
import { ExprError, type ErrorCode } from '../../src/errors.js';

/** Throws: code, and where the error is located, line and column (1-based, in code points). */
interface Throws {
  code: ErrorCode;
  at?: [line: number, column: number];
  /** A pattern the short reason must match. */
  says?: RegExp;
}
/** Parses and evaluates to this value. */
interface Returns {
  value: number;
  vars?: Values;
}
type Case = [name: string, input: string, expect: Throws | Returns];

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
  ['reserved transpose mark', 'xᵀ', { code: 'syntax', at: [1, 2] }],
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
  ['one argument to max', 'max(1)', { code: 'arity', at: [1, 1], says: /max\(\) takes 2 or more arguments, got 1/ }],
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
  ['flat sum of 3,000 squares is not deep', big('x^2 + ', 3_000) + '1', { value: 12_001, vars: { x: 2 } }],
  ['flat product of 3,000 powers is not deep', big('x^0*', 3_000) + '1', { value: 1, vars: { x: 2 } }],
  ['many short nested groups in a row', big('((((x))))+', 2_000) + '0', { value: 2_000, vars: { x: 1 } }],
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

function caretLine(err: ExprError): string {
  return err.excerpt.split('\n')[1] ?? '';
}

function run(input: string, vars: Values = {}): number {
  return evaluate(parse(input), vars);
}

describe('malformed and hostile input', () => {
  it('has at least 35 cases', () => {
    expect(errorCases.length).toBeGreaterThanOrEqual(35);
  });

  it.each(errorCases)('%s', (_name, input, want) => {
    if ('value' in want) {
      expect(run(input, want.vars)).toBe(want.value);
      return;
    }
    let caught: unknown;
    try {
      run(input);
    } catch (err) {
      caught = err;
    }
    expect(caught, 'must throw').toBeInstanceOf(ExprError);
    const err = caught as ExprError;
    expect(err.name).toBe('ExprError');
    expect(err.code).toBe(want.code);
    if (want.says) expect(err.reason).toMatch(want.says);
    // short, single-purpose, no stack trace
    expect(err.message.length).toBeLessThan(400);
    expect(err.message).not.toMatch(/^\s+at /m);
    expect(err.message).not.toMatch(/\.(ts|js):\d+/);
    if (want.at) {
      expect(err.location, 'located').toBeDefined();
      expect([err.location!.line, err.location!.column]).toEqual(want.at);
      expect(err.message).toContain(`line ${want.at[0]}, column ${want.at[1]}`);
      // the offending line, then a caret under the column
      expect(err.message.endsWith(err.excerpt)).toBe(true);
      expect(err.excerpt).toMatch(/^ {2}.*\n {2} *\^$/);
      const line = input.split('\n')[want.at[0] - 1].replace(/\r$/, '');
      if ([...line].length < 36) expect(caretLine(err)).toBe('  ' + ' '.repeat(want.at[1] - 1) + '^');
      // no raw control or invisible characters in what is shown
      expect(err.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u200b\u202e\ufeff]/);
      expect(err.toJSON()).toMatchObject({ error: want.code, line: want.at[0], column: want.at[1] });
    } else if (want.code === 'too-large') {
      expect(err.location).toBeUndefined();
      expect(err.excerpt).toBe('');
    }
  });
});

describe('limits', () => {
  it('accepts input at the length limit and rejects one character more', () => {
    const atLimit = 'x' + ' '.repeat(MAX_SOURCE_LENGTH - 1);
    expect(parse(atLimit).name).toBe('x');
    expect(() => parse(atLimit + ' ')).toThrow(expect.objectContaining({ code: 'too-large' }));
  });

  it('excerpts a 1 MB line around the error instead of printing it whole', () => {
    const long = 'x + '.repeat(20_000) + ')' + ' + x'.repeat(4_000);
    try {
      parse(long);
      expect.unreachable();
    } catch (err) {
      const e = err as ExprError;
      expect(e.code).toBe('syntax');
      expect(e.location!.column).toBe(80_001);
      expect(e.message.length).toBeLessThan(300);
      expect(e.excerpt).toMatch(/^ {2}….*…\n/);
      const [text, caret] = e.excerpt.split('\n');
      expect(text[caret.indexOf('^')]).toBe(')');
    }
  });

  it('stays usable after a too-deep input', () => {
    expect(() => parse('('.repeat(5000) + 'x' + ')'.repeat(5000))).toThrow(ExprError);
    expect(run('2^3^2')).toBe(512);
  });
});

describe('API misuse', () => {
  it('rejects non-string source with a usage error', () => {
    for (const bad of [123, null, undefined, {}, ['x']]) {
      expect(() => parse(bad as unknown as string)).toThrow(expect.objectContaining({ name: 'ExprError', code: 'usage' }));
    }
  });

  it('rejects a result name that is not a statement, including prototype names', () => {
    for (const name of ['z', '__proto__', 'constructor', 'toString']) {
      expect(() => parse('x = 1', { result: name })).toThrow(expect.objectContaining({ code: 'usage' }));
    }
  });

  it('asks for missing variable values, and never takes them from the prototype', () => {
    for (const name of ['x', 'toString', 'constructor', 'valueOf', '__proto__', 'hasOwnProperty']) {
      expect(() => run(name)).toThrow(expect.objectContaining({ code: 'value' }));
      expect(() => run(name, new Map())).toThrow(expect.objectContaining({ code: 'value' }));
    }
    try {
      run('x + y*z', { y: 1 });
      expect.unreachable();
    } catch (err) {
      expect((err as ExprError).reason).toMatch(/no value given for x, z/);
    }
  });

  it('rejects non-numeric variable values instead of coercing them', () => {
    expect(() => run('x + 1', { x: '2' } as unknown as Values)).toThrow(expect.objectContaining({ code: 'value' }));
    expect(() => run('x + 1', new Map([['x', null]]) as unknown as Values)).toThrow(expect.objectContaining({ code: 'value' }));
  });
});

describe('no prototype pollution', () => {
  it('treats __proto__, constructor and prototype as ordinary names', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    expect(run('__proto__ = 2; polluted = 1; __proto__ + polluted')).toBe(3);
    expect(run('constructor = 4; prototype = constructor; prototype^2')).toBe(16);
    expect(run('__proto__ + toString', JSON.parse('{"__proto__": 1, "toString": 2}') as Values)).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(typeof ({} as { toString: unknown }).toString).toBe('function');
  });
});
