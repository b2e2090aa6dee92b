// The backends, by name: the one list (src/backend/js.ts, wasm/wasm.ts, gpujs.ts each export theirs).
//
// In:  a name. Out: the backend, or an ExprError naming the ones there are.

import { ExprError } from '../errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js.js';
import { wasmBackend } from './wasm/wasm.js';
import { gpujsBackend } from './gpujs.js';

const backends: ReadonlyMap<string, Backend> = new Map([jsBackend, wasmBackend, gpujsBackend].map((b) => [b.name, b]));

export function getBackend(name: string): Backend {
  const b = backends.get(name);
  if (!b) throw new ExprError('usage', `unknown backend '${name}' (available: ${[...backends.keys()].join(', ')})`);
  return b;
}

export function backendNames(): string[] {
  return [...backends.keys()];
}
