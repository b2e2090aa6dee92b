// Saving never replaces a file and never loses the model: writeExclusive is create-exclusive and leaves no temporary
// file; planSave refuses every unusable destination before training; saveGroup moves the whole group (model and
// plots) to the next free name when any member's name is taken by then.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeExclusive } from '../../src/cli/files.js';
import { planSave, saveGroup, groupOf, DEFAULT_SAVE } from '../../src/cli/save.js';
import { ExprError } from '../../src/errors.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'exprgrad-save-'));

describe('writeExclusive', () => {
  it('creates a missing file, refuses every existing one untouched, and leaves no temporary file', () => {
    const dir = fresh();
    for (let i = 0; i < 20; i++) {
      const path = join(dir, `f${i}.json`);
      if (i % 2) writeFileSync(path, `old ${i}`);
      const wrote = writeExclusive(path, `new ${i}`);
      expect(wrote).toBe(i % 2 === 0);
      expect(readFileSync(path, 'utf8')).toBe(i % 2 ? `old ${i}` : `new ${i}`);
    }
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a write that fails (a missing folder) is an ExprError and leaves nothing behind', () => {
    const dir = fresh();
    expect(() => writeExclusive(join(dir, 'no', 'm.json'), 'x')).toThrow(ExprError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('many writers racing for one name: exactly one wins, the file is whole', async () => {
    const dir = fresh();
    const path = join(dir, 'race.json');
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => Promise.resolve().then(() => writeExclusive(path, `writer ${i} `.repeat(1000)))));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(readFileSync(path, 'utf8')).toBe(`writer ${winner} `.repeat(1000));
    expect(readdirSync(dir)).toEqual(['race.json']);
  });
});

describe('planSave (before training)', () => {
  it('refuses every unusable --save with an ExprError naming it', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'file'), 'x');
    const bad: [string, RegExp][] = [
      ['', /needs a file name/],
      ['   ', /needs a file name/],
      ['folder', /is a folder/],
      ['folder/', /names a folder/],
      [dir, /is a folder/],
      ['missing/m.json', /folder .*missing does not exist/],
      ['file/m.json', /is not a folder/],
      ['/proc/m.json', /cannot create files in \/proc/],
    ];
    for (const [save, why] of bad) {
      let err: unknown;
      try {
        planSave(save, dir);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(save)).toBeInstanceOf(ExprError);
      expect((err as Error).message, save).toMatch(why);
    }
    expect(readdirSync(dir).sort()).toEqual(['file', 'folder']); // the write probe is gone
  });

  it('an explicit name is refused when it or any plot beside it exists (each member, generated)', () => {
    for (let member = 0; member < 3; member++) {
      const dir = fresh();
      const names = groupOf(join(dir, 'm.json'));
      writeFileSync(names[member], 'keep me');
      expect(() => planSave('m.json', dir)).toThrow(/already exists; exprgrad never replaces a file/);
      expect(readFileSync(names[member], 'utf8')).toBe('keep me');
    }
  });

  it('the default name skips every stem whose model or plots exist', () => {
    const dir = fresh();
    expect(planSave(undefined, dir)).toEqual({ path: join(dir, DEFAULT_SAVE), explicit: false });
    writeFileSync(join(dir, 'exprgrad-mnist.confusion.svg'), 'x'); // only a plot of the first stem
    writeFileSync(join(dir, 'exprgrad-mnist-2.json'), 'x');
    expect(planSave(undefined, dir).path).toBe(join(dir, 'exprgrad-mnist-3.json'));
  });
});

describe('saveGroup (after training)', () => {
  it('for every subset of the three names taken meanwhile, moves the whole group and replaces nothing', () => {
    for (let mask = 0; mask < 8; mask++) {
      const dir = fresh();
      const first = groupOf(join(dir, 'm.json'));
      first.forEach((p, i) => mask & (1 << i) && writeFileSync(p, 'other'));
      const written = saveGroup(join(dir, 'm.json'), ['model', 'curves', 'confusion']);
      expect(written).toEqual(mask === 0 ? first : groupOf(join(dir, 'm-2.json')));
      first.forEach((p, i) => mask & (1 << i) && expect(readFileSync(p, 'utf8')).toBe('other'));
      expect(readFileSync(written[0], 'utf8')).toBe('model');
      // Nothing half-written is left under the first stem.
      const underFirst = readdirSync(dir).filter((n) => n.startsWith('.') || n.startsWith('m.')).sort();
      const expectedFirst = first.filter((_, i) => mask === 0 || mask & (1 << i)).map((p) => p.slice(dir.length + 1)).sort();
      expect(underFirst, `mask ${mask}`).toEqual(expectedFirst);
    }
  });

  it('skips plots that were not made (no history, no test set)', () => {
    const dir = fresh();
    expect(saveGroup(join(dir, 'm.json'), ['model', undefined, 'confusion'])).toEqual([join(dir, 'm.json'), join(dir, 'm.confusion.svg')]);
  });
});
