// Text → expression graph.
//
// In:  source text in the exprgrad language (grammar/expr.ohm): one expression, or a program of statements
//      `name = expr` separated by newlines or ";".
// Out: the graph exactly as written (no folding: `2+3` stays add(2, 3)); statement names are inlined, so the
//      result is one Expr in which a name used twice is one shared node. Or an ExprError with line, column and
//      caret: syntax errors, unknown functions (with the nearest known names), wrong argument counts, misused names.

import * as ohm from 'ohm-js';
import type { Expr } from '../ir/expr.js';
import { ExprError } from '../errors.js';
import { grammarRecipe } from './grammar-source.js';
import { cstRoot, newEnv, walkProgram, type RawStatement } from './semantics.js';

/** Deepest bracket nesting accepted. Deeper input gets a clear 'too-deep' error instead of a stack overflow. */
export const MAX_NESTING = 50;
/** Longest text one parse() accepts; longer input gets a 'too-large' error instead of a multi-second stall. */
export const MAX_SOURCE_LENGTH = 100_000;

export interface Statement {
  /** Assigned name, or undefined for a bare expression. */
  readonly name?: string;
  /** The statement's value with earlier statements inlined. */
  readonly expr: Expr;
  readonly line: number;
  readonly column: number;
}

export interface Program {
  readonly statements: readonly Statement[];
  /** Shapes declared in the program (`x : [128, 784]`). */
  readonly shapes: Readonly<Record<string, number[]>>;
  /** The value of the last statement, or of the statement named by `result`. */
  readonly result: Expr;
  readonly resultName?: string;
}

export interface ParseOptions {
  /** Name of the statement whose value is the result (default: the last statement). */
  readonly result?: string;
}

let grammar: ohm.Grammar | undefined;

function getGrammar(): ohm.Grammar {
  // ohm.makeRecipe is exported by ohm-js 17 (index.mjs) but not declared in its types.
  grammar ??= (ohm as unknown as { makeRecipe(recipe: string): ohm.Grammar }).makeRecipe(grammarRecipe);
  return grammar;
}

/** A friendlier reading of Ohm's "expected" list. */
function syntaxReason(source: string, pos: number, expected: string): string {
  const next = source.charAt(pos);
  const got = pos >= source.length ? 'end of input' : next === '\n' || next === '\r' ? 'end of line' : showChar([...source.slice(pos)][0]);
  if (/^not /.test(expected)) {
    // Only a negative lookahead failed: `name = ~"=" Expr`, i.e. `x == 2`.
    return next === '=' ? `unexpected '=' (there is no '==' comparison; '=' assigns a name: x = 2)` : `unexpected ${got}`;
  }
  if (/a name/.test(expected) && /a number/.test(expected)) {
    return `expected an expression, got ${got}`;
  }
  if (expected === '")"') {
    const open = unclosedParen(source, pos);
    return open === undefined ? `expected ')', got ${got}` : `missing ')' to close the '(' at column ${columnOf(source, open)}, got ${got}`;
  }
  if (/end of input/.test(expected)) {
    if (next === ')') return `unmatched ')'`;
    if (/[\p{L}_0-9(√.]/u.test(next)) return `expected an operator before ${got} (implicit multiplication only follows a number: write a*b)`;
    return `unexpected ${got}`;
  }
  const list = expected.replace(/"\\r", |"\\r\\n", |"\\n", /g, '').replace(/"/g, "'");
  return `expected ${list}, got ${got}`;
}

/** A character for a message: quoted, or as U+XXXX when it is invisible (controls, zero-width and bidi marks, odd spaces). */
function showChar(c: string): string {
  if (/[\p{Cc}\p{Cf}\p{Z}\p{Co}\p{Cn}]/u.test(c) && c !== ' ') return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}

function columnOf(source: string, offset: number): number {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  return [...source.slice(lineStart, offset)].length + 1;
}

function unclosedParen(source: string, pos: number): number | undefined {
  const stack: number[] = [];
  for (let i = 0; i < pos; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < pos && source[i] !== '\n') i++;
    } else if (c === '(') stack.push(i);
    else if (c === ')') stack.pop();
    else if (c === '\n' || c === ';') stack.length = 0;
  }
  return stack.at(-1);
}

