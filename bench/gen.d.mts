// Types for bench/gen.mjs (the shared random-expression generator), so the TypeScript tests can import it.

export interface GenOpSpec {
  readonly arity: number;
  readonly variadic?: true;
}

/** A node, as far as the generator looks into it. */
export interface GenNode {
  readonly args: readonly unknown[];
}

/** The library pieces the generator builds with: the op table and the node builders. */
export interface GenLib<E extends GenNode> {
  readonly ops: Readonly<Record<string, GenOpSpec>>;
  call(op: string, args: readonly E[]): E;
  num(value: number): E;
  sym(name: string): E;
}

export interface GenOptions {
  /** Largest tree size (default 25). */
  readonly maxSize?: number;
  /** Smallest size budget drawn (default 2). */
  readonly minSize?: number;
  /** Probability that an expression may use a third variable z (default 0.3). */
  readonly thirdVar?: number;
}

export function mulberry32(seed: number): () => number;
export const SEED: number;
export const COUNT: number;
export function makeGenerator<E extends GenNode>(lib: GenLib<E>, options?: GenOptions): (rng: () => number) => E;
export function randomExprs<E extends GenNode>(lib: GenLib<E>, count?: number, seed?: number, options?: GenOptions): E[];
