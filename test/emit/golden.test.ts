// Golden files: five showcase formulas (the seed's sin(exp(x^3)) among them), value and gradient, in every
// language, under test/emit/golden/. The emitted text must equal the file byte for byte; the files were read by a
// person for readability. After an intended change: EXPRGRAD_UPDATE_GOLDEN=1 npx vitest run test/emit/golden.test.ts
// rewrites them (then read the diff). The C, Python and JavaScript files also compile and give the seed's numbers.

import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { emit, EMIT_LANGS, type EmitLang } from '../../src/emit/emit.js';
import { SHOWCASE } from './cases.js';
import { runC, runPython, importJs, flattenJs } from './runners.js';

const DIR = fileURLToPath(new URL('./golden/', import.meta.url));
const EXT: Record<EmitLang, string> = { c: '.c', python: '.py', numpy: '_numpy.py', js: '.mjs', glsl: '.glsl', wgsl: '.wgsl' };
const UPDATE = process.env.EXPRGRAD_UPDATE_GOLDEN === '1';

const emitted = (lang: EmitLang, s: (typeof SHOWCASE)[number]) => emit(s.text, { lang, grad: true, vars: s.vars, name: s.name });

describe('golden files', () => {
  it('there are five showcase formulas, the seed among them', () => {
    expect(SHOWCASE).toHaveLength(5);
    expect(SHOWCASE.map((s) => s.text)).toContain('sin(exp(x^3))');
  });

  for (const lang of EMIT_LANGS) {
    it(`${lang}: the emitted code equals the golden files`, () => {
      if (UPDATE) mkdirSync(DIR, { recursive: true });
      for (const s of SHOWCASE) {
        const file = join(DIR, s.name + EXT[lang]);
        const code = emitted(lang, s);
        if (UPDATE) writeFileSync(file, code);
        expect(existsSync(file), `${file} is missing (EXPRGRAD_UPDATE_GOLDEN=1 writes it)`).toBe(true);
        expect(code, file).toBe(readFileSync(file, 'utf8'));
      }
    });
  }

  it("the golden seed files give the seed's value and derivative (0.40176297151886475, -32757.521776103014)", async () => {
    const seed = SHOWCASE.find((s) => s.name === 'seed')!;
    const read = (lang: EmitLang) => readFileSync(join(DIR, seed.name + EXT[lang]), 'utf8');
    const unit = (lang: EmitLang) => ({ code: read(lang), name: 'seed', nparams: 1, mode: 'grad' as const });
    const [c] = runC([unit('c')], [{ unit: 0, args: [2] }]);
    const [py] = runPython([unit('python')], [{ unit: 0, args: [2] }]);
    const [np] = runPython([unit('numpy')], [{ unit: 0, args: [2] }], true);
    const js = flattenJs((await importJs(read('js'))).seed(2), 'grad');
    for (const got of [c, py, np, js]) {
      expect(got[0]).toBeCloseTo(0.40176297151886475, 12);
      expect(Math.abs(got[1] / -32757.521776103014 - 1)).toBeLessThan(1e-11);
    }
  });
});
