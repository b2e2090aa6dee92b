// The committed kernel module (src/backend/wasm/kernels-wasm.ts) must be what scripts/build-wasm.mjs makes from the
// AssemblyScript source now: consumers and CI use the committed binary and never run asc.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KERNELS_SOURCE_SHA256 } from '../../src/backend/wasm/kernels-wasm.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('wasm kernels: generated module', () => {
  it('was generated from the current AssemblyScript source', () => {
    const source = readFileSync(new URL('../../src/backend/wasm/assembly/kernels.ts', import.meta.url), 'utf8');
    expect(createHash('sha256').update(source).digest('hex'), 'run npm run build:wasm').toBe(KERNELS_SOURCE_SHA256);
  });

  it('is byte for byte what asc makes now (npm run build:wasm)', () => {
    const res = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
