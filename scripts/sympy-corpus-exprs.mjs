// The expressions of the SymPy-checked corpus (test/fixtures/sympy-corpus.json), generated over the op registry.
//
// Usage: node scripts/sympy-corpus-exprs.mjs exprs          JSON {functions, known, unknown, entries} on stdout
//        node scripts/sympy-corpus-exprs.mjs ours < list    our derivative and simplify of each expression
//                                                           (one JSON array of texts in, one array of objects out)
// Needs dist/ (npm run build). scripts/sympy-corpus.py runs both and adds SymPy's answers.
//
// Which functions: every callable elementwise op of the registry (allOps()), plus the functions issue 14 adds
// (sec … polygamma, log(x, b), root, pow) so the corpus covers them once they are merged; an entry whose text does
// not parse yet (a function the registry lacks) is kept in the JSON and skipped by the test, with a count.
// What the generator knows of a function is its argument domains (KNOWN below): a registry function it does not
// know is reported (`unknown`) and gets no entries; it never fails.
//
// Each function gets expressions from one seeded stream: f(u) with u from a pool for its domain, inside a context
// (x·F, F², F/(1 + x²), a product with another function, a rational expression in F, …), plus mixed expressions of
// two or three functions. Sample points are x ∈ (0.1, 0.9) ∪ (1.1, 2.5) and negatives, y ∈ (1.1, 1.9) (the
// Python side picks those where SymPy finds real values), so domains are set up for x > 0 mostly.
import { allOps, parse, derivative, simplify, format } from '../dist/index.js';
import { readFileSync } from 'node:fs';
import { mulberry32 } from '../bench/gen.mjs';

/** Argument domains: any real, positive, (−1, 1), [1, ∞), (0, 1), a small positive integer. */
const POOLS = {
  any: ['x', '2*x', 'x^2', '3*x + 1', 'x*y', 'x/y', 'x^2 + 1', 'exp(x)', 'sin(x)', 'x^3 - x', '1/x', 'sqrt(x)', 'x + y', 'x^2 - 2*x', '-x', 'x/(x + 1)'],
  pos: ['x', 'x^2 + 1', 'exp(x)', '2*x', 'x*y', '1 + x^2 + y^2', 'x/y', 'sqrt(x)', 'x^3', '1 + exp(x)', 'x + y', 'x/(x^2 + 1)', '3*x'],
  unit: ['x', 'x/2', 'x^2', 'x/y', 'x/(1 + x^2)', 'sin(x)/2', 'tanh(x)', '1/(1 + x^2)', 'x*y/4', 'x^3', '2*x/(1 + x^2)'],
  ge1: ['1/x', 'x^2 + 1', '1 + exp(x)', 'cosh(x)', 'x + 1', '2*x + 1', 'x^2 + y^2 + 1', 'y/x', 'sqrt(x^2 + 1)'],
  open01: ['x', 'x/2', 'x^2', '1/(1 + x^2)', 'x/y', 'exp(-x^2)', 'x/(1 + x)'],
  nonzero: ['x', '2*x', 'x^2 + 1', 'x*y', 'exp(x)', 'x/y', 'x^3 + x', '1/x'],
  int: ['2', '3'],
  base: ['2', '10', 'y'],
};

/** Every function the generator knows: its argument domains (one entry per arity it has). */
const KNOWN = {
  sin: [['any']], cos: [['any']], tan: [['any']], asin: [['unit']], acos: [['unit']], atan: [['any']],
  sinh: [['any']], cosh: [['any']], tanh: [['any']], exp: [['any']], log: [['pos'], ['pos', 'base']],
  log10: [['pos']], log2: [['pos']], sqrt: [['pos']], cbrt: [['pos']], abs: [['any']], sign: [['any']],
  step: [['any']], sigmoid: [['any']], relu: [['any']], softplus: [['any']], erf: [['any']],
  min: [['any', 'any']], max: [['any', 'any']], atan2: [['any', 'pos']], hypot: [['any', 'any']],
  // issue 14, item 1
  sec: [['any']], csc: [['nonzero']], cot: [['nonzero']], asec: [['ge1']], acsc: [['ge1']], acot: [['any']],
  sech: [['any']], csch: [['nonzero']], coth: [['nonzero']], asinh: [['any']], acosh: [['ge1']], atanh: [['unit']],
  asech: [['open01']], acsch: [['nonzero']], acoth: [['ge1']], erfc: [['any']], root: [['pos', 'int']],
  expm1: [['any']], log1p: [['pos']], floor: [['any']], ceil: [['any']], round: [['any']], trunc: [['any']],
  gamma: [['pos']], lgamma: [['pos']], digamma: [['pos']], polygamma: [['int', 'pos']], pow: [['pos', 'any']],
};

