// Random expressions for the property tests, and the domain test that decides where they may be checked.
//
// The generator itself is bench/gen.mjs (shared with bench/diff-size.mjs, so the tests and the benchmark see the
// same corpus); this file binds it to src/ and adds, typed:
//   corpus()        the seeded corpus (2,000 expressions by default)
//   domainOk()      is a point inside the domain of every node, with margin: every call node's arguments satisfy
//                   its op's `smooth(args, eps)`, every value is finite and |v| < maxAbs
//   randomPoint()   a random point for some variables
//   findPoints()    up to `want` in-domain points for an expression
//   fivePoint()…    finite-difference stencils

import { Expr, call, num, sym } from '../../src/ir/expr.js';
import { getOp, ops } from '../../src/ir/ops.js';
import { topo } from '../../src/ir/walk.js';
import { COUNT, SEED, makeGenerator, mulberry32, randomExprs, type GenOptions } from '../../bench/gen.mjs';

export { COUNT, SEED, mulberry32 };

export type Point = Record<string, number>;

const lib = { ops, call, num, sym };

/** The seeded corpus of random expressions (deterministic: same seed, same expressions). */
export function corpus(count = COUNT, seed = SEED, options: GenOptions = {}): Expr[] {
  return randomExprs(lib, count, seed, options);
}

/** A generator bound to src/, for tests that want their own stream. */
export function generator(options: GenOptions = {}): (rng: () => number) => Expr {
  return makeGenerator(lib, options);
}

export interface DomainOptions {
  /** Margin passed to each op's `smooth` (default 1e-2). */
  readonly eps?: number;
  /** Largest magnitude any node may take (default 1e6). */
  readonly maxAbs?: number;
}

export const DOMAIN_EPS = 1e-2;
export const MAX_ABS = 1e6;

/** Nodes that mention a variable (anything not constant). */
function varying(e: Expr): Set<Expr> {
  const out = new Set<Expr>();
  for (const node of topo(e)) if (node.kind === 'sym' || node.args.some((a) => out.has(a))) out.add(node);
  return out;
}

/**
 * The value of every distinct node at the point, or undefined when the point is not safely inside the domain:
 * a call whose arguments fail its op's smooth(args, eps), or a value that is not finite or has |v| ≥ maxAbs.
 * One stricter rule than the table: a^b whose exponent mentions a variable needs a > eps (for a < 0 the power is
 * only defined at isolated exponents, so neither it nor a finite difference of it makes sense there).
 */
export function domainValues(e: Expr, point: Point, options: DomainOptions = {}): Map<Expr, number> | undefined {
  const eps = options.eps ?? DOMAIN_EPS;
  const maxAbs = options.maxAbs ?? MAX_ABS;
  const vary = varying(e);
  const out = new Map<Expr, number>();
  for (const node of topo(e)) {
    let v: number;
    if (node.kind === 'num') v = node.value;
    else if (node.kind === 'sym') {
      if (!Object.hasOwn(point, node.name)) throw new Error(`no value for ${node.name}`);
      v = point[node.name];
    } else {
      const spec = getOp(node.op);
      const xs = node.args.map((a) => out.get(a)!);
      if (!spec.smooth(xs, eps)) return undefined;
      if (node.op === 'pow' && vary.has(node.args[1]) && !(xs[0] > eps)) return undefined;
      v = spec.eval(...xs);
    }
    if (!Number.isFinite(v) || Math.abs(v) >= maxAbs) return undefined;
    out.set(node, v);
  }
  return out;
}

export function domainOk(e: Expr, point: Point, options: DomainOptions = {}): boolean {
  return domainValues(e, point, options) !== undefined;
}

/** Values for the named variables: mostly in [−3, 3], sometimes in [−8, 8]. */
export function randomPoint(rng: () => number, vars: readonly string[] = ['x', 'y', 'z']): Point {
  const p: Point = {};
  for (const v of vars) p[v] = (rng() < 0.8 ? 3 : 8) * (2 * rng() - 1);
  return p;
}

export interface FindOptions extends DomainOptions {
  /** How many points to return at most (default 2). */
  readonly want?: number;
  /** How many random points to try (default 30). */
  readonly tries?: number;
  readonly vars?: readonly string[];
  /** Further condition on a candidate (e.g. the stencil around it is in the domain too). */
  readonly accept?: (p: Point) => boolean;
}

/** Up to `want` random points inside the expression's domain. */
export function findPoints(e: Expr, rng: () => number, options: FindOptions = {}): Point[] {
  const want = options.want ?? 2;
  const tries = options.tries ?? 30;
  const found: Point[] = [];
  for (let t = 0; t < tries && found.length < want; t++) {
    const p = randomPoint(rng, options.vars);
    if (domainOk(e, p, options) && (!options.accept || options.accept(p))) found.push(p);
  }
  return found;
}

/** The offsets a five-point stencil with step h (and h/2) samples. */
export function stencilOffsets(h: number): number[] {
  return [-2 * h, -h, -h / 2, -h / 4, h / 4, h / 2, h, 2 * h];
}

/** f'(x) by the five-point stencil: error O(h⁴). */
export function fivePoint(f: (t: number) => number, x: number, h: number): number {
  return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h);
}

/** f''(x) by the five-point second-difference stencil: error O(h⁴). */
export function fivePoint2(f: (t: number) => number, x: number, h: number): number {
  return (-f(x - 2 * h) + 16 * f(x - h) - 30 * f(x) + 16 * f(x + h) - f(x + 2 * h)) / (12 * h * h);
}

/** |a − b| ≤ rel·max(|a|, |b|) + abs. */
export function close(a: number, b: number, rel: number, abs: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + abs;
}
