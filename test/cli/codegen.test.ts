// exprgrad codegen: the CLI over emit(). An expression argument, standard input (one expression per line, one
// block of code each), --file programs with named statements, --json, --help, and bad input of every kind: exit
// status 2 with a one-line message, never a stack trace.

import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { emit, EMIT_LANGS } from '../../src/emit/emit.js';

async function cli(argv: string[], stdin: string[] = []) {
  let out = '';
  let err = '';
  const status = await main(argv, {
    stdin: Readable.from(stdin),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { status, out, err };
}

const STACK = /^\s+at\s|\.(?:ts|js|mjs):\d+/m;

describe('exprgrad codegen', () => {
  it('prints what emit() gives, for every language and option', async () => {
    for (const lang of EMIT_LANGS) {
      const r = await cli(['codegen', 'sin(exp(x^3))*y', '--lang', lang, '--grad', '--vars', 'y,x', '--name', 'g']);
      expect(r.status).toBe(0);
      expect(r.out).toBe(emit('sin(exp(x^3))*y', { lang, grad: true, vars: ['y', 'x'], name: 'g' }));
      const h = await cli(['codegen', 'x*y', '--lang', lang, '--hessian']);
      expect(h.out).toBe(emit('x*y', { lang, hessian: true }));
    }
  });

  it('standard input: one block of code per expression line; a bad line gets a message and status 2', async () => {
    const r = await cli(['codegen', '--lang', 'js'], ['x^2\n', 'sin(\n', 'y + 1\n']);
    expect(r.status).toBe(2);
    expect(r.out).toContain(emit('x^2', { lang: 'js' }));
    expect(r.out).toContain(emit('y + 1', { lang: 'js' }));
    expect(r.err).toMatch(/^input line 2: Syntax error/);
    expect(r.err).not.toMatch(STACK);
  });

  it('--json: one JSON object per expression', async () => {
    const r = await cli(['codegen', '--lang', 'c', '--json', '--grad'], ['x^2\n', 'x*y\n']);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { input: 'x^2', lang: 'c', code: emit('x^2', { lang: 'c', grad: true }) },
      { input: 'x*y', lang: 'c', code: emit('x*y', { lang: 'c', grad: true }) },
    ]);
  });

  it('--file: a program with named statements emits its result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-codegen-'));
    try {
      const file = join(dir, 'f.txt');
      writeFileSync(file, 'u = x^3\nv = exp(u)\nsin(v)\n');
      const r = await cli(['codegen', '--file', file, '--lang', 'python', '--grad']);
      expect(r.status).toBe(0);
      expect(r.out).toBe(emit('sin(exp(x^3))', { lang: 'python', grad: true }));
      const tensor = join(dir, 't.txt');
      writeFileSync(tensor, 'W : [2, 3]\nsum(W)\n');
      const t = await cli(['codegen', '--file', tensor, '--lang', 'c']);
      expect(t.status).toBe(2);
      expect(t.err).toMatch(/scalar expressions/);
      const missing = await cli(['codegen', '--file', join(dir, 'nope.txt'), '--lang', 'c']);
      expect(missing.status).toBe(2);
      expect(missing.err).toMatch(/no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help lists the options', async () => {
    const r = await cli(['codegen', '--help']);
    expect(r.status).toBe(0);
    for (const o of ['--lang', '--grad', '--hessian', '--vars', '--name', '--json', '--file']) expect(r.out).toContain(o);
  });

  it('bad input: status 2, a clear message, no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['codegen', 'x'], /--lang is required/],
      [['codegen', 'x', '--lang', 'fortran'], /unknown language 'fortran'/],
      [['codegen', 'x', '--lang', 'c\u001b[31m'], /unknown language 'c\?\[31m'/],
      [['codegen', 'x*y', '--lang', 'c', '--vars', 'x'], /uses y, not in vars/],
      [['codegen', 'x', '--lang', 'c', '--vars', 'x,x'], /listed twice/],
      [['codegen', 'x', '--lang', 'c', '--name', 'int'], /reserved word or builtin in c/],
      [['codegen', 'x', '--lang', 'glsl', '--name', 'a b'], /ASCII identifier/],
      [['codegen', 'x*1e300', '--lang', 'wgsl'], /does not fit in float32/],
      [['codegen', 'foo(x)', '--lang', 'js'], /unknown function|foo/],
      [['codegen', 'x', '--lang', 'c', '--bogus'], /Unknown option/],
    ];
    for (const [argv, msg] of cases) {
      const r = await cli(argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(msg);
      expect(r.err).not.toMatch(STACK);
      expect(r.err).not.toMatch(/internal error/);
      expect(r.err).not.toMatch(/\u001b/);
    }
  });
});
