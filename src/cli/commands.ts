// The CLI's commands: each turns one expression (text) into one line of output by calling the public API.
//
// In:  the expression text, extra positional arguments (x=2 …), parsed flags.
// Out: one output line (no trailing newline), or an ExprError.

import type { Io } from './io.js';
import { ExprError, parse, parseProgram, format, formatName, formatProgram, STYLES, type Style, evaluate, freeVars, scalarReductions, derivative, gradient, simplify, formatCse, emit, EMIT_LANGS, type EmitLang, checkPrintable, Expr, allOps } from '../symbolic.js';
import type { CompiledTensor, CompiledScalar } from '../index.js';

// The executors (compile, the backends, gpu.js) load only for the answers that run a tape: eval --grad and the
// gradients of a tensor program. The symbolic entry above starts in a fraction of the full one's time.
const loadCompile = async () => (await import('../index.js')).compile;

export type Flags = Record<string, string | boolean | undefined>;

export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
}

export interface Command {
  summary: string;
  usage: string;
  description: string;
  options: Record<string, OptionSpec>;
  /** One expression → one line. */
  answer?: (expr: string, extra: string[], flags: Flags) => string | Promise<string>;
  /** Split positionals into the expression ('-' or none: standard input) and the rest. */
  splitArgs?: (positionals: string[]) => { expr: string | undefined; extra: string[] };
  /** Commands that are not per-expression. */
  run?: (positionals: string[], flags: Flags, io: Io) => Promise<number>;
}

const formatOption: OptionSpec = { type: 'string', help: 'output style: unicode (default), plain (ASCII that parses back) or latex' };
const jsonOption: OptionSpec = { type: 'boolean', help: 'print one JSON object per answer' };

export function styleOf(flags: Flags): Style {
  const f = (flags.format as string | undefined) ?? 'unicode';
  if (!(STYLES as readonly string[]).includes(f)) {
    throw new ExprError('usage', `unknown format '${f}' (expected ${STYLES.join(', ')})`);
  }
  return f as Style;
}

/** Positionals: [expression | '-', name=value …]. '-' or nothing reads expressions from standard input. */
function exprThenBindings(positionals: string[]) {
  const [first, ...rest] = positionals;
  return { expr: first === '-' ? undefined : first, extra: rest };
}

/** Parse `x=2`, `y=pi/4` bindings; values are constant expressions. */
export function parseBindings(extra: readonly string[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const arg of extra) {
    const m = /^\s*([\p{L}_][\p{L}0-9_]*)\s*=(.*)$/su.exec(arg);
    if (!m) throw new ExprError('usage', `expected a value like x=2, got '${arg.length > 40 ? arg.slice(0, 40) + '…' : arg}'`);
    const [, name, text] = m;
    let valueExpr;
    try {
      valueExpr = parse(text);
    } catch (err) {
      if (err instanceof ExprError) throw new ExprError(err.code, `in the value of ${name}: ${err.message}`);
      throw err;
    }
    const free = freeVars(valueExpr);
    if (free.length) throw new ExprError('value', `the value of ${name} must be a constant, but uses ${free.join(', ')}`);
    values.set(name, evaluate(valueExpr));
  }
  return values;
}

function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** Full float64 precision: the shortest text that reads back as the same double. */
export function formatValue(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

function show(e: Expr, style: Style, flags: Flags): string {
  if (!flags.cse) checkPrintable(e); // written out in full, it must stay printable; --cse prints each node once
  return flags.cse ? formatCse(e, style) : format(e, style);
}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || !/^\d+$/.test(text.trim())) throw new ExprError('usage', `--${name} expects a non-negative integer, got '${text}'`);
  return n;
}

/** The variable to differentiate by: --wrt, or the only free variable. */
function chooseVariable(e: Expr, flags: Flags): string {
  const wrt = flags.wrt as string | undefined;
  if (wrt !== undefined) {
    if (!/^[\p{L}_][\p{L}0-9_]*$/u.test(wrt)) throw new ExprError('usage', `--wrt expects a variable name, got '${wrt}'`);
    return wrt;
  }
  const free = freeVars(e);
  if (free.length === 1) return free[0];
  if (free.length === 0) return 'x';
  throw new ExprError('usage', `the expression has several variables (${free.join(', ')}); choose one with --wrt`);
}

const diffLabel = (style: Style, v: string) =>
  style === 'unicode' ? `∂/∂${v}` : style === 'latex' ? `\\frac{\\partial}{\\partial ${formatName(v, 'latex')}}` : `d/d${v}`;

