// compile() options from JavaScript callers: every malformed shape (generated) is an ExprError('shape') naming the
// input, before anything is built; valid shapes still compile and give the right numbers.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile/compile.js';
import { CompiledTensor } from '../../src/compile/tensor.js';
import { ExprError } from '../../src/errors.js';
import { MAX_TENSOR_ELEMENTS } from '../../src/tensor/check-options.js';

function refused(f: () => unknown, code: string, pattern: RegExp, label: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, label).toBeInstanceOf(ExprError);
  expect((err as ExprError).code, label).toBe(code);
  expect((err as ExprError).message, label).toMatch(pattern);
}

describe('compile() shape checks', () => {
  const badDims: unknown[] = [0, -1, -7, 2.5, 0.5, NaN, Infinity, -Infinity, '2', null, undefined, true, [2], {}, 1e400];
  it('refuses every bad dimension in every position (15 values × 2 positions × ranks 1 and 2)', () => {
    for (const d of badDims) {
      for (const shape of [[d], [d, 3], [3, d]]) {
        refused(() => compile('sum(A)', { shapes: { A: shape as number[] } }), 'shape', /the shape of A has dimension \d = .*positive integer/, JSON.stringify(shape) ?? String(d));
      }
    }
  });

  it('computes ranks 3 and 4 right, and refuses ranks above 4 (the old bug: [2, 2, 2] summed 8 ones to 4)', () => {
    for (const rank of [3, 4]) {
      const c = compile('sum(A)', { shapes: { A: Array(rank).fill(2) } });
      expect(c.kind === 'tensor' && c.evaluate({ A: 1 }), `rank ${rank}`).toBe(2 ** rank);
    }
    for (let rank = 5; rank <= 7; rank++) {
      refused(() => compile('sum(A)', { shapes: { A: Array(rank).fill(2) } }), 'shape', new RegExp(`has ${rank} dimensions .*at most 4`), `rank ${rank}`);
    }
  });

  it('refuses shapes too large to allocate, and accepts the largest allowed', () => {
    for (const shape of [[1e9, 1e9], [MAX_TENSOR_ELEMENTS + 1], [2 ** 15, 2 ** 14 + 1], [Number.MAX_SAFE_INTEGER]]) {
      refused(() => compile('sum(A)', { shapes: { A: shape } }), 'shape', /elements; at most 268,435,456/, JSON.stringify(shape));
    }
    expect(() => compile('sum(A)', { shapes: { A: [2 ** 14, 2 ** 14] } })).not.toThrow();
  });

  it('refuses shapes that are not arrays, and options of the wrong type', () => {
    for (const shape of ['2,2', 4, null, { 0: 2, length: 1 }]) refused(() => compile('sum(A)', { shapes: { A: shape as never } }), 'shape', /must be an array of dimensions/, String(shape));
    const opts: [unknown, RegExp][] = [
      [null, /options must be an object/],
      ['fast', /options must be an object/],
      [{ shapes: [[2, 2]] }, /shapes must be an object/],
      [{ shapes: 'A:[2]' }, /shapes must be an object/],
      [{ wrt: 'A' }, /wrt must be an array/],
      [{ keep: [1] }, /keep must be an array/],
      [{ backend: 3 }, /backend must be a string/],
      [{ dtype: 'int8' }, /dtype must be 'float32' or 'float64'/],
    ];
    for (const [o, why] of opts) refused(() => compile('sum(A)', o as never), 'usage', why, JSON.stringify(o));
  });

  it('valid shapes compile and compute: rank 0, 1 and 2, from options and from declarations', () => {
    const c = compile('sum(A*A)', { shapes: { A: [2, 3] } }) as CompiledTensor;
    expect(c.evaluate({ A: 2 })).toBe(24);
    const v = compile('sum(A)', { shapes: { A: [5] } }) as CompiledTensor;
    expect(v.evaluate({ A: [1, 2, 3, 4, 5] })).toBe(15);
    const d = compile('A : [2, 2]\nsum(A)') as CompiledTensor;
    expect(d.evaluate({ A: 1 })).toBe(4);
  });
});
