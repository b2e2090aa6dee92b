// The training loop, with Keras's protocol: validation split taken from the end of the training set before any
// shuffling, the rest shuffled every epoch (seeded), mini-batches, Adam, per-epoch loss/accuracy and validation
// loss/accuracy, test accuracy at the end.
//
// In:  a Model, labelled data (uint8 pixels, scaled to 0..1 here), a config and hooks (events, stop request).
// Out: the trained model (updated in place) and its history. Events describe progress for the CLI and pages;
//      a stop request ends training cleanly after the current step; a NaN or infinite loss stops it with a message.

import { AdamState, FusedStep } from './fused-step.js';
import { Model, rng } from './model.js';
import { ExprError } from '../errors.js';
import { checkLabelled } from './check-data.js';

export interface Labelled {
  readonly images: Uint8Array; // count × features, row-major, 0..255
  readonly labels: Uint8Array; // count
  readonly count: number;
  /** Tabular data (src/data/tabular.ts): features as they are (count × features), used instead of images/255. */
  readonly x?: Float32Array;
  /** Regression: one target per example, used instead of labels; accuracy and confusion are then NaN and []. */
  readonly targets?: Float32Array;
}

export interface TrainConfig {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly seed?: number;
  /** Fraction of the training set held out for validation, from its end (Keras's validation_split). */
  readonly validationSplit?: number;
  /** Use only the first N training examples (before the split). */
  readonly limit?: number;
  /** Adam's step count and moments to continue from (a resumed run); default: a fresh state. Updated in place. */
  readonly adamState?: AdamState;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly val_loss?: number;
  readonly val_accuracy?: number;
  readonly seconds: number;
}

export type TrainEvent =
  | { type: 'start'; epochs: number; stepsPerEpoch: number; train: number; validation: number; parameters: number; trainingOnly: readonly string[] }
  | { type: 'step'; epoch: number; step: number; stepsPerEpoch: number; loss: number; accuracy: number; seconds: number; kernels: string }
  | ({ type: 'epoch' } & EpochRecord)
  | { type: 'stopped'; reason: string; epoch: number; step: number }
  | { type: 'test'; loss: number; accuracy: number };

export interface TrainHooks {
  onEvent?: (e: TrainEvent) => void;
  /** Polled after every step; true ends training after that step. */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  readonly history: EpochRecord[];
  /** What ran the training steps (e.g. "JavaScript (float32)", "gpu.js WebGL2Kernel …"). */
  readonly kernels: string;
  readonly stopped?: string;
  readonly test?: { loss: number; accuracy: number; confusion: number[][] };
}

/** Scale pixels of the given example indices into a batch buffer. */
function fillBatch(data: Labelled, features: number, idx: ArrayLike<number>, from: number, n: number, x: Float32Array, y: Float32Array): void {
  for (let b = 0; b < n; b++) {
    const i = idx[from + b];
    const src = i * features;
    const dst = b * features;
    if (data.x) x.set(data.x.subarray(src, src + features), dst);
    else for (let k = 0; k < features; k++) x[dst + k] = data.images[src + k] / 255;
    y[b] = data.targets ? data.targets[i] : data.labels[i];
  }
}

function argmaxRow(v: ArrayLike<number>, row: number, classes: number): number {
  let best = 0;
  const base = row * classes;
  for (let c = 1; c < classes; c++) if (v[base + c] > v[base + best]) best = c;
  return best;
}

/**
 * The order of the training examples 0..n−1 in each epoch: every call shuffles the previous epoch's order once more
 * (Fisher–Yates driven by rng(seed ^ 0x9e3779b9)) and returns it (the same array, shuffled in place). train() uses
 * it, and so does bench/mnist-epoch.mjs to feed other libraries the very same batches.
 */
export function epochOrder(n: number, seed: number): () => Int32Array {
  const rand = rng(seed ^ 0x9e3779b9);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return () => {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  };
}

