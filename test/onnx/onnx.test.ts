// ONNX out and in, checked against ONNX Runtime (onnxruntime-web's WebAssembly build, in Node):
//   - a briefly trained MNIST MLP (CLI: train --limit, export) gives ORT logits within 1e-5 of exprgrad's on real
//     MNIST test images; `exprgrad import` of that file gives the same predictions and logits;
//   - every op of the export table, in a small program, evaluates in ORT as compile() evaluates it;
//   - a model in PyTorch's exporter layout (Flatten, Gemm transB=1, Dropout, final Softmax) imports, runs on our
//     backend as in ORT, and scores as its source model does;
//   - ops exprgrad lacks (ConvTranspose, BatchNormalization, custom domains, …) are errors naming op and node
//     (convnets: cnn.test.ts).
// Damaged files are in damaged.test.ts.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { Model, toOnnx, fromOnnx, compile, CompiledTensor, ExprError, ONNX_EXPORTERS } from '../../src/index.js';
import { loadMnist, type Mnist } from '../../src/data/mnist.js';
import { encodeModel, DT, AT, type OnnxNode } from '../../src/onnx/proto.js';
import { runOrt } from './ort.js';
import { pytorchStyleMlp } from './pytorch-layout.js';

const cli = async (argv: string[]) => {
  let out = '';
  let err = '';
  const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { status, out, err };
};

const N = 1000; // MNIST test images compared here (bench/onnx-mnist.mjs does all 10,000)
let mnist: Mnist;
let x: Float32Array;
beforeAll(async () => {
  mnist = await loadMnist({ download: false });
  x = new Float32Array(N * 784);
  for (let i = 0; i < x.length; i++) x[i] = mnist.test.images[i] / 255;
});

const argmax = (a: ArrayLike<number>, row: number, k: number) => {
  let best = 0;
  for (let j = 1; j < k; j++) if (a[row * k + j] > a[row * k + best]) best = j;
  return best;
};
const worstAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
};

