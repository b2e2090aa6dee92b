// The shared core of the code emitters: what to compute, in what order, under which names.
//
// In:  an expression, the variables (in signature order), which outputs (value; + gradient; + Hessian) and a
//      Target (one language: its render table keyed by op name, literal syntax, reserved names, assembler).
// Out: FunctionParts for the target's assembler: parameters (safe names), straight-line temporaries, one text per
//      output, the helpers the body calls (each once), the renamings — and, from emit(), the finished source.
//
// Outputs are the simplified value, each partial ∂/∂v (src/diff gradient) and the upper triangle of the Hessian.
// They share one hash-consed graph, so common subexpressions are the same node: a node used more than once gets
// a temporary (t1, t2, …, computed once), every other node is written inline into its user, except where an
// inline expression would grow too deep or too long to read (then it gets a temporary too). Each temporary has a
// level, the first output kind that needs it (0 value, 1 gradient, 2 Hessian), so C can skip the gradient's
// work when grad is NULL. Nothing of the user's text reaches the output except through safe names (names.ts),
// numbers printed from finite float64 values and comments made ASCII (commentText).

import { Expr } from '../ir/expr.js';
import { topo, freeVars, substitute } from '../ir/walk.js';
import { sym } from '../ir/expr.js';
import type { OpName } from '../ir/ops.js';
import { Simplifier } from '../simplify/simplify.js';
import { differentiate } from '../diff/diff.js';
import { format } from '../print/print.js';
import { ExprError } from '../errors.js';
import { type NameRules, safeNames, tempNamer, commentText } from './names.js';

export const EMIT_LANGS = ['c', 'python', 'numpy', 'js', 'glsl', 'wgsl'] as const;
export type EmitLang = (typeof EMIT_LANGS)[number];

/** Precedence of generated code, loosest first (the same ladder in every target language). */
export const P = { ADD: 1, MUL: 2, UNARY: 3, POW: 4, ATOM: 5 } as const;

export interface Code {
  readonly text: string;
  readonly prec: number;
}

export interface RenderCtx {
  /** Declares that the output calls a helper; returns its name. */
  helper(name: string): string;
  /** A float literal in the target's syntax. */
  literal(v: number): string;
}

export type Render = (args: readonly Code[], node: Expr, ctx: RenderCtx) => Code;
/** One rendering per op of the table (src/ir/ops.ts); TypeScript rejects a table that misses one. */
export type RenderTable = { readonly [K in OpName]: Render };

export interface Target {
  readonly lang: EmitLang;
  readonly table: RenderTable;
  readonly literal: (v: number) => string;
  readonly names: NameRules;
  /** Helper functions by name, in the order they are printed; `deps` are helpers a helper calls. */
  readonly helpers: Readonly<Record<string, { readonly code: string; readonly deps?: readonly string[] }>>;
  /** Nodes whose arguments must be plain names (a rendering that repeats an argument, as x*x for x^2 in shaders). */
  readonly namedArgs?: (node: Expr) => boolean;
  readonly assemble: (parts: FunctionParts) => string;
}

export interface Temp {
  readonly name: string;
  readonly text: string;
  /** 0: the value needs it; 1: only the gradient (and Hessian); 2: only the Hessian. */
  readonly level: 0 | 1 | 2;
}

export interface FunctionParts {
  readonly name: string;
  readonly params: readonly string[];
  /** Parameters the outputs never read (C silences them with (void)x;). */
  readonly unused: readonly string[];
  readonly temps: readonly Temp[];
  readonly value: string;
  readonly grad?: readonly string[];
  /** Full n×n, row-major (symmetric entries are the same text). */
  readonly hess?: readonly (readonly string[])[];
  /** For each output (value, grad…, hess row-major), whether it reads every parameter (numpy broadcasting). */
  readonly full: { readonly value: boolean; readonly grad: readonly boolean[]; readonly hess: readonly (readonly boolean[])[] };
  /** Helper definitions to print before the function, each once. */
  readonly helpers: readonly string[];
  /** Header comment lines (printable ASCII, no comment markers). */
  readonly comments: readonly string[];
}

export interface EmitOptions {
  readonly lang: EmitLang;
  /** Also every partial derivative. */
  readonly grad?: boolean;
  /** Also the Hessian (implies grad). */
  readonly hessian?: boolean;
  /** Variables in signature order (default: order of first appearance). */
  readonly vars?: readonly string[];
  /** The function's name (default f). */
  readonly name?: string;
}

/** What an emitted function computes, as expressions (tests evaluate these with exprgrad's own evaluator). */
export interface EmitPlan {
  readonly vars: readonly string[];
  readonly value: Expr;
  readonly grad?: readonly Expr[];
  readonly hess?: readonly (readonly Expr[])[];
}

