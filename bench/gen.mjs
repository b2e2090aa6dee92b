// Seeded random expressions built from the op table: the ONE generator shared by the random tests
// (test/util/gen.ts binds it to src/, with types from gen.d.mts) and the benchmarks (bench/diff-size.mjs binds it
// to dist/). Plain JavaScript so Node runs it without a build step.
//
// In:  the library's op table and node builders ({ ops, call, num, sym }), a seed, a count.
// Out: the same expressions for the same seed, whichever copy of the library built them (the op table is read in
//      its declared order, and every random draw comes from one mulberry32 stream).
//
// Shape: trees of at most `maxSize` nodes (default 25). Inner nodes are ops of the table with arity > 0, with the
// op's argument count (variadic ops sometimes get one more); leaves are x (most often), y, sometimes z, small
// integers, the decimals 0.5, 1.5, 2.25, and the table's 0-ary constants (pi, e). Every expression mentions x.
// pow gets a literal exponent half the time (2, 3, 0.5, 1.5, −1, −2), so powers are not always out of domain;
// an op's integer-only arguments (polygamma's order) get a literal 0, 1 or 2;
// calls on constants only, and calls whose arguments are all one node, are mostly replaced (asin(pi) and
// min(x, x) are nowhere smooth).

/** mulberry32: a small, fast, seeded 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Default seed of the shared corpus. */
export const SEED = 0x5eed2024;
/** Default corpus size. */
export const COUNT = 2000;

/** Extra weight of the arithmetic operators relative to other ops (1). */
const OP_WEIGHT = { add: 3, sub: 3, mul: 3, div: 2, pow: 2, neg: 1 };
const INTS = [0, 1, 2, 3, 4, 5];
const DECIMALS = [0.5, 1.5, 2.25];
/** Literal exponents for pow: [value, negative?]. */
const EXPONENTS = [[2, false], [3, false], [0.5, false], [1.5, false], [1, true], [2, true]];

/**
 * A generator of random expressions over a library's builders.
 * @param lib     { ops, call, num, sym } from the library (src/ or dist/)
 * @param options { maxSize = 25, minSize = 2, thirdVar = 0.3 (probability an expression may use z) }
 * @returns       (rng) => Expr
 */
export function makeGenerator(lib, options = {}) {
  const { ops, call, num, sym } = lib;
  const maxSize = options.maxSize ?? 25;
  const minSize = options.minSize ?? 2;
  const thirdVar = options.thirdVar ?? 0.3;

  const names = Object.keys(ops);
  const constants = names.filter((n) => ops[n].arity === 0 && !ops[n].variadic);
  const fns = names.filter((n) => ops[n].arity > 0);
  const weights = fns.map((n) => OP_WEIGHT[n] ?? 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);

  function pickOp(rng, budget) {
    // ops whose minimum argument count fits in the budget (every argument needs one node)
    for (let attempt = 0; attempt < 20; attempt++) {
      let r = rng() * totalWeight;
      let k = 0;
      while (r >= weights[k]) r -= weights[k++];
      const name = fns[k];
      if (ops[name].arity + 1 <= budget) return name;
    }
    return 'neg';
  }

  return function generate(rng) {
    const useZ = rng() < thirdVar;
    let sawX = false;
    /** Generated nodes that mention a variable. */
    const varying = new WeakSet();

    function variable(name) {
      const v = sym(name);
      varying.add(v);
      return v;
    }

    function leaf() {
      const r = rng();
      if (r < 0.42) {
        sawX = true;
        return variable('x');
      }
      if (r < 0.55) return variable('y');
      if (r < 0.6) return variable(useZ ? 'z' : 'y');
      if (r < 0.78) return num(INTS[Math.floor(rng() * INTS.length)]);
      if (r < 0.9) return num(DECIMALS[Math.floor(rng() * DECIMALS.length)]);
      return call(constants[Math.floor(rng() * constants.length)], []);
    }

    function exponent() {
      const [v, negative] = EXPONENTS[Math.floor(rng() * EXPONENTS.length)];
      return negative ? call('neg', [num(v)]) : num(v);
    }

    function gen(budget, depth) {
      if (budget < 2 || (depth > 0 && rng() < 0.1)) return leaf();
      const name = pickOp(rng, budget);
      const spec = ops[name];
      let n = spec.arity;
      if (spec.variadic && n + 2 <= budget && rng() < 0.3) n++;
      if (name === 'pow' && rng() < 0.5) {
        const base = gen(budget - 3, depth + 1); // the exponent takes up to two nodes
        return made(call('pow', [base, exponent()]));
      }
      // Split budget − 1 among the n arguments, each getting at least one node.
      const shares = new Array(n).fill(1);
      let spare = budget - 1 - n;
      while (spare > 0) {
        shares[Math.floor(rng() * n)]++;
        spare--;
      }
      // arguments that take integers only (polygamma's order): a literal 0, 1 or 2
      const args = shares.map((b, i) => (spec.integerArgs?.includes(i) ? num(Math.floor(rng() * 3)) : gen(b, depth + 1)));
      // Mostly avoid calls that are constant (asin(pi) is never in a domain; constants are folded anyway) and
      // calls whose arguments are all one node (min(x, x) is never smooth).
      if (!args.some((a) => varying.has(a)) && rng() < 0.8) return leaf();
      if (n > 1 && args.every((a) => a === args[0]) && rng() < 0.8) args[n - 1] = leaf();
      return made(call(name, args));
    }

    function made(node) {
      if (node.args.some((a) => varying.has(a))) varying.add(node);
      return node;
    }

    for (;;) {
      sawX = false;
      const budget = minSize + Math.floor(rng() * (maxSize - minSize + 1));
      const e = gen(budget, 0);
      if (sawX) return e;
    }
  };
}

/** The corpus: `count` expressions from one seeded stream. */
export function randomExprs(lib, count = COUNT, seed = SEED, options = {}) {
  const rng = mulberry32(seed);
  const generate = makeGenerator(lib, options);
  const out = [];
  for (let i = 0; i < count; i++) out.push(generate(rng));
  return out;
}
