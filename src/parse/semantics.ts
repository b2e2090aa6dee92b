// The semantics of grammar/expr.ohm: a successful match → statements and expression graphs.
//
// In:  an Ohm match of the Exprgrad grammar and a fresh ParseEnv (the source text, and the names bound so far).
// Out: the program's statements (name, value with earlier statements inlined, line, column) and declared shapes;
//      or an ExprError located in the source: unknown functions (with the nearest known names), wrong argument
//      counts, misused names, numbers too large for float64.
//
// All state of one parse travels in the ParseEnv argument of the operations `expr(env)` and `stmt(env)`; nothing is
// kept between parses. The grammar reads operands and infix operators as a flat list (it is faster for Ohm), so
// the `expr` action applies the precedence: a leading sign covers the whole product, a sign after an operator
// one factor; * / @ and implicit products bind tighter than + and −; ^ is right-associative.

import * as ohm from 'ohm-js';
import { Expr, call, num, sym } from '../ir/expr.js';
import { CONSTANTS, arityOk, arityText, isFunctionName, opTable } from '../ir/ops.js';
import { intArg } from '../ir/tensor-ops.js';
import { AXIS_NAMES, callableNames, findOp } from '../ir/registry.js';
import type { Keywords } from '../ir/conv-ops.js';
import { literalValue } from '../ir/build.js';
import { ExprError, locate, suggest } from '../errors.js';

/** The state of one parse, passed down through the semantic operations. */
export interface ParseEnv {
  readonly source: string;
  /** Values of the names assigned so far. */
  readonly names: Map<string, Expr>;
  /** Free names used so far, with the offset of their first use. */
  readonly freeUses: Map<string, number>;
  /** Shapes declared so far (`x : [128, 784]`). */
  readonly shapes: Record<string, number[]>;
  /** Line and column of statement starts, computed incrementally (statements come in source order). */
  cursor: { offset: number; line: number; lineStart: number };
}

export function newEnv(source: string): ParseEnv {
  return { source, names: new Map(), freeUses: new Map(), shapes: Object.create(null), cursor: { offset: 0, line: 1, lineStart: 0 } };
}

/** One statement as the semantics sees it (a shape declaration yields none). */
export interface RawStatement {
  readonly name?: string;
  readonly expr: Expr;
  readonly line: number;
  readonly column: number;
}

const SUPER_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** A function's name: an elementwise function or any tensor op (amax and matmul too: printed forms parse back). */
const isCallable = (name: string) => isFunctionName(name) || findOp(name)?.elementwise === false;

function fail(env: ParseEnv, code: ConstructorParameters<typeof ExprError>[0], reason: string, offset: number): never {
  throw new ExprError(code, reason, env.source, offset);
}

function abbreviate(text: string): string {
  return text.length > 24 ? text.slice(0, 20) + '…' : text;
}

/** How many minus signs a run of signs holds ("+" is a no-op, blanks between signs are allowed). */
function minusCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text[i] === '-' || text[i] === '−') n++;
  return n;
}

function negate(e: Expr, times: number): Expr {
  for (let i = 0; i < times; i++) e = call('neg', [e]);
  return e;
}

/** A postfix mark applied: ᵀ transposes, a superscript (², ⁻¹, ¹⁰) is an integer power. */
function applyMark(e: Expr, text: string): Expr {
  if (text === 'ᵀ') return call('transpose', [e]);
  const negative = text.startsWith('⁻');
  let digits = '';
  for (const c of negative ? text.slice(1) : text) digits += SUPER_DIGITS.indexOf(c);
  const exponent = num(Number(digits));
  return call('pow', [e, negative ? call('neg', [exponent]) : exponent]);
}

function infixName(text: string): string {
  switch (text) {
    case '+':
      return 'add';
    case '-':
    case '−':
      return 'sub';
    case '/':
    case '÷':
      return 'div';
    case '@':
      return 'matmul';
    default:
      return 'mul';
  }
}

/** Line and column (in code points) of a statement start; statements are visited in source order. */
function lineColumn(env: ParseEnv, offset: number): { line: number; column: number } {
  const c = env.cursor;
  const s = env.source;
  for (let i = c.offset; i < offset; i++) {
    if (s.charCodeAt(i) === 10) {
      c.line++;
      c.lineStart = i + 1;
    }
  }
  c.offset = offset;
  let column = 1;
  for (let i = c.lineStart; i < offset; i++) {
    const code = s.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) column++; // count code points: skip low surrogates
  }
  return { line: c.line, column };
}

type Node = ohm.Node;
/** A semantics wrapper with this file's operations. */
interface Sem extends Node {
  statements(env: ParseEnv): RawStatement[];
  expr(env: ParseEnv): Expr;
  stmt(env: ParseEnv): RawStatement | undefined;
  keyword(env: ParseEnv): Keyword | undefined;
  suffix(env: ParseEnv): Suffix;
  argList(): Node[];
}