describe('ONNX export → ONNX Runtime → import (MNIST MLP trained briefly)', () => {
  it('ORT logits within 1e-5 of exprgrad; the imported model predicts as ORT does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-onnx-'));
    const save = join(dir, 'm.json');
    const t = await cli(['train', 'mnist', '--limit', '1000', '--epochs', '1', '--save', save]);
    expect(t.status, t.err).toBe(0);
    const onnxPath = join(dir, 'm.onnx');
    const ex = await cli(['export', '--model', save, '--onnx', onnxPath]);
    expect(ex.status, ex.err).toBe(0);
    expect(ex.out).toMatch(/wrote .*m\.onnx .*opset 17.*input x \[N, 784\], output logits \[N, 10\]/);
    // Never overwrites.
    const again = await cli(['export', '--model', save, '--onnx', onnxPath]);
    expect(again.status).toBe(2);
    expect(again.err).toMatch(/already exists/);

    const model = Model.fromJSON(JSON.parse(readFileSync(save, 'utf8')));
    const ours = Float32Array.from(model.logits(x, N));
    const bytes = readFileSync(onnxPath);
    const ort = await runOrt(bytes, { x: { data: x, dims: [N, 784] } });
    expect(ort.name).toBe('logits');
    expect(ort.dims).toEqual([N, 10]);
    const worst = worstAbs(ours, ort.data);
    console.log(`ONNX Runtime vs exprgrad on ${N} MNIST test images: worst |Δlogit| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    let agree = 0;
    for (let i = 0; i < N; i++) agree += +(argmax(ours, i, 10) === argmax(ort.data, i, 10));
    expect(agree).toBe(N);

    // Import back through the CLI: a program, and a model beside it that evaluate/diff use.
    const prog = join(dir, 'back.exg');
    const im = await cli(['import', onnxPath, '--out', prog]);
    expect(im.status, im.err).toBe(0);
    expect(existsSync(join(dir, 'back.json'))).toBe(true);
    const back = Model.fromJSON(JSON.parse(readFileSync(join(dir, 'back.json'), 'utf8')));
    const theirs = Float32Array.from(back.logits(x, N));
    expect(worstAbs(theirs, ort.data)).toBeLessThan(1e-5);
    for (let i = 0; i < N; i++) expect(argmax(theirs, i, 10)).toBe(argmax(ort.data, i, 10));
    const ev1 = JSON.parse((await cli(['evaluate', '--model', save, '--json'])).out);
    const ev2 = JSON.parse((await cli(['evaluate', '--model', join(dir, 'back.json'), '--json'])).out);
    expect(ev2.accuracy).toBe(ev1.accuracy);
    const d = await cli(['diff', '--file', prog, '--wrt', 'W4']);
    expect(d.status, d.err).toBe(0);
    expect(d.out).toMatch(/^∂loss\/∂W4 = .*softmax\(logits, axis=1\) − onehot\(y, 10\)/);
    // Printed without --out: the same program.
    const printed = await cli(['import', onnxPath]);
    expect(printed.out).toBe(readFileSync(prog, 'utf8'));
  }, 180_000);
});

describe('every exported op agrees with ONNX Runtime', () => {
  // One small program per op of the export table; inputs a [3, 4], b [3, 4] (positive where the op needs it).
  const cases: Record<string, string> = {
    add: 'a + b', sub: 'a - b', mul: 'a * b', div: 'a / b', pow: 'a ^ 1.5', neg: '-a', exp: 'exp(a)', log: 'log(a)',
    sqrt: 'sqrt(a)', abs: 'abs(a - 1)', sign: 'sign(a - 1)', sin: 'sin(a)', cos: 'cos(a)', tan: 'tan(a)',
    asin: 'asin(a / 3)', acos: 'acos(a / 3)', atan: 'atan(a)', sinh: 'sinh(a)', cosh: 'cosh(a)', tanh: 'tanh(a - 1)',
    sigmoid: 'sigmoid(a - 1)', relu: 'relu(a - 1)', softplus: 'softplus(a - 1)', min: 'min(a, b)', max: 'max(a, b)',
    matmul: 'a @ transpose(b)', log10: 'log10(a)', log2: 'log2(a)', step: 'step(a - 1)', pi: 'a * pi', e: 'a + e',
    transpose: 'transpose(a)', column: 'a + column(sum(b, axis=1))', sum: 'sum(a, axis=0)', mean: 'mean(a, axis=1)',
    amax: 'max(a, axis=1)', logsumexp: 'logsumexp(a, axis=1)', softmax: 'softmax(a, axis=1)', log_softmax: 'log_softmax(a, axis=0)',
  };
  it('the cases cover the whole export table', () => {
    // Image ops (conv2d, pools, flatten, reshape, dropout) have their cases in cnn.test.ts.
    const imageOps = ['conv2d', 'max_pool2d', 'avg_pool2d', 'flatten', 'reshape', 'dropout'];
    expect(Object.keys(cases).sort()).toEqual(Object.keys(ONNX_EXPORTERS).filter((op) => !imageOps.includes(op)).sort());
  });
  const a = Float32Array.from({ length: 12 }, (_, i) => 0.2 + ((i * 37) % 11) / 5);
  const b = Float32Array.from({ length: 12 }, (_, i) => 0.3 + ((i * 53) % 7) / 4);
  for (const [op, expr] of Object.entries(cases)) {
    it(op, async () => {
      const source = `a : [3, 4]\nb : [3, 4]\nw : [4]\nout = ${expr} + 0 * sum(w)`;
      const w = Float32Array.of(1, 2, 3, 4);
      const c = compile(source, { wrt: [], keep: ['out'] }) as CompiledTensor;
      c.evaluate({ a, b, w });
      const ours = c.valueOf('out');
      const bytes = toOnnx({ source, params: { w } });
      const ort = await runOrt(bytes, { a: { data: a, dims: [3, 4] }, b: { data: b, dims: [3, 4] } });
      expect(ort.data.length).toBe(ours.length);
      for (let i = 0; i < ours.length; i++) expect(Math.abs(ort.data[i] - ours[i]), `${op} [${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(ours[i])));
    });
  }
  it('a loss does not export: the error names the op and the statement', () => {
    const m = Model.create(readFileSync('examples/mnist-mlp.exg', 'utf8'), 1);
    expect(() => toOnnx(m, { output: 'loss' })).toThrow(/op 'softmax_cross_entropy' in statement 'loss' has no ONNX export/);
    expect(() => toOnnx(m, { output: 'nope' })).toThrow(ExprError);
  });
});