/** The outputs: simplified value, partials and Hessian of one simplification memo (so they share nodes). */
export function planOutputs(e: Expr, options: Pick<EmitOptions, 'grad' | 'hessian' | 'vars'>): EmitPlan {
  const free = freeVars(e);
  const vars = options.vars ? [...options.vars] : free;
  const seen = new Set<string>();
  for (const v of vars) {
    if (seen.has(v)) throw new ExprError('usage', `variable ${commentText(v, 40)} is listed twice in vars`);
    seen.add(v);
  }
  const missing = free.filter((v) => !seen.has(v));
  if (missing.length) throw new ExprError('usage', `the expression uses ${missing.map((v) => commentText(v, 40)).join(', ')}, not in vars (${vars.map((v) => commentText(v, 40)).join(', ')})`);
  const s = new Simplifier();
  const value = s.simplify(e);
  if (!options.grad && !options.hessian) return { vars, value };
  const grad = vars.map((v) => s.simplify(differentiate(value, v)));
  if (!options.hessian) return { vars, value, grad };
  const hess: Expr[][] = vars.map(() => []);
  for (let i = 0; i < vars.length; i++) {
    for (let j = i; j < vars.length; j++) {
      hess[i][j] = s.simplify(differentiate(grad[i], vars[j]));
      hess[j][i] = hess[i][j];
    }
  }
  return { vars, value, grad, hess };
}

/** An inline expression deeper or longer than this becomes a temporary (readability; Python's parser nesting limit). */
const MAX_DEPTH = 6;
const MAX_TEXT = 90;

export const wrap = (c: Code, min: number): string => (c.prec < min ? `(${c.text})` : c.text);

/** Build the parts of one function and let the target assemble them. */
export function buildFunction(target: Target, source: Expr, plan: EmitPlan, name: string): string {
  const { vars } = plan;
  const taken = new Set<string>([name]);
  const { ids, renamed } = safeNames(vars, target.names, taken);
  const paramOf = new Map(vars.map((v, i) => [v, ids[i]]));
  const n = vars.length;

  // Roots with their levels; the Hessian's upper triangle only (it is symmetric).
  const roots: [Expr, 0 | 1 | 2][] = [[plan.value, 0]];
  plan.grad?.forEach((g) => roots.push([g, 1]));
  if (plan.hess) for (let i = 0; i < n; i++) for (let j = i; j < n; j++) roots.push([plan.hess[i][j], 2]);

  const order = topo(roots.map(([r]) => r));
  const uses = new Map<Expr, number>();
  const level = new Map<Expr, 0 | 1 | 2>();
  for (const node of order) for (const a of node.args) uses.set(a, (uses.get(a) ?? 0) + 1);
  for (const [r, l] of roots) {
    uses.set(r, (uses.get(r) ?? 0) + 1);
    level.set(r, Math.min(level.get(r) ?? 2, l) as 0 | 1 | 2);
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const l = level.get(node) ?? 2;
    for (const a of node.args) level.set(a, Math.min(level.get(a) ?? 2, l) as 0 | 1 | 2);
  }

  const used = new Set<string>();
  const helperOrder = Object.keys(target.helpers);
  const ctx: RenderCtx = {
    helper(h) {
      if (!Object.hasOwn(target.helpers, h)) throw new Error(`internal: no helper ${h} for ${target.lang}`);
      used.add(h);
      for (const d of target.helpers[h].deps ?? []) used.add(d);
      return h;
    },
    literal: target.literal,
  };

  const nextTemp = tempNamer(target.names, taken);
  const temps: Temp[] = [];
  const code = new Map<Expr, Code>();
  const depth = new Map<Expr, number>();
  const named = new Set<Expr>();
  const toTemp = (node: Expr, c: Code): Code => {
    const t = nextTemp();
    temps.push({ name: t, text: c.text, level: level.get(node) ?? 2 });
    const ref = { text: t, prec: P.ATOM };
    code.set(node, ref);
    depth.set(node, 0);
    named.add(node);
    return ref;
  };
  for (const node of order) {
    if (node.kind === 'num') {
      code.set(node, { text: target.literal(node.value), prec: P.ATOM });
      depth.set(node, 0);
      named.add(node);
      continue;
    }
    if (node.kind === 'sym') {
      code.set(node, { text: paramOf.get(node.name)!, prec: P.ATOM });
      depth.set(node, 0);
      named.add(node);
      continue;
    }
    if (target.namedArgs?.(node)) for (const a of node.args) if (!named.has(a)) toTemp(a, code.get(a)!);
    const c = target.table[node.op as OpName](node.args.map((a) => code.get(a)!), node, ctx);
    const d = node.args.length === 0 ? 0 : 1 + Math.max(...node.args.map((a) => depth.get(a)!));
    code.set(node, c);
    depth.set(node, d);
    if (node.args.length === 0) continue; // constants (pi, e): always inline
    const trivial = node.is('neg') && node.args[0].args.length === 0;
    if (((uses.get(node) ?? 0) > 1 && !trivial) || d > MAX_DEPTH || c.text.length > MAX_TEXT) toTemp(node, c);
  }

  const text = (e: Expr) => code.get(e)!.text;
  const reads = (e: Expr) => new Set(freeVars(e));
  const all = (e: Expr) => {
    const r = reads(e);
    return vars.every((v) => r.has(v));
  };
  const readAny = new Set(freeVars(roots.map(([r]) => r)));

  // The source formula, in the output's own names; a large one only by its size (printing it would be slow and long).
  const formula =
    source.treeSize <= 400
      ? commentText(format(substitute(source, new Map(vars.map((v, i) => [v, sym(ids[i])]))), 'plain'))
      : `a formula of ${topo(source).length} distinct nodes`;
  const comments = [`Generated by exprgrad (${target.lang}): ${name}(${ids.join(', ')}) = ${formula}`];
  if (renamed.length) {
    // Every renaming listed, a few per line (each original name cut to 40 characters, in printable ASCII).
    const items = renamed.map(([a, b]) => `${commentText(a, 40)} -> ${b}`);
    let line = 'Renamed variables:';
    for (const item of items) {
      if (line.length + item.length > 100 && !line.endsWith(':')) {
        comments.push(line + ',');
        line = '  ' + item;
      } else line += (line.endsWith(':') ? ' ' : ', ') + item;
    }
    comments.push(line);
  }

  return target.assemble({
    name,
    params: ids,
    unused: vars.filter((v) => !readAny.has(v)).map((v) => paramOf.get(v)!),
    temps,
    value: text(plan.value),
    grad: plan.grad?.map(text),
    hess: plan.hess?.map((row) => row.map(text)),
    full: {
      value: all(plan.value),
      grad: (plan.grad ?? []).map(all),
      hess: (plan.hess ?? []).map((row) => row.map(all)),
    },
    helpers: helperOrder.filter((h) => used.has(h)).map((h) => target.helpers[h].code),
    comments,
  });
}

