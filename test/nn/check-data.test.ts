// Data that does not fit a model is refused before any number is computed: the wrong number of features (the issue:
// a 100-feature model "scored" 10.28% on 784-pixel MNIST), labels the model has no class for, NaN or non-integer
// labels, too few labels, non-numbers in plain arrays; in evaluateModel() and train() alike.
import { describe, expect, it } from 'vitest';
import { Model } from '../../src/nn/model.js';
import { evaluateModel, train, type Labelled } from '../../src/nn/train.js';
import { checkLabelled } from '../../src/nn/check-data.js';
import { ExprError } from '../../src/errors.js';

const program = (features: number, classes: number) => `x : [4, ${features}]
y : [4]
W : [${features}, ${classes}]; b : [${classes}]
logits = x @ W + b
loss = mean(softmax_cross_entropy(logits, y))`;

const data = (count: number, features: number, label = (i: number) => i % 3): Labelled => ({
  images: new Uint8Array(count * features).fill(100),
  labels: Uint8Array.from({ length: count }, (_, i) => label(i)),
  count,
});

function refused(f: () => unknown, pattern: RegExp, label: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, label).toBeInstanceOf(ExprError);
  expect((err as Error).message, label).toMatch(pattern);
}

describe('data that does not fit the model', () => {
  it('a feature count that differs (generated widths) is refused by evaluateModel and train', async () => {
    for (const [model, given] of [[100, 784], [784, 100], [16, 15], [16, 17], [3, 6]]) {
      const m = Model.create(program(model, 3), 1);
      const d = data(10, given);
      refused(() => evaluateModel(m, d), new RegExp(`expects ${model} features per example, the data has ${10 * given} values for 10 examples`), `${model}/${given}`);
      await expect(train(m, d, undefined, { epochs: 1, batchSize: 4 })).rejects.toThrow(/features per example/);
    }
  });

  it('labels outside the classes, fractional, NaN, negative or not numbers are refused, naming the index', () => {
    const m = Model.create(program(4, 7), 1);
    const bad: [ArrayLike<unknown>, RegExp][] = [
      [[0, 1, 9], /label 9 at index 2 is not a class of the model \(it has 7: 0…6\)/],
      [[7], /label 7 at index 0/],
      [new Float32Array([0, 1.5]), /label 1.5 at index 1/],
      [new Float32Array([NaN]), /label NaN at index 0/],
      [[-1], /label -1/],
      [['2'], /label string at index 0/],
      [[0, undefined], /label undefined at index 1/],
    ];
    for (const [labels, why] of bad) {
      const count = labels.length;
      refused(() => evaluateModel(m, { images: new Uint8Array(count * 4), labels: labels as Uint8Array, count }), why, String(labels));
    }
  });

  it('too few labels, a bad count, non-numbers among plain-array pixels', () => {
    const m = Model.create(program(2, 3), 1);
    refused(() => checkLabelled(m, { images: new Uint8Array(6), labels: new Uint8Array(2), count: 3 }), /3 examples but only 2 labels/, 'labels');
    refused(() => checkLabelled(m, { images: new Uint8Array(6), labels: new Uint8Array(3), count: 1.5 }), /count must be a non-negative integer/, 'count');
    refused(() => checkLabelled(m, { images: [1, 2, 'x', 4] as never, labels: [0, 1], count: 2 }), /image value at index 2 is not a number/, 'pixels');
  });

  it('data that fits is scored as before', () => {
    const m = Model.create(program(4, 3), 1);
    const r = evaluateModel(m, data(12, 4));
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(12);
  });
});
