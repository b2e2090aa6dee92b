// The formulas the emit tests compile and run, and the reference values they are checked against.
//
//   opCases()       one formula per op of the table (variadic ops with their minimum and one more argument)
//   goldenCases()   the inputs of the derivative golden corpus (the rows of test/diff/golden.test.ts)
//   SHOWCASE        five showcase formulas (the seed's among them) for the golden files
//   bigCases()      a wide formula (a sum of 1,000 terms, ~12,000 distinct nodes) and a deep one (2,500 nested sines)
//   HOSTILE         variable names that are keywords or builtins somewhere, Unicode names, injection attempts
//   casePoints()    random points inside the domain of every output (value, partials, Hessian), optionally float32
//   expected()      exprgrad's own float64 evaluation of every output, flattened: value, grad…, hess (row-major)
//   f32Tolerance()  how far a float32 evaluation of the same graph may stray (see there)

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Expr, call, sym, num } from '../../src/ir/expr.js';
import { ops, getOp, type OpSpec } from '../../src/ir/ops.js';
import { topo } from '../../src/ir/walk.js';
import { parse } from '../../src/parse/parse.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { emitPlan, type EmitPlan } from '../../src/emit/emit.js';
import { domainOk, randomPoint, mulberry32, type Point } from '../util/gen.js';

export interface Case {
  readonly label: string;
  readonly expr: Expr;
  readonly vars: readonly string[];
}

const VARS = ['x', 'y', 'z'];

export function opCases(): Case[] {
  const out: Case[] = [];
  for (const [name, spec] of Object.entries(ops) as [string, OpSpec][]) {
    if (spec.arity === 0) {
      out.push({ label: name, expr: call('mul', [sym('x'), call(name, [])]), vars: ['x'] });
      continue;
    }
    for (const n of spec.variadic ? [spec.arity, spec.arity + 1] : [spec.arity]) {
      // arguments that take integers only (polygamma's order) get the literal 2, the others variables
      const ints = spec.integerArgs ?? [];
      const vars = VARS.slice(0, n).filter((_, i) => !ints.includes(i));
      const args = VARS.slice(0, n).map((v, i) => (ints.includes(i) ? num(2) : sym(v)));
      out.push({ label: `${name}/${n}`, expr: call(name, args), vars });
    }
  }
  // Integer powers the shaders multiply out, and a negative base with an odd exponent.
  for (const [label, text] of [['x^2', 'x^2'], ['x^-3', 'x^-3'], ['(x-5)^5', '(x - 5)^5'], ['0.1x', '0.1*x + 1e-7']]) {
    const e = parse(text);
    out.push({ label, expr: e, vars: ['x'] });
  }
  return out;
}

