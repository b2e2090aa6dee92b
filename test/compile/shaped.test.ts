// Tensor programs compiled without shapes take them from the first values passed in.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile/compile.js';
import { ShapedProgram } from '../../src/compile/shaped.js';
import { ExprError } from '../../src/errors.js';

describe('shapes from the values', () => {
  it('nested arrays and { data, shape } give the shapes; results match an explicitly shaped compile', () => {
    const src = 'sum(relu(A @ B + b))';
    const p = compile(src) as ShapedProgram;
    expect(p).toBeInstanceOf(ShapedProgram);
    const A = [[1, -2, 3], [0.5, 1, -1]];
    const B = { data: [1, 0, 2, -1, 0.5, 0.5], shape: [3, 2] };
    const b = [0.1, -0.2];
    // A @ B = [[1 − 4 + 1.5, 0 + 2 + 1.5], [0.5 + 2 − 0.5, 0 − 1 − 0.5]] = [[−1.5, 3.5], [2, −1.5]]
    // + b = [[−1.4, 3.3], [2.1, −1.7]]; relu keeps 3.3 and 2.1
    expect(p.evaluate({ A, B, b }) as number).toBeCloseTo(5.4, 5);
    const g = p.gradient({ A, B, b });
    const explicit = compile(src, { shapes: { A: [2, 3], B: [3, 2], b: [2] } });
    const ref = (explicit as { gradient: ShapedProgram['gradient'] }).gradient({ A: A.flat(), B: B.data, b });
    expect([...g.gradient.A]).toEqual([...ref.gradient.A]);
    expect([...g.gradient.b]).toEqual([1, 1]);
  });

  it('a flat typed array without a shape is refused with a clear error', () => {
    const p = compile('sum(A @ B)') as ShapedProgram;
    expect(() => p.evaluate({ A: new Float32Array(4) as never, B: [[1], [2]] })).toThrow(ExprError);
    expect(() => p.evaluate({ A: new Float32Array(4) as never, B: [[1], [2]] })).toThrow(/pass \{ data, shape \}/);
  });
});
