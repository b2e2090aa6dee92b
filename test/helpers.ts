// Shared test helpers: a structure notation independent of the parser, and a deterministic PRNG.
import { Expr, call, num, sym } from '../src/ir/expr.js';

/**
 * Build a graph from an s-expression, without the parser: `(pow 2 (neg 1))`, `(mul 3 (pow x 2))`, `(pi)`.
 * Atoms starting with a digit or '.' are number literals; other atoms are variables; `(op …)` is a call.
 */
export function tree(src: string): Expr {
  const tokens = src.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  function read(): Expr {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`tree(): unexpected end of ${src}`);
    if (t === '(') {
      const op = tokens[i++];
      const args: Expr[] = [];
      while (tokens[i] !== ')') {
        if (i >= tokens.length) throw new Error(`tree(): missing ')' in ${src}`);
        args.push(read());
      }
      i++;
      return call(op, args);
    }
    if (t === ')') throw new Error(`tree(): unexpected ')' in ${src}`);
    return /^[0-9.]/.test(t) ? num(Number(t)) : sym(t);
  }
  const e = read();
  if (i !== tokens.length) throw new Error(`tree(): trailing tokens in ${src}`);
  return e;
}

/** The s-expression of a graph (inverse of tree()). */
export function lisp(e: Expr): string {
  if (e.kind === 'num') return String(e.value);
  if (e.kind === 'sym') return e.name;
  return `(${[e.op, ...e.args.map(lisp)].join(' ')})`;
}

/** Fully parenthesized infix text for a graph: every operand in brackets, so precedence plays no part. */
export function explicit(e: Expr): string {
  if (e.kind === 'num') return String(e.value);
  if (e.kind === 'sym') return e.name;
  const a = e.args.map((x) => `(${explicit(x)})`);
  switch (e.op) {
    case 'add': return `${a[0]}+${a[1]}`;
    case 'sub': return `${a[0]}-${a[1]}`;
    case 'mul': return `${a[0]}*${a[1]}`;
    case 'div': return `${a[0]}/${a[1]}`;
    case 'pow': return `${a[0]}^${a[1]}`;
    case 'neg': return `-${a[0]}`;
    default: return e.args.length === 0 ? e.op : `${e.op}(${a.join(',')})`;
  }
}

/** mulberry32: the product's seeded PRNG (src/nn/model.ts rng), floats in [0, 1). */
export { rng as mulberry32 } from '../src/nn/model.js';
