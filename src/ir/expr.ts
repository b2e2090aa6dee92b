// The expression graph: immutable, hash-consed nodes.
//
// In:  an op name and child nodes (or a number / a variable name).
// Out: the one node with that structure. Two structurally equal expressions are the same object (`a === b`),
//      so equality is O(1), shared subexpressions are shared, and node identity can key memo tables.
//
// Three kinds of node:
//   num  a finite, non-negative float64 literal (negative numbers are neg(num), so printing round-trips)
//   sym  a free variable, by name
//   call an op of the op table (src/ir/ops.ts) applied to arguments; constants (pi, e) are 0-ary calls
//
// The intern table holds nodes through WeakRefs, so graphs nobody references can be collected.

export type Kind = 'num' | 'sym' | 'call';

let nextId = 1;

export class Expr {
  /** Unique per node; stable for the life of the process. Used as a memo/hash key. */
  readonly id: number;
  /** Number of nodes in the tree view of this expression, capped at 2^52 (shared subtrees counted each time). */
  readonly treeSize: number;
  /** Longest path to a leaf (leaves have height 0). */
  readonly height: number;

  private constructor(
    readonly kind: Kind,
    /** op name for `call`, variable name for `sym`, '' for `num` */
    readonly op: string,
    readonly args: readonly Expr[],
    /** the literal's value for `num`, NaN otherwise */
    readonly value: number,
  ) {
    this.id = nextId++;
    let size = 1;
    let height = 0;
    for (const a of args) {
      size += a.treeSize;
      if (a.height + 1 > height) height = a.height + 1;
    }
    this.treeSize = Math.min(size, 2 ** 52);
    this.height = height;
    Object.freeze(this.args);
    Object.freeze(this);
  }

  /** Free-variable name for `sym` nodes. */
  get name(): string {
    return this.op;
  }

  isNum(v?: number): boolean {
    return this.kind === 'num' && (v === undefined || this.value === v);
  }

  is(op: string): boolean {
    return this.kind === 'call' && this.op === op;
  }

  /** @internal Only src/ir/expr.ts creates nodes; everything else goes through num/sym/call. */
  static intern(kind: Kind, op: string, args: readonly Expr[], value: number): Expr {
    const key = keyOf(kind, op, args, value);
    const ref = table.get(key);
    const hit = ref?.deref();
    if (hit) return hit;
    const node = new Expr(kind, op, args.slice(), value);
    if (table.size >= sweepAt) sweep();
    table.set(key, new WeakRef(node));
    return node;
  }
}

const table = new Map<string, WeakRef<Expr>>();
// Entries of collected nodes are dropped by a sweep whenever the table has doubled since the last one (amortized
// O(1) per node, the table at most twice the live nodes plus 2^16), cheaper than a FinalizationRegistry cell per node.
const MIN_SWEEP = 1 << 16;
let sweepAt = MIN_SWEEP;
function sweep(): void {
  for (const [key, ref] of table) if (ref.deref() === undefined) table.delete(key);
  sweepAt = Math.max(MIN_SWEEP, 2 * table.size);
}

function keyOf(kind: Kind, op: string, args: readonly Expr[], value: number): string {
  if (kind === 'num') return 'n' + value;
  if (kind === 'sym') return 's' + op;
  let key = 'c' + op;
  for (const a of args) key += ',' + a.id;
  return key;
}

/** A number literal. Must be finite and non-negative (use neg(num(v)) for negatives). */
export function num(value: number): Expr {
  if (!Number.isFinite(value) || value < 0 || Object.is(value, -0)) {
    if (Object.is(value, -0)) value = 0;
    else throw new RangeError(`num(): expected a finite non-negative number, got ${value}`);
  }
  return Expr.intern('num', '', [], value);
}

/** A free variable. */
export function sym(name: string): Expr {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('sym(): expected a non-empty name');
  return Expr.intern('sym', name, [], NaN);
}

/** An op applied to arguments, structurally, with no folding and no arity check (the builders in build.ts fold). */
export function call(op: string, args: readonly Expr[]): Expr {
  return Expr.intern('call', op, args, NaN);
}

/** Number of live interned nodes (for tests and memory reports). */
export function internTableSize(): number {
  return table.size;
}
