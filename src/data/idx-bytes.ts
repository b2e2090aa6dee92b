// IDX files without gzip: the parts that need no Node.js module, so a browser (the page's training worker) can
// read MNIST too. src/data/idx.ts adds gzip on Node and re-exports everything here; see it for the format.
//
// In:  the bytes of an uncompressed IDX file and a name for it (`what`) that every error message starts with.
// Out: { dims, data } (readIdxRaw), or a raw IDX file (writeIdx).

import { ExprError } from '../errors.js';

export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

/** The IDX type byte for unsigned bytes, the only type read here. */
export const IDX_UBYTE = 0x08;
export const MAX_IDX_DIMS = 4;

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

/** Parses an uncompressed IDX file of unsigned bytes. Every error names `what`. */
export function readIdxRaw(bytes: Uint8Array, what: string): IdxArray {
  if (isGzip(bytes)) throw new ExprError('data', `${what}: gzip-compressed; gunzip it first (readIdx in src/data/idx.ts does)`);
  if (bytes.length < 4) {
    throw new ExprError('data', `${what}: not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new ExprError(
      'data',
      `${what}: not an IDX file: it starts with ${hex(bytes.subarray(0, 4))}, an IDX file starts with 00 00 <type> <dims>`,
    );
  }
  const type = bytes[2];
  if (type !== IDX_UBYTE) {
    const name = TYPE_NAMES[type] ?? 'unknown type';
    throw new ExprError(
      'data',
      `${what}: IDX type 0x${type.toString(16).padStart(2, '0')} (${name}) is not supported; only 0x08 (unsigned byte) is`,
    );
  }
  const ndims = bytes[3];
  if (ndims < 1 || ndims > MAX_IDX_DIMS) {
    throw new ExprError('data', `${what}: IDX header says ${ndims} dimensions; 1 to ${MAX_IDX_DIMS} are supported`);
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new ExprError(
      'data',
      `${what}: truncated IDX header: expected ${header} bytes for ${ndims} dimensions, the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const actual = bytes.length - header;
  if (actual !== size) {
    const kind = actual < size ? 'truncated' : 'trailing bytes';
    throw new ExprError(
      'data',
      `${what}: ${kind}: dimensions ${dims.join('×')} need ${size} bytes of data after the ${header}-byte header, ` +
        `the file has ${actual} (${bytes.length} bytes in all)`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}

/** Builds a raw (not gzipped) IDX file of unsigned bytes. */
export function writeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > MAX_IDX_DIMS) {
    throw new ExprError('shape', `writeIdx: ${dims.length} dimensions; 1 to ${MAX_IDX_DIMS} are supported`);
  }
  let size = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new ExprError('shape', `writeIdx: dimension ${d} is not a uint32`);
    }
    size *= d;
  }
  if (size !== data.length) {
    throw new ExprError('shape', `writeIdx: dimensions ${dims.join('×')} need ${size} bytes, got ${data.length}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}
