// A convolutional model program through the whole trainer: images [B, h, w, c] as x, Glorot-initialized filters,
// dropout active while training only, the model file round trip, evaluation and prediction without dropout.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Model, modelSpec, initParams } from '../../src/nn/model.js';
import { train, evaluateModel, type Labelled, type TrainEvent } from '../../src/nn/train.js';
import { mulberry32 } from '../helpers.js';

// 8×8 one-channel images, 3 classes: a bright horizontal bar, a vertical bar, or a diagonal, at a random place.
const CNN = `x : [16, 8, 8, 1]
y : [16]
K1 : [3, 3, 1, 4]; b1 : [4]
W : [36, 3]; b : [3]
h = max_pool2d(relu(conv2d(x, K1) + b1))
f = dropout(flatten(h), rate=0.25)
logits = f @ W + b
loss = mean(softmax_cross_entropy(logits, y))`;

function shapes(count: number, seed: number): Labelled {
  const rnd = mulberry32(seed);
  const images = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const c = n % 3;
    labels[n] = c;
    const at = 1 + Math.floor(rnd() * 6);
    for (let k = 0; k < 64; k++) images[n * 64 + k] = Math.floor(rnd() * 40);
    for (let t = 0; t < 8; t++) {
      const [i, j] = c === 0 ? [at, t] : c === 1 ? [t, at] : [t, t];
      images[n * 64 + i * 8 + j] = 230;
    }
  }
  return { images, labels, count };
}

describe('a CNN model program', () => {
  it('has the Keras initialization: Glorot over the receptive field for filters, zero biases', () => {
    const spec = modelSpec(CNN);
    expect(spec.features).toBe(64);
    expect(spec.classes).toBe(3);
    expect(spec.trainingOnly).toEqual(['f']);
    const p = initParams(spec, 1);
    const limit = Math.sqrt(6 / (9 * (1 + 4)));
    const k = p.K1;
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    expect([...p.b1]).toEqual([0, 0, 0, 0]);
  });

  it('trains on images, saves, and evaluates and predicts without dropout (deterministic)', async () => {
    for (const backend of ['js', 'wasm']) {
      const model = Model.create(CNN, 3);
      model.execution = { backend };
      const events: TrainEvent[] = [];
      const data = shapes(480, 5);
      const test = shapes(96, 6);
      const result = await train(model, data, test, { epochs: 4, batchSize: 16, lr: 3e-3, seed: 2, validationSplit: 0.1 }, { onEvent: (e) => events.push(e) });
      const start = events.find((e) => e.type === 'start');
      expect(start && start.type === 'start' && start.trainingOnly, backend).toEqual(['f']);
      expect(result.history[0].loss, backend).toBeGreaterThan(result.history.at(-1)!.loss);
      expect(result.test!.accuracy, backend).toBeGreaterThan(0.9);
      // the saved file runs the same program: the same test accuracy, and evaluation is deterministic
      const again = Model.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
      const a = evaluateModel(again, test);
      const b = evaluateModel(again, test);
      expect(a.accuracy).toBe(result.test!.accuracy);
      expect(b.loss).toBe(a.loss);
      const one = new Float32Array(64).map((_, k) => test.images[k] / 255);
      const p1 = again.predict(one);
      expect(again.predict(one)).toEqual(p1);
      expect(p1.probabilities.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      model.dispose();
    }
  }, 120_000);

  it('is the example the README trains: examples/mnist-cnn.exg has 34,826 parameters and the Keras layers', () => {
    const src = readFileSync(new URL('../../examples/mnist-cnn.exg', import.meta.url), 'utf8');
    const m = Model.create(src, 1);
    expect(Object.values(m.params).reduce((a, p) => a + p.length, 0)).toBe(34_826);
    expect(m.spec.shapes.x).toEqual([128, 28, 28, 1]);
    expect(m.spec.trainingOnly).toEqual(['f']);
  });
});
