// `exprgrad train fashion-mnist`, and evaluate/predict with the model it saves: the trainer takes the dataset's name,
// the model file records the dataset, so evaluate and predict load the right test set and predict names the
// classes; a dataset name it does not know is a usage error (exit 2) naming the known ones. Training runs the
// default MLP for a few steps on the real files where the machine has them (../shared/data/fashion-mnist).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { Model } from '../../src/nn/model.js';

const SHARED_FASHION = fileURLToPath(new URL('../../../shared/data/fashion-mnist', import.meta.url));
const haveShared = existsSync(join(SHARED_FASHION, 't10k-labels-idx1-ubyte.gz'));
const dir = mkdtempSync(join(tmpdir(), 'exprgrad-fashion-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { status, out, err };
}
const STACK = /^\s+at\s|\.(?:ts|js|mjs):\d+/m;

describe('the dataset argument', () => {
  it('anything but mnist or fashion-mnist is a usage error naming both', async () => {
    for (const args of [['fashion'], ['Fashion-MNIST'], ['cifar10'], ['fashion-mnist', 'extra'], ['__proto__'], []]) {
      const r = await cli(['train', ...args, '--save', join(dir, 'never.json')]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.err).toContain("expected 'exprgrad train mnist|fashion-mnist'");
      expect(r.err).not.toMatch(STACK);
    }
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('a Fashion-MNIST folder without the files is a data error naming the folder and the dataset (exit 2)', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const r = await cli(['train', 'fashion-mnist', '--data', empty, '--save', join(dir, 'never2.json')]);
    expect(r.status).toBe(2);
    expect(r.err).toContain(`the Fashion-MNIST folder ${empty}`);
    expect(r.err).toContain('lacks train-images-idx3-ubyte[.gz]');
  });

  it('evaluate and predict refuse a model that records a dataset they do not know', async () => {
    const model = Model.create(readFileSync(fileURLToPath(new URL('../../examples/mnist-mlp.exg', import.meta.url)), 'utf8'), 1);
    model.metadata = { dataset: 'cifar\u001b[31m10' };
    const file = join(dir, 'cifar.json');
    writeFileSync(file, JSON.stringify(model.toJSON()));
    for (const args of [['evaluate', '--model', file], ['predict', '--model', file, '0']]) {
      const r = await cli(args);
      expect(r.status).toBe(2);
      expect(r.err).toContain('trained on an unknown dataset');
      expect(r.err).toContain('known: mnist, fashion-mnist');
      expect(r.err).not.toContain('\u001b'); // quoted text never reaches the terminal as a control character
    }
  });
});

describe.runIf(haveShared)('train, evaluate and predict on Fashion-MNIST', () => {
  const save = join(dir, 'f.json');
  it('trains a few steps of the default MLP and records the dataset in the model file', async () => {
    const r = await cli(['train', 'fashion-mnist', '--data', SHARED_FASHION, '--limit', '320', '--epochs', '1', '--batch-size', '64', '--backend', 'wasm', '--mode', 'threads=1', '--save', save, '--json']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'start', train: 256, validation: 64 });
    const done = events.at(-1);
    expect(done.type).toBe('done');
    expect(done.files[0]).toBe(save);
    // 4 steps of Adam on 256 images: far better than chance (10%) on the 10,000 test images, far from trained.
    expect(done.test.accuracy).toBeGreaterThan(0.3);
    const file = JSON.parse(readFileSync(save, 'utf8'));
    expect(file.metadata.dataset).toBe('fashion-mnist');
    expect(file.metadata.data).toBe(SHARED_FASHION);
    expect(readFileSync(save.replace(/\.json$/, '.curves.svg'), 'utf8')).toContain('Fashion-MNIST');
  });

  it('evaluate scores it on the Fashion-MNIST test set', async () => {
    const r = await cli(['evaluate', '--model', save, '--data', SHARED_FASHION]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/test accuracy \d+\.\d\d% \(loss \d+\.\d{4}\) on 10000 Fashion-MNIST images/);
    expect(r.out).toContain('rows: true class');
    expect(r.out).toContain('9 Ankle boot');
    // Fashion-MNIST's test set has 1,000 images of each class: the confusion matrix's rows (true class) say so.
    const rows = r.out.split('\n').filter((l) => /^ {1,2}\d  /.test(l)).map((l) => l.trim().split(/\s+/).slice(1).map(Number));
    expect(rows).toHaveLength(10);
    expect(rows.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(new Array(10).fill(1000));
  });

  it('predict names the classes and takes the test image from Fashion-MNIST', async () => {
    const r = await cli(['predict', '--model', save, '--data', SHARED_FASHION, '0']);
    expect(r.status).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^\d [A-Za-z/ -]+ {3}\(label 9 Ankle boot\)$/);
    expect(r.out).toContain('T-shirt/top');
    const j = JSON.parse((await cli(['predict', '--model', save, '--data', SHARED_FASHION, '--json', '0'])).out);
    expect(j.label).toBe(9);
    expect(j.dataset).toBe('fashion-mnist');
    expect(j.class).toBe(j.classes[j.digit]);
    expect(j.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