/** ∂result/∂v of a tensor program (shapes declared in it) as formulas, one line per variable. */
async function tensorGradients(text: string, resultName: string, style: Style, flags: Flags): Promise<string> {
  const wrt = flags.wrt !== undefined ? String(flags.wrt).split(',').map((v) => v.trim()).filter(Boolean) : undefined;
  const compile = await loadCompile();
  const compiled = compile(text, wrt ? { wrt } : {}) as CompiledTensor;
  const formulas = compiled.gradientFormulas(style);
  const shown = [...formulas].filter(([v, f]) => wrt?.includes(v) || f !== '0');
  if (flags.json) return JSON.stringify({ result: resultName, gradient: Object.fromEntries(shown) });
  const label = (v: string) =>
    style === 'unicode' ? `∂${resultName}/∂${v}` : style === 'latex' ? `\\frac{\\partial ${formatName(resultName, 'latex')}}{\\partial ${formatName(v, 'latex')}}` : `d${resultName}/d${v}`;
  return shown.map(([v, f]) => `${label(v)} = ${f}`).join('\n');
}

export const commands: Record<string, Command> = {
  print: {
    summary: 'print an expression in unicode, plain or LaTeX form',
    usage: '[expression] [--format unicode|plain|latex] [--json]',
    description: 'Parses the expression and prints it back. plain output parses back to the identical graph.',
    options: { format: formatOption, json: jsonOption },
    answer(text, _extra, flags) {
      const style = styleOf(flags);
      const program = parseProgram(text);
      const out = formatProgram(program, style, text.includes('\n') ? '\n' : '; ');
      return flags.json ? JSON.stringify({ input: text, [style]: out }) : out;
    },
  },
  eval: {
    summary: 'evaluate in float64: exprgrad eval "sin(exp(x^3))" x=2 --grad',
    usage: '[expression | -] [name=value …] [--grad] [--json]',
    description:
      'Evaluates in float64 and prints the value with full precision (the shortest text that reads back as the\n' +
      'same double). --grad also prints every partial derivative, computed by the compiled reverse-mode tape.\n' +
      "Values may be constant expressions (x=pi/4). Use '-' as the expression to read expressions from standard\n" +
      'input with the same values.',
    options: { grad: { type: 'boolean', help: 'also print ∂/∂v for every variable (reverse mode)' }, json: jsonOption },
    splitArgs: exprThenBindings,
    answer(text, extra, flags) {
      const values = Object.fromEntries(parseBindings(extra));
      if (!flags.grad) {
        const value = evaluate(parse(text), values);
        return flags.json ? JSON.stringify({ input: text, value: jsonNumber(value) }) : formatValue(value);
      }
      const program = parseProgram(text);
      if (Object.keys(program.shapes).length) {
        throw new ExprError('usage', 'eval takes scalar formulas; for a tensor program use exprgrad diff (gradient formulas) or compile() from the API');
      }
      // sum/mean/max of a scalar are the scalar; evaluate() rejects other tensor ops and missing values clearly
      const e = scalarReductions(program.result);
      evaluate(e, values);
      return loadCompile().then((compile) => {
        const compiled = compile(e) as CompiledScalar;
        const { value, gradient } = compiled.gradient(values);
        if (flags.json) {
          const g = Object.fromEntries(Object.entries(gradient).map(([k, v]) => [k, jsonNumber(v)]));
          return JSON.stringify({ input: text, value: jsonNumber(value), gradient: g });
        }
        const parts = Object.entries(gradient).map(([k, v]) => `∂/∂${k} = ${formatValue(v)}`);
        return [formatValue(value), ...parts].join('; ');
      });
    },
  },
  diff: {
    summary: 'print a derivative: exprgrad diff "sin(exp(x^3))" → cos(exp(x³))·exp(x³)·3x²',
    usage: '[expression] [--wrt x] [--order n] [--format unicode|plain|latex] [--cse] [--json]',
    description:
      'Differentiates symbolically and prints the simplified result. With one variable, --wrt may be left out;\n' +
      'other variables are held constant. --cse names shared subexpressions (where t1 = …); in plain style the\n' +
      'result is a program that parses back.',
    options: {
      wrt: { type: 'string', help: 'the variable to differentiate by (default: the only variable); for tensor programs a comma list' },
      file: { type: 'string', help: 'read the expression or program from a file' },
      order: { type: 'string', help: 'derivative order (default 1)' },
      format: formatOption,
      cse: { type: 'boolean', help: 'name shared subexpressions' },
      json: jsonOption,
    },
    answer(text, _extra, flags) {
      const style = styleOf(flags);
      const order = positiveInt(flags.order as string | undefined, 'order', 1);
      const program = parseProgram(text);
      if (Object.keys(program.shapes).length > 0) return tensorGradients(text, program.resultName ?? 'result', style, flags);
      const e = program.result;
      const wrt = chooseVariable(e, flags);
      const d = derivative(e, wrt, order);
      const out = show(d, style, flags);
      return flags.json ? JSON.stringify({ input: text, wrt, order, [style]: out }) : out;
    },
  },
  simplify: {
    summary: 'simplify an expression: exprgrad simplify "2x + 3x" → 5x',
    usage: '[expression] [--format unicode|plain|latex] [--cse] [--json]',
    description: 'Folds constants exactly, combines like terms and factors, and prints the textbook form.',
    options: { format: formatOption, cse: { type: 'boolean', help: 'name shared subexpressions' }, json: jsonOption },
    answer(text, _extra, flags) {
      const style = styleOf(flags);
      const out = show(simplify(parse(text)), style, flags);
      return flags.json ? JSON.stringify({ input: text, [style]: out }) : out;
    },
  },
  gradient: {
    summary: 'print every partial derivative: exprgrad gradient "x^2*y" → ∂/∂x = 2x·y, ∂/∂y = x²',
    usage: '[expression] [--vars x,y] [--format unicode|plain|latex] [--json]',
    description: 'Prints ∂/∂v for each variable (default: all free variables, in order of appearance).',
    options: {
      vars: { type: 'string', help: 'comma-separated variables (default: all)' },
      format: formatOption,
      json: jsonOption,
    },
    answer(text, _extra, flags) {
      const style = styleOf(flags);
      const e = parse(text);
      const vars = flags.vars !== undefined ? String(flags.vars).split(',').map((v) => v.trim()).filter(Boolean) : undefined;
      const g = gradient(e, vars);
      for (const d of g.values()) checkPrintable(d);
      if (flags.json) return JSON.stringify({ input: text, gradient: Object.fromEntries([...g].map(([v, d]) => [v, format(d, style)])) });
      return [...g].map(([v, d]) => `${diffLabel(style, v)} = ${format(d, style)}`).join(', ');
    },
  },
  functions: {
    summary: 'list the functions the language knows, with what each computes (from the op registry)',
    usage: '[--json]',
    description: 'One line per function: its name, its arguments and the registry\'s description of it.',
    options: { json: jsonOption },
    async run(positionals, flags, io) {
      if (positionals.length) throw new ExprError('usage', 'functions takes no arguments');
      const rows = allOps()
        .filter((o) => o.callable || o.spelled === 'max')
        .map((o) => {
          const args = o.maxArgs === Infinity ? `${o.minArgs} or more` : o.minArgs === o.maxArgs ? `${o.minArgs}` : `${o.minArgs}–${o.maxArgs}`;
          return { name: o.spelled, args, kind: o.elementwise ? 'elementwise' : 'tensor', doc: o.doc };
        });
      if (flags.json) for (const r of rows) io.stdout.write(JSON.stringify(r) + '\n');
      else {
        const w = Math.max(...rows.map((r) => r.name.length));
        for (const r of rows) io.stdout.write(`${r.name.padEnd(w)}  ${r.kind === 'tensor' ? 'tensor ' : ''}(${r.args} argument${r.args === '1' ? '' : 's'})  ${r.doc}\n`);
      }
      return 0;
    },
  },
  codegen: {
    summary: 'value and gradient as code: exprgrad codegen "sin(exp(x^3))" --lang c --grad',
    usage: '[expression] --lang c|python|numpy|js|glsl|wgsl [--grad] [--hessian] [--vars x,y] [--name f] [--json]',
    description:
      'Prints one function computing the expression (with --grad every partial derivative, with --hessian also the\n' +
      'Hessian), shared subexpressions computed once. Signatures: C double f(double x, double *grad); Python/numpy\n' +
      'def f(x) -> (value, [df_dx]); JS export function f(x) -> { value, grad }; GLSL float f(float x, out float\n' +
      'grad[1]); WGSL fn f(x: f32) -> f_result { value, grad }. Variables in --vars order (default: first appearance);\n' +
      'names that are keywords or builtins of the language are renamed, as a comment lists.',
    options: {
      lang: { type: 'string', help: `target language: ${EMIT_LANGS.join(', ')}` },
      grad: { type: 'boolean', help: 'also every partial derivative' },
      hessian: { type: 'boolean', help: 'also the Hessian (implies --grad)' },
      vars: { type: 'string', help: 'comma-separated variables in signature order (default: order of first appearance)' },
      name: { type: 'string', help: 'the function name (default f)' },
      json: jsonOption,
    },
    answer(text, _extra, flags) {
      if (flags.lang === undefined) throw new ExprError('usage', `--lang is required (${EMIT_LANGS.join(', ')})`);
      const program = parseProgram(text);
      if (Object.keys(program.shapes).length > 0) throw new ExprError('usage', 'codegen handles scalar expressions; this program declares tensor shapes');
      const vars = flags.vars !== undefined ? String(flags.vars).split(',').map((v) => v.trim()).filter(Boolean) : undefined;
      const lang = flags.lang as EmitLang;
      const code = emit(program.result, { lang, grad: !!flags.grad, hessian: !!flags.hessian, vars, name: flags.name as string | undefined });
      return flags.json ? JSON.stringify({ input: text, lang, code }) : code.replace(/\n$/, '');
    },
  },
};

// Every per-expression command can read its expression or program from a file.
for (const c of Object.values(commands)) {
  if (c.answer && !c.options.file) c.options.file = { type: 'string', help: 'read the expression or program from a file' };
}
