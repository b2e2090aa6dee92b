#!/usr/bin/env node
// The architecture's import rules, checked (run by `npm test`; `node scripts/check-imports.mjs --list` prints the
// imports between folders).
//
// In:  every .ts file under src/ (static imports, re-exports and dynamic import() of relative paths).
// Out: exit 0, or exit 1 with each forbidden import and each import cycle. The rules (docs/ARCHITECTURE.md):
//   ir          knows nothing of the rest
//   backend     never parse, print, simplify, diff, eval, compile, nn, data or cli (it knows the tape's graph only;
//               of eval, only the JavaScript rendering of ops, eval/js-ops.ts, which its generated loops share);
//               each backend (js.ts, wasm/, gpujs.ts) imports none of the others' files, except wasm's fallback to
//               the js backend's runner
//   nn          the compile layer, the registry and the lower layers; no backend internals
//   compile     no nn, data, cli
//   cli         only the public entry points (src/index.ts, src/node.ts, src/symbolic.ts) and its own files
//   no import cycles between files
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;
const rel = (p) => relative(src, p).split('\\').join('/');
const folder = (r) => (r.includes('/') ? r.slice(0, r.indexOf('/')) : r.replace(/\.ts$/, ''));

const graph = new Map();
for (const f of files(src)) {
  const text = readFileSync(f, 'utf8');
  const deps = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    deps.push(rel(resolve(dirname(f), spec.replace(/\.js$/, '.ts'))));
  }
  graph.set(rel(f), deps);
}

const BACKEND_FILES = { 'backend/js.ts': 'js', 'backend/gpujs.ts': 'gpujs' };
const backendOf = (r) => (r.startsWith('backend/wasm/') ? 'wasm' : BACKEND_FILES[r]);
const rules = [
  ['ir', (to) => folder(to) === 'ir' || to === 'errors.ts'],
  ['backend', (to) => to === 'eval/js-ops.ts' || !['parse', 'print', 'simplify', 'diff', 'eval', 'compile', 'nn', 'data', 'cli', 'onnx', 'emit'].includes(folder(to))],
  ['nn', (to) => !to.startsWith('backend/') || ['backend/registry.ts'].includes(to)],
  ['compile', (to) => !['nn', 'data', 'cli', 'onnx'].includes(folder(to))],
  ['cli', (to) => folder(to) === 'cli' || to === 'index.ts' || to === 'node.ts' || to === 'symbolic.ts'],
];

const problems = [];
for (const [from, deps] of graph) {
  for (const to of deps) {
    for (const [f, ok] of rules) if (folder(from) === f && !ok(to)) problems.push(`${from} imports ${to} (${f}/ may not)`);
    const a = backendOf(from);
    const b = backendOf(to);
    if (a && b && a !== b && !(a === 'wasm' && to === 'backend/js.ts')) problems.push(`${from} imports ${to} (one backend importing another's internals)`);
  }
}

// Cycles: depth-first search with an explicit stack.
const state = new Map();
for (const start of graph.keys()) {
  if (state.has(start)) continue;
  const stack = [[start, 0]];
  const path = [start];
  state.set(start, 'open');
  while (stack.length) {
    const top = stack[stack.length - 1];
    const deps = graph.get(top[0]) ?? [];
    if (top[1] >= deps.length) {
      state.set(top[0], 'done');
      stack.pop();
      path.pop();
      continue;
    }
    const next = deps[top[1]++];
    if (state.get(next) === 'open') problems.push(`import cycle: ${[...path.slice(path.indexOf(next)), next].join(' → ')}`);
    else if (!state.has(next) && graph.has(next)) {
      state.set(next, 'open');
      stack.push([next, 0]);
      path.push(next);
    }
  }
}

if (process.argv.includes('--list')) {
  const edges = new Map();
  for (const [from, deps] of graph) for (const to of deps) if (folder(from) !== folder(to)) edges.set(`${folder(from)} → ${folder(to)}`, (edges.get(`${folder(from)} → ${folder(to)}`) ?? 0) + 1);
  for (const [e, n] of [...edges].sort()) console.log(`${e}  (${n})`);
}
if (problems.length) {
  console.error(`check-imports: ${problems.length} forbidden import${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-imports: ${graph.size} files, the import rules hold, no cycles`);