/** A suffix of a power: a postfix mark, or a ^ exponent with the minus signs before it. */
type Suffix = { readonly mark: string; readonly value?: undefined; readonly minus?: undefined } | { readonly mark?: undefined; readonly value: Expr; readonly minus: number };

/** A keyword argument (axis=1) with where it starts. */
interface Keyword {
  readonly key: string;
  readonly value: Expr;
  readonly at: number;
}
const sem = (n: Node) => n as Sem;

/** The operand's value and its sign run, read from the `sign*` iteration before it. */
function signed(signs: Node, operand: Node, env: ParseEnv): { value: Expr; minus: number } {
  const minus = signs.numChildren ? minusCount(signs.sourceString) : 0;
  return { value: sem(operand).expr(env), minus };
}

export function createSemantics(grammar: ohm.Grammar): ohm.Semantics {
  const s = grammar.createSemantics();
  // program = sp (sep sp)* listOf<stmt, seps> (sep sp)*
  s.addOperation<RawStatement[]>('statements(env)', {
    program(_sp0, _seps0, _sp1, list, _seps1, _sp2) {
      const env: ParseEnv = this.args.env;
      const nodes = list.asIteration().children;
      if (nodes.length === 0) fail(env, 'empty', 'empty input: expected an expression', 0);
      const out: RawStatement[] = [];
      for (const node of nodes) {
        const st = sem(node).stmt(env);
        if (st) out.push(st);
      }
      return out;
    },
  });

  s.addOperation<RawStatement | undefined>('stmt(env)', {
    stmt(st) {
      return sem(st).stmt(this.args.env);
    },
    stmt_decl(nameNode, _s1, _colon, _s2, shapeDecl) {
      const env: ParseEnv = this.args.env;
      const name = nameNode.sourceString;
      const at = nameNode.source.startIdx;
      if (CONSTANTS.has(name) || isCallable(name)) fail(env, 'name', `cannot declare a shape for ${name}`, at);
      if (env.names.has(name)) fail(env, 'name', `${name} is computed by a statement; declare shapes of inputs only`, at);
      if (Object.hasOwn(env.shapes, name)) fail(env, 'name', `the shape of ${name} is declared twice`, at);
      // shapeDecl = "[" sp listOf<dims, comma> "]" sp
      const dimsNode = shapeDecl.child(2);
      const dims = dimsNode.asIteration().children.map((d) => Number(d.child(0).sourceString));
      const declAt = shapeDecl.source.startIdx;
      if (dims.length > 4) fail(env, 'shape', `shapes have at most 4 dimensions, got ${dims.length}`, declAt);
      if (dims.some((d) => !Number.isSafeInteger(d) || d < 1)) fail(env, 'shape', 'each dimension must be a positive integer', declAt);
      env.shapes[name] = dims;
      return undefined;
    },
    stmt_assign(nameNode, _s1, _eq, _s2, value) {
      const env: ParseEnv = this.args.env;
      const name = nameNode.sourceString;
      const at = nameNode.source.startIdx;
      const { line, column } = lineColumn(env, this.source.startIdx);
      if (CONSTANTS.has(name)) fail(env, 'name', `cannot assign to the constant ${name}`, at);
      if (isCallable(name)) fail(env, 'name', `cannot assign to ${name}: it is a function name`, at);
      const expr = sem(value).expr(env);
      const usedAt = env.freeUses.get(name);
      if (usedAt !== undefined && !env.names.has(name)) {
        const where = locate(env.source, usedAt);
        fail(env, 'name', `${name} is defined here but was already used (line ${where.line}, column ${where.column}) before this definition`, at);
      }
      env.names.set(name, expr);
      return { name, expr, line, column };
    },
    stmt_expr(value) {
      const env: ParseEnv = this.args.env;
      const { line, column } = lineColumn(env, this.source.startIdx);
      return { expr: sem(value).expr(env), line, column };
    },
  });

  // Keyword arguments: `axis=1` gives its key, value and place; a positional argument gives undefined.
  s.addOperation<Keyword | undefined>('keyword(env)', {
    arg(a) {
      return sem(a).keyword(this.args.env);
    },
    arg_named(nameNode, _s1, _eq, _s2, value) {
      return { key: nameNode.sourceString, value: sem(value).expr(this.args.env), at: this.source.startIdx };
    },
    arg_positional(_e) {
      return undefined;
    },
  });

  // A suffix of a power: a ^ exponent with its sign count, or a postfix mark (², ⁻¹, ᵀ).
  s.addOperation<Suffix>('suffix(env)', {
    suffix(s) {
      return sem(s).suffix(this.args.env);
    },
    suffix_caret(_caret, _sp, signs, exponent) {
      const env: ParseEnv = this.args.env;
      return { minus: signs.numChildren ? minusCount(signs.sourceString) : 0, value: sem(exponent).expr(env) };
    },
    suffix_mark(mark, _sp) {
      return { mark: mark.sourceString };
    },
  });

  // callArgs = "(" sp listOf<arg, comma> ")" sp: the argument nodes
  s.addOperation<Node[]>('argList', {
    callArgs(_open, _sp, list, _close, _sp2) {
      return list.asIteration().children;
    },
  });

  s.addOperation<Expr>('expr(env)', {
    // expr = sign* operand (infixOp sign* operand)*, an operand being implicitProduct | power
    expr(signs0, first, ops, signRuns, operands) {
      const env: ParseEnv = this.args.env;
      const opNodes = ops.children;
      let termSigns = signs0.numChildren ? minusCount(signs0.sourceString) : 0;
      let product = sem(first).expr(env);
      let sum: Expr | undefined;
      let sumOp = '';
      for (let i = 0; i < opNodes.length; i++) {
        const op = infixName(opNodes[i].sourceString[0]);
        const next = signed(signRuns.child(i), operands.child(i), env);
        if (op === 'add' || op === 'sub') {
          // close the term: its leading signs cover the whole product
          const term = negate(product, termSigns);
          sum = sum === undefined ? term : call(sumOp, [sum, term]);
          sumOp = op;
          termSigns = next.minus;
          product = next.value;
        } else {
          // a sign after * / @ covers this factor only
          product = call(op, [product, negate(next.value, next.minus)]);
        }
      }
      const term = negate(product, termSigns);
      return sum === undefined ? term : call(sumOp, [sum, term]);
    },
    implicitProduct(n, _sp, operand) {
      const env: ParseEnv = this.args.env;
      return call('mul', [sem(n).expr(env), sem(operand).expr(env)]);
    },
    // power = primary suffix* (the primary's alternatives inline): marks (², ⁻¹, ᵀ) bind to the primary before them; ^ is right-associative and the
    // signs after a ^ cover the rest of the tower (2^-3^2 = 2^-(3^2))
    power(base, suffixes) {
      const env: ParseEnv = this.args.env;
      let part = sem(base).expr(env);
      if (suffixes.numChildren === 0) return part;
      const parts: Expr[] = [];
      const minus: number[] = [0];
      for (const node of suffixes.children) {
        const sfx = sem(node).suffix(env);
        if (sfx.mark !== undefined) {
          part = applyMark(part, sfx.mark);
        } else {
          parts.push(part);
          part = sfx.value;
          minus.push(sfx.minus);
        }
      }
      parts.push(part);
      const n = parts.length - 1;
      let acc = negate(parts[n], minus[n]);
      for (let i = n - 1; i >= 0; i--) acc = negate(call('pow', [parts[i], acc]), minus[i]);
      return acc;
    },
    // a name, or a call name(args) when the brackets follow
    call(nameNode, _sp, callArgs) {
      const env: ParseEnv = this.args.env;
      const name = nameNode.sourceString;
      const offset = nameNode.source.startIdx;
      if (callArgs.numChildren === 0) return resolveName(env, name, offset);
      const named = new Map<string, Keyword>();
      const args: Expr[] = [];
      const keywords = findOp(name)?.keywords;
      for (const a of sem(callArgs.child(0)).argList()) {
        const keyword = sem(a).keyword(env);
        if (keyword) {
          const { key, at } = keyword;
          if (key !== 'axis' && !(keywords && Object.hasOwn(keywords, key))) {
            const known = keywords ? Object.keys(keywords).map((k) => `${k}=`).join(', ') : 'axis=';
            fail(env, 'syntax', `unknown keyword argument ${abbreviate(key)}= (${abbreviate(name)}() takes ${known})`, at);
          }
          if (named.has(key)) fail(env, 'syntax', `${abbreviate(key)}= is given twice`, at);
          named.set(key, keyword);
        } else {
          if (named.size) fail(env, 'syntax', `positional arguments must come before ${[...named.keys()][0]}=`, a.source.startIdx);
          args.push(sem(a).expr(env));
        }
      }
      if (keywords) return resolveCall(env, name, withKeywords(env, name, keywords, args, named, offset), undefined, offset);
      return resolveCall(env, name, args, named.get('axis')?.value, offset);
    },
    numberToken(n, _sp) {
      return sem(n).expr(this.args.env);
    },
    paren(_open, _sp1, e, _close, _sp2) {
      return sem(e).expr(this.args.env);
    },
    root(_root, _sp, e) {
      return call('sqrt', [sem(e).expr(this.args.env)]);
    },
    primary(e) {
      return sem(e).expr(this.args.env);
    },
    arg(e) {
      return sem(e).expr(this.args.env);
    },
    arg_positional(e) {
      return sem(e).expr(this.args.env);
    },
    number(_int, _dot, _fraction, _e, _sign, _exponent) {
      const value = Number(this.sourceString);
      if (!Number.isFinite(value)) fail(this.args.env, 'value', `number ${abbreviate(this.sourceString)} is too large for float64`, this.source.startIdx);
      return num(value);
    },
  });
  return s;
}

