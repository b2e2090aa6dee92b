// Your own data through the CLI: `exprgrad train --model-src P.exg --data FILE [--label C] [--test FILE]`.
//   - regression on a generated CSV (y = 2a − 3b + 0.5 + noise): the fitted coefficients come back;
//   - classification on generated CSV blobs with a test file: high accuracy, confusion plot, --json events;
//   - .npy (float64 C order, float32 Fortran order, int labels) read as the same numbers as CSV;
//   - malformed files, one per kind (CSV and .npy): exit status 2, a message naming file, line and column.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { rng } from '../../src/index.js';
import { parseCsv } from '../../src/data/tabular.js';
import { parseNpy } from '../../src/data/npy.js';

const cli = async (argv: string[]) => {
  let out = '';
  let err = '';
  const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { status, out, err };
};

const dir = mkdtempSync(join(tmpdir(), 'exprgrad-tabular-'));
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const gauss = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

const REG_PROGRAM = 'x : [32, 2]\ny : [32, 1]\nw : [2, 1]; b : [1]\nlogits = x @ w + b\nloss = mean((logits - y)^2)\n';
const CLS_PROGRAM = 'x : [32, 2]\ny : [32]\nW1 : [2, 16]; b1 : [16]\nW2 : [16, 3]; b2 : [3]\nh = tanh(x @ W1 + b1)\nlogits = h @ W2 + b2\nloss = mean(softmax_cross_entropy(logits, y))\n';
const reg = file('reg.exg', REG_PROGRAM);
const cls = file('cls.exg', CLS_PROGRAM);

/** A .npy file: 2-D, given dtype, C or Fortran order. */
function npy(rows: number[][], dtype: '<f8' | '<f4' | '<i8' | '|u1' = '<f8', fortran = false, headerEdit?: (h: string) => string, dataBytes?: number): Uint8Array {
  const r = rows.length;
  const c = rows[0]?.length ?? 0;
  let header = `{'descr': '${dtype}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${r}, ${c}), }`;
  if (headerEdit) header = headerEdit(header);
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11) + '\n';
  const width = dtype === '<f8' || dtype === '<i8' ? 8 : dtype === '<f4' ? 4 : 1;
  const data = new Uint8Array(dataBytes ?? r * c * width);
  const view = new DataView(data.buffer);
  const flat = fortran ? Array.from({ length: c }, (_, j) => rows.map((row) => row[j])).flat() : rows.flat();
  flat.forEach((v, i) => {
    if ((i + 1) * width > data.length) return;
    if (dtype === '<f8') view.setFloat64(i * 8, v, true);
    else if (dtype === '<f4') view.setFloat32(i * 4, v, true);
    else if (dtype === '<i8') view.setBigInt64(i * 8, BigInt(v), true);
    else view.setUint8(i, v);
  });
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, header.length, true);
  head.set(new TextEncoder().encode(header), 10);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

