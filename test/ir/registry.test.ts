// Every op of the registry (src/ir/registry.ts), generated from the registry itself, so a new op is checked without
// anyone writing a test for it: it parses back from its plain form, prints in the three styles, differentiates
// symbolically (elementwise ops) and through the tape against finite differences in float64, and runs on the js,
// wasm and gpu.js backends within float32 tolerance of the js backend in float64. Elementwise ops are tried as
// op(a1, …, an) on [3, 4] tensors at points where the op is smooth; tensor ops through their programs in
// test/util/tensor-cases.ts, which must cover every one.
import { afterAll, describe, expect, it } from 'vitest';
import { call, sym, type Expr } from '../../src/ir/expr.js';
import { allOps, type Op } from '../../src/ir/registry.js';
import { STYLES, format } from '../../src/print/print.js';
import { parse } from '../../src/parse/parse.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { compile } from '../../src/compile/compile.js';
import type { CompiledScalar } from '../../src/compile/compile.js';
import { CompiledTensor } from '../../src/compile/tensor.js';
import { shutdownWasmThreads } from '../../src/backend/wasm/wasm.js';
import { close, fivePoint, mulberry32, randomPoint } from '../util/gen.js';
import { TENSOR_CASES } from '../util/tensor-cases.js';

afterAll(() => shutdownWasmThreads());

const elementwise = allOps().filter((o) => o.elementwise && o.minArgs > 0);
const tensorOps = allOps().filter((o) => !o.elementwise);
const names = (n: number) => Array.from({ length: n }, (_, i) => `a${i + 1}`);
const BACKENDS: [string, string | undefined][] = [['wasm', 'threads=1'], ['wasm', undefined], ['gpujs', 'cpu']];

/** A point where the op is smooth with margin and finite (its own domain rule), from a seeded generator. */
function smoothPoint(o: Op, rng: () => number): number[] {
  for (let t = 0; t < 1000; t++) {
    const p = randomPoint(rng, names(o.minArgs));
    const xs = names(o.minArgs).map((n) => p[n]);
    // arguments that take integers only (polygamma's order): a small non-negative integer
    for (const i of o.scalar!.integerArgs ?? []) xs[i] = Math.floor(rng() * 4);
    if (o.scalar!.smooth(xs, 0.05) && Number.isFinite(o.scalar!.eval(...xs)) && Math.abs(o.scalar!.eval(...xs)) < 1e4) return xs;
  }
  throw new Error(`no smooth point for ${o.name}`);
}

/** Relative difference of b from a, scaled by a's largest magnitude (at least 1). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / scale);
  return w;
}

function parity(src: string, shapes: Record<string, number[]>, wrt: string[], vals: Record<string, Float32Array>, label: string) {
  const ref = (compile(src, { shapes, wrt, dtype: 'float64' }) as CompiledTensor).gradient(vals);
  for (const [backend, mode] of BACKENDS) {
    const c = compile(src, { shapes, wrt, backend, mode }) as CompiledTensor;
    const got = c.gradient(vals);
    expect(Math.abs(got.value - ref.value) / Math.max(1, Math.abs(ref.value)), `${label}: value on ${backend} ${mode ?? ''}`).toBeLessThan(1e-4);
    for (const v of wrt) expect(worst(ref.gradient[v], got.gradient[v]), `${label}: ∂/∂${v} on ${backend} ${mode ?? ''}`).toBeLessThan(1e-4);
    c.dispose();
  }
  return ref;
}

describe('every elementwise op of the registry', () => {
  it.each(elementwise.map((o) => [o.name, o] as const))('%s', (_name, o) => {
    const vars = names(o.minArgs);
    const e = call(o.name, vars.map((v) => sym(v)));
    // Prints in three styles; the plain form parses back to the same graph.
    for (const style of STYLES) expect(format(e, style), style).toMatch(/\S/);
    expect(parse(format(e, 'plain'))).toBe(e);
    // Symbolic partials and the tape's gradient against a five-point difference, at smooth points.
    const rng = mulberry32(o.name.length * 7919 + 1);
    const scalar = compile(e) as CompiledScalar;
    for (let k = 0; k < 4; k++) {
      const xs = smoothPoint(o, rng);
      const point = Object.fromEntries(vars.map((v, i) => [v, xs[i]]));
      const tape = scalar.gradient(point);
      expect(tape.value).toBe(o.scalar!.eval(...xs));
      for (const [i, v] of vars.entries()) {
        if (o.scalar!.integerArgs?.includes(i)) {
          expect(evaluate(derivative(e, v), point), `∂${o.name}/∂${v} (an integer argument) is 0`).toBe(0);
          continue;
        }
        const fd = fivePoint((t) => evaluate(e, { ...point, [v]: t }), point[v], 1e-4 * Math.max(1, Math.abs(point[v])));
        const sym = evaluate(derivative(e, v), point);
        expect(close(sym, fd, 1e-5, 1e-6), `symbolic ∂${o.name}/∂${v} at ${xs}: ${sym} vs ${fd}`).toBe(true);
        expect(close(tape.gradient[v], fd, 1e-5, 1e-6), `tape ∂${o.name}/∂${v} at ${xs}: ${tape.gradient[v]} vs ${fd}`).toBe(true);
      }
    }
    // On tensors: every backend against the js backend in float64.
    const shapes: Record<string, number[]> = { R: [3, 4] };
    const vals: Record<string, Float32Array> = { R: Float32Array.from({ length: 12 }, () => rng() * 2 - 1) };
    for (const v of vars) (shapes[v] = [3, 4]), (vals[v] = new Float32Array(12));
    for (let j = 0; j < 12; j++) smoothPoint(o, rng).forEach((x, i) => (vals[vars[i]][j] = x));
    parity(`sum(R * ${format(e, 'plain')})`, shapes, vars, vals, o.name);
  });
});

describe('every tensor op of the registry', () => {
  it.each(tensorOps.map((o) => [o.name, o] as const))('%s', (name) => {
    const cases = TENSOR_CASES[name];
    expect(cases, `test/util/tensor-cases.ts has no program for ${name}`).toBeDefined();
    for (const [src, shapes, wrt] of cases) {
      const e: Expr = parse(src);
      for (const style of STYLES) expect(format(e, style), style).toMatch(/\S/);
      expect(parse(format(e, 'plain')), src).toBe(e);
      const rng = mulberry32(src.length * 31 + 7);
      const vals: Record<string, Float32Array> = {};
      for (const [v, s] of Object.entries(shapes)) {
        const n = s.reduce((a, b) => a * b, 1);
        vals[v] = Float32Array.from({ length: n }, () => (v === 'y' ? Math.floor(rng() * 3) : v === 'Y' ? rng() : rng() * 2 - 1));
      }
      const ref = parity(src, shapes, wrt, vals, src);
      // The tape in float64 against central differences, a few elements of each variable.
      const f64 = compile(src, { shapes, wrt: [], dtype: 'float64' }) as CompiledTensor;
      for (const v of wrt) {
        for (const i of [0, vals[v].length - 1]) {
          const at = (d: number) => {
            const moved = Float64Array.from(vals[v]);
            moved[i] += d;
            return f64.evaluate({ ...vals, [v]: moved }) as number;
          };
          const fd = (at(1e-5) - at(-1e-5)) / 2e-5;
          expect(close(ref.gradient[v][i], fd, 1e-4, 1e-5), `${src}: ∂/∂${v}[${i}] ${ref.gradient[v][i]} vs ${fd}`).toBe(true);
        }
      }
    }
  });
});
