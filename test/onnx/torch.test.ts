// A model written by a real exporter: test/fixtures/torch-mnist-mlp.onnx, made by PyTorch 1.13's torch.onnx.export
// (scripts/make-torch-mnist.py: Flatten, Linear, ReLU, Dropout, Linear; opset 17; trained by PyTorch on 6,000
// MNIST images). Its sidecar .json holds what PyTorch itself computed. Checked: it imports (Flatten of
// [batch, 1, 28, 28] into x, Gemm with transB = 1 into x @ W), its logits match PyTorch's and ONNX Runtime's, and
// on the 10,000 MNIST test images it scores the accuracy PyTorch reported.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromOnnx, evaluateModel } from '../../src/index.js';
import { loadMnist } from '../../src/data/mnist.js';
import { runOrt } from './ort.js';

const fixture = new URL('../fixtures/torch-mnist-mlp.onnx', import.meta.url);
const source = JSON.parse(readFileSync(new URL('../fixtures/torch-mnist-mlp.json', import.meta.url), 'utf8')) as { torch: string; test_accuracy: number; first16_logits: number[][] };

describe('an ONNX file from PyTorch\'s exporter', () => {
  it('imports, matches PyTorch and ONNX Runtime, and scores as PyTorch says', async () => {
    const bytes = readFileSync(fixture);
    const r = fromOnnx(bytes, 'torch-mnist-mlp.onnx');
    expect(r.source).toMatch(/^# Imported from ONNX \(pytorch 1\.13\.\d+, opset 17/);
    expect(r.source).toMatch(/flattened to 784 features/);
    expect(r.inputName).toBe('input');
    expect(r.model.spec.features).toBe(784);
    expect(r.model.spec.classes).toBe(10);
    const { test } = await loadMnist({ download: false });
    const n = 16;
    const x = Float32Array.from(test.images.subarray(0, n * 784), (v) => v / 255);
    const ours = r.model.logits(x, n);
    const ort = await runOrt(bytes, { input: { data: x, dims: [n, 1, 28, 28] } });
    let vsOrt = 0;
    let vsTorch = 0;
    for (let i = 0; i < n * 10; i++) {
      vsOrt = Math.max(vsOrt, Math.abs(ours[i] - ort.data[i]));
      vsTorch = Math.max(vsTorch, Math.abs(ours[i] - source.first16_logits[Math.floor(i / 10)][i % 10]));
    }
    console.log(`PyTorch ${source.torch} export: |Δlogit| vs ONNX Runtime ${vsOrt.toExponential(2)}, vs PyTorch ${vsTorch.toExponential(2)}`);
    expect(vsOrt).toBeLessThan(1e-5);
    expect(vsTorch).toBeLessThan(1e-5);
    const score = evaluateModel(r.model, test);
    expect(Math.abs(score.accuracy - source.test_accuracy)).toBeLessThanOrEqual(1 / test.count);
  }, 60_000);
});
