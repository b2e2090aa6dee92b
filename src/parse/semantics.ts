// The semantics of grammar/expr.ohm: a successful match → statements and expression graphs.
//
// In:  an Ohm match of the Exprgrad grammar (its concrete syntax tree) and a fresh ParseEnv (the source text, and
//      the names bound so far).
// Out: the program's statements (name, value with earlier statements inlined, line, column) and declared shapes;
//      or an ExprError located in the source: unknown functions (with the nearest known names), wrong argument
//      counts, misused names, numbers too large for float64.
//
// All state of one parse travels in the ParseEnv argument; nothing is kept between parses. The grammar reads
// operands and infix operators as a flat list (it is faster for Ohm), so `walkExpr` applies the precedence: a
// leading sign covers the whole product, a sign after an operator one factor; * / @ and implicit products bind
// tighter than + and −; ^ is right-associative. The tree is read by position, as the rules of grammar/expr.ohm
// lay it out (each function names the rule it reads).

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

/**
 * A node of the concrete syntax tree of an Ohm 17 match (`MatchResult._cst`): the fields ohm-js's own v18 layer
 * (`getCstRoot`) reads. A nonterminal has its rule's name, one child per binding of the rule's body, and the
 * children's offsets from its own start; an iteration (`x*`, `x+`, `x?`) holds one column of matches, their
 * offsets taken from the start of the nearest nonterminal above it; a terminal only its length. ohm-js is pinned
 * to 17.5.0 (package.json); every parse test goes through this walk. Walking the tree directly, instead of through
 * an Ohm Semantics (a wrapper and an interval per child, an arguments object per operation call), makes a parse
 * about half as expensive.
 */
interface Cst {
  readonly matchLength: number;
  readonly ruleName?: string;
  readonly children: readonly Cst[];
  readonly childOffsets: readonly number[];
}

/** The tree of a successful match, and where it starts. */
export function cstRoot(match: ohm.MatchResult): { node: Cst; at: number } {
  const m = match as unknown as { _cst?: Cst; _cstOffset?: number };
  if (!m._cst || typeof m._cst.matchLength !== 'number' || !Array.isArray(m._cst.children)) {
    throw new Error('exprgrad: this version of ohm-js keeps its syntax tree elsewhere (exprgrad reads ohm-js 17.5)');
  }
  return { node: m._cst, at: m._cstOffset ?? 0 };
}

/** A suffix of a power: a postfix mark, or a ^ exponent with the minus signs before it. */
type Suffix = { readonly mark: string; readonly value?: undefined; readonly minus?: undefined } | { readonly mark?: undefined; readonly value: Expr; readonly minus: number };

/** A keyword argument (axis=1) with where it starts. */
interface Keyword {
  readonly key: string;
  readonly value: Expr;
  readonly at: number;
}

// In the functions below, `at` is where `node` (a nonterminal) starts in the source; the children of a
// nonterminal, and the elements of every iteration inside it, start at `at + offset`.

/** How many minus signs the sign nodes of an iteration hold (each sign node starts with its sign). */
function minusIn(env: ParseEnv, signs: Cst, base: number): number {
  let n = 0;
  for (let i = 0; i < signs.children.length; i++) {
    const c = env.source.charCodeAt(base + signs.childOffsets[i]);
    if (c === 45 || c === 0x2212) n++; // '-' or '−'
  }
  return n;
}

/** program = sp (sep sp)* (stmt (seps stmt)*)? (sep sp)* → the statements, in order. */
export function walkProgram(env: ParseEnv, node: Cst, at: number): RawStatement[] {
  const first = node.children[3];
  if (first.children.length === 0) fail(env, 'empty', 'empty input: expected an expression', 0);
  const out: RawStatement[] = [];
  const push = (stmt: Cst, offset: number) => {
    const st = walkStmt(env, stmt, at + offset);
    if (st) out.push(st);
  };
  push(first.children[0], first.childOffsets[0]);
  const rest = node.children[5].children[0];
  for (let i = 0; i < rest.children.length; i++) push(rest.children[i], rest.childOffsets[i]);
  return out;
}

/** stmt = decl | assign */
function walkStmt(env: ParseEnv, node: Cst, at: number): RawStatement | undefined {
  const inner = node.children[0];
  const innerAt = at + node.childOffsets[0];
  return inner.ruleName === 'decl' ? walkDecl(env, inner, innerAt) : walkAssign(env, inner, innerAt);
}