/** Contexts around F = f(u): the shapes of derivative-test expressions. G is another function of x. */
const CONTEXTS = [
  'F', 'x*F', 'F^2', 'F/x', 'exp(x)*F', 'F/(1 + x^2)', 'sin(x)*F', 'y*F + x^2', '1/(1 + F)', 'x^2*F - F',
  'F*G', '(x + 1)*F/(x - 1)', 'sqrt(x^2 + 1)*F', 'F/(F + x)', 'x^3*F', 'log(x^2 + 1)*F + G', 'F^3/x', '(2*x - y)*F',
];
const OTHERS = ['sin(x)', 'exp(2*x)', 'log(x)', 'cos(x^2)', 'x^2', 'sqrt(x)', 'atan(x)', 'tanh(x)', 'exp(-x)'];

function pick(rng, xs) {
  return xs[Math.floor(rng() * xs.length)];
}

/** Entries for one function and arity: `count` distinct texts. */
function entriesFor(name, domains, count, rng) {
  const out = new Set();
  for (let tries = 0; out.size < count && tries < count * 20; tries++) {
    const args = domains.map((d) => pick(rng, POOLS[d]));
    const F = `${name}(${args.join(', ')})`;
    const G = pick(rng, OTHERS);
    const ctx = out.size === 0 ? 'F' : pick(rng, CONTEXTS);
    out.add(ctx.replace(/F/g, `(${F})`).replace(/G/g, `(${G})`).replace(/(?<![a-z0-9])\(([a-z0-9]+\([^()]*\))\)/g, '$1'));
  }
  return [...out].map((expr) => ({ expr, fns: [name], arity: domains.length }));
}

/** Mixed expressions: two or three known functions composed or multiplied. */
function mixed(names, count, rng) {
  const out = new Set();
  const one = names.filter((n) => KNOWN[n].some((d) => d.length === 1));
  for (let tries = 0; out.size < count && tries < count * 20; tries++) {
    const f = pick(rng, one);
    const g = pick(rng, one);
    const df = KNOWN[f].find((d) => d.length === 1)[0];
    const dg = KNOWN[g].find((d) => d.length === 1)[0];
    const u = pick(rng, POOLS[dg]);
    // compose only where g's values stay in f's domain (any or positive results of exp/cosh/…)
    const form = df === 'any' ? pick(rng, ['f(g)', 'F*G', 'F/G', 'F + G*x']) : pick(rng, ['F*G', 'F/G', 'F + G*x']);
    const fx = `${f}(${pick(rng, POOLS[df])})`;
    const gu = `${g}(${u})`;
    const text = form === 'f(g)' ? `${f}(${gu})` : form.replace('F', fx).replace('G', gu);
    if (form === 'F/G' && (g === 'sign' || g === 'step' || g === 'relu' || g === 'floor' || g === 'round' || g === 'trunc' || g === 'ceil')) continue;
    out.add(text);
  }
  return [...out].map((expr) => ({ expr, fns: [...new Set(expr.match(/[a-z][a-z0-9]*(?=\()/g))], arity: 0 }));
}

export function corpusExpressions({ perFunction = 13, perAnticipated = 8, mixedCount = 40, seed = 0x5e14 } = {}) {
  const registry = allOps().filter((o) => o.elementwise && o.callable).map((o) => o.name);
  const known = registry.filter((n) => Object.hasOwn(KNOWN, n));
  const unknown = registry.filter((n) => !Object.hasOwn(KNOWN, n));
  const anticipated = Object.keys(KNOWN).filter((n) => !registry.includes(n));
  const entries = [];
  for (const name of [...known, ...anticipated]) {
    const rng = mulberry32(seed + [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
    const op = allOps().find((o) => o.name === name);
    for (const domains of KNOWN[name]) {
      const has = op && op.elementwise && domains.length >= op.minArgs && domains.length <= op.maxArgs;
      const n = has ? perFunction : perAnticipated;
      entries.push(...entriesFor(name, domains, domains.length > 1 && name === 'log' ? n - 4 : n, rng));
    }
  }
  entries.push(...mixed(known, mixedCount, mulberry32(seed)));
  entries.push(...mixed(Object.keys(KNOWN), Math.round(mixedCount / 2), mulberry32(seed + 1)));
  const seen = new Set();
  return { functions: registry, known, unknown, entries: entries.filter((e) => !seen.has(e.expr) && seen.add(e.expr)) };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const mode = process.argv[2] ?? 'exprs';
  if (mode === 'exprs') {
    process.stdout.write(JSON.stringify(corpusExpressions()) + '\n');
  } else if (mode === 'ours') {
    const texts = JSON.parse(readFileSync(0, 'utf8'));
    const out = texts.map((t) => {
      try {
        const e = parse(t);
        return { derivative: format(derivative(e, 'x'), 'plain'), simplify: format(simplify(e), 'plain') };
      } catch (err) {
        return { error: String(err.message ?? err) };
      }
    });
    process.stdout.write(JSON.stringify(out) + '\n');
  } else {
    console.error(`unknown mode ${mode}: exprs | ours`);
    process.exit(2);
  }
}
