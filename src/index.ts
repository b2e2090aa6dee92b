// The public API of exprgrad. Everything a user imports comes from here.
//
//   parse(text)                  text → Expr (statements inlined; see parseProgram for the statements)
//   format(expr, style)          Expr → 'unicode' | 'plain' | 'latex' text
//   evaluate(expr, values)       float64 value
//   ExprError                    the one error class for bad input (code, line, column, caret excerpt)

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
// The checked public forms (arguments validated, ExprError on misuse): src/api-checks.ts.
export { derivative, gradient, jacobian, hessian, simplify, format, formatCse, evaluate, topo, checkPrintable, MAX_PRINTED_NODES } from './api-checks.js';
export { compile, CompiledScalar, type CompileOptions, type Compiled } from './compile/compile.js';
export { CompiledTensor, type TensorInput } from './compile/tensor.js';
export { ShapedProgram, type ShapedValue } from './compile/shaped.js';
export { wasmFeatures, setWasmThreads, shutdownWasmThreads, type WasmFeatures, type WasmRunner } from './backend/wasm/wasm.js';
export { buildTape, formatTape, equations, type Tape, type Equation } from './tape/tape.js';
export { tensorOps, type Shape } from './ir/tensor-ops.js';
export { Adam, type AdamOptions } from './nn/adam.js';
export { Model, modelSpec, initParams, rng, MODEL_FORMAT, MODEL_VERSION, type ModelSpec, type ModelFile } from './nn/model.js';
export { train, evaluateModel, epochOrder, type TrainConfig, type TrainEvent, type TrainHooks, type TrainResult, type Labelled, type EpochRecord } from './nn/train.js';
export { FusedStep, AdamState } from './nn/fused-step.js';
export { checkLabelled } from './nn/check-data.js';
export { curvesSvg, confusionSvg } from './nn/plot.js';
export { backendNames } from './backend/registry.js';
export { GPU_MODES } from './backend/gpujs.js';
export { adam, sgd, momentum, type Optimizer } from './tape/optim.js';
export { emit, emitPlan, EMIT_LANGS, type EmitLang, type EmitOptions, type EmitPlan } from './emit/emit.js';
export { toOnnx, EXPORTERS as ONNX_EXPORTERS, ONNX_OPSET, type ToOnnxOptions, type ProgramWithParams } from './onnx/export.js';
export { fromOnnx, IMPORTERS as ONNX_IMPORTERS, type FromOnnxResult } from './onnx/import.js';
