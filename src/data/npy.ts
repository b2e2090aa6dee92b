// NumPy .npy files (format versions 1.0, 2.0, 3.0) holding a 2-D array of numbers, as a table.
//
// In:  the file's bytes and its name (for messages). Out: a Table (src/data/tabular.ts) whose columns are named
//      '0', '1', …; rows numbered from 0. Supported dtypes: float16/32/64, int8/16/32/64, uint8/16/32/64, bool,
//      little- or big-endian, C order (Fortran order is transposed on reading). The header is checked before any
//      allocation: the declared shape must match the bytes in the file, so a lying header cannot take memory.
//      Bad input: ExprError('data') naming the file and what is wrong (byte offset for header problems).

import { ExprError } from '../errors.js';

/** A table of numbers read from a file (src/data/tabular.ts reads CSV and .npy into it). */
export interface Table {
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: number;
  /** rows × columns, row-major. */
  readonly values: Float64Array;
  /** The file's line of each row (CSV), or 0 (.npy: rows are numbered instead). */
  readonly lines: Int32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpy(bytes: Uint8Array, file: string): Table {
  const fail = (msg: string): never => {
    throw new ExprError('data', `${file}: ${msg}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a NumPy .npy file (the magic string \\x93NUMPY is missing at byte 0)');
  const major = bytes[6];
  if (major < 1 || major > 3) fail(`.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0, 3.0 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : fail('the header length is cut off');
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length) fail(`the header declares ${headerLen} bytes at byte ${start}, past the end of the file (${bytes.length} bytes)`);
  if (headerLen > 65536) fail(`the header declares ${headerLen} bytes, more than a .npy header needs`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`the header at byte ${start} is not a .npy header dictionary with 'descr', 'fortran_order' and 'shape'`);
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!shape.every((s) => /^\d+$/.test(s))) fail(`the header's shape (${shapeText!.slice(0, 40)}) is not a tuple of sizes`);
  const dims = shape.map(Number);
  if (dims.length !== 2) fail(`the array has ${dims.length} dimensions (shape (${dims.join(', ')})); exprgrad reads 2-D tables: rows × columns`);
  const [rows, cols] = dims;
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr!);
  if (!m) fail(`dtype ${JSON.stringify(descr).slice(0, 40)} is not supported (numbers only: float, int, uint, bool)`);
  const [, order, kind, widthText] = m!;
  const width = Number(widthText);
  const ok = kind === 'f' ? [2, 4, 8].includes(width) : kind === 'b' ? width === 1 : [1, 2, 4, 8].includes(width);
  if (!ok) fail(`dtype '${descr}' is not supported`);
  const little = order !== '>';
  const dataStart = start + headerLen;
  const count = rows * cols;
  const have = bytes.length - dataStart;
  if (!Number.isSafeInteger(count * width) || count * width !== have) {
    fail(`the header declares shape (${rows}, ${cols}) of ${descr} = ${count * width} bytes of data, but the file holds ${have}`);
  }
  if (rows === 0 || cols === 0) fail(`the array is empty (shape (${rows}, ${cols}))`);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = dataStart + i * width;
    let v: number;
    if (kind === 'f') v = width === 8 ? view.getFloat64(at, little) : width === 4 ? view.getFloat32(at, little) : half(view.getUint16(at, little));
    else if (kind === 'b') v = bytes[at] ? 1 : 0;
    else if (width === 1) v = kind === 'i' ? view.getInt8(at) : bytes[at];
    else if (width === 2) v = kind === 'i' ? view.getInt16(at, little) : view.getUint16(at, little);
    else if (width === 4) v = kind === 'i' ? view.getInt32(at, little) : view.getUint32(at, little);
    else v = Number(kind === 'i' ? view.getBigInt64(at, little) : view.getBigUint64(at, little));
    if (!Number.isFinite(v)) {
      const [r, c] = fortran === 'True' ? [i % rows, Math.floor(i / rows)] : [Math.floor(i / cols), i % cols];
      fail(`row ${r}, column ${c}: ${v} is not a finite number`);
    }
    // Fortran order stores columns one after another.
    if (fortran === 'True') values[(i % rows) * cols + Math.floor(i / rows)] = v;
    else values[i] = v;
  }
  return { file, columns: Array.from({ length: cols }, (_, j) => String(j)), rows, values, lines: new Int32Array(rows) };
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
