// Expression graph → text, in three styles, by one precedence-driven printer.
//
// In:  an Expr and a style:
//   unicode  the default, for people: x³, ·, 3x², √x, π, − only where needed, minimal parentheses
//   plain    ASCII that parses back to the identical graph: parse(format(e, 'plain')) === e
//   latex    \frac{…}{…}, x^{…}, \cdot, \sin\left(…\right)
// Out: a string. Each op's printed form comes from its op-table entry (src/ir/ops.ts `print`); this file supplies
// the walk (iterative, each distinct node printed once), literals, names and parenthesization.

import { Expr } from '../ir/expr.js';
import { topo } from '../ir/walk.js';
import { FmtCtx, Prec, Printed, Style } from '../ir/ops.js';
import { findOp } from '../ir/registry.js';

export type { Style } from '../ir/ops.js';
export const STYLES: readonly Style[] = ['unicode', 'plain', 'latex'];

const contexts: Record<Style, FmtCtx> = {
  unicode: { style: 'unicode', wrap: (p, min) => (p.prec < min ? `(${p.text})` : p.text) },
  plain: { style: 'plain', wrap: (p, min) => (p.prec < min ? `(${p.text})` : p.text) },
  latex: { style: 'latex', wrap: (p, min) => (p.prec < min ? `\\left(${p.text}\\right)` : p.text) },
};

/** Print an expression. */
export function format(e: Expr, style: Style = 'unicode'): string {
  return formatAll([e], style)[0];
}

/**
 * Print several expressions, sharing the work on common subexpressions. Nodes given a name in `names` are
 * referred to by that name wherever they occur as an argument (each root itself still prints in full).
 */
export function formatAll(roots: readonly Expr[], style: Style = 'unicode', names?: ReadonlyMap<Expr, string>): string[] {
  const ctx = contexts[style];
  if (!ctx) throw new TypeError(`unknown style ${JSON.stringify(style)} (expected unicode, plain or latex)`);
  const full = new Map<Expr, Printed>();
  const ref = new Map<Expr, Printed>();
  const rootSet = new Set(roots);
  const named = (n: Expr) => names !== undefined && names.has(n) && !rootSet.has(n);
  for (const node of names && names.size ? printOrder(roots, named) : topo(roots)) {
    if (named(node)) {
      ref.set(node, { text: formatName(names!.get(node)!, style), prec: Prec.ATOM });
      continue;
    }
    const p = printNode(node, ctx, ref);
    full.set(node, p);
    const alias = names?.get(node);
    ref.set(node, alias === undefined ? p : { text: formatName(alias, style), prec: Prec.ATOM });
  }
  return roots.map((r) => full.get(r)!.text);
}

/**
 * The nodes under `roots` in post-order, without descending below the nodes `leaf` marks (named nodes print as
 * their names): printing a program of n statements stays linear instead of walking every earlier statement again.
 */
function printOrder(roots: readonly Expr[], leaf: (n: Expr) => boolean): Expr[] {
  const order: Expr[] = [];
  const seen = new Set<Expr>();
  const stack: { node: Expr; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (!leaf(top.node) && top.next < top.node.args.length) {
        const child = top.node.args[top.next++];
        if (!seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}

function printNode(node: Expr, ctx: FmtCtx, ref: Map<Expr, Printed>): Printed {
  if (node.kind === 'num') return formatNumber(node.value, ctx.style);
  if (node.kind === 'sym') return { text: formatName(node.name, ctx.style), prec: Prec.ATOM };
  const args = node.args.map((a) => ref.get(a)!);
  const spec = findOp(node.op);
  if (!spec) throw new Error(`internal: no printer for op ${JSON.stringify(node.op)}`);
  return spec.print(ctx, args, node);
}

/** Shortest float64 round-trip digits. LaTeX writes exponents as × 10^{k}. */
export function formatNumber(v: number, style: Style): Printed {
  const text = String(v);
  if (style === 'latex' && text.includes('e')) {
    const [mant, exp] = text.split('e');
    const k = exp.startsWith('+') ? exp.slice(1) : exp;
    return mant === '1'
      ? { text: `10^{${k}}`, prec: Prec.POW }
      : { text: `${mant} \\times 10^{${k}}`, prec: Prec.MUL };
  }
  return { text, prec: Prec.ATOM, numTail: true };
}

// Greek letters, in alphabet order, with their LaTeX command names (omicron has none: it is written o).
const GREEK = [
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu', 'nu', 'xi',
  'omicron', 'pi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'chi', 'psi', 'omega',
];
const GREEK_LOWER = 'αβγδεζηθικλμνξοπρστυφχψω';
const GREEK_UPPER = 'ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ';

function latexGreek(c: string): string | undefined {
  let i = GREEK_LOWER.indexOf(c);
  if (i >= 0) return GREEK[i] === 'omicron' ? 'o' : '\\' + GREEK[i];
  i = GREEK_UPPER.indexOf(c);
  if (i >= 0) return GREEK[i] === 'omicron' ? 'O' : '\\' + GREEK[i][0].toUpperCase() + GREEK[i].slice(1);
  return undefined;
}

/** A variable name. LaTeX: Greek letters as commands, x_1 and x1 → x_{1}, longer names upright. */
export function formatName(name: string, style: Style): string {
  if (style !== 'latex') return name;
  const digits = /^([\p{L}]+)(\d+)$/u.exec(name);
  if (digits) return `${formatName(digits[1], style)}_{${digits[2]}}`;
  const [base, ...subs] = name.split('_');
  let head: string;
  if (GREEK.includes(base) && base !== 'omicron') head = '\\' + base;
  else if ([...base].length === 1) head = latexGreek(base) ?? base;
  else if (base === '') head = '\\_';
  else head = `\\mathrm{${latexLetters(base)}}`;
  const sub = subs.filter((s) => s !== '').join('\\_');
  return sub ? `${head}_{${sub}}` : head;
}

/** A multi-letter name's letters, Greek as commands; a space ends a command before a letter (\\Delta t, not \\Deltat). */
function latexLetters(text: string): string {
  let out = '';
  for (const c of text) {
    const piece = latexGreek(c) ?? c;
    if (/\\[A-Za-z]+$/.test(out) && /^\p{L}/u.test(piece)) out += ' ';
    out += piece;
  }
  return out;
}

/**
 * A program as statements: shape declarations, then each statement with earlier statements referred to by name.
 * A single bare expression prints as itself. In plain style the text parses back to the same program.
 */
export function formatProgram(
  program: { statements: readonly { name?: string; expr: Expr }[]; shapes: Readonly<Record<string, readonly number[]>> },
  style: Style = 'unicode',
  separator = '\n',
): string {
  const { statements, shapes } = program;
  const decls = Object.entries(shapes).map(([n, s]) => `${formatName(n, style)} : [${s.join(', ')}]`);
  if (statements.length === 1 && !statements[0].name && decls.length === 0) return format(statements[0].expr, style);
  const names = new Map<Expr, string>();
  const lines: string[] = [...decls];
  for (const st of statements) {
    const text = formatAll([st.expr], style, names)[0];
    lines.push(st.name ? `${formatName(st.name, style)} = ${text}` : text);
    if (st.name && st.expr.kind === 'call') names.set(st.expr, st.name);
  }
  return lines.join(separator);
}