/** decl = name sp ":" sp "[" sp (dims ("," sp dims)*)? "]" sp; dims = "0".."9"+ sp */
function walkDecl(env: ParseEnv, node: Cst, at: number): undefined {
  const c = node.children;
  const o = node.childOffsets;
  const name = env.source.slice(at + o[0], at + o[0] + c[0].matchLength);
  const nameAt = at + o[0];
  if (CONSTANTS.has(name) || isCallable(name)) fail(env, 'name', `cannot declare a shape for ${name}`, nameAt);
  if (env.names.has(name)) fail(env, 'name', `${name} is computed by a statement; declare shapes of inputs only`, nameAt);
  if (Object.hasOwn(env.shapes, name)) fail(env, 'name', `the shape of ${name} is declared twice`, nameAt);
  const dimNodes: [Cst, number][] = [];
  if (c[6].children.length) {
    dimNodes.push([c[6].children[0], at + c[6].childOffsets[0]]);
    const rest = c[9].children[0];
    for (let i = 0; i < rest.children.length; i++) dimNodes.push([rest.children[i], at + rest.childOffsets[i]]);
  }
  const dims = dimNodes.map(([d, dAt]) => Number(env.source.slice(dAt, dAt + d.children[0].matchLength)));
  const declAt = at + o[4];
  if (dims.length > 4) fail(env, 'shape', `shapes have at most 4 dimensions, got ${dims.length}`, declAt);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 1)) fail(env, 'shape', 'each dimension must be a positive integer', declAt);
  env.shapes[name] = dims;
  return undefined;
}

/** assign = (name sp "=" sp ~"=")? expr: an assignment, or a bare expression. */
function walkAssign(env: ParseEnv, node: Cst, at: number): RawStatement {
  const c = node.children;
  const { line, column } = lineColumn(env, at);
  const exprAt = at + node.childOffsets[4];
  if (c[0].children.length === 0) return { expr: walkExpr(env, c[4], exprAt), line, column };
  const nameAt = at + c[0].childOffsets[0];
  const name = env.source.slice(nameAt, nameAt + c[0].children[0].matchLength);
  if (CONSTANTS.has(name)) fail(env, 'name', `cannot assign to the constant ${name}`, nameAt);
  if (isCallable(name)) fail(env, 'name', `cannot assign to ${name}: it is a function name`, nameAt);
  const expr = walkExpr(env, c[4], exprAt);
  const usedAt = env.freeUses.get(name);
  if (usedAt !== undefined && !env.names.has(name)) {
    const where = locate(env.source, usedAt);
    fail(env, 'name', `${name} is defined here but was already used (line ${where.line}, column ${where.column}) before this definition`, nameAt);
  }
  env.names.set(name, expr);
  return { name, expr, line, column };
}

/**
 * expr = (~G sign)* operand (op sp (~G sign)* operand)*, a flat list: a leading sign covers the whole product, a sign
 * after * / @ one factor; * / @ bind tighter than + and −, all left-associative.
 */
function walkExpr(env: ParseEnv, node: Cst, at: number): Expr {
  const [signs0, first, ops, , signRuns, operands] = node.children;
  const o = node.childOffsets;
  let termSigns = signs0.children.length ? minusIn(env, signs0, at) : 0;
  let product = walkOperand(env, first, at + o[1]);
  let sum: Expr | undefined;
  let sumOp = '';
  for (let i = 0; i < ops.children.length; i++) {
    const op = infixName(env.source[at + ops.childOffsets[i]]);
    const signs = signRuns.children[i];
    const minus = signs.children.length ? minusIn(env, signs, at) : 0;
    const value = walkOperand(env, operands.children[i], at + operands.childOffsets[i]);
    if (op === 'add' || op === 'sub') {
      // close the term: its leading signs cover the whole product
      const term = negate(product, termSigns);
      sum = sum === undefined ? term : call(sumOp, [sum, term]);
      sumOp = op;
      termSigns = minus;
      product = value;
    } else {
      // a sign after * / @ covers this factor only
      product = call(op, [product, negate(value, minus)]);
    }
  }
  const term = negate(product, termSigns);
  return sum === undefined ? term : call(sumOp, [sum, term]);
}

/**
 * operand = call suffixes | numberToken (~number power | suffixes) | paren suffixes | root suffixes, where
 * suffixes = (~G suffix)*: a number literal followed by a power is their product (3x², 2(x+1)).
 */
function walkOperand(env: ParseEnv, node: Cst, at: number): Expr {
  const [base, rest] = node.children;
  const baseAt = at + node.childOffsets[0];
  if (rest.ruleName === 'power') {
    const n = walkNumber(env, base.children[0], baseAt + base.childOffsets[0]);
    return call('mul', [n, walkPower(env, rest, at + node.childOffsets[1])]);
  }
  return withSuffixes(env, walkPrimary(env, base, baseAt), rest, at);
}

/** power = primary suffixes */
function walkPower(env: ParseEnv, node: Cst, at: number): Expr {
  const p = node.children[0];
  return withSuffixes(env, walkPrimary(env, p.children[0], at + node.childOffsets[0] + p.childOffsets[0]), node.children[1], at);
}

/**
 * A primary and its suffixes: marks (², ⁻¹, ᵀ) bind to the primary before them; ^ is right-associative and the
 * signs after a ^ cover the rest of the tower (2^-3^2 = 2^-(3^2)).
 */