/** Positional arguments completed by keyword arguments and defaults: conv2d(x, K, pad=1) → conv2d(x, K, 1, 1). */
function withKeywords(env: ParseEnv, name: string, keywords: Keywords, positional: Expr[], named: ReadonlyMap<string, Keyword>, offset: number): Expr[] {
  const args = positional.slice();
  const byPosition = Object.entries(keywords).sort((a, b) => a[1][0] - b[1][0]);
  for (const [key, kw] of named) {
    const at = keywords[key][0];
    if (at < positional.length) fail(env, 'syntax', `${key}= is also given as argument ${at + 1}`, kw.at);
  }
  for (const [key, [at, dflt]] of byPosition) {
    if (at < args.length) continue;
    const given = named.get(key);
    if (!given && !dflt) fail(env, 'arity', `${abbreviate(name)}() needs ${key}=`, offset);
    if (args.length < at) fail(env, 'arity', `${abbreviate(name)}() needs argument ${args.length + 1}`, offset);
    args.push(given ? given.value : num(dflt!(args)));
  }
  return args;
}

function resolveCall(env: ParseEnv, name: string, args: Expr[], axis: Expr | undefined, offset: number): Expr {
  const shown = abbreviate(name);
  if (axis !== undefined) {
    // Keyword axis= is accepted by these (max(x, axis=1) is the reduction; max(a, b) the elementwise maximum).
    if (!AXIS_NAMES.has(name) && isCallable(name)) fail(env, 'syntax', `${shown}() takes no axis= argument`, offset);
    if (args.length !== 1) fail(env, 'arity', `${shown}(x, axis=k) takes one tensor and the axis`, offset);
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
      fail(env, 'arity', `${shown}() takes ${range} argument${t.maxArgs === 1 ? '' : 's'}, got ${args.length}`, offset);
    }
    for (const i of t.literalArgs) {
      if (i >= args.length) continue;
      if (t.realArgs.includes(i) ? literalValue(args[i]) === undefined : intArg(args[i]) === undefined) {
        const kw = t.keywords && Object.entries(t.keywords).find(([, [at]]) => at === i)?.[0];
        fail(env, 'syntax', `${kw ? `${kw}=` : `argument ${i + 1}`} of ${shown}() must be ${t.realArgs.includes(i) ? 'a number' : 'an integer'} literal`, offset);
      }
    }
    return call(opName, args);
  }
  // Other spellings of ops: pow(a, b) is a^b (the same node); log(x, b) is the logarithm to base b.
  if (name === 'pow' && axis === undefined) {
    if (args.length !== 2) fail(env, 'arity', `pow() takes 2 arguments, got ${args.length}`, offset);
    return call('pow', args);
  }
  if (name === 'log' && args.length === 2) return call('logb', args);
  if (name === 'log' && args.length > 2) fail(env, 'arity', `log() takes 1 or 2 arguments (log(x, b): to base b), got ${args.length}`, offset);
  const spec = isFunctionName(name) ? opTable[name] : undefined;
  if (!spec) {
    const near = suggest(name, callableNames());
    const hint = near.length ? `; did you mean ${near.map((n) => `${n}()`).join(', ')}?` : '';
    const what = CONSTANTS.has(name) || env.names.has(name) ? `${shown} is not a function` : `unknown function ${shown}()`;
    const juxt = env.names.has(name) || !near.length ? ` (to multiply, write ${shown}*(…))` : '';
    fail(env, 'unknown-function', what + hint + juxt, offset);
  }
  if (!arityOk(spec, args.length)) {
    fail(env, 'arity', `${shown}() takes ${arityText(spec)}, got ${args.length}`, offset);
  }
  return call(name, args);
}

function resolveName(env: ParseEnv, name: string, offset: number): Expr {
  const bound = env.names.get(name);
  if (bound) return bound;
  const constant = CONSTANTS.get(name);
  if (constant) return call(constant, []);
  if (isCallable(name)) fail(env, 'name', `${name} is a function; call it as ${name}(…)`, offset);
  if (!env.freeUses.has(name)) env.freeUses.set(name, offset);
  return sym(name);
}
