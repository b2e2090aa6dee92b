// Graph walks, all iterative (no recursion), so 100,000-deep graphs neither overflow the stack nor go quadratic.
//
// In:  a root Expr.  Out: its distinct nodes in topological order (children before parents), free variables,
// substitutions. Every function here visits each distinct node once (DAG-aware), so shared subexpressions cost once.

import { Expr, call } from './expr.js';

/** Distinct nodes reachable from the roots, each after all of its children (post-order). */
export function topo(roots: Expr | readonly Expr[]): Expr[] {
  const order: Expr[] = [];
  const seen = new Set<Expr>();
  const stack: Expr[] = [];
  const childIndex: number[] = [];
  for (const root of Array.isArray(roots) ? roots : [roots as Expr]) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push(root);
    childIndex.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top];
      const i = childIndex[top];
      if (i < node.args.length) {
        childIndex[top] = i + 1;
        const child = node.args[i];
        if (!seen.has(child)) {
          seen.add(child);
          stack.push(child);
          childIndex.push(0);
        }
      } else {
        stack.pop();
        childIndex.pop();
        order.push(node);
      }
    }
  }
  return order;
}

/** Free variable names in first-appearance order (left to right). */
export function freeVars(root: Expr | readonly Expr[]): string[] {
  const names: string[] = [];
  for (const node of topo(root)) if (node.kind === 'sym') names.push(node.name);
  return names;
}

/** Number of distinct nodes (the DAG size). */
export function dagSize(root: Expr | readonly Expr[]): number {
  return topo(root).length;
}

/**
 * Bottom-up rebuild: `f(node, newArgs)` is called once per distinct node, children first, with the node's
 * arguments already rebuilt. Returns the rebuilt root(s).
 */
export function rebuild(root: Expr, f: (node: Expr, args: readonly Expr[]) => Expr): Expr {
  const out = new Map<Expr, Expr>();
  for (const node of topo(root)) {
    const args = node.args.map((a) => out.get(a)!);
    out.set(node, f(node, args));
  }
  return out.get(root)!;
}

/** Replace variables by expressions (simultaneously). Structure is otherwise kept as is. */
export function substitute(root: Expr, bindings: ReadonlyMap<string, Expr>): Expr {
  if (bindings.size === 0) return root;
  return rebuild(root, (node, args) => {
    if (node.kind === 'sym') return bindings.get(node.name) ?? node;
    if (node.kind === 'num') return node;
    return args.every((a, i) => a === node.args[i]) ? node : call(node.op, args);
  });
}

/** Does `root` depend on the variable `name`? Memoized per call over the DAG. */
export function dependsOn(root: Expr, name: string): boolean {
  return dependencySet(root, name).has(root);
}

/** The set of nodes under `root` that depend on variable `name` (`order`: topo(root), when the caller has it). */
export function dependencySet(root: Expr, name: string, order: readonly Expr[] = topo(root)): Set<Expr> {
  const deps = new Set<Expr>();
  for (const node of order) {
    if (node.kind === 'sym' ? node.name === name : node.args.some((a) => deps.has(a))) deps.add(node);
  }
  return deps;
}
