// JavaScript for the elementwise ops: the one rendering that generated JavaScript uses (the scalar code generator,
// src/eval/codegen.ts, and the host loops of the js and wasm backends, src/backend/host.ts).
//
// In:  an op name of the registry and its operands as JavaScript atoms (names, literals, parenthesized forms).
// Out: a JavaScript expression. Operators and a few ops have their own syntax here; a function that Math has is
//      Math.f(…); any other op calls its own float64 evaluation from the registry as R.f(…) (the `runtime` object
//      given to generated code), so a new op needs no entry here. Op names come from the registry, never from users.

import { ops, type OpName, type OpSpec } from '../ir/ops.js';

/** A number as a JavaScript literal (finite doubles print exactly; a negative one in parentheses). */
export function jsLiteral(v: number): string {
  if (!Number.isFinite(v)) throw new Error('internal: non-finite literal');
  return v < 0 ? `(${v})` : String(v);
}

const infix = (op: string) => (a: string, b: string) => `${a} ${op} ${b}`;

const syntax: Partial<Record<OpName, (...xs: string[]) => string>> = {
  add: infix('+'),
  sub: infix('-'),
  mul: infix('*'),
  div: infix('/'),
  // Small integer powers multiply out: within an ulp or two of pow, and several times faster.
  pow: (a, b) => (b === '2' ? `(${a} * ${a})` : b === '3' ? `(${a} * ${a} * ${a})` : `Math.pow(${a}, ${b})`),
  neg: (a) => `-${a}`,
  pi: () => 'Math.PI',
  e: () => 'Math.E',
  step: (x) => `(${x} > 0 ? 1 : 0)`,
  relu: (x) => `(${x} > 0 ? ${x} : 0)`,
};

const MathFns = Math as unknown as Record<string, unknown>;
/**
 * Ops named like a Math function that differ from it: exprgrad's round ties to even, Math.round toward +∞; atan2
 * reads −0 as 0 (src/ir/ops.ts).
 */
const NOT_MATH: ReadonlySet<string> = new Set(['round', 'atan2']);

/** The op in plain JavaScript (operators, Math), or undefined where only its own evaluation computes it. */
export function jsSyntax(op: string, args: readonly string[]): string | undefined {
  const own = Object.hasOwn(syntax, op) ? syntax[op as OpName] : undefined;
  if (own) return own(...args);
  if (Object.hasOwn(Math, op) && typeof MathFns[op] === 'function' && !NOT_MATH.has(op)) return `Math.${op}(${args.join(', ')})`;
  return undefined;
}

export function jsOp(op: string, args: readonly string[]): string {
  return jsSyntax(op, args) ?? `R.${op}(${args.join(', ')})`;
}

/** What generated code reaches as R: every elementwise op's float64 evaluation, by name. */
export const runtime: Readonly<Record<string, (...xs: number[]) => number>> = Object.fromEntries(
  Object.entries(ops as Record<string, OpSpec>).map(([name, spec]) => [name, spec.eval]),
);
