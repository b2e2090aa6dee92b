// `exprgrad train --model-src P.exg --data train.csv [--label COLUMN] [--test test.csv]`: the trainer on your own
// tabular data (CSV with a header, or .npy), wrapped around the MNIST `train` command of src/cli/train.ts.
//
// In:  the train command, parsed flags. The task follows from the program: y declared [B] → classification
//      (softmax cross-entropy over logits [B, classes]; labels are class indices); y declared [B, 1] → regression
//      (the program's own loss, e.g. mean((logits − y)^2)). Out: the same trainer, progress, --json events, Ctrl-C,
//      saving (never overwriting) and plots as MNIST training; the fitted weights printed when there are few;
//      exit status 0, or 2 with a message naming file, line and column for bad data.

import { resolve } from 'node:path';
import { readText, writeAtomic } from './files.js';
import { num, progressPrinter } from './train.js';
import { planSave, saveGroup, stopOnSignals } from './save.js';
import type { Flags, Command } from './commands.js';
import type { Io } from './io.js';
import { ExprError, Model, train, type TrainEvent, curvesSvg, confusionSvg, backendNames } from '../index.js';
import { readTable, toDataset, type Dataset } from '../node.js';

function regressionPrinter(io: Io) {
  let epochs = 0;
  return (e: TrainEvent) => {
    if (e.type === 'start') {
      epochs = e.epochs;
      io.stderr.write(`training on ${e.train} rows, validating on ${e.validation}; ${e.parameters.toLocaleString('en-US')} parameters; ${e.stepsPerEpoch} steps per epoch\n`);
    } else if (e.type === 'epoch') {
      io.stderr.write(`epoch ${e.epoch}/${epochs}  loss ${e.loss.toPrecision(5)}` + (e.val_loss !== undefined ? `  val_loss ${e.val_loss.toPrecision(5)}` : '') + `  ${e.seconds.toFixed(1)} s\n`);
    } else if (e.type === 'stopped') io.stderr.write(`${e.reason}\n`);
  };
}

