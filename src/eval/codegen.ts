// Scalar JavaScript code generation: graph roots → one straight-line float64 function.
//
// In:  root expressions (all scalar) and the order of input variables.
// Out: the source text and the compiled function
//        single(inp: Float64Array, out: Float64Array): void      out[r] = value of root r at inp
//        batch(inp: Float64Array[], out: Float64Array[], n): void  the same over n points (sweeps, plots)
//      Each distinct node is computed once (shared subexpressions are shared); no allocation per call.
//
// Safety: user text never reaches the generated source. Variables become inp[k] by index, numbers are printed
// from finite float64 values, and op code comes from src/eval/js-ops.ts. Nothing is named after the user.

import { Expr } from '../ir/expr.js';
import { topo } from '../ir/walk.js';
import { jsLiteral, jsOp, runtime } from './js-ops.js';

export interface ScalarProgram {
  readonly source: string;
  readonly single: (inp: Float64Array, out: Float64Array) => void;
  readonly batch: (inp: readonly Float64Array[], out: readonly Float64Array[], n: number) => void;
}

/** Straight-line body: one `const` per distinct non-leaf node. Returns the body lines and each root's operand. */
function body(roots: readonly Expr[], inputs: readonly string[], read: (k: number) => string, indent: string) {
  const lines: string[] = [];
  const code = new Map<Expr, string>();
  const index = new Map(inputs.map((n, k) => [n, k]));
  let t = 0;
  const used = new Set<number>();
  for (const node of topo(roots)) {
    if (node.kind === 'num') code.set(node, jsLiteral(node.value));
    else if (node.kind === 'sym') {
      const k = index.get(node.name);
      if (k === undefined) throw new Error(`internal: no input slot for a variable`);
      used.add(k);
      code.set(node, `v${k}`);
    } else {
      const args = node.args.map((a) => code.get(a)!);
      if (node.args.length === 0) {
        code.set(node, `(${jsOp(node.op, [])})`);
        continue;
      }
      const name = `t${t++}`;
      lines.push(`${indent}const ${name} = ${jsOp(node.op, args)};`);
      code.set(node, name);
    }
  }
  const reads = [...used].sort((a, b) => a - b).map((k) => `${indent}const v${k} = ${read(k)};`);
  return { lines: [...reads, ...lines], results: roots.map((r) => code.get(r)!) };
}

export function compileScalar(roots: readonly Expr[], inputs: readonly string[]): ScalarProgram {
  const one = body(roots, inputs, (k) => `inp[${k}]`, '    ');
  const many = body(roots, inputs, (k) => `inp${k}[i]`, '      ');
  const source = [
    "'use strict';",
    'function single(inp, out) {',
    ...one.lines,
    ...one.results.map((r, i) => `    out[${i}] = ${r};`),
    '}',
    'function batch(inp, out, n) {',
    ...inputs.map((_, k) => `  const inp${k} = inp[${k}];`),
    ...roots.map((_, i) => `  const out${i} = out[${i}];`),
    '  for (let i = 0; i < n; i++) {',
    ...many.lines,
    ...many.results.map((r, i) => `      out${i}[i] = ${r};`),
    '  }',
    '}',
    'return { single, batch };',
  ].join('\n');
  const made = new Function('R', source)(runtime) as Pick<ScalarProgram, 'single' | 'batch'>;
  return { source, single: made.single, batch: made.batch };
}
