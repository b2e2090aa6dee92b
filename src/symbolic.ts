// The symbolic part of the public API, as a light entry point: `import { parse, derivative } from 'exprgrad/symbolic'`.
//
//   parse, format, derivative, simplify, evaluate, emit, …   the same functions (the very same objects) as 'exprgrad'
//
// In:  nothing. Out: re-exports only. The main entry ('exprgrad', src/index.ts) also loads the executors (compile,
// the js/wasm/gpu.js backends, gpu.js itself), ONNX (protobufjs) and training; this one loads the parser (Ohm), the
// graph, the derivative, the simplifier, the printers and the code emitters only, so a process that only differentiates
// starts in a fraction of the time (the CLI's expression commands import this; `exprgrad diff` is the case it serves).
// Browser-safe, as src/index.ts is.

export { Expr, num, sym, call } from './ir/expr.js';
export { ops, functionNames, type OpName, type OpSpec, type Style } from './ir/ops.js';
export { allOps, findOp, type Op } from './ir/registry.js';
export { freeVars, dagSize, substitute } from './ir/walk.js';
export { scalarReductions } from './ir/scalar-reductions.js';
export { parse, parseProgram, MAX_NESTING, type Program, type Statement, type ParseOptions } from './parse/parse.js';
export { formatAll, formatName, formatProgram, STYLES } from './print/print.js';
export { type Values } from './eval/evaluate.js';
export { ExprError, safeText, type ErrorCode, type Location } from './errors.js';
export { differentiate, type DerivativeOptions } from './diff/diff.js';
export { Simplifier } from './simplify/simplify.js';
export { sharedSubexpressions } from './print/cse.js';
export { derivative, gradient, jacobian, hessian, simplify, format, formatCse, evaluate, topo, checkPrintable, MAX_PRINTED_NODES } from './api-checks.js';
export { buildTape, formatTape, equations, type Tape, type Equation } from './tape/tape.js';
export { tensorOps, type Shape } from './ir/tensor-ops.js';
export { emit, emitPlan, EMIT_LANGS, type EmitLang, type EmitOptions, type EmitPlan } from './emit/emit.js';
