// File helpers shared by the CLI commands (only src/cli and src/data touch the file system).
//
// readText: a text file, or an ExprError('io') naming it ("no such file", "it is a folder", …).
// writeAtomic: write through a temporary file and rename, so a crash never leaves half a file.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ExprError } from '../errors.js';

export function readText(path: string, what = 'file'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message;
    throw new ExprError('io', `cannot read ${what} ${path}: ${why}`);
  }
}

export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    throw new ExprError('io', `cannot write ${path}: ${(err as Error).message}`);
  }
}
