// Text → expression graph.
//
// In:  source text in the exprgrad language (grammar/expr.ohm): one expression, or a program of statements
//      `name = expr` separated by newlines or ";".
// Out: the graph exactly as written (no folding: `2+3` stays add(2, 3)); statement names are inlined, so the
//      result is one Expr in which a name used twice is one shared node. Or an ExprError with line, column and
//      caret: syntax errors, unknown functions (with the nearest known names), wrong argument counts, misused names.

import * as ohm from 'ohm-js';
import { Expr, call, num, sym } from '../ir/expr.js';
import { CONSTANTS, arityOk, arityText, functionNames, isFunctionName, opTable } from '../ir/ops.js';
import { intArg } from '../ir/tensor-ops.js';
import { AXIS_NAMES, callableNames, findOp } from '../ir/registry.js';
import { ExprError, suggest } from '../errors.js';
import { grammarSource } from './grammar-source.js';

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
let semantics: ohm.Semantics | undefined;

function getGrammar(): ohm.Grammar {
  grammar ??= ohm.grammar(grammarSource);
  return grammar;
}

// State threaded through one semantic run (Ohm actions cannot take arguments).
interface RunState {
  source: string;
  env: Map<string, Expr>;
  /** Free names used so far, with the offset of their first use. */
  freeUses: Map<string, number>;
}
let state: RunState | undefined;

const SUPER_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

function fail(code: ConstructorParameters<typeof ExprError>[0], reason: string, offset: number): never {
  throw new ExprError(code, reason, state!.source, offset);
}

function binary(op: string, a: Expr, b: Expr): Expr {
  return call(op, [a, b]);
}

function opName(text: string, kind: 'add' | 'mul'): string {
  if (kind === 'add') return text === '+' ? 'add' : 'sub';
  return text === '/' || text === '÷' ? 'div' : text === '@' ? 'matmul' : 'mul';
}

function getSemantics(): ohm.Semantics {
  if (semantics) return semantics;
  const s = getGrammar().createSemantics();
  s.addOperation<Expr>('expr', {
    Expr(e) {
      return e.expr();
    },
    AddExp(first, ops, rest) {
      let acc = first.expr();
      const opNodes = ops.children;
      const restNodes = rest.children;
      for (let i = 0; i < opNodes.length; i++) acc = binary(opName(opNodes[i].sourceString, 'add'), acc, restNodes[i].expr());
      return acc;
    },
    NegExp_neg(_m, e) {
      return call('neg', [e.expr()]);
    },
    NegExp_pos(_p, e) {
      return e.expr();
    },
    MulExp(first, ops, rest) {
      let acc = first.expr();
      const opNodes = ops.children;
      const restNodes = rest.children;
      for (let i = 0; i < opNodes.length; i++) acc = binary(opName(opNodes[i].sourceString, 'mul'), acc, restNodes[i].expr());
      return acc;
    },
    Factor_neg(_m, e) {
      return call('neg', [e.expr()]);
    },
    Factor_pos(_p, e) {
      return e.expr();
    },
    Factor_implicit(n, operand) {
      return binary('mul', n.expr(), operand.expr());
    },
    ImplicitOperand(e) {
      return e.expr();
    },
    PowExp_pow(base, _caret, exponent) {
      return binary('pow', base.expr(), exponent.expr());
    },
    Exponent_neg(_m, e) {
      return call('neg', [e.expr()]);
    },
    Exponent_pos(_p, e) {
      return e.expr();
    },
    Postfix(base, ops) {
      let acc = base.expr() as Expr;
      for (const op of ops.children) {
        const text = op.sourceString;
        if (text === 'ᵀ') {
          acc = call('transpose', [acc]);
          continue;
        }
        const negative = text.startsWith('⁻');
        const digits = [...(negative ? text.slice(1) : text)].map((c) => SUPER_DIGITS.indexOf(c)).join('');
        const exponent = num(Number(digits));
        acc = binary('pow', acc, negative ? call('neg', [exponent]) : exponent);
      }
      return acc;
    },
    Primary_paren(_l, e, _r) {
      return e.expr();
    },
    Primary_sqrt(_root, e) {
      return call('sqrt', [e.expr()]);
    },
    Primary_call(nameNode, _l, argList, _r) {
      const name = nameNode.sourceString;
      const offset = nameNode.source.startIdx;
      const argNodes = argList.asIteration().children;
      const named = new Map<string, Expr>();
      const args: Expr[] = [];
      for (const arg of argNodes) {
        const a = arg.child(0);
        if (a.ctorName === 'Arg_named') {
          const key = a.child(0).sourceString;
          if (key !== 'axis') fail('syntax', `unknown keyword argument ${abbreviate(key)}= (only axis= is supported)`, a.source.startIdx);
          if (named.has(key)) fail('syntax', `axis= is given twice`, a.source.startIdx);
          named.set(key, a.child(2).expr());
        } else {
          if (named.size) fail('syntax', 'positional arguments must come before axis=', a.source.startIdx);
          args.push(a.expr());
        }
      }
      return resolveCall(name, args, named.get('axis'), offset);
    },
    Primary_name(nameNode) {
      return resolveName(nameNode.sourceString, nameNode.source.startIdx);
    },
    number(_n) {
      const value = Number(this.sourceString);
      if (!Number.isFinite(value)) fail('value', `number ${abbreviate(this.sourceString)} is too large for float64`, this.source.startIdx);
      return num(value);
    },
  });
  semantics = s;
  return s;
}