async function trainTabular(flags: Flags, io: Io): Promise<number> {
  const srcPath = flags['model-src'];
  if (typeof srcPath !== 'string') throw new ExprError('usage', 'training on your own data needs the model program: --model-src FILE.exg (inputs x [B, features] and y, a statement logits, the loss last)');
  const backend = (flags.backend as string | undefined) ?? 'wasm';
  if (!backendNames().includes(backend)) throw new ExprError('usage', `unknown backend '${backend}' (available: ${backendNames().join(', ')})`);
  const epochs = num(flags, 'epochs', 10, true);
  const batchSize = num(flags, 'batch-size', 128, true);
  const lr = num(flags, 'lr', 1e-3, false);
  const seed = flags.seed === undefined ? 1 : num(flags, 'seed', 1, true);
  const limit = flags.limit === undefined ? undefined : num(flags, 'limit', 0, true);
  const model = Model.create(readText(srcPath, 'model program'), seed);
  model.execution = { backend, mode: flags.mode as string | undefined };
  const ys = model.spec.shapes.y;
  let classes: number | undefined;
  if (ys.length === 1) {
    classes = model.spec.classes;
    if (classes < 2 || classes > 256) throw new ExprError('usage', `${srcPath}: classification needs logits [B, classes] with 2…256 classes, the program has ${classes}`);
  } else if (!(ys.length === 2 && ys[1] === 1)) {
    throw new ExprError('usage', `${srcPath}: declare y as [B] (class indices: classification) or [B, 1] (one target: regression), not [${ys.join(', ')}]`);
  }
  const label = flags.label as string | undefined;
  const load = (path: string) => toDataset(readTable(path), { label, classes, features: model.spec.features });
  const data = load(flags.data as string);
  let test: Dataset | undefined;
  if (typeof flags.test === 'string') {
    test = load(flags.test);
    if (test.labelColumn !== data.labelColumn || test.featureColumns.join('\u0000') !== data.featureColumns.join('\u0000')) {
      throw new ExprError('data', `${flags.test}: its columns differ from ${String(flags.data)}'s (the same header is needed)`);
    }
  }
  const json = Boolean(flags.json);
  const task = classes === undefined ? 'regression' : `classification into ${classes} classes`;
  if (!json) io.stderr.write(`${String(flags.data)}: ${data.count} rows, ${data.featureColumns.length} features, label '${data.labelColumn}' (${task})\n`);
  const savePath = planSave(flags.save as string | undefined, process.cwd(), 'exprgrad-model.json').path;
  const signals = stopOnSignals((t) => io.stderr.write(t));
  const tty = Boolean((io.stderr as NodeJS.WriteStream).isTTY);
  let result;
  try {
    result = await train(model, data, test, { epochs, batchSize, lr, seed, limit }, {
      onEvent: classes === undefined && !json ? regressionPrinter(io) : progressPrinter(io, tty, json),
      shouldStop: signals.stopped,
    });
  } finally {
    signals.release();
  }
  model.dispose();
  model.metadata = { ...model.metadata, data: String(flags.data), label: data.labelColumn, task: classes === undefined ? 'regression' : 'classification', program: srcPath, backend: result.kernels, created: new Date().toISOString() };
  // Never replacing a file: the model and its plots are written create-exclusive, moved together to the next free
  // name should one have been taken meanwhile (src/cli/save.ts).
  const files = saveGroup(savePath, [
    JSON.stringify(model.toJSON()),
    result.history.length ? curvesSvg(result.history, `exprgrad: ${srcPath.split('/').pop()} on ${String(flags.data).split('/').pop()}`) : undefined,
    result.test && classes !== undefined ? confusionSvg(result.test.confusion) : undefined,
  ]);
  const weights = Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, Array.from(v)]));
  const few = Object.values(weights).reduce((a, v) => a + v.length, 0) <= 20;
  if (json) {
    io.stdout.write(JSON.stringify({ type: 'done', task: model.metadata.task, test: result.test && { loss: result.test.loss, accuracy: result.test.accuracy }, stopped: result.stopped, files, ...(few ? { weights } : {}) }) + '\n');
  } else {
    if (result.test) io.stdout.write(classes === undefined ? `test loss ${result.test.loss.toPrecision(5)}\n` : `test accuracy ${(result.test.accuracy * 100).toFixed(2)}% (loss ${result.test.loss.toFixed(4)})\n`);
    if (few) for (const [k, v] of Object.entries(weights)) io.stdout.write(`${k} = [${v.map((x) => x.toPrecision(5)).join(', ')}]\n`);
    io.stdout.write(`saved ${files.join(', ')}\n`);
  }
  return result.stopped && !signals.stopped() ? 1 : 0;
}

/** The train command, also taking --data FILE (CSV/.npy) without 'mnist'. */
export function withTabular(base: Command): Command {
  return {
    ...base,
    summary: base.summary + '; or your own data: exprgrad train --model-src P.exg --data train.csv',
    usage: base.usage + '\n       exprgrad train --model-src P.exg --data train.csv|train.npy [--label COLUMN] [--test test.csv] [--epochs …] [--save FILE] [--json]',
    options: {
      ...base.options,
      label: { type: 'string', help: "your own data: the label column's name (.npy: its index); default 'label', else 'y', else the last column" },
      test: { type: 'string', help: 'your own data: a test file with the same columns, scored at the end' },
    },
    async run(positionals: string[], flags: Flags, io: Io) {
      if (positionals.length === 0 && typeof flags.data === 'string') return trainTabular(flags, io);
      if (flags.label !== undefined || flags.test !== undefined) throw new ExprError('usage', '--label and --test go with --data FILE (your own data, without "mnist")');
      return base.run!(positionals, flags, io);
    },
  };
}
