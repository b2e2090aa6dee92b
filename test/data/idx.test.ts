// IDX reading and writing: raw and gzipped files, and every way a file can be wrong (magic, type, dimensions,
// truncation, trailing bytes, corrupt gzip), each reported as ExprError('data') naming the file.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { isGzip, readIdx, writeIdx } from '../../src/data/idx.js';
import { ExprError } from '../../src/errors.js';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 255);

/** Runs `f`, expects an ExprError('data') whose message names the file and matches every pattern. */
function dataError(f: () => unknown, ...patterns: RegExp[]): ExprError {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ExprError);
  const e = caught as ExprError;
  expect(e.code).toBe('data');
  expect(e.message).toContain('fixture.idx');
  for (const p of patterns) expect(e.message).toMatch(p);
  return e;
}

describe('writeIdx / readIdx', () => {
  it('round-trips 1 to 4 dimensions', () => {
    for (const dims of [[5], [2, 3], [3, 4, 5], [2, 2, 3, 2]]) {
      const data = bytes(dims.reduce((a, b) => a * b, 1));
      const file = writeIdx(dims, data);
      expect(file.length).toBe(4 + 4 * dims.length + data.length);
      const got = readIdx(file, 'fixture.idx');
      expect(got.dims).toEqual(dims);
      expect(Array.from(got.data)).toEqual(Array.from(data));
    }
  });

  it('writes the MNIST header layout (big-endian uint32 dims after 00 00 08 ndims)', () => {
    const file = writeIdx([2, 28, 28], bytes(2 * 784));
    expect(Array.from(file.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
    expect(Array.from(writeIdx([4], bytes(4)).subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 0, 4]);
  });

  it('reads a zero-length payload', () => {
    const got = readIdx(writeIdx([0, 28, 28], new Uint8Array(0)), 'fixture.idx');
    expect(got.dims).toEqual([0, 28, 28]);
    expect(got.data.length).toBe(0);
  });

  it('reads gzipped files (detected by the magic, not the name)', () => {
    const data = bytes(2 * 3 * 4, 7);
    const gz = gzipSync(writeIdx([2, 3, 4], data));
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(writeIdx([1], new Uint8Array(1)))).toBe(false);
    const got = readIdx(gz, 'fixture.idx');
    expect(got.dims).toEqual([2, 3, 4]);
    expect(Array.from(got.data)).toEqual(Array.from(data));
  });

  it('reads a view of a larger buffer (nonzero byteOffset)', () => {
    const file = writeIdx([2, 2], bytes(4));
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    expect(readIdx(padded.subarray(3), 'fixture.idx').dims).toEqual([2, 2]);
  });

  it('writeIdx rejects data that does not fit the dimensions', () => {
    expect(() => writeIdx([2, 3], bytes(5))).toThrow(/need 6 bytes, got 5/);
    expect(() => writeIdx([], bytes(0))).toThrow(/1 to 4/);
    expect(() => writeIdx([1, 1, 1, 1, 1], bytes(1))).toThrow(/1 to 4/);
    expect(() => writeIdx([1.5], bytes(1))).toThrow(/not a uint32/);
  });
});

describe('readIdx errors', () => {
  const good = () => writeIdx([2, 3], bytes(6));

  it('wrong magic', () => {
    const f = good();
    f[0] = 1;
    dataError(() => readIdx(f, 'fixture.idx'), /not an IDX file/, /01 00 08 02/);
    // An HTML error page saved under the file's name.
    dataError(() => readIdx(new TextEncoder().encode('<!DOCTYPE html><html>'), 'fixture.idx'), /not an IDX file/, /3c 21 44 4f/);
  });

  it('too short for the magic or the header', () => {
    dataError(() => readIdx(new Uint8Array([0, 0, 8]), 'fixture.idx'), /3 bytes, shorter than the 4-byte magic/);
    dataError(() => readIdx(good().subarray(0, 9), 'fixture.idx'), /truncated IDX header: expected 12 bytes for 2 dimensions, the file has 9/);
  });

  it('types other than unsigned byte', () => {
    for (const [type, name] of [
      [0x09, 'signed byte'],
      [0x0b, 'int16'],
      [0x0c, 'int32'],
      [0x0d, 'float32'],
      [0x0e, 'float64'],
      [0x42, 'unknown type'],
    ] as const) {
      const f = good();
      f[2] = type;
      dataError(() => readIdx(f, 'fixture.idx'), new RegExp(`type 0x${type.toString(16).padStart(2, '0')} \\(${name}\\) is not supported; only 0x08`));
    }
  });

  it('dimension counts outside 1..4', () => {
    const zero = new Uint8Array([0, 0, 8, 0]);
    dataError(() => readIdx(zero, 'fixture.idx'), /says 0 dimensions; 1 to 4/);
    const five = new Uint8Array(4 + 20 + 1);
    five.set([0, 0, 8, 5]);
    for (let i = 0; i < 5; i++) five[7 + 4 * i] = 1;
    dataError(() => readIdx(five, 'fixture.idx'), /says 5 dimensions; 1 to 4/);
  });

  it('truncated payload: expected vs actual bytes', () => {
    dataError(() => readIdx(good().subarray(0, 12 + 5), 'fixture.idx'), /truncated/, /2×3 need 6 bytes/, /the file has 5 \(17 bytes in all\)/);
    dataError(() => readIdx(good().subarray(0, 12), 'fixture.idx'), /truncated/, /need 6 bytes/, /has 0/);
  });

  it('trailing bytes', () => {
    const f = new Uint8Array(good().length + 2);
    f.set(good());
    dataError(() => readIdx(f, 'fixture.idx'), /trailing bytes/, /need 6 bytes/, /has 8/);
  });

  it('dimensions that do not match the payload (gzipped too)', () => {
    const f = good();
    f[11] = 4; // 2×4 = 8 bytes declared, 6 present
    dataError(() => readIdx(gzipSync(f), 'fixture.idx'), /truncated/, /2×4 need 8 bytes/, /has 6/);
    const huge = good();
    huge.set([0xff, 0xff, 0xff, 0xff], 4);
    dataError(() => readIdx(huge, 'fixture.idx'), /truncated/, /4294967295×3/);
  });

  it('corrupt and truncated gzip', () => {
    const gz = gzipSync(writeIdx([50, 50], bytes(2500)));
    const cut = gz.subarray(0, gz.length >> 1);
    dataError(() => readIdx(cut, 'fixture.idx'), /corrupt or truncated gzip data/);
    const flipped = Uint8Array.from(gz);
    for (let i = 12; i < flipped.length - 8; i += 3) flipped[i] ^= 0x5a;
    dataError(() => readIdx(flipped, 'fixture.idx'), /corrupt or truncated gzip data/);
    const badCrc = Uint8Array.from(gz);
    badCrc[badCrc.length - 6] ^= 1; // CRC-32 of the trailer
    dataError(() => readIdx(badCrc, 'fixture.idx'), /corrupt or truncated gzip data/);
    dataError(() => readIdx(new Uint8Array([0x1f, 0x8b]), 'fixture.idx'), /corrupt or truncated gzip data/);
  });
});