/**
 * Loss, accuracy and confusion matrix (rows: true class, columns: predicted) over a whole set, in batches of 1000
 * (250 for image models, whose activations are larger: a convnet's are ~100× its input).
 */
export function evaluateModel(model: Model, data: Labelled, indices?: ArrayLike<number>, batch = model.spec.shapes.x.length > 2 ? 250 : 1000): { loss: number; accuracy: number; confusion: number[][] } {
  checkLabelled(model, data, 'evaluateModel');
  const idx = indices ?? Int32Array.from({ length: data.count }, (_, i) => i);
  const n = idx.length;
  const { features, classes } = model.spec;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < n; from += batch) {
    const b = Math.min(batch, n - from);
    const x = new Float32Array(b * features);
    const y = new Float32Array(b);
    fillBatch(data, features, idx, from, b, x, y);
    const prog = model.program(b, false);
    const loss = prog.evaluate({ x, y, ...model.params }) as number;
    if (typeof loss !== 'number') throw new Error('internal: the loss is not a scalar');
    lossSum += loss * b;
    if (data.targets) continue;
    const logits = prog.valueOf('logits');
    for (let r = 0; r < b; r++) {
      const p = argmaxRow(logits, r, classes);
      confusion[y[r]][p]++;
      if (p === y[r]) correct++;
    }
  }
  return data.targets ? { loss: lossSum / n, accuracy: NaN, confusion: [] } : { loss: lossSum / n, accuracy: correct / n, confusion };
}

// Yield to the event loop between steps, so that a stop request (a message, Ctrl-C) is seen: setImmediate on Node;
// in browsers and workers a MessageChannel message, because setTimeout(f, 0) called from its own callbacks is
// clamped to 4 ms after a few levels (HTML's timer nesting rule), which would cost 4 ms a step.
function channelDefer(): (f: () => void) => void {
  const channel = new MessageChannel();
  const queue: (() => void)[] = [];
  // (The DOM's MessagePort; Node's typings describe another API, and Node uses setImmediate above.)
  (channel.port1 as unknown as { onmessage: (() => void) | null }).onmessage = () => queue.shift()?.();
  return (f) => {
    queue.push(f);
    channel.port2.postMessage(0);
  };
}
const defer: (f: () => void) => unknown =
  typeof setImmediate === 'function' ? setImmediate : typeof MessageChannel === 'function' ? channelDefer() : (f) => setTimeout(f, 0);
const tick = () => new Promise<void>((resolve) => defer(resolve));

