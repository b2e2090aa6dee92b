// Reading a file with a size limit that holds BEFORE the bytes are read: regular files are refused by their size
// (fstat), and devices, pipes and files that grow while read (/dev/zero, a FIFO) are read in chunks and refused
// as soon as they pass the limit, so memory stays bounded by the limit whatever the path names.
//
// In:  a path, a limit in bytes, what the file is (for messages).
// Out: its bytes, or an ExprError: 'io' (no such file, a folder, not readable) or 'too-large' (over the limit).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ExprError } from '../errors.js';

/** Limits of the files exprgrad reads (bytes). */
export const FILE_LIMITS = {
  /** An expression or program (--file, --model-src): far above the parser's 100,000 characters per parse. */
  program: 1 << 20,
  /** A saved model (JSON with base64 weights; the default MNIST MLP is about 3 MB). */
  model: 256 << 20,
  /** One MNIST file (the largest, train-images-idx3-ubyte, is 47,040,016 bytes). */
  mnist: 64 << 20,
  /** A PNG digit. */
  png: 32 << 20,
} as const;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(n < 10 << 20 ? 1 : 0)} MiB`;
  return `${(n / (1 << 30)).toFixed(1)} GiB`;
}

function ioError(err: unknown, path: string, what: string): ExprError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'ENOTDIR' ? 'a part of the path is not a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  return new ExprError('io', `cannot read ${what} ${path}: ${why}`);
}

export function readFileLimited(path: string, limit: number, what = 'file'): Buffer {
  if (typeof path !== 'string' || path === '') throw new ExprError('usage', `expected the path of the ${what}, got ${path === '' ? 'an empty name' : typeof path}`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw ioError(err, path, what);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ExprError('io', `cannot read ${what} ${path}: it is a folder`);
    if (st.isFile() && st.size > limit) {
      throw new ExprError('too-large', `${what} ${path} is ${formatBytes(st.size)}; the limit is ${formatBytes(limit)} (it was not read)`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = Math.min(1 << 20, limit + 1);
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkSize);
      let n: number;
      try {
        n = readSync(fd, buf, 0, chunkSize, null);
      } catch (err) {
        throw ioError(err, path, what);
      }
      if (n === 0) break;
      total += n;
      if (total > limit) throw new ExprError('too-large', `${what} ${path} is larger than the limit of ${formatBytes(limit)} (it was read no further)`);
      chunks.push(n === chunkSize ? buf : buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
