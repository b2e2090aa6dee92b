// Dropout (src/compile/dropout.ts): active only in step() (training), seeded, one draw per step shared by the value
// and its gradient; evaluate() and gradient() run the program without it.
import { describe, expect, it } from 'vitest';
import { compile, sgd, CompiledTensor } from '../../src/index.js';

const SRC = 'x : [40, 50]\np : []\nd = dropout(p * x, rate=0.25)\nloss = sum(d * x)';
const n = 2000;
const x = Float32Array.from({ length: n }, (_, i) => 0.5 + ((i * 7919) % 101) / 101);

function trainer(seed: number, backend = 'js', lr = 0): CompiledTensor {
  const c = compile(SRC, { shapes: { x: [40, 50], p: [] }, wrt: ['p'], keep: ['d'], optimizer: sgd({ lr }), seed, backend });
  if (c.kind !== 'tensor') throw new Error('tensor');
  c.setState('p', Float32Array.of(2));
  return c;
}

describe('dropout', () => {
  it('zeroes about `rate` of the elements while training and scales the rest by 1/(1 − rate)', async () => {
    for (const backend of ['js', 'wasm']) {
      const c = trainer(3, backend);
      let zeros = 0;
      for (let s = 0; s < 5; s++) {
        await c.step({ x });
        const d = c.valueOf('d');
        for (let i = 0; i < n; i++) {
          if (d[i] === 0) zeros++;
          else expect(d[i], backend).toBeCloseTo((2 * x[i]) / 0.75, 4);
        }
      }
      // 10,000 Bernoulli(0.25) draws: mean 2,500, standard deviation 43; 6σ bounds
      expect(zeros, backend).toBeGreaterThan(2500 - 260);
      expect(zeros, backend).toBeLessThan(2500 + 260);
      c.dispose();
    }
  });

  it('draws a new mask each step, the same masks for the same seed, other masks for another seed', async () => {
    const masks = async (seed: number) => {
      const c = trainer(seed);
      const out: string[] = [];
      for (let s = 0; s < 3; s++) {
        await c.step({ x });
        out.push(Array.from(c.valueOf('d'), (v) => (v === 0 ? '0' : '1')).join(''));
      }
      return out;
    };
    const a = await masks(1);
    expect(new Set(a).size).toBe(3);
    expect(await masks(1)).toEqual(a);
    expect((await masks(2))[0]).not.toBe(a[0]);
  });

  it("uses one draw for the value and its gradient (the update follows the kept elements only)", async () => {
    const lr = 1e-4;
    const c = trainer(5, 'js', lr);
    await c.step({ x });
    const d = c.valueOf('d');
    // loss = Σ mask·p·x², so ∂loss/∂p = Σ mask·x² = Σ d·x / p (p = 2 before the step)
    let grad = 0;
    for (let i = 0; i < n; i++) grad += (d[i] * x[i]) / 2;
    expect(c.state('p')[0]).toBeCloseTo(2 - lr * grad, 4);
  });

  it('is the identity in evaluate() and gradient(), and its mask is 1 there', () => {
    const c = compile(SRC, { shapes: { x: [40, 50], p: [] }, wrt: ['p'], dtype: 'float64' });
    if (c.kind !== 'tensor') throw new Error('tensor');
    const x64 = Float64Array.from(x);
    const sumSq = x64.reduce((a, v) => a + v * v, 0);
    expect(c.evaluate({ x: x64, p: 3 })).toBeCloseTo(3 * sumSq, 6);
    const g = c.gradient({ x: x64, p: 3 });
    expect(g.gradient.p[0]).toBeCloseTo(sumSq, 6);
    expect([...c.gradientFormulas().values()][0]).toMatch(/dropout_mask/);
  });
});
