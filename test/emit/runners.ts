// Running emitted code: C through the system compiler, Python (math and numpy) through /usr/bin/python3, JavaScript
// by import. Each runner takes many units (one emitted function each) and calls at points, and returns every
// call's outputs flattened (value, grad…, hess row-major), so one compiler or interpreter run checks many formulas.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Mode = 'value' | 'grad' | 'hessian';

export interface Unit {
  /** Emitted source whose function is named `name`. */
  readonly code: string;
  readonly name: string;
  readonly nparams: number;
  readonly mode: Mode;
}

export interface Call {
  readonly unit: number;
  readonly args: readonly number[];
}

export const PYTHON = '/usr/bin/python3';

export function withTemp<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'exprgrad-emit-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function withTempAsync<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'exprgrad-emit-'));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const outCount = (u: Unit) => (u.mode === 'value' ? 1 : u.mode === 'grad' ? 1 + u.nparams : 1 + u.nparams + u.nparams ** 2);

export const C_FLAGS = ['-std=c99', '-pedantic', '-Wall', '-Wextra', '-Werror', '-O0'];

/** Compile every unit as its own translation unit with a driver, run the calls, return their outputs. */
export function runC(units: readonly Unit[], calls: readonly Call[]): number[][] {
  return withTemp((dir) => {
    const files: string[] = [];
    units.forEach((u, k) => {
      const file = join(dir, `u${k}.c`);
      writeFileSync(file, u.code);
      files.push(file);
    });
    const driver: string[] = ['#include <stdio.h>', '#include <stdlib.h>'];
    units.forEach((u) => {
      const ps = Array.from({ length: u.nparams }, () => 'double');
      if (u.mode !== 'value') ps.push('double *');
      if (u.mode === 'hessian') ps.push('double *');
      driver.push(`double ${u.name}(${ps.length ? ps.join(', ') : 'void'});`);
    });
    driver.push('int main(void) {', '  int k, n, i; double a[64], out[8192];', '  while (scanf("%d %d", &k, &n) == 2) {');
    driver.push('    for (i = 0; i < n; i++) if (scanf("%lf", &a[i]) != 1) return 1;', '    int m = 0;', '    switch (k) {');
    units.forEach((u, k) => {
      const args = Array.from({ length: u.nparams }, (_, i) => `a[${i}]`);
      const n = u.nparams;
      if (u.mode !== 'value') args.push('out + 1');
      if (u.mode === 'hessian') args.push(`out + 1 + ${n}`);
      driver.push(`      case ${k}: out[0] = ${u.name}(${args.join(', ')}); m = ${outCount(u)}; break;`);
    });
    driver.push('    }', '    for (i = 0; i < m; i++) printf(i ? " %.17g" : "%.17g", out[i]);', '    printf("\\n");', '  }', '  return 0;', '}');
    writeFileSync(join(dir, 'driver.c'), driver.join('\n'));
    const exe = join(dir, 'prog');
    execFileSync('cc', [...C_FLAGS, '-o', exe, join(dir, 'driver.c'), ...files, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const input = calls.map((c) => `${c.unit} ${c.args.length} ${c.args.map((x) => x.toPrecision(17)).join(' ')}`).join('\n') + '\n';
    const out = execFileSync(exe, { input, maxBuffer: 1 << 28 }).toString().trim().split('\n');
    return out.map((line) => line.split(' ').map(parseNumber));
  });
}

function parseNumber(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return NaN;
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  return Number(t);
}

const PY_DRIVER = `
import json, sys
job = json.load(sys.stdin)
units = []
for u in job["units"]:
    ns = {}
    exec(compile(u["code"], "<emitted>", "exec"), ns)
    units.append((ns[u["name"]], u["mode"]))
def flat(r, mode):
    if mode == "value":
        return [r]
    if mode == "grad":
        return [r[0]] + list(r[1])
    return [r[0]] + list(r[1]) + [h for row in r[2] for h in row]
out = []
if job["vectorized"]:
    import numpy as np
    for k, (f, mode) in enumerate(units):
        pts = [c["args"] for c in job["calls"] if c["unit"] == k]
        if not pts:
            continue
        cols = [np.array([p[i] for p in pts], dtype=float) for i in range(len(pts[0]))]
        res = flat(f(*cols), mode)
        for j in range(len(pts)):
            out.append([repr(float(np.asarray(v).reshape(-1)[j] if np.ndim(v) else v)) for v in res])
else:
    for c in job["calls"]:
        f, mode = units[c["unit"]]
        out.append([repr(float(v)) for v in flat(f(*c["args"]), mode)])
print(json.dumps(out))
`;

/**
 * Run units under /usr/bin/python3. vectorized (numpy): each unit is called once with arrays of all its points
 * (the calls come back grouped by unit, in unit order).
 */
export function runPython(units: readonly Unit[], calls: readonly Call[], vectorized = false): number[][] {
  const job = JSON.stringify({ units: units.map((u) => ({ code: u.code, name: u.name, mode: u.mode })), calls, vectorized });
  const out = execFileSync(PYTHON, ['-c', PY_DRIVER], { input: job, maxBuffer: 1 << 28 }).toString();
  return (JSON.parse(out) as string[][]).map((row) => row.map(parseNumber));
}

/** Import an emitted ES module. */
export async function importJs(code: string): Promise<Record<string, (...a: number[]) => unknown>> {
  return withTempAsync(async (dir) => {
    const file = join(dir, 'emitted.mjs');
    writeFileSync(file, code);
    return (await import(pathToFileURL(file).href)) as Record<string, (...a: number[]) => unknown>;
  });
}

export function flattenJs(r: unknown, mode: Mode): number[] {
  if (mode === 'value') return [r as number];
  const o = r as { value: number; grad: number[]; hess?: number[][] };
  return [o.value, ...o.grad, ...(mode === 'hessian' ? o.hess!.flat() : [])];
}