function withSuffixes(env: ParseEnv, base: Expr, suffixes: Cst, at: number): Expr {
  const n = suffixes.children.length;
  if (n === 0) return base;
  let part = base;
  const parts: Expr[] = [];
  const minus: number[] = [0];
  for (let i = 0; i < n; i++) {
    const sfx = walkSuffix(env, suffixes.children[i], at + suffixes.childOffsets[i]);
    if (sfx.mark !== undefined) {
      part = applyMark(part, sfx.mark);
    } else {
      parts.push(part);
      part = sfx.value;
      minus.push(sfx.minus);
    }
  }
  parts.push(part);
  const last = parts.length - 1;
  let acc = negate(parts[last], minus[last]);
  for (let i = last - 1; i >= 0; i--) acc = negate(call('pow', [parts[i], acc]), minus[i]);
  return acc;
}

/** suffix = "^" sp (~G sign)* primary -- caret | (superscript | "ᵀ") sp -- mark */
function walkSuffix(env: ParseEnv, node: Cst, at: number): Suffix {
  const s = node.children[0];
  const sAt = at + node.childOffsets[0];
  if (s.ruleName === 'suffix_mark') {
    const markAt = sAt + s.childOffsets[0];
    return { mark: env.source.slice(markAt, markAt + s.children[0].matchLength) };
  }
  const signs = s.children[2];
  const p = s.children[3];
  const pAt = sAt + s.childOffsets[3];
  return { minus: signs.children.length ? minusIn(env, signs, sAt) : 0, value: walkPrimary(env, p.children[0], pAt + p.childOffsets[0]) };
}

/** call | numberToken | paren | root (what a primary holds) */
function walkPrimary(env: ParseEnv, node: Cst, at: number): Expr {
  switch (node.ruleName) {
    case 'call':
      return walkCall(env, node, at);
    case 'numberToken':
      return walkNumber(env, node.children[0], at + node.childOffsets[0]);
    case 'paren': // "(" sp expr ")" sp
      return walkExpr(env, node.children[2], at + node.childOffsets[2]);
    default: {
      // root = "√" sp primary
      const p = node.children[2];
      const pAt = at + node.childOffsets[2];
      return call('sqrt', [walkPrimary(env, p.children[0], pAt + p.childOffsets[0])]);
    }
  }
}

function walkNumber(env: ParseEnv, node: Cst, at: number): Expr {
  const text = env.source.slice(at, at + node.matchLength);
  const value = Number(text);
  if (!Number.isFinite(value)) fail(env, 'value', `number ${abbreviate(text)} is too large for float64`, at);
  return num(value);
}

/** call = name sp ("(" args)?; args = sp (arg ("," sp arg)*)? ")" sp; arg = (name sp "=" sp ~"=")? expr */
function walkCall(env: ParseEnv, node: Cst, at: number): Expr {
  const offset = at + node.childOffsets[0];
  const name = env.source.slice(offset, offset + node.children[0].matchLength);
  const argsCol = node.children[3];
  if (argsCol.children.length === 0) return resolveName(env, name, offset);
  const argsNode = argsCol.children[0];
  const argsAt = at + argsCol.childOffsets[0];
  const argNodes: [Cst, number][] = [];
  if (argsNode.children[1].children.length) {
    argNodes.push([argsNode.children[1].children[0], argsAt + argsNode.children[1].childOffsets[0]]);
    const rest = argsNode.children[4].children[0];
    for (let i = 0; i < rest.children.length; i++) argNodes.push([rest.children[i], argsAt + rest.childOffsets[i]]);
  }
  const named = new Map<string, Keyword>();
  const args: Expr[] = [];
  const keywords = findOp(name)?.keywords;
  for (const [a, aAt] of argNodes) {
    const exprAt = aAt + a.childOffsets[4];
    const keyCol = a.children[0];
    if (keyCol.children.length) {
      const key = env.source.slice(aAt + keyCol.childOffsets[0], aAt + keyCol.childOffsets[0] + keyCol.children[0].matchLength);
      const value = walkExpr(env, a.children[4], exprAt);
      if (key !== 'axis' && !(keywords && Object.hasOwn(keywords, key))) {
        const known = keywords ? Object.keys(keywords).map((k) => `${k}=`).join(', ') : 'axis=';
        fail(env, 'syntax', `unknown keyword argument ${abbreviate(key)}= (${abbreviate(name)}() takes ${known})`, aAt);
      }
      if (named.has(key)) fail(env, 'syntax', `${abbreviate(key)}= is given twice`, aAt);
      named.set(key, { key, value, at: aAt });
    } else {
      if (named.size) fail(env, 'syntax', `positional arguments must come before ${[...named.keys()][0]}=`, aAt);
      args.push(walkExpr(env, a.children[4], exprAt));
    }
  }
  if (keywords) return resolveCall(env, name, withKeywords(env, name, keywords, args, named, offset), undefined, offset);
  return resolveCall(env, name, args, named.get('axis')?.value, offset);
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
