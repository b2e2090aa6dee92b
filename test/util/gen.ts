// Random expressions for the property tests, and the domain test that decides where they may be checked.
//
// The generator itself is bench/gen.mjs (shared with bench/diff-size.mjs, so the tests and the benchmark see the
// same corpus); this file binds it to src/ and adds, typed:
//   corpus()        the seeded corpus (2,000 expressions by default); corpusOver(): over part of the op table
//   domainOk()      is a point inside the domain of every node, with margin: every call node's arguments satisfy
//                   its op's `smooth(args, eps)`, every value is finite and |v| < maxAbs
//   randomPoint()   a random point for some variables
//   findPoints()    up to `want` in-domain points for an expression
//   resolvedStep()  a finite-difference step that resolves the expression at a point (or none)
//   fivePoint()…    finite-difference stencils
//   close(), agree() numeric comparison; agree() widens to the conditioning noise (conditionNoise()) on failure

import { Expr, call, num, sym } from '../../src/ir/expr.js';
import { getOp, ops } from '../../src/ir/ops.js';
import { topo } from '../../src/ir/walk.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { COUNT, SEED, makeGenerator, mulberry32, randomExprs, type GenOptions } from '../../bench/gen.mjs';

export { COUNT, SEED, mulberry32 };

export type Point = Record<string, number>;

const lib = { ops, call, num, sym };

/**
 * The corpus size, seed and largest tree the random tests use: COUNT, SEED and 25, unless EXPRGRAD_COUNT,
 * EXPRGRAD_SEED or EXPRGRAD_MAXSIZE are set (to explore other corpora:
 * EXPRGRAD_SEED=7 EXPRGRAD_COUNT=20000 EXPRGRAD_MAXSIZE=40 npx vitest run test/diff).
 */
export const TEST_COUNT = Number(process.env.EXPRGRAD_COUNT ?? COUNT);
export const TEST_SEED = Number(process.env.EXPRGRAD_SEED ?? SEED);
export const TEST_MAXSIZE = Number(process.env.EXPRGRAD_MAXSIZE ?? 25);

/** The seeded corpus of random expressions (deterministic: same seed, same expressions). */
export function corpus(count = TEST_COUNT, seed = TEST_SEED, options: GenOptions = { maxSize: TEST_MAXSIZE }): Expr[] {
  return randomExprs(lib, count, seed, options);
}

/** A corpus over part of the op table only (the ops `keep` accepts), e.g. what another CAS supports. */
export function corpusOver(
  keep: (op: string) => boolean,
  count = TEST_COUNT,
  seed = TEST_SEED,
  options: GenOptions = { maxSize: TEST_MAXSIZE },
): Expr[] {
  const sub = Object.fromEntries(Object.entries(ops).filter(([name]) => keep(name)));
  return randomExprs({ ...lib, ops: sub }, count, seed, options);
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

/**
 * A step h for finite differences in variable v at the point, or undefined when none of h0, h0/4, h0/16, h0/64
 * (h0 = 1e-3·max(1, |v|)) resolves the expression there. Resolved means: every stencil point (offsets ±h/4, ±h/2,
 * ±h, ±2h) is inside the domain with margin, and no node's value moves by more than `jump`·(1 + |value|) across
 * the stencil. The second condition keeps a stencil from stepping over a pole, a kink or a branch switch when an
 * inner function changes fast (tan(cosh x) at x = 6 turns through many periods within 10⁻³), which the margin test
 * at the stencil points alone cannot see.
 */
export function resolvedStep(e: Expr, point: Point, v: string, options: DomainOptions & { jump?: number } = {}): number | undefined {
  const center = domainValues(e, point, options);
  if (!center) return undefined;
  const jump = options.jump ?? 0.05;
  const h0 = 1e-3 * Math.max(1, Math.abs(point[v]));
  for (let h = h0; h >= h0 / 64; h /= 4) {
    const ok = stencilOffsets(h).every((o) => {
      const at = domainValues(e, { ...point, [v]: point[v] + o }, options);
      if (!at) return false;
      for (const [node, c] of center) if (Math.abs(at.get(node)! - c) > jump * (1 + Math.abs(c))) return false;
      return true;
    });
    if (ok) return h;
  }
  return undefined;
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

/**
 * The largest finite |value| over the distinct nodes of e at the point: the scale of the rounding error an
 * evaluation can carry (terms of size M that cancel leave residues of about 1e-16·M).
 */
export function maxMagnitude(e: Expr, point: Point): number {
  const out = new Map<Expr, number>();
  let m = 0;
  for (const node of topo(e)) {
    const v =
      node.kind === 'num' ? node.value : node.kind === 'sym' ? point[node.name] : getOp(node.op).eval(...node.args.map((a) => out.get(a)!));
    out.set(node, v);
    if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  }
  return m;
}

/**
 * How far e's value moves when one variable at a time is nudged by a relative 1e-13 (about 450 ulps): the scale of
 * the rounding noise an evaluation of e carries where it is ill-conditioned. sin(sinh(u)) with sinh(u) ≈ 10⁶ turns
 * the 1e-16 relative rounding of its argument into 1e-10 absolute error, and the simplified and the raw forms of a
 * derivative round differently; a comparison between them can only be as tight as this.
 */
export function conditionNoise(e: Expr, point: Point, delta = 1e-13): number {
  const f0 = evaluate(e, point);
  let m = 0;
  for (const [k, v] of Object.entries(point)) {
    for (const s of [1, -1]) {
      const f = evaluate(e, { ...point, [k]: v + s * delta * Math.max(1, Math.abs(v)) });
      if (Number.isFinite(f)) m = Math.max(m, Math.abs(f - f0));
    }
  }
  return m;
}

/**
 * close(a, b, rel, abs), or, failing that, close within the conditioning noise of the expressions that produced a
 * and b (computed only then: it costs a few evaluations).
 */
export function agree(a: number, b: number, rel: number, abs: number, sources: readonly Expr[], point: Point): boolean {
  if (close(a, b, rel, abs)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const noise = Math.max(...sources.map((e) => conditionNoise(e, point)));
  return close(a, b, rel, abs + noise);
}
