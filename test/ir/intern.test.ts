// Hash-consing (src/ir/expr.ts): structurally equal nodes are one object, whatever the arity, the op, the literal or
// the name, across many nodes whose numeric hashes may collide; nodes nobody holds are collected and leave the table.
import { describe, expect, it } from 'vitest';
import { Expr, call, num, sym, internTableSize } from '../../src/ir/expr.js';

/** A deterministic pseudo-random graph of `n` nodes over a few leaves, as a list of its nodes. */
function graph(n: number, seed: number): Expr[] {
  let s = seed >>> 0;
  const rand = (k: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % k;
  };
  const ops = ['add', 'sub', 'mul', 'div', 'pow', 'neg', 'sin', 'exp', 'max', 'pi'];
  const nodes: Expr[] = [num(0), num(1), num(2.5), sym('x'), sym('y'), sym('θ')];
  while (nodes.length < n) {
    const op = ops[rand(ops.length)];
    const arity = op === 'pi' ? 0 : op === 'neg' || op === 'sin' || op === 'exp' ? 1 : op === 'max' ? 1 + rand(4) : 2;
    const args = Array.from({ length: arity }, () => nodes[rand(nodes.length)]);
    nodes.push(call(op, args));
    if (rand(5) === 0) nodes.push(num(rand(1000) / 8));
  }
  return nodes;
}

/** The same structure, rebuilt through num/sym/call (each distinct node once; its arguments are rebuilt ones). */
function rebuild(e: Expr, memo = new Map<Expr, Expr>()): Expr {
  const hit = memo.get(e);
  if (hit) return hit;
  const out = e.kind === 'num' ? num(e.value) : e.kind === 'sym' ? sym(e.name) : call(e.op, e.args.map((a) => rebuild(a, memo)));
  memo.set(e, out);
  return out;
}

describe('interning', () => {
  it('gives the one node for every structure, over 60,000 nodes of every arity', () => {
    const nodes = graph(60_000, 7);
    const ids = new Set(nodes.map((n) => n.id));
    const memo = new Map<Expr, Expr>();
    for (const node of nodes) expect(rebuild(node, memo)).toBe(node);
    // distinct structures are distinct nodes: as many ids as distinct keys
    const keys = new Set(nodes.map((n) => (n.kind === 'num' ? `n${n.value}` : n.kind === 'sym' ? `s${n.name}` : `c${n.op}(${n.args.map((a) => a.id).join(',')})`)));
    expect(ids.size).toBe(keys.size);
    expect(num(-0)).toBe(num(0));
    expect(call('max', [sym('x'), sym('y')])).not.toBe(call('max', [sym('y'), sym('x')]));
    expect(call('sin', [sym('x')])).not.toBe(call('cos', [sym('x')]));
    expect(sym('add')).not.toBe(call('add', []));
  });

  it('lets graphs nobody holds be collected, so the table stays bounded over millions of nodes', async () => {
    expect(globalThis.gc, 'run with --expose-gc (vitest.config.ts sets it)').toBeTypeOf('function');
    const kept = graph(2_000, 11);
    let most = 0;
    for (let round = 0; round < 10; round++) {
      graph(60_000, 1000 + round); // 60,000 new nodes, dropped at once
      await new Promise((r) => setTimeout(r, 0)); // WeakRefs hold their targets until the job ends
      globalThis.gc!();
      most = Math.max(most, internTableSize());
    }
    // 600,000 nodes went through; the table never held more than two rounds' worth plus the sweep's floor
    expect(most).toBeLessThan(2 * 60_000 + 2 * 65_536 + 10_000);
    const memo = new Map<Expr, Expr>();
    for (const node of kept) expect(rebuild(node, memo)).toBe(node); // the held graph is still the same nodes
  }, 60_000);
});
