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
    if (kind === 'num') return lookup(nums, value) ?? insert(nums, value, new Expr(kind, op, [], value));
    if (kind === 'sym') return lookup(syms, op) ?? insert(syms, op, new Expr(kind, op, [], value));
    // calls by a numeric hash of the op and the argument ids (no key text to build and hash); equal hashes share a
    // bucket, compared node by node
    const h = callHash(op, args);
    const bucket = calls.get(h);
    if (bucket !== undefined) {
      if (bucket instanceof WeakRef) {
        const hit = bucket.deref();
        if (hit !== undefined && sameCall(hit, op, args)) return hit;
      } else {
        for (const ref of bucket) {
          const hit = ref.deref();
          if (hit !== undefined && sameCall(hit, op, args)) return hit;
        }
      }
    }
    const node = new Expr(kind, op, args.slice(), value);
    if (entries >= sweepAt) sweep();
    entries++;
    const ref = new WeakRef(node);
    if (bucket === undefined || (bucket instanceof WeakRef && bucket.deref() === undefined)) calls.set(h, ref);
    else if (bucket instanceof WeakRef) calls.set(h, [bucket, ref]);
    else bucket.push(ref);
    return node;
  }
}

// The intern tables hold WeakRefs, so a graph nobody references can be collected. Entries of collected nodes are
// dropped by a sweep whenever the tables have doubled since the last one (amortized O(1) per node, the tables at most
// twice the live nodes plus 2^16), cheaper than a FinalizationRegistry cell per node.
const nums = new Map<number, WeakRef<Expr>>();
const syms = new Map<string, WeakRef<Expr>>();
const calls = new Map<number, WeakRef<Expr> | WeakRef<Expr>[]>();
const opCodes = new Map<string, number>();
const MIN_SWEEP = 1 << 16;
let sweepAt = MIN_SWEEP;
let entries = 0;

function lookup<K>(table: Map<K, WeakRef<Expr>>, key: K): Expr | undefined {
  return table.get(key)?.deref();
}

function insert<K>(table: Map<K, WeakRef<Expr>>, key: K, node: Expr): Expr {
  if (entries >= sweepAt) sweep();
  if (!table.has(key)) entries++;
  table.set(key, new WeakRef(node));
  return node;
}

function callHash(op: string, args: readonly Expr[]): number {
  let h = opCodes.get(op);
  if (h === undefined) opCodes.set(op, (h = opCodes.size + 1));
  for (let i = 0; i < args.length; i++) h = (Math.imul(h, 0x9e3779b1) + args[i].id) | 0;
  return h & 0x3fffffff; // a small integer in every V8 configuration (a map key without a boxed number)
}

function sameCall(node: Expr, op: string, args: readonly Expr[]): boolean {
  if (node.op !== op || node.args.length !== args.length) return false;
  for (let i = 0; i < args.length; i++) if (node.args[i] !== args[i]) return false;
  return true;
}

function sweep(): void {
  entries = 0;
  for (const table of [nums, syms] as Map<unknown, WeakRef<Expr>>[]) {
    for (const [key, ref] of table) {
      if (ref.deref() === undefined) table.delete(key);
      else entries++;
    }
  }
  for (const [h, bucket] of calls) {
    if (bucket instanceof WeakRef) {
      if (bucket.deref() === undefined) calls.delete(h);
      else entries++;
      continue;
    }
    const live = bucket.filter((ref) => ref.deref() !== undefined);
    if (live.length === 0) calls.delete(h);
    else calls.set(h, live.length === 1 ? live[0] : live);
    entries += live.length;
  }
  sweepAt = Math.max(MIN_SWEEP, 2 * entries);
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
  return entries;
}