/** A function's name: an elementwise function or any tensor op (amax and matmul too: printed forms parse back). */
const isCallable = (name: string) => isFunctionName(name) || findOp(name)?.elementwise === false;

function resolveCall(name: string, args: Expr[], axis: Expr | undefined, offset: number): Expr {
  const shown = abbreviate(name);
  if (axis !== undefined) {
    // Keyword axis= is accepted by these (max(x, axis=1) is the reduction; max(a, b) the elementwise maximum).
    if (!AXIS_NAMES.has(name) && isCallable(name)) fail('syntax', `${shown}() takes no axis= argument`, offset);
    if (args.length !== 1) fail('arity', `${shown}(x, axis=k) takes one tensor and the axis`, offset);
    if (AXIS_NAMES.has(name)) args = [args[0], axis];
  }
  // max with one argument, or with axis=, is the reduction; with two or more, the elementwise maximum.
  const opName = name === 'max' && (args.length === 1 || axis !== undefined) ? 'amax' : name;
  const found = findOp(opName);
  const tensor = found && !found.elementwise ? found : undefined;
  if (tensor) {
    const t = tensor;
    if (args.length < t.minArgs || args.length > t.maxArgs) {
      const range = t.minArgs === t.maxArgs ? `${t.minArgs}` : `${t.minArgs} to ${t.maxArgs}`;
      fail('arity', `${shown}() takes ${range} argument${t.maxArgs === 1 ? '' : 's'}, got ${args.length}`, offset);
    }
    for (const i of t.literalArgs) {
      if (i < args.length && intArg(args[i]) === undefined) fail('syntax', `argument ${i + 1} of ${shown}() must be an integer literal`, offset);
    }
    return call(opName, args);
  }
  const spec = isFunctionName(name) ? opTable[name] : undefined;
  if (!spec) {
    const near = suggest(name, callableNames());
    const hint = near.length ? `; did you mean ${near.map((n) => `${n}()`).join(', ')}?` : '';
    const what = CONSTANTS.has(name) || state!.env.has(name) ? `${shown} is not a function` : `unknown function ${shown}()`;
    const juxt = state!.env.has(name) || !near.length ? ` (to multiply, write ${shown}*(…))` : '';
    fail('unknown-function', what + hint + juxt, offset);
  }
  if (!arityOk(spec, args.length)) {
    fail('arity', `${shown}() takes ${arityText(spec)}, got ${args.length}`, offset);
  }
  return call(name, args);
}