/**
 * Reject input the recursive-descent parser cannot finish: nesting deeper than MAX_NESTING brackets (a bracket
 * costs the parser about as much stack as 6 prefix operators or 4 levels of an exponent tower, which count
 * accordingly), or text longer than MAX_SOURCE_LENGTH characters (the parse takes about 3.5 µs per character).
 */
function checkLimits(source: string): void {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExprError(
      'too-large',
      `input is ${source.length.toLocaleString('en-US')} characters long; the limit is ${MAX_SOURCE_LENGTH.toLocaleString('en-US')} per parse (split programs into lines or files)`,
    );
  }
  let brackets = 0;
  let prefixRun = 0;
  // '^' of the exponent towers enclosing this point: a^b^c nests, but a^b + c^d does not, so a binary operator
  // ends the tower and a closing bracket restores the count of the bracket's opening.
  let carets = 0;
  const caretsAtOpen: number[] = [];
  let prev = ''; // previous non-blank character
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i + 1 < source.length && source[i + 1] !== '\n') i++;
      continue;
    }
    if (c === '\n' || c === ';') {
      brackets = prefixRun = carets = 0;
      caretsAtOpen.length = 0;
      prev = '';
      continue;
    }
    if (c === ' ' || c === '\t') continue;
    const binary = '*/·×÷⋅,='.includes(c) || ('+-−'.includes(c) && /[\p{L}\p{N}_.)]/u.test(prev));
    prev = c;
    if (c === '(') {
      brackets++;
      caretsAtOpen.push(carets);
    } else if (c === ')') {
      brackets = Math.max(0, brackets - 1);
      carets = caretsAtOpen.pop() ?? 0;
    } else if (binary) carets = caretsAtOpen.at(-1) ?? 0;
    if (c === '-' || c === '−' || c === '+' || c === '√') prefixRun++;
    else if (c !== '(') prefixRun = 0;
    if (c === '^') carets++;
    if (brackets + prefixRun / 6 + carets / 4 > MAX_NESTING) {
      throw new ExprError('too-deep', `nesting deeper than ${MAX_NESTING} brackets is not supported`, source, i);
    }
  }
}

/** Parse a program (or a single expression) into its statements and result. */
export function parseProgram(source: string, options: ParseOptions = {}): Program {
  if (typeof source !== 'string') throw new ExprError('usage', `expected source text (a string), got ${typeof source}`);
  checkLimits(source);
  const g = getGrammar();
  let match: ohm.MatchResult;
  try {
    match = g.match(source);
  } catch (err) {
    if (err instanceof RangeError) throw new ExprError('too-deep', 'expression is nested too deeply to parse', source, 0);
    throw err;
  }
  if (match.failed()) {
    let pos = match.getRightmostFailurePosition();
    const expected = match.getExpectedText();
    // A failed negative lookahead is reported before the blanks it skipped (`x = = 2`): point at the token itself.
    if (/^not /.test(expected)) while (pos < source.length && /[ \t\u00a0]/.test(source[pos])) pos++;
    throw new ExprError('syntax', syntaxReason(source, pos, expected), source, pos);
  }
  const env = newEnv(source);
  let statements: RawStatement[];
  try {
    const root = cstRoot(match);
    statements = walkProgram(env, root.node, root.at);
  } catch (err) {
    if (err instanceof RangeError) throw new ExprError('too-deep', 'expression is nested too deeply to parse', source, 0);
    throw err;
  }
  if (statements.length === 0) throw new ExprError('empty', 'the program declares shapes but computes nothing', source, source.length);
  let result = statements[statements.length - 1];
  if (options.result !== undefined) {
    const named = [...statements].reverse().find((s) => s.name === options.result);
    if (!named) {
      const names = statements.flatMap((s) => (s.name ? [s.name] : []));
      throw new ExprError('usage', `no statement named ${options.result}${names.length ? ` (statements: ${names.join(', ')})` : ''}`);
    }
    result = named;
  }
  return { statements, shapes: env.shapes, result: result.expr, resultName: result.name };
}

/** Parse text to one expression graph: the program's result with its statements inlined. */
export function parse(source: string, options: ParseOptions = {}): Expr {
  return parseProgram(source, options).result;
}