describe('exprgrad train --data (your own data)', () => {
  it('CSV regression: y = 2a − 3b + 0.5 + noise gives back w ≈ [2, −3], b ≈ 0.5', async () => {
    const rand = rng(11);
    const lines = ['a,b,target'];
    for (let i = 0; i < 600; i++) {
      const a = rand() * 4 - 2;
      const b = rand() * 4 - 2;
      lines.push(`${a.toFixed(6)},${b.toFixed(6)},${(2 * a - 3 * b + 0.5 + 0.05 * gauss(rand)).toFixed(6)}`);
    }
    const data = file('reg.csv', lines.join('\r\n') + '\r\n');
    const save = join(dir, 'reg.json');
    const r = await cli(['train', '--model-src', reg, '--data', data, '--label', 'target', '--epochs', '30', '--lr', '0.05', '--save', save]);
    expect(r.status, r.err).toBe(0);
    expect(r.err).toMatch(/reg\.csv: 600 rows, 2 features, label 'target' \(regression\)/);
    expect(r.err).toMatch(/epoch 30\/30 {2}loss \d/);
    const m = JSON.parse(readFileSync(save, 'utf8'));
    const w = new Float32Array(Uint8Array.from(Buffer.from(m.params.w.data, 'base64')).buffer);
    const b = new Float32Array(Uint8Array.from(Buffer.from(m.params.b.data, 'base64')).buffer);
    expect(w[0]).toBeCloseTo(2, 1);
    expect(w[1]).toBeCloseTo(-3, 1);
    expect(b[0]).toBeCloseTo(0.5, 1);
    const printed = /^w = \[(-?\d\.\d+), (-?\d\.\d+)\]$/m.exec(r.out)!;
    expect(Number(printed[1])).toBeCloseTo(w[0], 3);
    expect(Number(printed[2])).toBeCloseTo(w[1], 3);
    expect(m.metadata.task).toBe('regression');
    expect(existsSync(join(dir, 'reg.curves.svg'))).toBe(true);
    expect(readFileSync(join(dir, 'reg.curves.svg'), 'utf8')).not.toMatch(/NaN/);
    // The same rows as .npy (label the last column, picked by index) train to the same fit.
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    const data2 = file('reg.npy', npy(rows));
    const r2 = await cli(['train', '--model-src', reg, '--data', data2, '--label', '2', '--epochs', '30', '--lr', '0.05', '--save', join(dir, 'reg2.json'), '--json']);
    expect(r2.status, r2.err).toBe(0);
    const done = JSON.parse(r2.out.trim().split('\n').at(-1)!);
    expect(done.type).toBe('done');
    expect(done.weights.w[0]).toBeCloseTo(w[0], 4);
    expect(done.weights.w[1]).toBeCloseTo(w[1], 4);
  }, 60_000);

  it('CSV classification with a test file: three blobs, high test accuracy, confusion plot', async () => {
    const rand = rng(5);
    const centers = [[0, 0], [3, 0], [0, 3]];
    const make = (n: number) => {
      const rows = ['label,u,v'];
      for (let i = 0; i < n; i++) {
        const k = i % 3;
        rows.push(`${k},${(centers[k][0] + 0.5 * gauss(rand)).toFixed(4)},${(centers[k][1] + 0.5 * gauss(rand)).toFixed(4)}`);
      }
      return rows.join('\n') + '\n';
    };
    const train = file('cls.csv', make(900));
    const test = file('cls-test.csv', make(300));
    const save = join(dir, 'cls.json');
    const r = await cli(['train', '--model-src', cls, '--data', train, '--test', test, '--epochs', '15', '--lr', '0.01', '--save', save]);
    expect(r.status, r.err).toBe(0);
    expect(r.err).toMatch(/900 rows, 2 features, label 'label' \(classification into 3 classes\)/);
    expect(r.err).toMatch(/epoch 15\/15 {2}loss \d\.\d{4} {2}acc \d+\.\d\d% {2}val_loss/);
    const acc = Number(/test accuracy (\d+\.\d\d)%/.exec(r.out)![1]);
    expect(acc).toBeGreaterThan(95);
    for (const f of ['cls.json', 'cls.curves.svg', 'cls.confusion.svg']) expect(existsSync(join(dir, f)), f).toBe(true);
    // Never overwrites: the default name gets a suffix (checked on the MNIST path); a saved model evaluates.
    const m = JSON.parse(readFileSync(save, 'utf8'));
    expect(m.metadata).toMatchObject({ task: 'classification', label: 'label' });
    expect(m.metadata.test.accuracy * 100).toBeCloseTo(acc, 1);
  }, 60_000);

  it('.npy: float32 Fortran order and uint8 read as the same numbers as CSV', () => {
    const rows = [[1.5, -2, 0], [0.25, 3, 1], [7, 8, 2]];
    const fromCsv = parseCsv('a,b,c\n1.5,-2,0\n0.25,3,1\n7,8,2\n', 'x.csv');
    expect(Array.from(parseNpy(npy(rows, '<f4', true), 'f.npy').values)).toEqual(Array.from(fromCsv.values));
    expect(Array.from(parseNpy(npy(rows, '<f8'), 'c.npy').values)).toEqual(Array.from(fromCsv.values));
    expect(Array.from(parseNpy(npy([[1, 2], [3, 255]], '|u1'), 'u.npy').values)).toEqual([1, 2, 3, 255]);
    expect(Array.from(parseNpy(npy([[-5, 2]], '<i8'), 'i.npy').values)).toEqual([-5, 2]);
  });

  // Malformed files: [name, content, extra flags, message pattern]. Each names the file; CSV ones the line and column.
  const ok = 'a,b,label\n1,2,0\n3,4,1\n';
  const bad: [string, string | Uint8Array, string[], RegExp][] = [
    ['ragged-short.csv', 'a,b,label\n1,2,0\n3,4\n', [], /ragged-short\.csv: line 3: 2 fields, but the header has 3 columns/],
    ['ragged-long.csv', 'a,b,label\n1,2,0,9\n', [], /ragged-long\.csv: line 2: 4 fields, but the header has 3 columns/],
    ['word.csv', 'a,b,label\n1,2,0\n3,abc,1\n', [], /word\.csv: line 3, column 2 \('b'\): 'abc' is not a number/],
    ['empty-cell.csv', 'a,b,label\n1,,0\n', [], /empty-cell\.csv: line 2, column 2 \('b'\): empty cell/],
    ['nan.csv', 'a,b,label\nNaN,2,0\n', [], /nan\.csv: line 2, column 1 \('a'\): 'NaN' is not a number/],
    ['inf.csv', 'a,b,label\n1e999,2,0\n', [], /inf\.csv: line 2, column 1 \('a'\): '1e999' is too large/],
    ['hex.csv', 'a,b,label\n0x10,2,0\n', [], /hex\.csv: line 2, column 1 \('a'\): '0x10' is not a number/],
    ['comma-decimal.csv', 'a;b;label\n1,5;2;0\n', [], /comma-decimal\.csv: line 1, column 1 \('a;b;label'\)|comma-decimal\.csv: line 2: 2 fields/],
    ['no-label.csv', 'a,b,c\n1,2,0\n', ['--label', 'label'], /no-label\.csv: no column named 'label' for the label \(columns: 'a', 'b', 'c'\)/],
    ['label-range.csv', 'a,b,label\n1,2,0\n3,4,7\n', [], /label-range\.csv: line 3, column 3 \('label'\): label 7 is not a class of the model \(0…2\)/],
    ['label-negative.csv', 'a,b,label\n1,2,-1\n', [], /label-negative\.csv: line 2, column 3 \('label'\): label -1 is not a class/],
    ['label-fraction.csv', 'a,b,label\n1,2,0.5\n', [], /label-fraction\.csv: line 2, column 3 \('label'\): label 0\.5 is not a class/],
    ['too-few-features.csv', 'a,label\n1,0\n', [], /too-few-features\.csv: 1 feature columns besides the label 'label', but the model program's x has 2 features/],
    ['empty.csv', '', [], /empty\.csv: the file is empty/],
    ['header-only.csv', 'a,b,label\n', [], /header-only\.csv: there are no data rows after the header/],
    ['dup-header.csv', 'a,a,label\n1,2,0\n', [], /dup-header\.csv: line 1, column 2: the column name 'a' appears twice \(also column 1\)/],
    ['blank-header.csv', 'a,,label\n1,2,0\n', [], /blank-header\.csv: line 1, column 2: the header has an empty column name/],
    ['open-quote.csv', 'a,b,label\n1,"2,0\n', [], /open-quote\.csv: line \d+: Quote Not Closed/],
    ['bad-quote.csv', 'a,b,label\n1,"2"x,0\n', [], /bad-quote\.csv: line 2: Invalid Closing Quote/],
    ['binary.csv', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0x14, 0]), [], /binary\.csv: not a text file \(it contains NUL bytes\)/],
    ['control.csv', 'a,b,label\n1,\u001b[2J,0\n', [], /control\.csv: line 2, column 2 \('b'\): '\?\[2J' is not a number/],
    ['npy-magic.npy', new TextEncoder().encode('a,b,label\n1,2,0\n'), [], /npy-magic\.npy: not a NumPy \.npy file/],
    ['npy-short.npy', npy([[1, 2, 0], [3, 4, 1]], '<f8', false, undefined, 20), [], /npy-short\.npy: the header declares shape \(2, 3\) of <f8 = 48 bytes of data, but the file holds 20/],
    ['npy-huge.npy', npy([[1, 2, 0]], '<f8', false, (h) => h.replace('(1, 3)', '(100000000000, 3)')), [], /npy-huge\.npy: the header declares shape \(100000000000, 3\).*but the file holds 24/],
    ['npy-3d.npy', npy([[1, 2, 0]], '<f8', false, (h) => h.replace('(1, 3)', '(1, 3, 1)')), [], /npy-3d\.npy: the array has 3 dimensions/],
    ['npy-dtype.npy', npy([[1, 2, 0]], '<f8', false, (h) => h.replace("'<f8'", "'<U8'")), [], /npy-dtype\.npy: dtype "<U8" is not supported/],
    ['npy-nan.npy', npy([[1, NaN, 0]]), [], /npy-nan\.npy: row 0, column 1: NaN is not a finite number/],
    ['float32-range.csv', 'a,b,label\n1e39,2,0\n', [], /float32-range\.csv: line 2, column 1 \('a'\): 1e\+39 does not fit a float32/],
    ['npy-header.npy', npy([[1, 2, 0]], '<f8', false, () => 'garbage'), [], /npy-header\.npy: the header at byte 10 is not a \.npy header dictionary/],
  ];
  it('the malformed files are of different kinds', () => {
    expect(new Set(bad.map((b) => b[0])).size).toBe(bad.length);
    expect(bad.length).toBeGreaterThanOrEqual(20);
    // The well-formed base case trains (so the failures below are about the damage).
    expect(parseCsv(ok, 'ok.csv').rows).toBe(2);
  });
  for (const [name, content, extra, pattern] of bad) {
    it(`${name}: exit status 2, file${name.endsWith('.csv') ? ', line and column' : ''} named`, async () => {
      const p = file(name, content);
      const r = await cli(['train', '--model-src', cls, '--data', p, '--epochs', '1', '--save', join(dir, `${name}.json`), ...extra]);
      expect(r.status).toBe(2);
      expect(r.err).toMatch(pattern);
      expect(r.err).toContain(p);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.err).not.toMatch(/\u001b/);
      expect(existsSync(join(dir, `${name}.json`))).toBe(false);
    });
  }
  it('usage errors: --label without --data, a missing file, a program with y of another shape', async () => {
    expect((await cli(['train', 'mnist', '--label', 'x'])).err).toMatch(/--label and --test go with --data FILE/);
    const missing = await cli(['train', '--model-src', cls, '--data', join(dir, 'nope.csv')]);
    expect(missing.status).toBe(2);
    expect(missing.err).toMatch(/cannot read data file .*nope\.csv: no such file/);
    const odd = file('odd.exg', 'x : [4, 2]\ny : [4, 3]\nw : [2, 3]\nlogits = x @ w\nloss = mean((logits - y)^2)\n');
    const r = await cli(['train', '--model-src', odd, '--data', file('ok.csv', ok)]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/declare y as \[B\] .* or \[B, 1\]/);
    const noProgram = await cli(['train', '--data', file('ok2.csv', ok)]);
    expect(noProgram.err).toMatch(/needs the model program: --model-src/);
    mkdirSync(join(dir, 'folder.csv'), { recursive: true });
    expect((await cli(['train', '--model-src', cls, '--data', join(dir, 'folder.csv')])).err).toMatch(/it is a folder/);
  });
});
