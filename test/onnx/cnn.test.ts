// ONNX out and in for convnets, checked against ONNX Runtime (onnxruntime-web's WebAssembly build, in Node):
//   - the Keras-style MNIST convnet (examples/mnist-cnn.exg), seeded weights with nonzero biases, through the CLI
//     (export, import): ORT logits within 1e-5 of exprgrad's on 300 MNIST test images, the imported program predicts
//     as ORT does, and `diff` differentiates it;
//   - small image programs (stride 2, pad 1, 1×1 filters, average and strided pools, reshape, an image output, a
//     computed bias, dropout) agree with ORT, and import back to the same values;
//   - a model in PyTorch's layout (NCHW input with 2 channels, Conv with its bias, SAME_UPPER, Flatten in c·h·w order,
//     Gemm transB) imports and runs on our backend as in ORT;
//   - image ops exprgrad lacks in ONNX's generality (pads not the same on every side, group ≠ 1, dilations ≠ 1, …)
//     are errors naming the node and the attribute.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { Model, toOnnx, fromOnnx, compile, CompiledTensor, rng, ONNX_EXPORTERS } from '../../src/index.js';
import { loadMnist } from '../../src/data/mnist.js';
import { encodeModel, decodeModel, DT, AT, type OnnxNode, type OnnxAttribute, type OnnxTensor } from '../../src/onnx/proto.js';
import { permute } from '../../src/onnx/layout.js';
import { runOrt } from './ort.js';

const cli = async (argv: string[]) => {
  let out = '';
  let err = '';
  const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { status, out, err };
};
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
const randomArray = (n: number, seed: number, scale = 1) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
};

const N = 300;
let x: Float32Array;
beforeAll(async () => {
  const mnist = await loadMnist({ download: false });
  x = new Float32Array(N * 784);
  for (let i = 0; i < x.length; i++) x[i] = mnist.test.images[i] / 255;
});

