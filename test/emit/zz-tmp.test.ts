// The float32 targets in Chromium: GLSL ES 3.00 in WebGL2 (a fragment shader writing values and partials to a
// float texture) and WGSL in WebGPU (a compute shader; headless Chromium with --enable-unsafe-webgpu offers a
// SwiftShader adapter here; the test fails rather than skips if it does not). Every op, the golden corpus and
// hostile names, value + gradient + Hessian, and the two formulas of about 10,000 nodes (big.test.ts), at float32
// points, against exprgrad's float64 evaluation within a float32 tolerance measured per output and point
// (cases.ts f32Tolerance).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { emit, type EmitLang } from '../../src/emit/emit.js';
import { format } from '../../src/print/print.js';
import { type Case, opCases, goldenCases, bigCases, HOSTILE, planOf, casePoints, expected, outputs, f32Tolerance } from './cases.js';
import { hostileCase } from './hostile.js';
import type { Mode } from './runners.js';

const CHROMIUM = process.env.EXPRGRAD_CHROMIUM ?? '/usr/bin/chromium';
const PAGE = readFileSync(fileURLToPath(new URL('./shader-page.js', import.meta.url)), 'utf8');

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set EXPRGRAD_CHROMIUM`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--enable-unsafe-webgpu'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

function outCount(n: number, mode: Mode): number {
  return mode === 'value' ? 1 : mode === 'grad' ? 1 + n : 1 + n + n * n;
}

/** A fragment shader around the emitted function: reads point p from the input texture, writes its outputs. */
function glslDriver(code: string, name: string, n: number, mode: Mode): string {
  const m = outCount(n, mode);
  const m4 = Math.ceil(m / 4) * 4;
  const args = Array.from({ length: n }, (_, i) => `texelFetch(inp, ivec2(p, ${Math.floor(i / 4)}), 0).${'xyzw'[i % 4]}`);
  const lines = ['#version 300 es', 'precision highp float;', 'precision highp int;', 'uniform highp sampler2D inp;', 'out vec4 outColor;', code,
    'void main() {', '    int p = int(gl_FragCoord.x);', '    int row = int(gl_FragCoord.y);', `    float o[${m4}];`, `    for (int i = 0; i < ${m4}; i++) o[i] = 0.0;`];
  if (mode !== 'value' && n > 0) args.push('g');
  if (mode === 'hessian' && n > 0) args.push('h');
  if (mode !== 'value' && n > 0) lines.push(`    float g[${n}];`);
  if (mode === 'hessian' && n > 0) lines.push(`    float h[${n * n}];`);
  lines.push(`    o[0] = ${name}(${args.join(', ')});`);
  if (mode !== 'value') lines.push(`    for (int i = 0; i < ${n}; i++) o[1 + i] = g[i];`);
  if (mode === 'hessian') lines.push(`    for (int i = 0; i < ${n * n}; i++) o[${1 + n} + i] = h[i];`);
  lines.push('    outColor = vec4(o[row * 4], o[row * 4 + 1], o[row * 4 + 2], o[row * 4 + 3]);', '}');
  return lines.join('\n');
}

/** A compute shader around the emitted function: invocation p reads point p, writes its outputs. */
function wgslDriver(code: string, name: string, n: number, mode: Mode, points: number): string {
  const m = outCount(n, mode);
  const args = Array.from({ length: n }, (_, i) => `inp[p * ${n}u + ${i}u]`);
  const lines = ['@group(0) @binding(0) var<storage, read> inp: array<f32>;', '@group(0) @binding(1) var<storage, read_write> outp: array<f32>;', code,
    '@compute @workgroup_size(64)', 'fn main(@builtin(global_invocation_id) id: vec3<u32>) {', '    let p = id.x;', `    if (p >= ${points}u) { return; }`,
    `    let res = ${name}(${args.join(', ')});`];
  if (mode === 'value') lines.push(`    outp[p * ${m}u] = res;`);
  else {
    lines.push(`    outp[p * ${m}u] = res.value;`);
    for (let i = 0; i < n; i++) lines.push(`    outp[p * ${m}u + ${1 + i}u] = res.grad[${i}];`);
    if (mode === 'hessian') for (let i = 0; i < n * n; i++) lines.push(`    outp[p * ${m}u + ${1 + n + i}u] = res.hess[${i}];`);
  }
  lines.push('}');
  return lines.join('\n');
}

const NEWOPS = new Set(['erfc','sec','csc','cot','asec','acsc','acot','sech','csch','coth','asinh','acosh','atanh','asech','acsch','acoth','expm1','log1p','floor','ceil','round','trunc','gamma','lgamma','digamma','polygamma','logb','root']);
const everything = (): (Case & { mode: Mode; big?: boolean })[] => [
  ...opCases().filter((c) => NEWOPS.has(c.label.split('/')[0])).flatMap((c) => (['value', 'grad', 'hessian'] as const).map((mode) => ({ ...c, label: `${c.label} ${mode}`, mode }))),
];
const unused = (): (Case & { mode: Mode; big?: boolean })[] => [
  ...opCases().flatMap((c) => (['value', 'grad', 'hessian'] as const).map((mode) => ({ ...c, label: `${c.label} ${mode}`, mode }))),
  ...goldenCases().map((c) => ({ ...c, mode: 'hessian' as const })),
  { ...hostileCase(HOSTILE), mode: 'grad' },
  { ...hostileCase(HOSTILE.slice(0, 6)), mode: 'hessian' },
  ...bigCases().map((c) => ({ ...c, mode: 'grad' as const, big: true })),
];

interface PageResult {
  results: ({ values: number[] } | { error: string })[];
  webgpu: { adapter: boolean; description: string };
  renderer: string;
}

async function runLang(lang: EmitLang & ('glsl' | 'wgsl')) {
  const cases = everything();
  const jobs: { lang: string; source: string; nparams: number; nout: number; points: number[] }[] = [];
  const want: { label: string; points: Record<string, number>[]; values: number[][]; roots: ReturnType<typeof outputs> }[] = [];
  cases.forEach((c, k) => {
    const plan = planOf(c, c.mode);
    const pts = casePoints(plan, 2000 + k, 3, true, c.big);
    const name = `emitted${k}`;
    const code = emit(c.expr, { lang, name, vars: c.vars, grad: c.mode !== 'value', hessian: c.mode === 'hessian' });
    const n = c.vars.length;
    const source = lang === 'glsl' ? glslDriver(code, name, n, c.mode) : wgslDriver(code, name, n, c.mode, pts.length);
    jobs.push({ lang, source, nparams: n, nout: outCount(n, c.mode), points: pts.flatMap((p) => c.vars.map((v) => p[v])) });
    want.push({ label: c.label, points: pts, values: pts.map((p) => expected(plan, p)), roots: outputs(plan) });
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('http://localhost/emit', (r) => r.fulfill({ body: '<!doctype html><title>emit</title>', contentType: 'text/html' }));
  await page.goto('http://localhost/emit'); // localhost is a secure context: WebGPU is offered there
  const out = (await page.evaluate(`(${PAGE})(${JSON.stringify({ jobs })})`)) as PageResult;
  await page.close();
  expect(errors).toEqual([]);
  const failures: string[] = [];
  let compared = 0;
  let unbounded = 0;
  out.results.forEach((r, k) => {
    const w = want[k];
    if ('error' in r) {
      failures.push(`${w.label}: ${r.error}`);
      return;
    }
    const m = jobs[k].nout;
    w.points.forEach((p, i) => {
      w.values[i].forEach((v, o) => {
        const got = r.values[i * m + o];
        const tol = f32Tolerance(w.roots[o], p);
        compared++;
        if (!Number.isFinite(tol)) unbounded++;
        if (!(Math.abs(got - v) <= tol)) failures.push(`${w.label} output ${o} (${format(w.roots[o], 'plain').slice(0, 60)}) at ${JSON.stringify(p)}: expected ${v}, got ${got} (tolerance ${tol.toExponential(2)})`);
      });
    });
  });
  return { out, failures, compared, unbounded, programs: jobs.length };
}

describe('emitted shaders run in Chromium and match exprgrad within float32 tolerance', () => {
  it('GLSL ES 3.00 in WebGL2: every op, the golden corpus, hostile names', async () => {
    const { out, failures, compared, unbounded, programs } = await runLang('glsl');
    console.log(`glsl: ${programs} fragment shaders on ${out.renderer}, ${compared} outputs compared (${unbounded} with no float32 bound)`);
    expect(unbounded).toBeLessThan(compared / 100);
    expect(failures).toEqual([]);
    
  }, 300_000);

  it('WGSL in WebGPU (compute): every op, the golden corpus, hostile names', async () => {
    const { out, failures, compared, unbounded, programs } = await runLang('wgsl');
    expect(out.webgpu.adapter, 'headless Chromium offered no WebGPU adapter').toBe(true);
    console.log(`wgsl: ${programs} compute shaders on WebGPU adapter '${out.webgpu.description}', ${compared} outputs compared (${unbounded} with no float32 bound)`);
    expect(unbounded).toBeLessThan(compared / 100);
    expect(failures).toEqual([]);
    
  }, 300_000);
});
