// IDX files (the MNIST container format): read and write unsigned-byte tensors.
//
// In:  the bytes of an IDX file, raw or gzip-compressed (detected by the 1f 8b gzip magic, not by the file name),
//      and a name for the file (`what`) that every error message starts with.
// Out: { dims, data }: the dimensions (big-endian uint32s from the header) and the row-major uint8 payload.
//      `data` is a view into the given (or gunzipped) bytes, not a copy.
//
// Layout: 00 00 <type> <ndims>, then ndims big-endian uint32 dimensions, then the payload. Only type 0x08
// (unsigned byte) is accepted, with 1..4 dimensions, and the payload must be exactly the product of the
// dimensions: a truncated file or trailing bytes are errors (ExprError 'data'), never silently cut or padded.
//
// writeIdx(dims, data) builds a raw (uncompressed) type-0x08 IDX file; the tests use it to make fixtures.

import { gunzipSync } from 'node:zlib';
import { ExprError } from '../errors.js';
import { isGzip, readIdxRaw, type IdxArray } from './idx-bytes.js';

export { IDX_UBYTE, MAX_IDX_DIMS, isGzip, readIdxRaw, writeIdx, type IdxArray } from './idx-bytes.js';

/** The largest gunzipped size accepted (MNIST's largest file is 47 MB); guards against gzip bombs. */
export const MAX_GUNZIP_BYTES = 1 << 30;

/** Gunzips `bytes`; a corrupt or truncated stream is an ExprError('data') naming `what`. */
export function gunzip(bytes: Uint8Array, what: string): Uint8Array {
  try {
    const out = gunzipSync(bytes, { maxOutputLength: MAX_GUNZIP_BYTES });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ExprError('data', `${what}: corrupt or truncated gzip data (${detail}); ${bytes.length} compressed bytes`);
  }
}

/** Parses an IDX file of unsigned bytes, raw or gzipped. Every error names `what`. */
export function readIdx(bytes: Uint8Array, what: string): IdxArray {
  return readIdxRaw(isGzip(bytes) ? gunzip(bytes, what) : bytes, what);
}
