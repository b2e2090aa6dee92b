// Damaged ONNX files, as a class: every one is an ExprError naming the file (exit status 2 in the CLI, no stack
// trace), never another exception, and memory stays bounded (sizes are checked before anything is allocated).
//   truncated at 80 points of a real exported model; random bytes; a length prefix far past the end;
//   opsets this importer does not know; initializers declaring far more values than the file holds (or absurd
//   dims, negative dims, external data, a wrong element type, NaN weights).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { Model, toOnnx, fromOnnx, ExprError, rng } from '../../src/index.js';
import { encodeModel, DT, type OnnxModel, type OnnxTensor } from '../../src/onnx/proto.js';

const src = 'x : [128, 20]\ny : [128]\nW1 : [20, 16]; b1 : [16]\nW2 : [16, 3]; b2 : [3]\nh = tanh(x @ W1 + b1)\nlogits = h @ W2 + b2\nloss = mean(softmax_cross_entropy(logits, y))\n';
const good = toOnnx(Model.create(src, 1));

function expectRejected(bytes: Uint8Array, pattern?: RegExp): ExprError {
  let caught: unknown;
  try {
    fromOnnx(bytes, 'bad.onnx');
  } catch (err) {
    caught = err;
  }
  expect(caught, 'should have been rejected').toBeInstanceOf(ExprError);
  const e = caught as ExprError;
  expect(e.message).toMatch(/^Error: bad\.onnx/);
  expect(e.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  if (pattern) expect(e.message).toMatch(pattern);
  return e;
}

/** A variant of the good model, edited as an object. */
function variant(edit: (m: OnnxModel) => void): Uint8Array {
  const m: OnnxModel = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ name: 'mm', op_type: 'MatMul', input: ['x', 'W'], output: ['logits'] }],
      initializer: [{ name: 'W', dims: [4, 3], data_type: DT.FLOAT, raw_data: new Uint8Array(48) }],
      input: [{ name: 'x', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: 4 }] } } } }],
      output: [{ name: 'logits', type: { tensor_type: { elem_type: DT.FLOAT } } }],
    },
  };
  edit(m);
  return encodeModel(m);
}
const withW = (t: Partial<OnnxTensor>) => variant((m) => Object.assign(m.graph!.initializer![0], t));