export function goldenCases(): Case[] {
  const text = readFileSync(fileURLToPath(new URL('../diff/golden.test.ts', import.meta.url)), 'utf8');
  const rows = text.split('\n').filter((l) => /^\s*\[".*\],?\s*$/.test(l));
  return rows.map((l, i) => {
    const [input] = JSON.parse(l.trim().replace(/,$/, '')) as string[];
    const expr = parse(input);
    return { label: `golden ${i}: ${input}`, expr, vars: [...new Set(['x', ...topo(expr).filter((n) => n.kind === 'sym').map((n) => n.name)])] };
  });
}

export const SHOWCASE: readonly { name: string; text: string; vars?: string[] }[] = [
  { name: 'seed', text: 'sin(exp(x^3))' },
  { name: 'gaussian', text: 'exp(-((x - mu)^2 + (y - nu)^2)/(2*sigma^2))/(2*pi*sigma^2)', vars: ['x', 'y', 'mu', 'nu', 'sigma'] },
  { name: 'rosenbrock', text: '(1 - x)^2 + 100*(y - x^2)^2' },
  { name: 'logistic_loss', text: 'softplus(w*x + b) - t*(w*x + b)', vars: ['w', 'b', 'x', 't'] },
  { name: 'polar', text: 'hypot(x, y)*sin(atan2(y, x))^2 + max(x, y)' },
];

/** Formulas of about 10,000 nodes: wide (a sum of 1,000 terms) and deep (sin nested 2,500 times). */
export function bigCases(): Case[] {
  const x = sym('x');
  const y = sym('y');
  let wide: Expr = num(0);
  for (let i = 1; i <= 1000; i++) {
    const arg = call('add', [call('mul', [num(i / 7), x]), call('mul', [num(i / 11), y])]);
    wide = call('add', [wide, call('mul', [call('sin', [arg]), call('exp', [call('neg', [call('mul', [num(i / 1000), x])])])])]);
  }
  let deep: Expr = x;
  for (let i = 0; i < 2500; i++) deep = call('add', [call('sin', [deep]), call('mul', [num(0.001 * ((i % 7) + 1)), y])]);
  return [
    { label: 'wide (1,000 terms)', expr: wide, vars: ['x', 'y'] },
    { label: 'deep (2,500 nested sines)', expr: deep, vars: ['x', 'y'] },
  ];
}

/** Names that are keywords or builtins in some target, Unicode letters, and text that tries to break out. */
export const HOSTILE: readonly string[] = [
  'int', 'float', 'double', 'def', 'in', 'let', 'var', 'fn', 'sin', 'exp', 'pow', 'math', 'np', 'Math', 'value', 'grad',
  'hess', 'r', 'return', 'lambda', 'struct', 'out', 'gl_FragColor', '__x', '_X', 'eg_sigmoid', '_eg_zero', 't1',
  'f', 'NULL', 'main', 'θ', 'Δt', 'ünïcødé', 'x\n#include', 'a*/b', 'y); system("rm -rf /"); (', '1x', "'", 'f_result',
];

/** The plan's outputs, flattened: value, partials, Hessian row-major. */
export function outputs(plan: EmitPlan): Expr[] {
  return [plan.value, ...(plan.grad ?? []), ...(plan.hess ?? []).flat()];
}

export function planOf(c: Case, mode: 'value' | 'grad' | 'hessian' = 'hessian'): EmitPlan {
  return emitPlan(c.expr, { vars: c.vars, grad: mode !== 'value', hessian: mode === 'hessian' });
}

/**
 * Up to `want` random points inside the domain of every output (with margin, |values| < 1e6). float32: the
 * coordinates are float32 numbers (what a shader receives). finiteOnly: any point where every output is finite (for
 * the big formulas, whose thousands of nodes rarely all keep the domain test's margins).
 */
export function casePoints(plan: EmitPlan, seed: number, want: number, f32 = false, finiteOnly = false): Point[] {
  const rng = mulberry32(seed);
  const roots = outputs(plan);
  const found: Point[] = [];
  for (let t = 0; t < 400 && found.length < want; t++) {
    const p = randomPoint(rng, plan.vars);
    if (f32) for (const k of Object.keys(p)) p[k] = Math.fround(p[k]);
    const ok = finiteOnly ? roots.every((r) => Number.isFinite(evaluate(r, p))) : roots.every((r) => domainOk(r, p, { maxAbs: f32 ? 1e4 : 1e6 }));
    if (ok) found.push(p);
  }
  return found;
}

export function expected(plan: EmitPlan, p: Point): number[] {
  return outputs(plan).map((r) => evaluate(r, p));
}

/**
 * Float32 error of one op's result, as (relative, absolute), from the WGSL spec's accuracy table where it states one
 * (sin and cos: absolute 2^-11 on [-pi, pi], SwiftShader measured about 2^-14; atan/atan2: 4096 ulp; exp: 3 + 2|x|
 * ulp; log: absolute 2^-21 near 1) and a few ulps for correctly rounded arithmetic.
 */
function f32OpError(op: string, args: readonly number[]): [number, number] {
  switch (op) {
    case 'add': case 'sub': case 'mul': case 'div': case 'neg': case 'abs': case 'sign': case 'step': case 'relu': case 'min': case 'max':
      return [2 ** -22, 0];
    case 'sin': case 'cos': case 'tan':
      return [2 ** -20, 2 ** -12];
    case 'asin': case 'acos': case 'atan': case 'atan2':
      return [2 ** -11, 2 ** -20];
    case 'exp': case 'pow': case 'sinh': case 'cosh': case 'tanh': case 'sigmoid': case 'softplus':
      return [2 ** -23 * (8 + 2 * Math.max(...args.map(Math.abs))), 2 ** -21];
    case 'log': case 'log2': case 'log10':
      return [2 ** -20, 2 ** -20];
    case 'erf': // the shader helpers: a series below 1, Abramowitz-Stegun 7.1.26 (1.5e-7 absolute) above
      return [2 ** -21, 2 ** -22];
    default:
      return functionError(op, args);
  }
}

/**
 * The same for the functions of issue 14, from how the shaders compute them (src/emit/functions.ts): reciprocals of
 * sin/cos/tan inherit their absolute error 2^-12 divided by the value; the hyperbolic ones exp's; inverse functions
 * asin's or log's; floor, ceil, round, trunc are exact; gamma is exp(lgamma), lgamma Stirling's series after a
 * recurrence (reflection through sin(pi x) for x < 1/2); polygamma's sum loses what its terms cancel.
 */
function functionError(op: string, args: readonly number[]): [number, number] {
  const [x, y] = args;
  const sinErr = (v: number) => 2 ** -12 / Math.max(Math.abs(v), 1e-30);
  const expLike = (a: number) => 2 ** -23 * (8 + 2 * Math.abs(a));
  const reflection = (v: number) => (v < 0.5 ? sinErr(Math.sin(Math.PI * v)) : 0);
  switch (op) {
    case 'sec': return [2 ** -20 + sinErr(Math.cos(x)), 0];
    case 'csc': return [2 ** -20 + sinErr(Math.sin(x)), 0];
    case 'cot': return [2 ** -20 + sinErr(Math.cos(x)) + sinErr(Math.sin(x)), 0]; // tan = sin/cos in shaders
    case 'asec': case 'acsc': case 'acot': return [2 ** -11, 2 ** -20];
    case 'sech': case 'csch': case 'coth': case 'expm1': return [expLike(x), 2 ** -21];
    case 'asinh': case 'acosh': case 'atanh': case 'asech': case 'acsch': case 'acoth': case 'log1p': return [2 ** -18, 2 ** -20];
    case 'floor': case 'ceil': case 'round': case 'trunc': return [0, 0];
    case 'erfc': return [expLike(x * x + 2) + 2 ** -22, 0];
    case 'lgamma': return [2 ** -20, 2 ** -21 * (Math.abs(x * Math.log(Math.abs(x) + 1)) + 4) + reflection(x)];
    case 'gamma': return [expLike(getOp('lgamma').eval(x)) + 2 ** -21 * (Math.abs(x * Math.log(Math.abs(x) + 1)) + 4) + reflection(x), 0];
    case 'digamma': return [2 ** -20, 2 ** -20 + (x < 0 ? 2 ** -10 / Math.sin(Math.PI * x) ** 2 : 0)];
    case 'polygamma': {
      // relative error of each term (pow: exp-like) times how much the terms cancel: sum |terms| / |sum|
      let absSum = 0;
      for (let v = y; v < 8 + x; v += 1) absSum += Math.abs(v) ** (-x - 1);
      const value = Math.abs(getOp('polygamma').eval(x, y)) / Math.max(1, [1, 1, 2, 6, 24, 120, 720][x] ?? 1);
      const cancel = Math.max(1, absSum / Math.max(value, 1e-30));
      return [expLike(3 * (x + 1)) * cancel + (x === 0 ? 2 ** -20 : 0), x === 0 ? 2 ** -20 + (y < 0 ? 2 ** -10 / Math.sin(Math.PI * y) ** 2 : 0) : 0];
    }
    case 'root': return [expLike(Math.log(Math.abs(x)) / y) + 2 ** -22, 0];
    case 'logb': {
      const lx = Math.abs(Math.log(x));
      const lb = Math.abs(Math.log(y));
      return [(2 ** -20 * (lb + 1)) / lb, (2 ** -20 * (lx + 1)) / lb];
    }
    default:
      return [2 ** -20, 0];
  }
}

/**
 * A float32 tolerance for one output at a point, measured rather than guessed: the output's graph is evaluated in
 * float64 eight times with every node's value nudged randomly by its op's float32 error (f32OpError; literals
 * rounded to float32; a trial that turns non-finite counts as unbounded), and the tolerance is four times the largest deviation seen, plus 1e-5 relative. Ill-conditioned
 * outputs (sin of a large argument, cancellation) get a wide tolerance, well-conditioned ones a tight one.
 */
export function f32Tolerance(root: Expr, p: Point, seed = 1): number {
  const rng = mulberry32(seed);
  const exact = evaluate(root, p);
  const order = topo(root);
  let dev = 0;
  for (let trial = 0; trial < 8; trial++) {
    const v = new Map<Expr, number>();
    for (const node of order) {
      let x: number;
      if (node.kind === 'sym') x = p[node.name];
      else if (node.kind === 'num') x = Math.fround(node.value); // what the shader's literal holds
      else {
        const args = node.args.map((a) => v.get(a)!);
        x = getOp(node.op).eval(...args);
        const [rel, abs] = f32OpError(node.op, args);
        x = x * (1 + rel * (2 * rng() - 1)) + abs * (2 * rng() - 1);
      }
      v.set(node, x);
    }
    const got = v.get(root)!;
    dev = Math.max(dev, Number.isFinite(got) ? Math.abs(got - exact) : Infinity);
  }
  return 4 * dev + 1e-5 * Math.abs(exact) + 1e-30;
}

export { num };
