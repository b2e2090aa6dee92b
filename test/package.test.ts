// The package as a user imports it from plain Node: `import { parse } from 'exprgrad'` and the Node-only
// subpath 'exprgrad/node' resolve through package.json "exports" to the built dist/ (npm install builds it).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = (code: string) => spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 30_000 });

describe('package entry points', () => {
  it("import { parse, format, derivative } from 'exprgrad' works from plain Node", () => {
    const r = node(`import { parse, format, derivative } from 'exprgrad'; console.log(format(derivative(parse('sin(exp(x^3))'), 'x')));`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('cos(exp(x³))·exp(x³)·3x²');
  });

  it("'exprgrad/node' gives the Node-only API (MNIST loading, IDX, PNG digits)", () => {
    const r = node(`import * as n from 'exprgrad/node'; console.log(Object.keys(n).sort().join(','));`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split(',')).toEqual(expect.arrayContaining(['loadMnist', 'readIdx', 'writeIdx', 'readPngDigit', 'mnistFromGray']));
  });
});