describe('damaged ONNX files', () => {
  it('the undamaged variants import (so the rejections below are about the damage)', () => {
    expect(fromOnnx(good).model.spec.classes).toBe(3);
    expect(fromOnnx(variant(() => {})).source).toMatch(/logits = x @ W/);
  });

  it('truncated anywhere: 80 cut points', () => {
    for (let k = 0; k < 80; k++) {
      const cut = Math.floor((good.length * k) / 80);
      expectRejected(good.subarray(0, cut));
    }
    // Cuts in the small header, byte by byte.
    for (let cut = 0; cut < 64; cut++) expectRejected(good.subarray(0, cut));
  });

  it('random bytes and bit flips of a real model', () => {
    const rand = rng(7);
    for (let i = 0; i < 40; i++) {
      const b = Uint8Array.from({ length: 1 + Math.floor(rand() * 400) }, () => Math.floor(rand() * 256));
      expectRejected(b);
    }
    // Flips in the structure (the first 200 bytes: model header, graph, node fields) are caught or harmless.
    for (let i = 0; i < 200; i++) {
      const b = Uint8Array.from(good);
      b[i] ^= 0xff;
      try {
        fromOnnx(b, 'bad.onnx');
      } catch (err) {
        expect(err, `flip at ${i}`).toBeInstanceOf(ExprError);
      }
    }
  });

  it('a length prefix far past the end of the file', () => {
    // field 7 (graph), wire type 2, length 2^31 − 1, then 3 bytes
    const bytes = Uint8Array.from([0x08, 0x08, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x07, 1, 2, 3]);
    expectRejected(bytes, /damaged or truncated protobuf/);
  });

  it('opsets this importer does not know, or none', () => {
    for (const v of [0, 1, 6, 26, 99, 100000]) expectRejected(variant((m) => (m.opset_import = [{ domain: '', version: v }])), new RegExp(`opset ${v} of the ONNX domain is not one this importer knows`));
    expectRejected(variant((m) => (m.opset_import = [])), /imports no opset of the default ONNX domain/);
    expectRejected(variant((m) => (m.opset_import = [{ domain: 'com.example', version: 1 }])), /imports no opset of the default ONNX domain/);
  });

  it('initializers that declare far more data than the file holds, with bounded memory', () => {
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    const cases: [Partial<OnnxTensor>, RegExp][] = [
      [{ dims: [100000, 100000] }, /declares 10000000000 elements .*more than exprgrad accepts/],
      [{ dims: [2 ** 40] }, /more than exprgrad accepts/],
      [{ dims: [65536, 4096] }, /declares 268435456 values .*but the file holds 12/],
      [{ dims: [4, 3], raw_data: new Uint8Array(20) }, /declares 12 values \(\[4, 3\]\) but the file holds 5/],
      [{ dims: [4, 3], raw_data: new Uint8Array(0), float_data: [1, 2] }, /declares 12 values .*holds 2/],
      [{ dims: [4, -3] }, /bad dimensions \[4, -3\]/],
      [{ dims: [2 ** 54, 1] }, /bad dimensions/],
      [{ data_type: 10 }, /element type 10 is not supported/],
      [{ data_location: 1, raw_data: new Uint8Array(0) }, /external file/],
      [{ raw_data: new Uint8Array(new Float32Array(12).fill(NaN).buffer) }, /NaN or infinite/],
    ];
    for (const [t, pattern] of cases) expectRejected(withW(t), pattern);
    (globalThis as { gc?: () => void }).gc?.();
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * 2 ** 20);
    expect(after.rss - before.rss).toBeLessThan(100 * 2 ** 20);
  });

  it('graphs that do not hold together', () => {
    expectRejected(variant((m) => (m.graph!.node = [])), /no graph nodes/);
    expectRejected(variant((m) => (m.graph!.node![0].input = ['x', 'missing'])), /reads 'missing', which no earlier node produces/);
    expectRejected(variant((m) => (m.graph!.node![0].output = [])), /has no output/);
    expectRejected(variant((m) => (m.graph!.output = [])), /one output/);
    expectRejected(variant((m) => (m.graph!.input![0].type = undefined)), /needs a declared shape/);
    expectRejected(variant((m) => (m.graph!.node![0].input = ['x'])), /\(MatMul\) needs 2 inputs, has 1/);
    // A control character in a node name does not reach the terminal.
    expectRejected(variant((m) => Object.assign(m.graph!.node![0], { op_type: 'Conv', name: 'a\u001b[2Jb' })), /node 'a\?\[2Jb'/);
    expect(() => fromOnnx(new Uint8Array(0), 'bad.onnx')).toThrow(/the file is empty/);
  });

  it('CLI: exit status 2 with the message, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-damaged-'));
    const files: [string, Uint8Array][] = [
      ['trunc.onnx', good.subarray(0, good.length >> 1)],
      ['opset.onnx', variant((m) => (m.opset_import = [{ domain: '', version: 999 }]))],
      ['huge.onnx', withW({ dims: [100000, 100000] })],
    ];
    for (const [name, bytes] of files) {
      writeFileSync(join(dir, name), bytes);
      let err = '';
      const status = await main(['import', join(dir, name)], { stdin: Readable.from([]), stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } });
      expect(status, name).toBe(2);
      expect(err).toMatch(new RegExp(`^exprgrad: Error: .*${name.replace('.', '\\.')}: `));
      expect(err).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(join(dir, 'huge.onnx')).length).toBeLessThan(200);
  });
});
