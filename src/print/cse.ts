// Printing large results with shared subexpressions named (exprgrad diff --cse).
//
// In:  an Expr and a style.  Out: text in which every subexpression used more than once (and worth a name) is
// printed once as tN and referred to by name:
//   unicode/latex  cos(t1)·t1·3x² where t1 = exp(x³)
//   plain          t1 = exp(x^3); cos(t1)*t1*3*x^2      (a program: it parses back to the identical graph)
// Names avoid the expression's own variables.

import { Expr } from '../ir/expr.js';
import { topo, freeVars } from '../ir/walk.js';
import { formatAll, formatName, type Style } from './print.js';

/** Smallest tree size worth naming. */
const MIN_SIZE = 4;

/** Is n only reachable through nodes that print as known names (so it never shows)? */
function insideKnown(n: Expr, root: Expr, known: ReadonlyMap<Expr, string>): boolean {
  if (known.size === 0) return false;
  const stack = [root];
  const seen = new Set<Expr>();
  while (stack.length) {
    const e = stack.pop()!;
    if (e === n) return false;
    if (seen.has(e) || (e !== root && known.has(e))) continue;
    seen.add(e);
    stack.push(...e.args);
  }
  return true;
}

export function sharedSubexpressions(root: Expr): Expr[] {
  const uses = new Map<Expr, number>();
  const order = topo(root);
  for (const node of order) for (const a of node.args) uses.set(a, (uses.get(a) ?? 0) + 1);
  return order.filter((n) => n !== root && n.kind === 'call' && n.args.length > 0 && (uses.get(n) ?? 0) > 1 && n.treeSize >= MIN_SIZE);
}

/**
 * `known` names nodes the reader already knows (a program's statements: h1, h2, …): they print as their names
 * and get no definition line.
 */
export function formatCse(root: Expr, style: Style = 'unicode', known: ReadonlyMap<Expr, string> = new Map()): string {
  const shared = sharedSubexpressions(root).filter((n) => !known.has(n) && !insideKnown(n, root, known));
  const presetUsed = [...known.keys()].some((k) => k !== root);
  if (shared.length === 0 && !presetUsed) return formatAll([root], style)[0];
  const taken = new Set([...freeVars(root), ...known.values()]);
  const names = new Map<Expr, string>([...known].filter(([k]) => k !== root));
  let k = 1;
  for (const n of shared) {
    while (taken.has(`t${k}`)) k++;
    names.set(n, `t${k++}`);
  }
  // Print each named node with its own children named (formatAll names every node in `names` except the roots).
  if (shared.length === 0) return formatAll([root], style, names)[0];
  const texts = formatAll([...shared, root], style, names);
  const defs = shared.map((n, i) => `${formatName(names.get(n)!, style)} = ${texts[i]}`);
  const main = texts[texts.length - 1];
  if (style === 'plain') return [...defs, main].join('; ');
  if (style === 'latex') return `${main} \\quad \\text{where } ${defs.join(',\\ ')}`;
  return `${main} where ${defs.join('; ')}`;
}
