// File helpers shared by the CLI commands (only src/cli and src/data touch the file system).
//
// readText: a text file, its size checked before reading (src/data/read-limited.ts), or an ExprError naming it.
// writeAtomic: write through a temporary file and rename, so a crash never leaves half a file (replaces `path`).
// writeExclusive: write through a temporary file and hard-link it into place: atomic AND create-exclusive (the
//   link fails if the name exists, whoever created it and when); the temporary file is removed in every case.
// loadModelFile: a saved model (size-limited, JSON checked, then Model.fromJSON's checks and checksum).
// checkSaveFolder / saveGroup: where `train` saves a model and its plots (see src/cli/save.ts).

import { linkSync, openSync, renameSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExprError, Model } from '../index.js';
import { FILE_LIMITS, readFileLimited } from '../node.js';

export function readText(path: string, what = 'file', limit: number = FILE_LIMITS.program): string {
  return readFileLimited(path, limit, what).toString('utf8');
}

const tmpName = (path: string) => join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);

export function writeAtomic(path: string, text: string): void {
  const tmp = tmpName(path);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    throw new ExprError('io', `cannot write ${path}: ${(err as Error).message}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Links that a file system refuses (FAT, some network and FUSE mounts): fall back to an exclusive open. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Create `path` with `text`, never replacing anything: false when the name is taken (nothing written), true when
 * written. Other failures are an ExprError('io'). No temporary file is left behind.
 */
export function writeExclusive(path: string, text: string | Uint8Array): boolean {
  const tmp = tmpName(path);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    try {
      linkSync(tmp, path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') return false;
      if (!NO_LINKS.has(code)) throw err;
    }
    // Create-exclusive without a link: the name is claimed atomically, the content follows.
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      const bytes = typeof text === 'string' ? Buffer.from(text) : text;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    } catch (err) {
      closeSync(fd);
      rmSync(path, { force: true });
      throw err;
    }
    closeSync(fd);
    return true;
  } catch (err) {
    if (err instanceof ExprError) throw err;
    throw new ExprError('io', `cannot write ${path}: ${(err as Error).message}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export function loadModelFile(path: string): Model {
  const text = readText(path, 'model', FILE_LIMITS.model);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ExprError('data', `${path} is not valid JSON (${(err as Error).message}); the file is damaged`);
  }
  const model = Model.fromJSON(json, path);
  model.execution = { backend: 'wasm' }; // as `exprgrad train` (the JS kernels where WebAssembly SIMD is missing)
  return model;
}
