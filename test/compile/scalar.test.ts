// compile() on scalar formulas: the seed notebook reproduced, the tape, batch evaluation, injection safety.
import { describe, expect, it } from 'vitest';
import { compile, CompiledScalar } from '../../src/compile/compile.js';
import { call, num, sym } from '../../src/ir/expr.js';
import { parse } from '../../src/parse/parse.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { ExprError } from '../../src/errors.js';
import { main } from '../../src/cli/main.js';
import { Readable } from 'node:stream';

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('the seed notebook, reproduced', () => {
  it('sin(exp(x^3)) at x = 2: value and reverse-mode gradient', () => {
    const f = compile('sin(exp(x^3))') as CompiledScalar;
    const { value, gradient } = f.gradient({ x: 2 });
    expect(relErr(value, 0.40176297151886475)).toBeLessThan(1e-12);
    expect(relErr(gradient.x, -32757.521776103014)).toBeLessThan(1e-12);
    expect(f.evaluate({ x: 2 })).toBe(value);
  });

  it('through the CLI: exprgrad eval "sin(exp(x^3))" x=2 --grad', async () => {
    let out = '';
    let err = '';
    const status = await main(['eval', 'sin(exp(x^3))', 'x=2', '--grad'], {
      stdin: Readable.from([]),
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
    });
    expect(status).toBe(0);
    expect(err).toBe('');
    const [value, grad] = out.trim().split('; ');
    expect(relErr(Number(value), 0.40176297151886475)).toBeLessThan(1e-12);
    expect(grad.startsWith('∂/∂x = ')).toBe(true);
    expect(relErr(Number(grad.slice('∂/∂x = '.length)), -32757.521776103014)).toBeLessThan(1e-12);
  });

  it('--grad --json gives every partial', async () => {
    let out = '';
    const status = await main(['eval', 'x^2*y + sin(y)', 'x=2', 'y=0.5', '--grad', '--json'], {
      stdin: Readable.from([]),
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => undefined },
    });
    expect(status).toBe(0);
    const r = JSON.parse(out);
    expect(r.value).toBeCloseTo(4 * 0.5 + Math.sin(0.5), 14);
    expect(r.gradient.x).toBeCloseTo(2 * 2 * 0.5, 14);
    expect(r.gradient.y).toBeCloseTo(4 + Math.cos(0.5), 14);
  });
});

describe('the tape', () => {
  it('prints forward then backward equations, each node once', () => {
    const f = compile('sin(exp(x^3))') as CompiledScalar;
    const text = f.tapeText();
    expect(text).toMatch(/^# forward\nv1 = x³\nv2 = exp\(v1\)\nv3 = sin\(v2\)\n# backward\n/);
    expect(text).toContain('value = v3');
    // exp's derivative is exp itself: the backward pass reuses v2 instead of recomputing exp(x³)
    expect(text.match(/exp\(/g)!.length).toBe(1);
  });

  it('gradients agree with symbolic derivatives on hand-picked multivariable formulas', () => {
    const cases = ['x*y + sin(x*y)', 'atan2(y, x) * hypot(x, y)', 'exp(-x^2 - y^2) * cos(x - y)', 'max(x, y, 0.5) + min(x^2, y)', 'log(1 + exp(x*y)) / (1 + y^2)'];
    for (const src of cases) {
      const e = parse(src);
      const f = compile(e) as CompiledScalar;
      for (const [x, y] of [[0.3, 0.7], [1.2, -0.4], [-0.9, 1.6]]) {
        const { gradient } = f.gradient({ x, y });
        for (const v of ['x', 'y'] as const) {
          const sym = evaluate(derivative(e, v), { x, y });
          expect(Math.abs(gradient[v] - sym), `${src} ∂/∂${v} at (${x}, ${y})`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(sym)));
        }
      }
    }
  });

  it('evaluateMany equals evaluate point by point, with and without gradients', () => {
    const f = compile('x^2*sin(y) + y') as CompiledScalar;
    const xs = Float64Array.from({ length: 50 }, (_, i) => -2 + i * 0.08);
    const many = f.evaluateMany({ x: xs, y: 0.3 });
    const withGrad = f.evaluateMany({ x: xs, y: 0.3 }, { grad: true });
    xs.forEach((x, i) => {
      const one = f.gradient({ x, y: 0.3 });
      expect(many[i]).toBe(one.value);
      expect(withGrad.value[i]).toBe(one.value);
      expect(withGrad.gradient.x[i]).toBe(one.gradient.x);
      expect(withGrad.gradient.y[i]).toBe(one.gradient.y);
    });
  });

  it('derivative() gives a compiled derivative; higher orders too', () => {
    const f = compile('sin(x)*exp(x)') as CompiledScalar;
    const d4 = f.derivative('x', 4);
    expect(d4.toString()).toBe('−4sin(x)·exp(x)');
    expect(d4.evaluate({ x: 0.7 })).toBeCloseTo(-4 * Math.sin(0.7) * Math.exp(0.7), 12);
    expect(f.derivative().toString('plain')).toBe('(cos(x) + sin(x))*exp(x)');
    expect(f.derivative().evaluate({ x: 0.7 })).toBeCloseTo(Math.cos(0.7) * Math.exp(0.7) + Math.sin(0.7) * Math.exp(0.7), 12);
  });

  it('gradientInto writes value and partials into a caller buffer', () => {
    const f = compile('x*y') as CompiledScalar;
    const out = new Float64Array(3);
    f.gradientInto(Float64Array.from([3, 4]), out);
    expect([...out]).toEqual([12, 4, 3]);
  });

  it('refuses missing or non-numeric values with an ExprError', () => {
    const f = compile('x + y') as CompiledScalar;
    expect(() => f.evaluate({ x: 1 })).toThrow(ExprError);
    expect(() => f.evaluate({ x: 1, y: '2' as unknown as number })).toThrow(/must be a number/);
  });
});

describe('generated code cannot be injected through names', () => {
  const hostile = ['constructor', '__proto__', 'toString', "a'b", 'a"b', '*/x', 'x\ny', '${process.exit(1)}', '); throw 1; (', 'valueOf'];
  it.each(hostile)('variable named %j', (name) => {
    const v = sym(name);
    const e = call('add', [call('mul', [v, v]), call('sin', [v])]); // v² + sin v
    const f = compile(e) as CompiledScalar;
    expect(f.js).not.toContain(name);
    const values = Object.create(null);
    values[name] = 0.5;
    const { value, gradient } = f.gradient(values);
    expect(value).toBeCloseTo(0.25 + Math.sin(0.5), 15);
    expect(gradient[name]).toBeCloseTo(1 + Math.cos(0.5), 15);
    expect(Object.getPrototypeOf(gradient)).toBe(null);
  });

  it('numbers enter generated code only as finite literals', () => {
    const f = compile(call('add', [sym('x'), num(1e-300)])) as CompiledScalar;
    expect(f.js).toContain('1e-300');
    expect(f.evaluate({ x: 1 })).toBe(1 + 1e-300);
  });
});