describe('MNIST convnet: export → ONNX Runtime → import', () => {
  it('ORT logits within 1e-5 of exprgrad on MNIST test images; the imported program predicts as ORT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-onnx-cnn-'));
    const model = Model.create(readFileSync(new URL('../../examples/mnist-cnn.exg', import.meta.url), 'utf8'), 7);
    let seed = 100;
    for (const [name, p] of Object.entries(model.params)) if (model.spec.shapes[name].length === 1) p.set(randomArray(p.length, seed++, 0.1));
    const save = join(dir, 'cnn.json');
    writeFileSync(save, JSON.stringify(model.toJSON()));
    const onnxPath = join(dir, 'cnn.onnx');
    const ex = await cli(['export', '--model', save, '--onnx', onnxPath]);
    expect(ex.status, ex.err).toBe(0);
    expect(ex.out).toMatch(/input x \[N, 28, 28, 1\], output logits \[N, 10\]/);

    // The graph: NCHW Conv/MaxPool between one Transpose in and one out, filters [F, C, kh, kw], no Dropout node.
    const g = decodeModel(readFileSync(onnxPath)).graph!;
    const ops = g.node!.map((n) => n.op_type);
    expect(ops.filter((o) => o === 'Transpose')).toHaveLength(2);
    expect(ops).not.toContain('Dropout');
    expect(ops.indexOf('Flatten')).toBeGreaterThan(ops.lastIndexOf('Transpose'));
    const K1 = g.initializer!.find((t) => t.name === 'K1')!;
    expect(K1.dims!.map(Number)).toEqual([32, 1, 3, 3]);
    expect(g.initializer!.find((t) => t.name === 'b1')!.dims!.map(Number)).toEqual([32, 1, 1]);

    const ours = Float32Array.from(model.logits(x, N));
    const ort = await runOrt(readFileSync(onnxPath), { x: { data: x, dims: [N, 28, 28, 1] } });
    expect(ort.dims).toEqual([N, 10]);
    const worst = worstAbs(ours, ort.data);
    console.log(`convnet: ONNX Runtime vs exprgrad on ${N} MNIST test images: worst |Δlogit| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    for (let i = 0; i < N; i++) expect(argmax(ours, i, 10)).toBe(argmax(ort.data, i, 10));

    const prog = join(dir, 'back.exg');
    const im = await cli(['import', onnxPath, '--out', prog]);
    expect(im.status, im.err).toBe(0);
    const text = readFileSync(prog, 'utf8');
    expect(text).toMatch(/^x : \[128, 28, 28, 1\]$/m);
    expect(text).toMatch(/^K1 : \[3, 3, 1, 32\]$/m);
    expect(text).toMatch(/conv2d\(x, K1\)/);
    const back = Model.fromJSON(JSON.parse(readFileSync(join(dir, 'back.json'), 'utf8')));
    const again = Float32Array.from(back.logits(x, N));
    expect(worstAbs(again, ort.data)).toBeLessThan(1e-5);
    for (let i = 0; i < N; i++) expect(argmax(again, i, 10)).toBe(argmax(ort.data, i, 10));
    const d = await cli(['diff', '--file', prog, '--wrt', 'K1']);
    expect(d.status, d.err).toBe(0);
    expect(d.out).toMatch(/^∂loss\/∂K1 = .*conv2d_backprop_filter\(x, /);
  }, 180_000);
});

describe('image programs agree with ONNX Runtime, and import back', () => {
  // x [2, 7, 7, 3]; every case ends in logits [2, 4] (so it imports as a model), except the image output.
  const cases: Record<string, { body: string; params: Record<string, number[]> }> = {
    'stride 2, pad 1, bias, relu': { body: 'h = relu(conv2d(x, K, stride=2, pad=1) + c)', params: { K: [3, 3, 3, 5], c: [5] } },
    '1×1 filters': { body: 'h = conv2d(x, K) * 2 - c', params: { K: [1, 1, 3, 4], c: [4] } },
    'pad 2 on 5×5 filters, then a strided max pool': { body: 'h = max_pool2d(tanh(conv2d(x, K, pad=2)), size=3, stride=2)', params: { K: [5, 5, 3, 2] } },
    'average pool of the input': { body: 'h = avg_pool2d(x, size=2)', params: {} },
    'a computed per-channel bias and a scalar': { body: 'h = sigmoid(conv2d(x, K) + c * c + 0.5)', params: { K: [2, 2, 3, 3], c: [3] } },
    'reshape of an image': { body: 'h = reshape(relu(conv2d(x, K, pad=1)), 2, 7, 14, -1)', params: { K: [3, 3, 3, 4] } },
    'flatten then reshape to [batch, n]': { body: 'h = reshape(flatten(avg_pool2d(x, size=3, stride=2)), 2, -1)', params: {} },
    'dropout between conv layers': { body: 'h = conv2d(dropout(relu(conv2d(x, K, pad=1)), rate=0.3), K2, stride=3)', params: { K: [3, 3, 3, 4], K2: [2, 2, 4, 2] } },
  };
  const xs = randomArray(2 * 7 * 7 * 3, 1);
  it('the cases cover every image op of the export table', () => {
    const used = Object.values(cases).map((c) => c.body).join(' ');
    for (const op of ['conv2d', 'max_pool2d', 'avg_pool2d', 'flatten', 'reshape', 'dropout']) {
      expect(ONNX_EXPORTERS).toHaveProperty(op);
      expect(used).toMatch(new RegExp(`\\b${op}\\(`));
    }
  });
  for (const [title, { body, params }] of Object.entries(cases)) {
    it(title, async () => {
      const decl = Object.entries(params).map(([n, s]) => `${n} : [${s.join(', ')}]`);
      const flatSize = (await imageShape(body, params)).slice(1).reduce((a, b) => a * b, 1);
      const source = ['x : [2, 7, 7, 3]', 'y : [2]', ...decl, `W : [${flatSize}, 4]`, body, 'logits = flatten(h) @ W', 'loss = mean(softmax_cross_entropy(logits, y))'].join('\n');
      const values: Record<string, Float32Array> = {};
      let seed = 10;
      for (const [n, s] of Object.entries(params)) values[n] = randomArray(s.reduce((a, b) => a * b, 1), seed++, 0.5);
      values.W = randomArray(flatSize * 4, 99, 0.3);
      const c = compile(source, { wrt: [], keep: ['logits'] }) as CompiledTensor;
      c.evaluate({ x: xs, y: new Float32Array(2), ...values });
      const ours = Float32Array.from(c.valueOf('logits'));
      c.dispose();
      const bytes = toOnnx({ source, params: values }, { output: 'logits', batchInputs: ['x'] });
      const ort = await runOrt(bytes, { x: { data: xs, dims: [2, 7, 7, 3] } });
      expect(worstAbs(ours, ort.data)).toBeLessThan(1e-5);
      const back = fromOnnx(bytes, 'case.onnx', { batch: 2 });
      expect(worstAbs(Float32Array.from(back.model.logits(xs, 2)), ort.data)).toBeLessThan(1e-5);
    });
  }
  it('an image output is written back in NHWC', async () => {
    const source = 'x : [2, 7, 7, 3]\nK : [3, 3, 3, 4]\nc : [4]\nh = relu(conv2d(x, K, stride=2, pad=1) + c)';
    const values = { K: randomArray(108, 3), c: randomArray(4, 4) };
    const cc = compile(source, { wrt: [], keep: ['h'] }) as CompiledTensor;
    cc.evaluate({ x: xs, ...values });
    const ours = Float32Array.from(cc.valueOf('h'));
    cc.dispose();
    const ort = await runOrt(toOnnx({ source, params: values }, { batchInputs: ['x'] }), { x: { data: xs, dims: [2, 7, 7, 3] } });
    expect(ort.dims).toEqual([2, 4, 4, 4]);
    expect(worstAbs(ours, ort.data)).toBeLessThan(1e-5);
  });
});

/** The shape of h in a case (x [2, 7, 7, 3]). */
async function imageShape(body: string, params: Record<string, number[]>): Promise<readonly number[]> {
  const { parseProgram } = await import('../../src/parse/parse.js');
  const { inferShapes } = await import('../../src/tensor/shapes.js');
  const p = parseProgram(`x : [2, 7, 7, 3]\n${Object.entries(params).map(([n, s]) => `${n} : [${s.join(', ')}]`).join('\n')}\n${body}`);
  const h = p.statements.find((s) => s.name === 'h')!.expr;
  return inferShapes(h, (n) => p.shapes[n]).get(h)!;
}

// A PyTorch-layout convnet: in [N, 2, 8, 8] → Conv 3×3 (4 filters, bias, auto_pad or pads) → Relu → MaxPool 2 →
// Flatten (c·h·w) → Gemm transB=1 → out [N, 3].
const f32 = (name: string, dims: number[], data: Float32Array): OnnxTensor => ({ name, dims, data_type: DT.FLOAT, float_data: Array.from(data) });
const ints = (name: string, v: number[]): OnnxAttribute => ({ name, type: AT.INTS, ints: v });
function torchStyle(convAttrs: OnnxAttribute[] = [ints('pads', [1, 1, 1, 1])], opts: { conv?: Partial<OnnxNode>; pool?: OnnxAttribute[]; poolNode?: Partial<OnnxNode>; filters?: number[]; extra?: OnnxNode[] } = {}): Uint8Array {
  const filters = opts.filters ?? [4, 2, 3, 3];
  return encodeModel({
    ir_version: 8,
    producer_name: 'pytorch',
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'torch_jit',
      node: [
        { name: '/conv/Conv', op_type: 'Conv', input: ['input', 'conv.weight', 'conv.bias'], output: ['/conv/Conv_output_0'], attribute: convAttrs, ...opts.conv },
        { name: '/relu/Relu', op_type: 'Relu', input: ['/conv/Conv_output_0'], output: ['/relu/Relu_output_0'] },
        { name: '/pool/MaxPool', op_type: 'MaxPool', input: ['/relu/Relu_output_0'], output: ['/pool/MaxPool_output_0'], attribute: opts.pool ?? [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), ints('pads', [0, 0, 0, 0])], ...opts.poolNode },
        ...(opts.extra ?? []),
        { name: '/flat/Flatten', op_type: 'Flatten', input: ['/pool/MaxPool_output_0'], output: ['/flat/Flatten_output_0'], attribute: [{ name: 'axis', type: AT.INT, i: 1 }] },
        { name: '/fc/Gemm', op_type: 'Gemm', input: ['/flat/Flatten_output_0', 'fc.weight', 'fc.bias'], output: ['out'], attribute: [{ name: 'transB', type: AT.INT, i: 1 }] },
      ],
      initializer: [
        f32('conv.weight', filters, randomArray(filters.reduce((a, b) => a * b, 1), 21, 0.5)),
        f32('conv.bias', [filters[0]], randomArray(filters[0], 22, 0.2)),
        f32('fc.weight', [3, 64], randomArray(192, 23, 0.3)),
        f32('fc.bias', [3], randomArray(3, 24, 0.1)),
      ],
      input: [{ name: 'input', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: 2 }, { dim_value: 8 }, { dim_value: 8 }] } } } }],
      output: [{ name: 'out', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: 3 }] } } } }],
    },
  });
}

describe('a convnet in PyTorch\'s layout (NCHW, Flatten in c·h·w order)', () => {
  const B = 5;
  const nchw = randomArray(B * 2 * 8 * 8, 31);
  const nhwc = permute(nchw, [B, 2, 8, 8], [0, 2, 3, 1]);
  for (const [title, attrs] of [
    ['pads [1, 1, 1, 1]', [ints('pads', [1, 1, 1, 1]), ints('kernel_shape', [3, 3]), ints('strides', [1, 1]), ints('dilations', [1, 1]), { name: 'group', type: AT.INT, i: 1 }]],
    ['auto_pad SAME_UPPER', [{ name: 'auto_pad', type: AT.STRING, s: new TextEncoder().encode('SAME_UPPER') }]],
  ] as [string, OnnxAttribute[]][]) {
    it(`imports with the input as NHWC x and runs as in ORT (${title})`, async () => {
      const bytes = torchStyle(attrs);
      const ort = await runOrt(bytes, { input: { data: nchw, dims: [B, 2, 8, 8] } });
      const r = fromOnnx(bytes, 'torch.onnx', { batch: B });
      expect(r.source).toMatch(/^x : \[5, 8, 8, 2\]$/m);
      expect(r.source).toMatch(/conv2d\(x, conv_weight, pad=1\) \+ conv_bias/);
      expect(worstAbs(Float32Array.from(r.model.logits(nhwc, B)), ort.data)).toBeLessThan(1e-5);
    });
  }
  it('VALID padding with a stride 2 conv and an average pool', async () => {
    const bytes = torchStyle([{ name: 'auto_pad', type: AT.STRING, s: new TextEncoder().encode('VALID') }, ints('strides', [2, 2])], {
      pool: [ints('kernel_shape', [2, 2])],
      poolNode: { op_type: 'AveragePool' },
    });
    // 8 → conv 3×3 stride 2 → 3 → pool 2 stride 1 → 2: 4·2·2 = 16 features; rebuild with a matching Gemm.
    const m = decodeModel(bytes);
    m.graph!.initializer![2] = f32('fc.weight', [3, 16], randomArray(48, 41, 0.3));
    const fixed = encodeModel(m);
    const ort = await runOrt(fixed, { input: { data: nchw, dims: [B, 2, 8, 8] } });
    const r = fromOnnx(fixed, 'torch.onnx', { batch: B });
    expect(r.source).toMatch(/conv2d\(x, conv_weight, stride=2\)/);
    expect(r.source).toMatch(/avg_pool2d\(\w+, size=2, stride=1\)/);
    expect(worstAbs(Float32Array.from(r.model.logits(nhwc, B)), ort.data)).toBeLessThan(1e-5);
  });
});

describe('image ops beyond exprgrad: errors naming the node and the attribute', () => {
  const S = (name: string, v: string): OnnxAttribute => ({ name, type: AT.STRING, s: new TextEncoder().encode(v) });
  const I = (name: string, v: number): OnnxAttribute => ({ name, type: AT.INT, i: v });
  const cases: [string, Uint8Array, RegExp][] = [
    ['pads not the same on every side', torchStyle([ints('pads', [0, 0, 1, 1])]), /Conv \(node '\/conv\/Conv' \(#0\)\): attribute pads = \[0, 0, 1, 1\] is not supported \(exprgrad pads all four sides by the same amount\)/],
    ['pads of the wrong length', torchStyle([ints('pads', [1, 1])]), /'\/conv\/Conv'.*attribute pads = \[1, 1\]/],
    ['negative pads', torchStyle([ints('pads', [-1, -1, -1, -1])]), /'\/conv\/Conv'.*attribute pads = \[-1, -1, -1, -1\]/],
    ['group 2', torchStyle([I('group', 2)], { filters: [4, 1, 3, 3] }), /'\/conv\/Conv'.*attribute group = 2 is not supported.*group must be 1/],
    ['dilations 2', torchStyle([ints('dilations', [2, 2])]), /'\/conv\/Conv'.*attribute dilations = \[2, 2\] is not supported/],
    ['strides differing by axis', torchStyle([ints('strides', [1, 2])]), /'\/conv\/Conv'.*attribute strides = \[1, 2\]/],
    ['SAME_UPPER that pads one side more', torchStyle([S('auto_pad', 'SAME_UPPER'), ints('strides', [2, 2])]), /'\/conv\/Conv'.*auto_pad = SAME_UPPER here pads 1 rows and 1 columns/],
    ['an unknown auto_pad', torchStyle([S('auto_pad', 'SOMETIMES')]), /'\/conv\/Conv'.*auto_pad = 'SOMETIMES' is not one ONNX defines/],
    ['kernel_shape not the filters', torchStyle([ints('kernel_shape', [5, 5])]), /'\/conv\/Conv'.*kernel_shape = \[5, 5\] does not match the filters \[4, 2, 3, 3\]/],
    ['filters for other channels', torchStyle(undefined, { filters: [4, 3, 3, 3] }), /'\/conv\/Conv'.*filters for 3 channels read an image of 2 channels/],
    ['filters that are not rank 4', torchStyle(undefined, { filters: [4, 2, 9] }), /'\/conv\/Conv'.*filters of shape \[4, 2, 9\] are not 2-D filters/],
    ['filters computed, not constant', torchStyle(undefined, { conv: { input: ['input', 'input', 'conv.bias'] } }), /'\/conv\/Conv'.*the filters 'input' must be a constant initializer/],
    ['a pool with pads', torchStyle(undefined, { pool: [ints('kernel_shape', [2, 2]), ints('pads', [1, 1, 1, 1])] }), /MaxPool \(node '\/pool\/MaxPool' \(#2\)\): padding 1 is not supported \(exprgrad's pools read no padding/],
    ['an average pool with pads', torchStyle(undefined, { pool: [ints('kernel_shape', [2, 2]), ints('pads', [1, 1, 1, 1])], poolNode: { op_type: 'AveragePool' } }), /AveragePool \(node '\/pool\/MaxPool' \(#2\)\): padding 1/],
    ['a pool with a rectangular window', torchStyle(undefined, { pool: [ints('kernel_shape', [2, 3])] }), /'\/pool\/MaxPool'.*kernel_shape = \[2, 3\] is not supported/],
    ['a pool without kernel_shape', torchStyle(undefined, { pool: [] }), /'\/pool\/MaxPool'.*kernel_shape = \[\]/],
    ['a pool with dilations', torchStyle(undefined, { pool: [ints('kernel_shape', [2, 2]), ints('dilations', [2, 2])] }), /'\/pool\/MaxPool'.*dilations = \[2, 2\]/],
    ['a pool with ceil_mode adding a window', torchStyle(undefined, { pool: [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), I('ceil_mode', 1)] }), /'\/pool\/MaxPool'.*ceil_mode = 1/],
    ['a MaxPool with Indices', torchStyle(undefined, { poolNode: { output: ['/pool/MaxPool_output_0', 'idx'] } }), /'\/pool\/MaxPool'.*Indices output/],
    ['a window larger than the image', torchStyle(undefined, { pool: [ints('kernel_shape', [9, 9])] }), /'\/pool\/MaxPool'.*a 9-wide window does not fit a side of 8/],
    ['a transpose exprgrad does not follow', torchStyle(undefined, { extra: [{ name: 'odd', op_type: 'Transpose', input: ['/pool/MaxPool_output_0'], output: ['t'], attribute: [ints('perm', [0, 1, 3, 2])] }] }), /Transpose \(node 'odd' \(#3\)\) with perm \[0, 1, 3, 2\] of a rank-4 tensor \(NCHW\) is not supported/],
    ['a bias that broadcasts over width, not channels', torchStyle(undefined, { extra: [{ name: 'wadd', op_type: 'Add', input: ['/pool/MaxPool_output_0', 'fc.bias'], output: ['t'] }] }), /Add \(node 'wadd' \(#3\)\) of an image .* with a tensor of shape \[3\] is not supported/],
    ['a conv of a flat tensor', torchStyle(undefined, { extra: [{ name: 'f2', op_type: 'Flatten', input: ['/pool/MaxPool_output_0'], output: ['f2'] }, { name: 'c2', op_type: 'Conv', input: ['f2', 'conv.weight'], output: ['t'] }] }), /Conv \(node 'c2' \(#4\)\) reads a tensor of rank 2; exprgrad imports Conv on NCHW images/],
  ];
  for (const [title, bytes, message] of cases) {
    it(title, () => {
      let err: unknown;
      try {
        fromOnnx(bytes, 'cnn.onnx');
      } catch (e) {
        err = e;
      }
      expect((err as Error)?.name, title).toBe('ExprError');
      expect((err as Error).message).toMatch(/^(Error: )?cnn\.onnx: /);
      expect((err as Error).message).toMatch(message);
    });
  }
  it('CLI: exit status 2 and the message, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-onnx-cnn-bad-'));
    writeFileSync(join(dir, 'g.onnx'), torchStyle([I('group', 2)], { filters: [4, 1, 3, 3] }));
    const r = await cli(['import', join(dir, 'g.onnx')]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/attribute group = 2 is not supported/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
