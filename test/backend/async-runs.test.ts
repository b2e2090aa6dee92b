// evaluateAsync/gradientAsync on one compiled program: concurrent calls each get their own result on every backend
// (the issue: sum(A*A) with A = 1 and A = 3 both gave 36), inputs changed after the call do not leak into it, and a
// synchronous call while one is in flight is refused. Plain arrays with holes or non-numbers are refused.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile/compile.js';
import { CompiledTensor } from '../../src/compile/tensor.js';
import { ExprError } from '../../src/errors.js';

describe.each(['js', 'wasm', 'gpujs'])('concurrent asynchronous runs (%s)', (backend) => {
  it('each of 8 concurrent gradientAsync calls resolves to its own value and gradient', async () => {
    const c = compile('sum(A*A)', { shapes: { A: [2, 2] }, backend }) as CompiledTensor;
    try {
      const values = [1, 3, -2, 0.5, 7, 0, 4, -1];
      const results = await Promise.all(values.map((a) => c.gradientAsync({ A: a })));
      results.forEach((r, i) => {
        expect(r.value, `A = ${values[i]}`).toBeCloseTo(4 * values[i] ** 2, 4);
        expect(Array.from(r.gradient.A), `A = ${values[i]}`).toEqual(Array(4).fill(2 * values[i]));
      });
      const forward = await Promise.all(values.map((a) => c.evaluateAsync({ A: a })));
      expect(forward.map((v) => Number(v))).toEqual(values.map((a) => expect.closeTo(4 * a * a, 4)));
    } finally {
      c.dispose();
    }
  });

  it('an input array changed right after the call does not change that call; results stay valid after later calls', async () => {
    const c = compile('sum(A*B)', { shapes: { A: [3], B: [3] }, backend }) as CompiledTensor;
    try {
      const A = new Float32Array([1, 2, 3]);
      const first = c.gradientAsync({ A, B: 1 });
      A.fill(10);
      const second = c.gradientAsync({ A, B: 2 });
      const [r1, r2] = await Promise.all([first, second]);
      expect(r1.value).toBe(6);
      expect(Array.from(r1.gradient.B)).toEqual([1, 2, 3]);
      expect(r2.value).toBe(60);
      expect(Array.from(r2.gradient.B)).toEqual([10, 10, 10]);
    } finally {
      c.dispose();
    }
  });
});

describe('inputs', () => {
  it('a synchronous call while an asynchronous one is queued is refused, then works again', async () => {
    const c = compile('sum(A*A)', { shapes: { A: [2] } }) as CompiledTensor;
    const p = c.gradientAsync({ A: 1 });
    expect(() => c.gradient({ A: 1 })).toThrow(/still running; await it/);
    await p;
    expect(c.gradient({ A: 2 }).value).toBe(8);
  });

  it('refuses plain arrays with holes, strings, undefined, null, objects or booleans, naming the element', () => {
    const c = compile('sum(A)', { shapes: { A: [3] } }) as CompiledTensor;
    // eslint-disable-next-line no-sparse-arrays
    const bad: unknown[][] = [[1, , 3], [1, '2', 3], [undefined, 1, 2], [1, 2, null], [{}, 1, 2], [true, 1, 2], [1, 2, 3n]];
    for (const arr of bad) {
      let err: unknown;
      try {
        c.evaluate({ A: arr as number[] });
      } catch (e) {
        err = e;
      }
      expect(err, String(arr)).toBeInstanceOf(ExprError);
      expect((err as Error).message).toMatch(/A\[\d\] is .*every element must be a number/);
    }
    expect(c.evaluate({ A: [1, 2, 3] })).toBe(6);
    expect(Number.isNaN(c.evaluate({ A: [1, NaN, 3] }))).toBe(true); // NaN is a number: passed through, as given
  });
});
