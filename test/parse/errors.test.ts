// Malformed and hostile input: every case either throws an ExprError with the right code and location (and a
// message with the offending line and a caret, and never a stack trace), or parses to the right value. Nothing
// else may escape: no TypeError, no RangeError (stack overflow), no hang.
import { describe, expect, it } from 'vitest';
import { MAX_SOURCE_LENGTH, parse } from '../../src/parse/parse.js';
import { evaluate, type Values } from '../../src/eval/evaluate.js';
import { ExprError } from '../../src/errors.js';
import { tree } from '../helpers.js';
import { errorCases } from './error-cases.js';

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
    if ('tree' in want) {
      expect(parse(input)).toBe(tree(want.tree));
      return;
    }
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

  it('excerpts a long line around the error instead of printing it whole', () => {
    const long = 'x + '.repeat(2_000) + ')' + ' + x'.repeat(400);
    try {
      parse(long);
      expect.unreachable();
    } catch (err) {
      const e = err as ExprError;
      expect(e.code).toBe('syntax');
      expect(e.location!.column).toBe(8_001);
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

describe('evaluating what parses', () => {
  // The scalar evaluator refuses tensor ops (max(x) → amax, sum, softmax, ᵀ, @) with an ExprError.
  it('gives a number or an ExprError for tensor ops, never an internal error', () => {
    for (const input of ['max(1)', 'sum(x, axis=0)', 'xᵀ', 'x @ y', 'softmax(x, 0)']) {
      try {
        const v = evaluate(parse(input), { x: 1, y: 2 });
        expect(typeof v).toBe('number');
      } catch (err) {
        expect(err, input).toBeInstanceOf(ExprError);
      }
    }
  });
});
