// Your own data: a table of numbers from a CSV file with a header (parsed by csv-parse) or a NumPy .npy array
// (src/data/npy.ts), split into features and a label column for the trainer.
//
// In:  a file path (or text/bytes and a name for messages); the label column; the task the model program implies
//      (classification: labels are class indices 0…classes−1; regression: any finite number) and its feature count.
// Out: a Labelled set for src/nn/train.ts (x: count × features float32; labels or targets), or an ExprError('data')
//      naming the file, line and column (and the column's name) of the first bad cell, ragged row, missing column,
//      or label outside the classes. Text quoted from the file is cut short and stripped of control characters.

import { readFileSync, statSync } from 'node:fs';
import { parse as parseCsvText } from 'csv-parse/sync';
import { ExprError } from '../errors.js';
import { parseNpy, type Table } from './npy.js';
import type { Labelled } from '../nn/train.js';

/** Files above this size are refused before reading. */
export const MAX_TABLE_BYTES = 512 * 2 ** 20;

export type { Table } from './npy.js';

export const quote = (s: string): string => {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return `'${t.length > 40 ? t.slice(0, 40) + '…' : t}'`;
};

/** Parse CSV text with a header row into a table of numbers. */
export function parseCsv(text: string, file: string): Table {
  const fail = (msg: string): never => {
    throw new ExprError('data', `${file}: ${msg}`);
  };
  if (text.includes('\u0000')) fail('not a text file (it contains NUL bytes); expected CSV with a header row');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsvText(text, { bom: true, relax_column_count: true, info: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { lines?: number; message: string };
    const why = e.message.replace(/ at line \d+.*$/s, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 120);
    return fail(`line ${e.lines ?? '?'}: ${why}`);
  }
  if (records.length === 0) fail('the file is empty; expected a header row and data rows');
  const header = records[0].record;
  const seen = new Map<string, number>();
  header.forEach((name, j) => {
    if (name === '') fail(`line ${records[0].info.lines}, column ${j + 1}: the header has an empty column name`);
    if (seen.has(name)) fail(`line ${records[0].info.lines}, column ${j + 1}: the column name ${quote(name)} appears twice (also column ${seen.get(name)! + 1})`);
    seen.set(name, j);
  });
  const cols = header.length;
  const rows = records.length - 1;
  if (rows === 0) fail('there are no data rows after the header');
  const values = new Float64Array(rows * cols);
  const lines = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const { record, info } = records[r + 1];
    lines[r] = info.lines;
    if (record.length !== cols) fail(`line ${info.lines}: ${record.length} fields, but the header has ${cols} columns`);
    for (let j = 0; j < cols; j++) {
      const cell = record[j];
      const where = `line ${info.lines}, column ${j + 1} (${quote(header[j])})`;
      if (cell === '') fail(`${where}: empty cell; every cell must be a number`);
      // Numbers only as JavaScript reads decimal literals: no hex, no words, no thousands separators.
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell)) fail(`${where}: ${quote(cell)} is not a number`);
      const v = Number(cell);
      if (!Number.isFinite(v)) fail(`${where}: ${quote(cell)} is too large for a number`);
      values[r * cols + j] = v;
    }
  }
  return { file, columns: header, rows, values, lines };
}

/** Read a CSV or .npy file (by its extension). */
export function readTable(path: string): Table {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ExprError('io', `cannot read data file ${path}: it is a folder`);
    size = st.size;
  } catch (err) {
    if (err instanceof ExprError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ExprError('io', `cannot read data file ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (size > MAX_TABLE_BYTES) throw new ExprError('data', `${path}: ${size} bytes is larger than exprgrad reads (${MAX_TABLE_BYTES})`);
  const bytes = readFileSync(path);
  if (/\.npy$/i.test(path)) return parseNpy(bytes, path);
  return parseCsv(bytes.toString('utf8'), path);
}

export interface DatasetOptions {
  /** The label column's name (CSV) or index (.npy: '0', '1', …, or a name); default 'label', else 'y', else the last column. */
  readonly label?: string;
  /** Classification with this many classes (labels 0…classes−1), or regression when undefined. */
  readonly classes?: number;
  /** Feature columns the model expects (every column but the label). */
  readonly features: number;
}

export interface Dataset extends Labelled {
  readonly x: Float32Array;
  readonly labelColumn: string;
  readonly featureColumns: readonly string[];
}

/** Split a table into features and labels (class indices) or targets (regression). */
export function toDataset(t: Table, o: DatasetOptions): Dataset {
  const fail = (msg: string): never => {
    throw new ExprError('data', `${t.file}: ${msg}`);
  };
  const cols = t.columns.length;
  const label = o.label ?? (t.columns.includes('label') ? 'label' : t.columns.includes('y') ? 'y' : t.columns[cols - 1]);
  const li = t.columns.indexOf(label);
  if (li < 0) fail(`no column named ${quote(label)} for the label (columns: ${t.columns.slice(0, 12).map(quote).join(', ')}${cols > 12 ? ', …' : ''})`);
  const featureColumns = t.columns.filter((_, j) => j !== li);
  if (featureColumns.length !== o.features) {
    fail(`${featureColumns.length} feature columns besides the label ${quote(label)}, but the model program's x has ${o.features} features`);
  }
  const x = new Float32Array(t.rows * o.features);
  const labels = new Uint8Array(t.rows);
  const targets = o.classes === undefined ? new Float32Array(t.rows) : undefined;
  const rowAt = (r: number) => (t.lines[r] ? `line ${t.lines[r]}` : `row ${r}`);
  for (let r = 0; r < t.rows; r++) {
    let k = 0;
    for (let j = 0; j < cols; j++) {
      const v = t.values[r * cols + j];
      if (Math.abs(v) > 3.4028234663852886e38) fail(`${rowAt(r)}, column ${j + 1} (${quote(t.columns[j])}): ${v} does not fit a float32`);
      if (j === li) {
        if (targets) targets[r] = v;
        else if (!Number.isInteger(v) || v < 0 || v >= o.classes!) {
          fail(`${rowAt(r)}, column ${li + 1} (${quote(label)}): label ${v} is not a class of the model (0…${o.classes! - 1})`);
        } else labels[r] = v;
      } else x[r * o.features + k++] = v;
    }
  }
  return { images: new Uint8Array(0), labels, count: t.rows, x, targets, labelColumn: label, featureColumns };
}