describe('a model in PyTorch exporter layout', () => {
  it('imports (Flatten of [N,1,28,28], Gemm transB=1, Dropout, final Softmax), runs as in ORT, scores as its source', async () => {
    // The source: a small MLP trained briefly by exprgrad, its weights written as PyTorch lays them out.
    const src = 'x : [128, 784]\ny : [128]\nW1 : [784, 64]; b1 : [64]\nW2 : [64, 10]; b2 : [10]\nh = relu(x @ W1 + b1)\nlogits = h @ W2 + b2\nloss = mean(softmax_cross_entropy(logits, y))\n';
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-pt-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'small.exg'), src);
    const t = await cli(['train', 'mnist', '--model-src', join(dir, 'small.exg'), '--limit', '1000', '--epochs', '1', '--save', join(dir, 's.json')]);
    expect(t.status, t.err).toBe(0);
    const source = Model.fromJSON(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')));
    const p = source.params;
    const bytes = pytorchStyleMlp([{ W: p.W1, b: p.b1, inF: 784, outF: 64 }, { W: p.W2, b: p.b2, inF: 64, outF: 10 }], { softmax: true, dropout: true });
    const ort = await runOrt(bytes, { input: { data: x, dims: [N, 1, 28, 28] } });
    const r = fromOnnx(bytes, 'torch.onnx');
    expect(r.softmaxStripped).toBe(true);
    expect(r.source).toMatch(/^# Imported from ONNX \(pytorch 2\.5\.1, opset 17, graph 'main_graph'\)/);
    expect(r.source).toMatch(/flattened to 784 features/);
    expect(r.source).toContain('fc1_weight : [784, 64]'); // stored transposed: the program reads x @ fc1_weight
    expect(r.source).toMatch(/x @ fc1_weight \+ fc1_bias/);
    const logits = Float32Array.from(r.model.logits(x, N));
    // ORT's output is softmax(logits): compare probabilities and predictions.
    let worst = 0;
    for (let i = 0; i < N; i++) {
      let m = -Infinity;
      for (let j = 0; j < 10; j++) m = Math.max(m, logits[i * 10 + j]);
      let s = 0;
      for (let j = 0; j < 10; j++) s += Math.exp(logits[i * 10 + j] - m);
      for (let j = 0; j < 10; j++) worst = Math.max(worst, Math.abs(Math.exp(logits[i * 10 + j] - m) / s - ort.data[i * 10 + j]));
      expect(argmax(logits, i, 10)).toBe(argmax(ort.data, i, 10));
    }
    expect(worst).toBeLessThan(1e-5);
    // Scores as its source: the same logits as the model it was written from.
    expect(worstAbs(logits, source.logits(x, N))).toBeLessThan(1e-5);
  }, 120_000);
});

describe('ops exprgrad does not have', () => {
  const withNode = (node: OnnxNode, extra: Partial<Parameters<typeof encodeModel>[0]> = {}) =>
    encodeModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [node],
        input: [{ name: 'in', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: 1 }, { dim_value: 8 }, { dim_value: 8 }] } } } }],
        output: [{ name: 'out', type: { tensor_type: { elem_type: DT.FLOAT } } }],
      },
      ...extra,
    });
  for (const op of ['ConvTranspose', 'GlobalAveragePool', 'BatchNormalization', 'LSTM', 'Gather', 'NonMaxSuppression']) {
    it(`${op} is an error naming the op and the node`, () => {
      const bytes = withNode({ name: `layer_${op}`, op_type: op, input: ['in'], output: ['out'], attribute: [{ name: 'kernel_shape', type: AT.INTS, ints: [3, 3] }] });
      expect(() => fromOnnx(bytes, 'm.onnx')).toThrow(new RegExp(`m\\.onnx: ONNX op '${op}' \\(node 'layer_${op}' \\(#0\\)\\) is not supported by exprgrad`));
    });
  }
  it('an op of another domain is named with its domain', () => {
    const bytes = withNode({ name: 'fused', op_type: 'FusedGemm', domain: 'com.microsoft', input: ['in'], output: ['out'] });
    expect(() => fromOnnx(bytes)).toThrow(/node 'fused' \(#0\) uses op 'FusedGemm' of domain 'com\.microsoft'/);
  });
  it('an image output (not [batch, classes]) is an error naming the output', () => {
    const bytes = withNode({ name: 'r', op_type: 'Relu', input: ['in'], output: ['out'] });
    expect(() => fromOnnx(bytes)).toThrow(/the output 'out' is an NCHW image or its flattening; exprgrad's models output \[batch, classes\]/);
  });
  it('CLI: exit status 2 and the message, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-onnx-op-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'conv.onnx'), withNode({ name: 'conv1', op_type: 'ConvTranspose', input: ['in'], output: ['out'] }));
    const r = await cli(['import', join(dir, 'conv.onnx')]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/ONNX op 'ConvTranspose' \(node 'conv1' \(#0\)\) is not supported by exprgrad yet/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('export edge cases', () => {
  it('an output that is an input, a weight or a constant; axis −1; no unused initializers', async () => {
    const a = Float32Array.from({ length: 6 }, (_, i) => i / 3);
    for (const [expr, want] of [
      ['a', Array.from(a)],
      ['w', [1, 2, 3]],
      ['softmax(a, axis=-1) * 0 + a', Array.from(a)],
    ] as const) {
      const source = `a : [2, 3]\nw : [3]\nout = ${expr}`;
      const bytes = toOnnx({ source, params: { w: Float32Array.of(1, 2, 3) } });
      const ort = await runOrt(bytes, { a: { data: a, dims: [2, 3] } });
      expect(Array.from(ort.data).map((v) => Math.fround(v)), expr).toEqual(want.map((v) => Math.fround(v)));
      const { decodeModel } = await import('../../src/onnx/proto.js');
      const g = decodeModel(bytes).graph!;
      const read = new Set((g.node ?? []).flatMap((n) => n.input ?? []));
      for (const t of g.initializer ?? []) expect(read.has(t.name!) || g.output![0].name === t.name, `${expr}: initializer ${t.name} unused`).toBe(true);
    }
  });
});
