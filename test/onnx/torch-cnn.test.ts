// A convnet written by a real exporter: test/fixtures/torch-mnist-cnn.onnx, made by PyTorch 1.13's torch.onnx.export
// (scripts/make-torch-mnist-cnn.py: Conv2d(1, 8, 3), ReLU, MaxPool2d(2), Conv2d(8, 16, 3, padding=1), ReLU,
// MaxPool2d(2), Flatten, Dropout, Linear; opset 17; NCHW input [N, 1, 28, 28] with a dynamic batch; trained by PyTorch
// on 6,000 MNIST images). Its sidecar .json holds what PyTorch itself computed. Checked, through fromOnnx and through
// `exprgrad import`: the program takes x as NHWC [batch, 28, 28, 1] and uses conv2d, its logits on the first 16 test
// images match PyTorch's (1e-4) and ONNX Runtime's (1e-5), and on the 10,000 MNIST test images it scores the accuracy
// PyTorch reported, within one image.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { fromOnnx, evaluateModel, Model } from '../../src/index.js';
import { loadMnist } from '../../src/data/mnist.js';
import { runOrt } from './ort.js';

const fixture = new URL('../fixtures/torch-mnist-cnn.onnx', import.meta.url);
const source = JSON.parse(readFileSync(new URL('../fixtures/torch-mnist-cnn.json', import.meta.url), 'utf8')) as { torch: string; test_accuracy: number; first16_logits: number[][] };

const cli = async (argv: string[]) => {
  let out = '';
  let err = '';
  const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { status, out, err };
};

/** The program an import wrote: NHWC images in, conv2d twice, max pools, the flattening into the Linear layer. */
const expectConvProgram = (text: string) => {
  expect(text).toMatch(/^# Imported from ONNX \(pytorch 1\.13\.\d+, opset 17/);
  expect(text).toMatch(/NCHW in ONNX, NHWC here/);
  expect(text).toMatch(/^x : \[\d+, 28, 28, 1\]$/m);
  expect(text.match(/conv2d\(/g)?.length).toBe(2);
  expect(text).toMatch(/conv2d\(x, \w+\)/);
  expect(text).toMatch(/conv2d\(\w+, \w+, pad=1\)/);
  expect(text.match(/max_pool2d\(\w+, size=2\)/g)?.length).toBe(2);
  expect(text).toMatch(/flatten\(/);
  expect(text).not.toMatch(/dropout/);
};

describe('a convnet ONNX file from PyTorch\'s exporter', () => {
  it('imports by fromOnnx and `exprgrad import`, matches PyTorch and ONNX Runtime, and scores as PyTorch says', async () => {
    const bytes = readFileSync(fixture);
    const r = fromOnnx(bytes, 'torch-mnist-cnn.onnx');
    expectConvProgram(r.source);
    expect(r.inputName).toBe('input');
    expect(r.outputName).toBe('logits');
    expect(r.model.spec.classes).toBe(10);

    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-torch-cnn-'));
    const prog = join(dir, 'cnn.exg');
    const im = await cli(['import', fileURLToPath(fixture), '--out', prog]);
    expect(im.status, im.err).toBe(0);
    const text = readFileSync(prog, 'utf8');
    expectConvProgram(text);
    const viaCli = Model.fromJSON(JSON.parse(readFileSync(join(dir, 'cnn.json'), 'utf8')));

    const { test } = await loadMnist({ download: false });
    const n = 16;
    // One channel: the image in NCHW [n, 1, 28, 28] and in NHWC [n, 28, 28, 1] is the same array.
    const x = Float32Array.from(test.images.subarray(0, n * 784), (v) => v / 255);
    const ort = await runOrt(bytes, { input: { data: x, dims: [n, 1, 28, 28] } });
    expect(ort.dims).toEqual([n, 10]);
    for (const [how, model] of [['fromOnnx', r.model], ['exprgrad import', viaCli]] as const) {
      const ours = model.logits(x, n);
      expect(ours.length).toBe(n * 10);
      let vsOrt = 0;
      let vsTorch = 0;
      for (let i = 0; i < n * 10; i++) {
        vsOrt = Math.max(vsOrt, Math.abs(ours[i] - ort.data[i]));
        vsTorch = Math.max(vsTorch, Math.abs(ours[i] - source.first16_logits[Math.floor(i / 10)][i % 10]));
      }
      console.log(`PyTorch ${source.torch} convnet export, ${how}: |Δlogit| vs ONNX Runtime ${vsOrt.toExponential(2)}, vs PyTorch ${vsTorch.toExponential(2)}`);
      expect(vsOrt).toBeLessThan(1e-5);
      expect(vsTorch).toBeLessThan(1e-4);
    }

    const score = evaluateModel(r.model, test);
    console.log(`PyTorch ${source.torch} convnet export: accuracy on ${test.count} MNIST test images ${score.accuracy} (PyTorch ${source.test_accuracy})`);
    expect(test.count).toBe(10_000);
    expect(Math.abs(score.accuracy - source.test_accuracy)).toBeLessThanOrEqual(1 / test.count + 1e-9);
  }, 180_000);
});
