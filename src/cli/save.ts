// Where `exprgrad train` saves: a model file and the plots beside it, never replacing a file.
//
// In:  the --save name (or none: ./exprgrad-mnist.json); later, the files' contents.
// Out: planSave() checks the destination BEFORE training (the folder exists, is a folder and can be written in;
//      the name is not a folder; an explicit name and its plots' names are all free) and picks the default name;
//      saveGroup() writes the model and its plots create-exclusive (src/cli/files.ts). Should any of the names be
//      taken by the time training ends, all of them move to the next free stem (m-2.json, m-2.curves.svg, …), so
//      the trained model is never lost and no file is ever replaced.

import { statSync, rmSync, openSync, closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeExclusive } from './files.js';
import { ExprError } from '../index.js';

export const DEFAULT_SAVE = 'exprgrad-mnist.json';
/** What goes beside a model m.json: m.curves.svg, m.confusion.svg. */
export const PLOT_SUFFIXES = ['.curves.svg', '.confusion.svg'] as const;

export interface SavePlan {
  /** The model file's absolute path. */
  readonly path: string;
  /** True when the user named it (--save). */
  readonly explicit: boolean;
}

const stemOf = (path: string) => path.replace(/\.json$/, '');
const ext = (path: string) => (path.endsWith('.json') ? '.json' : '');
/** The k-th candidate for a model path: m.json, m-2.json, m-3.json, … */
const candidate = (path: string, k: number) => (k === 1 ? path : `${stemOf(path)}-${k}${ext(path)}`);
/** Every file a model at `path` brings: the model, then its plots. */
export const groupOf = (path: string) => [path, ...PLOT_SUFFIXES.map((s) => stemOf(path) + s)];

function kind(path: string): 'missing' | 'file' | 'folder' | 'other' {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'folder' : st.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') throw new ExprError('io', `cannot save to ${path}: ${dirname(path)} is not a folder`);
    throw new ExprError('io', `cannot save to ${path}: ${(err as Error).message}`);
  }
}

/** The folder exists, is a folder, and a file can be created in it (probed with a file that is removed again). */
function checkFolder(dir: string, name: string): void {
  const k = kind(dir);
  if (k === 'missing') throw new ExprError('io', `cannot save to ${name}: the folder ${dir} does not exist`);
  if (k !== 'folder') throw new ExprError('io', `cannot save to ${name}: ${dir} is not a folder`);
  const probe = resolve(dir, `.exprgrad-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'a read-only file system' : (err as Error).message;
    throw new ExprError('io', `cannot save to ${name}: cannot create files in ${dir} (${why})`);
  } finally {
    rmSync(probe, { force: true });
  }
}

/** Check the destination before any training happens; resolves the default name to a free one. */
export function planSave(save: string | undefined, cwd = process.cwd(), fallback = DEFAULT_SAVE): SavePlan {
  if (save !== undefined) {
    if (save.trim() === '') throw new ExprError('usage', '--save needs a file name');
    if (/[\\/]$/.test(save)) throw new ExprError('usage', `--save ${save} names a folder; give a file name such as ${save}model.json`);
    const path = resolve(cwd, save);
    if (kind(path) === 'folder') throw new ExprError('usage', `--save ${save} is a folder; give a file name such as ${save}/model.json`);
    checkFolder(dirname(path), save);
    if (kind(path) === 'other') throw new ExprError('usage', `--save ${save} is not a regular file (a device, pipe or socket); exprgrad never replaces a file`);
    const taken = groupOf(path).filter((p) => kind(p) !== 'missing');
    if (taken.length) {
      throw new ExprError('usage', `${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''}; exprgrad never replaces a file: choose another --save name`);
    }
    return { path, explicit: true };
  }
  const base = resolve(cwd, fallback);
  checkFolder(dirname(base), fallback);
  for (let k = 1; ; k++) {
    const path = candidate(base, k);
    if (groupOf(path).every((p) => kind(p) === 'missing')) return { path, explicit: false };
  }
}

/**
 * Write the model (`files[0]`) and its plots as one group, create-exclusive. When a name is taken (created since
 * planSave), what this call wrote is removed and the group moves to the next stem. Returns the paths written.
 */
/**
 * SIGINT (Ctrl-C) and SIGTERM: stop after the current step and save. The handlers go at the first signal, so a
 * second one takes the default action and ends the process at once, even inside the final evaluation.
 * Returns stopped() and release() (remove the handlers when training is over).
 */
export function stopOnSignals(say: (text: string) => void): { stopped(): boolean; release(): void } {
  let stop = false;
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const onSignal = (sig: NodeJS.Signals) => {
    for (const s of signals) process.off(s, onSignal);
    stop = true;
    const name = sig === 'SIGINT' ? 'Ctrl-C' : sig;
    say(`\n${name}: stopping after this step and saving (${name} again to quit now, losing the model)…\n`);
  };
  for (const s of signals) process.on(s, onSignal);
  return { stopped: () => stop, release: () => signals.forEach((s) => process.off(s, onSignal)) };
}

export function saveGroup(path: string, contents: readonly (string | undefined)[], maxTries = 1000): string[] {
  for (let k = 1; k <= maxTries; k++) {
    const names = groupOf(candidate(path, k));
    const written: string[] = [];
    let ok = true;
    try {
      for (let i = 0; i < names.length; i++) {
        if (contents[i] === undefined) continue;
        if (!writeExclusive(names[i], contents[i]!)) {
          ok = false;
          break;
        }
        written.push(names[i]);
      }
    } catch (err) {
      for (const w of written) rmSync(w, { force: true });
      throw err;
    }
    if (ok) return written;
    for (const w of written) rmSync(w, { force: true });
  }
  throw new ExprError('io', `cannot save: ${path} and ${maxTries - 1} alternative names are all taken`);
}