function abbreviate(text: string): string {
  return text.length > 24 ? text.slice(0, 20) + '…' : text;
}

function resolveName(name: string, offset: number): Expr {
  const st = state!;
  const bound = st.env.get(name);
  if (bound) return bound;
  const constant = CONSTANTS.get(name);
  if (constant) return call(constant, []);
  if (isCallable(name)) fail('name', `${name} is a function; call it as ${name}(…)`, offset);
  if (!st.freeUses.has(name)) st.freeUses.set(name, offset);
  return sym(name);
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
 * accordingly), or text longer than MAX_SOURCE_LENGTH characters (Ohm parses about 10 µs per character).
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

function expr_(node: ohm.Node): Expr {
  return (node as unknown as { expr(): Expr }).expr();
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
  const sem = getSemantics()(match);
  const previous = state;
  state = { source, env: new Map(), freeUses: new Map() };
  try {
    return buildProgram(sem as unknown as ohm.Node, source, options);
  } catch (err) {
    if (err instanceof RangeError) throw new ExprError('too-deep', 'expression is nested too deeply to parse', source, 0);
    throw err;
  } finally {
    state = previous;
  }
}

function buildProgram(root: ohm.Node, source: string, options: ParseOptions): Program {
  const st = state!;
  // Program = sep* ListOf<Stmt, sep+> sep*
  const stmtNodes = root.child(1).asIteration().children;
  if (stmtNodes.length === 0) throw new ExprError('empty', 'empty input: expected an expression', source, 0);
  const statements: Statement[] = [];
  const shapes: Record<string, number[]> = Object.create(null);
  for (const node of stmtNodes) {
    const offset = node.source.startIdx;
    const loc = new ExprError('syntax', '', source, offset).location!;
    const stmt = node.child(0);
    if (stmt.ctorName === 'Stmt_decl') {
      const nameNode = stmt.child(0);
      const name = nameNode.sourceString;
      if (CONSTANTS.has(name) || isCallable(name)) fail('name', `cannot declare a shape for ${name}`, nameNode.source.startIdx);
      if (st.env.has(name)) fail('name', `${name} is computed by a statement; declare shapes of inputs only`, nameNode.source.startIdx);
      if (Object.hasOwn(shapes, name)) fail('name', `the shape of ${name} is declared twice`, nameNode.source.startIdx);
      const dims = stmt.child(2).child(1).asIteration().children.map((d) => Number(d.sourceString));
      if (dims.length > 2) fail('shape', `shapes have at most 2 dimensions, got ${dims.length}`, stmt.child(2).source.startIdx);
      if (dims.some((d) => !Number.isSafeInteger(d) || d < 1)) fail('shape', 'each dimension must be a positive integer', stmt.child(2).source.startIdx);
      shapes[name] = dims;
      continue;
    }
    if (stmt.ctorName === 'Stmt_assign') {
      const nameNode = stmt.child(0);
      const name = nameNode.sourceString;
      const nameOffset = nameNode.source.startIdx;
      if (CONSTANTS.has(name)) fail('name', `cannot assign to the constant ${name}`, nameOffset);
      if (isCallable(name)) fail('name', `cannot assign to ${name}: it is a function name`, nameOffset);
      const expr = expr_(stmt.child(2));
      const usedAt = st.freeUses.get(name);
      if (usedAt !== undefined && !st.env.has(name)) {
        const where = new ExprError('syntax', '', source, usedAt).location!;
        fail('name', `${name} is defined here but was already used (line ${where.line}, column ${where.column}) before this definition`, nameOffset);
      }
      st.env.set(name, expr);
      statements.push({ name, expr, line: loc.line, column: loc.column });
    } else {
      statements.push({ expr: expr_(stmt.child(0)), line: loc.line, column: loc.column });
    }
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
  return { statements, shapes, result: result.expr, resultName: result.name };
}

/** Parse text to one expression graph: the program's result with its statements inlined. */
export function parse(source: string, options: ParseOptions = {}): Expr {
  return parseProgram(source, options).result;
}