export async function train(model: Model, trainSet: Labelled, testSet: Labelled | undefined, config: TrainConfig = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const epochs = config.epochs ?? 10;
  const batch = config.batchSize ?? 128;
  const split = config.validationSplit ?? 0.2;
  const seed = config.seed ?? 1;
  const check = (ok: boolean, msg: string) => {
    if (!ok) throw new ExprError('usage', msg);
  };
  check(Number.isInteger(epochs) && epochs >= 1, `epochs must be a positive integer, got ${epochs}`);
  check(Number.isInteger(batch) && batch >= 1, `batch size must be a positive integer, got ${batch}`);
  check(split >= 0 && split < 1, `validation split must be in [0, 1), got ${split}`);
  checkLabelled(model, trainSet, 'the training set');
  if (testSet) checkLabelled(model, testSet, 'the test set');
  const total = Math.min(trainSet.count, config.limit ?? trainSet.count);
  check(Number.isInteger(total) && total >= 2, `need at least 2 training examples, got ${total}`);
  // Keras: the validation set is the last `split` fraction, taken before shuffling.
  const nVal = Math.floor(total * split);
  const nTrain = total - nVal;
  check(nTrain >= 1, 'the validation split leaves no training examples');
  const valIdx = Int32Array.from({ length: nVal }, (_, i) => nTrain + i);
  const { features } = model.spec;
  const lr = config.lr ?? 1e-3;
  // Forward, backward and Adam as one planned graph per batch size (the last batch may be smaller).
  const adamState = config.adamState ?? new AdamState();
  const steppers = new Map<number, FusedStep>();
  let current: FusedStep | undefined;
  const stepper = (b: number) => {
    let s = steppers.get(b);
    if (!s) steppers.set(b, (s = new FusedStep(model, b, { lr }, adamState, seed ^ 0x2545f491)));
    // Switching batch size: the other step's device state goes back to the host first.
    if (current && current !== s) current.syncParams();
    return (current = s);
  };
  const nextOrder = epochOrder(nTrain, seed);
  const stepsPerEpoch = Math.ceil(nTrain / batch);
  const parameters = Object.values(model.params).reduce((a, p) => a + p.length, 0);
  hooks.onEvent?.({ type: 'start', epochs, stepsPerEpoch, train: nTrain, validation: nVal, parameters, trainingOnly: model.spec.trainingOnly });
  const history: EpochRecord[] = [];
  const xFull = new Float32Array(batch * features);
  const yFull = new Float32Array(batch);
  let stopped: string | undefined;
  let kernels = 'no step was run';
  // Whatever happens (an error included), the model and the Adam state get what was trained, and the steps' memory
  // is released.
  try {
    for (let epoch = 1; epoch <= epochs && !stopped; epoch++) {
      const t0 = performance.now();
      const trainIdx = nextOrder();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const from = step * batch;
        const b = Math.min(batch, nTrain - from);
        const x = b === batch ? xFull : new Float32Array(b * features);
        const y = b === batch ? yFull : new Float32Array(b);
        fillBatch(trainSet, features, trainIdx, from, b, x, y);
        const st = stepper(b);
        await st.step(x, y);
        const value = st.loss();
        if (!Number.isFinite(value)) {
          stopped = `the loss became ${value} at epoch ${epoch}, step ${step + 1}; training stopped (try a smaller --lr)`;
          hooks.onEvent?.({ type: 'stopped', reason: stopped, epoch, step: step + 1 });
          break;
        }
        if (trainSet.targets) correct = NaN;
        else for (let r = 0, logits = st.logits(); r < b; r++) if (argmaxRow(logits, r, model.spec.classes) === y[r]) correct++;
        lossSum += value * b;
        seen += b;
        hooks.onEvent?.({ type: 'step', epoch, step: step + 1, stepsPerEpoch, loss: lossSum / seen, accuracy: correct / seen, seconds: (performance.now() - t0) / 1000, kernels: st.description });
        await tick();
        if (hooks.shouldStop?.()) {
          stopped = `stopped by request at epoch ${epoch}, step ${step + 1}`;
          hooks.onEvent?.({ type: 'stopped', reason: stopped, epoch, step: step + 1 });
          break;
        }
      }
      for (const st of steppers.values()) st.syncParams();
      if (seen === 0) break;
      const record: EpochRecord = { epoch, loss: lossSum / seen, accuracy: correct / seen, seconds: 0 };
      let full: EpochRecord = record;
      if (nVal > 0) {
        const v = evaluateModel(model, trainSet, valIdx);
        full = { ...record, val_loss: v.loss, val_accuracy: v.accuracy };
      }
      full = { ...full, seconds: (performance.now() - t0) / 1000 };
      if (!stopped) {
        history.push(full);
        hooks.onEvent?.({ type: 'epoch', ...full });
      }
    }
  } finally {
    kernels = current?.description ?? kernels;
    for (const st of steppers.values()) {
      st.syncParams();
      st.dispose();
    }
  }
  let test: TrainResult['test'];
  if (testSet && testSet.count > 0) {
    test = evaluateModel(model, testSet);
    hooks.onEvent?.({ type: 'test', loss: test.loss, accuracy: test.accuracy });
  }
  model.metadata = {
    ...model.metadata,
    trained: { epochs: history.length, batchSize: batch, lr, validationSplit: split, seed, examples: nTrain, stopped },
    history,
    ...(test ? { test: { loss: test.loss, accuracy: test.accuracy } } : {}),
  };
  return { history, stopped, test, kernels };
}
