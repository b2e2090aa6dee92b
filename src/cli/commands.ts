// The CLI's commands: each turns one expression (text) into one line of output by calling the public API.
//
// In:  the expression text, extra positional arguments (x=2 …), parsed flags.
// Out: one output line (no trailing newline), or an ExprError.

import { ExprError } from '../errors.js';
import { parse } from '../parse/parse.js';
import { format, STYLES, type Style } from '../print/print.js';
import { evaluate } from '../eval/evaluate.js';
import { freeVars } from '../ir/walk.js';
import type { Io } from './main.js';

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
  answer?: (expr: string, extra: string[], flags: Flags) => string;
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

/** Full float64 precision: the shortest text that reads back as the same double. */
export function formatValue(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

export const commands: Record<string, Command> = {
  print: {
    summary: 'print an expression in unicode, plain or LaTeX form',
    usage: '[expression] [--format unicode|plain|latex] [--json]',
    description: 'Parses the expression and prints it back. plain output parses back to the identical graph.',
    options: { format: formatOption, json: jsonOption },
    answer(text, _extra, flags) {
      const style = styleOf(flags);
      const e = parse(text);
      const out = format(e, style);
      return flags.json ? JSON.stringify({ input: text, [style]: out }) : out;
    },
  },
  eval: {
    summary: 'evaluate an expression in float64: exprgrad eval "sin(x)^2" x=2',
    usage: '[expression | -] [name=value …] [--json]',
    description:
      'Evaluates in float64 and prints the value with full precision (the shortest text that reads back as the\n' +
      "same double). Values may be constant expressions (x=pi/4). Use '-' as the expression to read expressions\n" +
      'from standard input with the same values.',
    options: { json: jsonOption },
    splitArgs: exprThenBindings,
    answer(text, extra, flags) {
      const e = parse(text);
      const value = evaluate(e, parseBindings(extra));
      return flags.json ? JSON.stringify({ input: text, value: Number.isFinite(value) ? value : String(value) }) : formatValue(value);
    },
  },
};
