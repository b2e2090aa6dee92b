// exprgrad functions: the function reference comes from the op registry (every callable op, its arity and its
// doc), so a new op appears without anyone editing the CLI.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { allOps } from '../../src/ir/registry.js';

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { status, out, err };
}

describe('exprgrad functions', () => {
  const callable = allOps().filter((o) => o.callable || o.spelled === 'max');

  it('lists every callable op of the registry with its description, one a line', async () => {
    const r = await cli(['functions']);
    expect(r.status).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(callable.length);
    callable.forEach((o, i) => {
      expect(lines[i].startsWith(o.spelled + ' '), o.name).toBe(true);
      expect(lines[i].endsWith(o.doc), o.name).toBe(true);
    });
    expect(r.out).toMatch(/^erf +\(1 argument\) +error function/m);
    expect(r.out).toMatch(/^sum +tensor \(1–2 arguments\)/m);
  });

  it('--json gives one object per function; arguments are refused', async () => {
    const r = await cli(['functions', '--json']);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.name)).toEqual(callable.map((o) => o.spelled));
    expect(rows.find((x) => x.name === 'hypot')).toEqual({ name: 'hypot', args: '2 or more', kind: 'elementwise', doc: allOps().find((o) => o.name === 'hypot')!.doc });
    const bad = await cli(['functions', 'sin']);
    expect(bad.status).toBe(2);
    expect(bad.err).toMatch(/^exprgrad: Error: functions takes no arguments/);
  });
});
