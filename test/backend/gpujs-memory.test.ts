// Memory on the gpujs backend (Node, webasm): RSS after 2,000 training steps within 10% of RSS after 200.
// In its own file, so its process holds nothing but this model (vitest runs each file in a fresh fork).
import { describe, expect, it } from 'vitest';
import { Model } from '../../src/nn/model.js';
import { Adam } from '../../src/nn/adam.js';
import { mulberry32 } from '../helpers.js';

function values(n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rnd() * 2 - 1);
}

const rss = () => {
  globalThis.gc!();
  globalThis.gc!();
  return process.memoryUsage().rss;
};

describe('gpujs: memory', () => {
  it('memory stays flat: RSS after 2,000 steps within 10% of RSS after 200', async () => {
    expect(globalThis.gc, 'run with --expose-gc (vitest.config.ts sets it)').toBeTypeOf('function');
    // A mid-sized MLP (the full MNIST one takes minutes for 2,000 steps in WebAssembly): big enough that the
    // first steps' JIT warm-up is small next to the buffers, so a leak of any per-step allocation would show.
    const program = MEDIUM;
    const m = Model.create(program, 2);
    m.execution = { backend: 'gpujs', mode: 'webasm' };
    const opt = new Adam(m.params);
    const vals = { x: values(64 * 196, 3), y: Float32Array.from({ length: 64 }, (_, i) => i % 10) };
    const prog = m.program(64, true);
    const step = () => opt.step(prog.gradient({ ...vals, ...m.params }).gradient);
    for (let i = 0; i < 200; i++) step();
    const at200 = rss();
    for (let i = 200; i < 2000; i++) step();
    const at2000 = rss();
    console.log(`gpujs memory: RSS ${(at200 / 1e6).toFixed(1)} MB after 200 steps, ${(at2000 / 1e6).toFixed(1)} MB after 2,000 (×${(at2000 / at200).toFixed(3)})`);
    expect(at2000 / at200).toBeLessThan(1.1);
    m.dispose();
  }, 180_000);
});

const MEDIUM = `x : [64, 196]
y : [64]
W1 : [196, 128]; b1 : [128]
W2 : [128, 64]; b2 : [64]
W3 : [64, 10]; b3 : [10]
h1 = relu(x @ W1 + b1)
h2 = relu(h1 @ W2 + b2)
logits = h2 @ W3 + b3
loss = mean(softmax_cross_entropy(logits, y))`;