// ── small rendering helpers the language tables share ─────────────────────────

/** a op b, left-associative: the right operand is parenthesized at equal precedence (a - (b - c)). */
export const infix = (op: string, prec: number): Render => ([a, b]) => ({ text: `${wrap(a, prec)} ${op} ${wrap(b, prec + 1)}`, prec });

/** -a, never --a. */
export const negate: Render = ([a]) => ({ text: `-${a.text.startsWith('-') || a.prec < P.UNARY ? `(${a.text})` : a.text}`, prec: P.UNARY });

/** f(a, b, …). */
export const callOf = (f: string): Render => (args) => ({ text: `${f}(${args.map((a) => a.text).join(', ')})`, prec: P.ATOM });

/** Ops rendered as calls of the function of the same name under a prefix: callsOf('math.', ['sin']) is math.sin(a). */
export const callsOf = <N extends OpName>(prefix: string, names: readonly N[]): { readonly [K in N]: Render } =>
  Object.fromEntries(names.map((n) => [n, callOf(prefix + n)])) as { [K in N]: Render };

/** A two-argument function folded left over several arguments: f(f(a, b), c). */
export const fold = (f: string): Render => (args) => ({
  text: args.map((a) => a.text).reduce((acc, b) => `${f}(${acc}, ${b})`),
  prec: P.ATOM,
});

/** A helper function call (declared once per output). */
export const helperCall = (h: string, folded = false): Render => (args, _node, ctx) => {
  const f = ctx.helper(h);
  return folded ? fold(f)(args, _node, ctx) : callOf(f)(args, _node, ctx);
};

/** A constant. */
export const constant = (text: string): Render => () => ({ text, prec: P.ATOM });

/** The integer value of a literal exponent (2, or −1 as neg(1)), if the node is one. */
export function integerLiteral(e: Expr): number | undefined {
  let v: number | undefined;
  if (e.kind === 'num') v = e.value;
  else if (e.is('neg') && e.args[0].kind === 'num') v = -e.args[0].value;
  return v !== undefined && Number.isInteger(v) && Math.abs(v) <= 1024 ? v : undefined;
}

/** Shortest float64 text that reads back as v, always with a '.' or an exponent (2 → 2.0). */
export function floatLiteral(v: number): string {
  if (!Number.isFinite(v)) throw new Error('internal: non-finite literal');
  const s = String(v);
  return /[.e]/.test(s) ? s : s + '.0';
}

/** The doc comment's description of the gradient: grad = [df/dx, df/dy] (or by index when there are many). */
export function gradDoc(params: readonly string[], prefix = 'grad'): string {
  return params.length <= 6 ? `${prefix} = [${params.map((p) => `df/d${p}`).join(', ')}]` : `${prefix}[i] = df/d(param i)`;
}

export function indent(lines: readonly string[], pad: string): string[] {
  return lines.map((l) => (l === '' ? l : pad + l));
}
