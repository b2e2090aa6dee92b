// CLI commands for ONNX: export (a saved model → .onnx) and import (.onnx → program + model file).
//
// In:  parsed flags and positionals; the model / ONNX files. Out: files written through a temporary file and a
//      rename (never over an existing file), a summary on stdout (JSON with --json); exit status 0, or 2 with a
//      message for bad input.

import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadModelFile, readText } from './files.js';
import type { Flags, Command } from './commands.js';
import type { Io } from './io.js';
import { ExprError, Model, toOnnx, fromOnnx } from '../index.js';

/** ONNX files above this size are refused before reading (exprgrad's models are a few MB). */
const MAX_ONNX_BYTES = 1 << 30;


function writeNew(path: string, data: string | Uint8Array): void {
  if (existsSync(path)) throw new ExprError('io', `${path} already exists; choose another name (exprgrad never overwrites files here)`);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    throw new ExprError('io', `cannot write ${path}: ${(err as Error).message}`);
  }
}

function readOnnx(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ExprError('io', `cannot read ONNX file ${path}: it is a folder`);
    size = st.size;
  } catch (err) {
    if (err instanceof ExprError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ExprError('io', `cannot read ONNX file ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (size > MAX_ONNX_BYTES) throw new ExprError('data', `${path}: ${size} bytes is larger than exprgrad imports (${MAX_ONNX_BYTES})`);
  return readFileSync(path);
}

const need = (flags: Flags, name: string, what: string): string => {
  const v = flags[name];
  if (typeof v !== 'string' || v === '') throw new ExprError('usage', `--${name} is required (${what})`);
  return v;
};

export const onnxCommands: Record<string, Command> = {
  export: {
    summary: 'write a saved model as an ONNX file (for ONNX Runtime and other tools)',
    usage: '--model FILE --onnx OUT.onnx',
    description: 'Exports the forward graph of a saved model (its logits) as ONNX, opset 17: weights as initializers, input x with a free batch dimension N, output logits.',
    options: {
      model: { type: 'string', help: 'the model file written by `exprgrad train` (or `exprgrad import --out`)' },
      onnx: { type: 'string', help: 'the ONNX file to write (must not exist)' },
      output: { type: 'string', help: 'the statement to export (default: logits)' },
      json: { type: 'boolean', help: 'print a JSON summary' },
    },
    async run(positionals: string[], flags: Flags, io: Io) {
      if (positionals.length) throw new ExprError('usage', `export takes no positional arguments (got '${positionals[0].slice(0, 40)}'); use --model and --onnx`);
      const modelPath = need(flags, 'model', 'the model file to export');
      const out = need(flags, 'onnx', 'where to write the ONNX file');
      const model = loadModelFile(modelPath);
      const bytes = toOnnx(model, { output: flags.output as string | undefined, graphName: basename(modelPath).replace(/\.json$/, '') });
      writeNew(out, bytes);
      const summary = { onnx: out, bytes: bytes.length, opset: 17, input: 'x', output: (flags.output as string | undefined) ?? 'logits', parameters: model.spec.params.length };
      io.stdout.write(flags.json ? JSON.stringify(summary) + '\n' : `wrote ${out} (${bytes.length.toLocaleString('en-US')} bytes, ONNX opset 17): input x [N, ${model.spec.shapes.x.slice(1).join(', ')}], output ${summary.output} [N, ${model.spec.classes}]\n`);
      return 0;
    },
  },
  import: {
    summary: 'read an ONNX model as an exprgrad program plus its weights',
    usage: 'model.onnx [--out prog.exg]',
    description:
      'Converts an ONNX MLP (Gemm/MatMul, Add, Relu, Sigmoid, Tanh, Softmax, Flatten, Dropout, …) into a program in exprgrad\'s language. ' +
      'Without --out the program is printed; with --out it is written there, and the model (program and weights) beside it as .json, ' +
      'for evaluate, predict, train --model-src and diff --file.',
    options: {
      out: { type: 'string', help: 'write the program here and the model (program + weights) beside it as .json' },
      json: { type: 'boolean', help: 'print a JSON summary' },
    },
    async run(positionals: string[], flags: Flags, io: Io) {
      if (positionals.length !== 1) throw new ExprError('usage', 'import takes one ONNX file: exprgrad import model.onnx [--out prog.exg]');
      const path = positionals[0];
      const result = fromOnnx(readOnnx(path), path);
      const out = flags.out as string | undefined;
      if (out === undefined) {
        io.stdout.write(flags.json ? JSON.stringify({ program: result.source, parameters: Object.keys(result.params) }) + '\n' : result.source);
        return 0;
      }
      const modelPath = out.replace(/\.exg$/, '') + '.json';
      if (existsSync(modelPath)) throw new ExprError('io', `${modelPath} already exists; choose another --out (exprgrad never overwrites files here)`);
      writeNew(out, result.source);
      writeNew(modelPath, JSON.stringify(result.model.toJSON()));
      const count = Object.values(result.params).reduce((a, p) => a + p.length, 0);
      const summary = { program: out, model: modelPath, parameters: count, softmaxStripped: result.softmaxStripped };
      io.stdout.write(
        flags.json
          ? JSON.stringify(summary) + '\n'
          : `wrote ${out} (program) and ${modelPath} (model: ${count.toLocaleString('en-US')} weights)${result.softmaxStripped ? '; the final Softmax is applied by the loss' : ''}\n` +
              `next: exprgrad evaluate --model ${modelPath}   exprgrad diff --file ${out} --wrt ${Object.keys(result.params)[0] ?? 'x'}\n`,
      );
      return 0;
    },
  },
};
