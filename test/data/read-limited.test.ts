// Size limits hold before reading: files over the limit are refused by their size, devices and pipes that never end
// (/dev/zero) are refused after limit + 1 bytes, and each failure is an ExprError that names the file.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileLimited, FILE_LIMITS } from '../../src/data/read-limited.js';
import { ExprError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'exprgrad-limit-'));

function error(f: () => unknown): ExprError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ExprError);
    return err as ExprError;
  }
  throw new Error('expected an ExprError');
}

describe('readFileLimited', () => {
  it('reads files up to the limit and refuses every size above it (sizes around several limits)', () => {
    for (const limit of [0, 1, 7, 1000, 65536, 1 << 20]) {
      for (const size of [0, 1, limit - 1, limit, limit + 1, limit * 2 + 3].filter((n) => n >= 0)) {
        const path = join(dir, `f-${limit}-${size}`);
        const bytes = Buffer.alloc(size, 0x61);
        writeFileSync(path, bytes);
        if (size <= limit) expect(readFileLimited(path, limit, 'test file').equals(bytes), `${size}/${limit}`).toBe(true);
        else {
          const e = error(() => readFileLimited(path, limit, 'test file'));
          expect(e.code).toBe('too-large');
          expect(e.message).toContain(path);
          expect(e.message).toMatch(/the limit is/);
        }
      }
    }
  });

  it('refuses /dev/zero (a device with no size and no end) after the limit, with bounded memory', () => {
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const e = error(() => readFileLimited('/dev/zero', FILE_LIMITS.program, 'file'));
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/\/dev\/zero is larger than the limit of 1\.0 MiB/);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
    // A large limit still stops at the limit, not at the end of memory.
    const big = error(() => readFileLimited('/dev/zero', 8 << 20, 'model'));
    expect(big.code).toBe('too-large');
  });

  it('names what is wrong: missing, a folder, a path through a file, an empty name', () => {
    mkdirSync(join(dir, 'folder'), { recursive: true });
    writeFileSync(join(dir, 'plain'), 'x');
    const cases: [string, RegExp][] = [
      [join(dir, 'missing'), /no such file/],
      [join(dir, 'folder'), /it is a folder/],
      [join(dir, 'plain', 'below'), /not a folder/],
    ];
    for (const [path, why] of cases) {
      const e = error(() => readFileLimited(path, 100, 'model'));
      expect(e.code).toBe('io');
      expect(e.message).toMatch(why);
      expect(e.message).toContain(path);
    }
    expect(error(() => readFileLimited('', 100, 'model')).message).toMatch(/empty name/);
  });
});
