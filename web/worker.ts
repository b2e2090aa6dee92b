// The training worker: loads MNIST from the exprgrad server, trains a model program with src/nn/train.ts on the
// backend the page asks for (gpu.js in mode 'gpu' by default: WebGL2/WebGL through an OffscreenCanvas where the
// browser gives a worker one, else WebAssembly), and answers predictions for the drawing canvas.
//
// In:  messages from the page (web/protocol.ts: start, resume, stop, predict, sample).
// Out: messages back: what this worker can run (probed, not assumed), data status, training events with the
//      kernel classes that actually ran, results, predictions, errors (with the program position for bad programs).
// Kernel reporting: the trainer's step events carry the kernel class of the training step, and the model's own
// programs say what ran them, so the page names what ran the training step itself, not only the evaluation.

import gpujs from 'gpu.js';
import { Model, train, AdamState, ExprError, wasmFeatures, type Labelled, type TrainEvent } from '../src/index.js';
import { readIdxRaw } from '../src/data/idx-bytes.js';
import type { ErrorInfo, FromWorker, KernelReport, ToWorker, TrainSettings, WorkerEnvironment } from './protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(m, transfer);

// ---- What ran ---------------------------------------------------------------------------------------------------

/** Kernel classes of the fused training steps (from the trainer's step events) in this session. */
const trainKernels = new Set<string>();

function kernelReport(): KernelReport {
  const evaluate = model?.description;
  return {
    train: [...trainKernels],
    evaluate: evaluate && !evaluate.includes('not run yet') ? [evaluate] : [],
    model: model?.description ?? 'no model',
  };
}

// ---- The platform ----------------------------------------------------------------------------------------------

function probe(): WorkerEnvironment {
  const { GPU } = gpujs as unknown as { GPU: Record<string, boolean> };
  let renderer: string;
  if (typeof OffscreenCanvas === 'undefined') renderer = 'no OffscreenCanvas in this worker, so no WebGL here';
  else {
    try {
      const canvas = new OffscreenCanvas(1, 1);
      const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
      if (!gl) renderer = 'OffscreenCanvas gives no WebGL context in this worker';
      else {
        const info = gl.getExtension('WEBGL_debug_renderer_info');
        renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
        gl.getExtension('WEBGL_lose_context')?.loseContext();
      }
    } catch (err) {
      renderer = `WebGL failed in this worker: ${(err as Error).message}`;
    }
  }
  return {
    offscreenCanvas: typeof OffscreenCanvas !== 'undefined',
    webgl2: Boolean(GPU.isWebGL2Supported),
    webgl: Boolean(GPU.isWebGLSupported),
    webgpu: Boolean(GPU.isWebGPUSupported),
    webAssembly: Boolean(GPU.isWebAssemblySupported),
    wasm: wasmFeatures(),
    crossOriginIsolated: Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated),
    renderer,
    userAgent: navigator.userAgent,
  };
}

// ---- MNIST from the server -------------------------------------------------------------------------------------

interface Data {
  readonly train: Labelled;
  readonly test: Labelled;
}
let dataPromise: Promise<Data> | undefined;

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

async function fetchFile(name: string): Promise<{ bytes: Uint8Array; verified: boolean }> {
  const res = await fetch(`/data/${name}`);
  if (!res.ok) throw new ExprError('data', `the server could not give ${name} (HTTP ${res.status}): ${(await res.text()).trim()}`);
  const want = res.headers.get('X-Content-SHA256');
  const buf = await res.arrayBuffer();
  let verified = false;
  if (want && globalThis.crypto?.subtle) {
    const got = hex(await crypto.subtle.digest('SHA-256', buf));
    if (got !== want) throw new ExprError('data', `${name}: SHA-256 mismatch in the browser: expected ${want}, got ${got}`);
    verified = true;
  }
  return { bytes: new Uint8Array(buf), verified };
}

async function loadData(): Promise<Data> {
  const t0 = performance.now();
  post({ type: 'data', status: 'loading', message: 'loading MNIST from the server…' });
  const info = await fetch('/data/info.json');
  if (!info.ok) throw new ExprError('data', `the server has no MNIST: ${(await info.text()).trim()}`);
  const { source } = (await info.json()) as { source: string };
  const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  const files = await Promise.all(names.map(fetchFile));
  const [ti, tl, si, sl] = files.map((f, i) => readIdxRaw(f.bytes, names[i]));
  const split = (images: typeof ti, labels: typeof tl, what: string): Labelled => {
    if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28 || labels.dims[0] !== images.dims[0]) {
      throw new ExprError('data', `${what}: unexpected shapes ${images.dims.join('×')} / ${labels.dims.join('×')}`);
    }
    return { images: images.data, labels: labels.data, count: images.dims[0] };
  };
  const data = { train: split(ti, tl, 'training set'), test: split(si, sl, 'test set') };
  const bytes = files.reduce((a, f) => a + f.bytes.byteLength, 0);
  const verified = files.every((f) => f.verified);
  post({
    type: 'data',
    status: 'ready',
    message:
      `MNIST: ${data.train.count.toLocaleString('en-US')} training and ${data.test.count.toLocaleString('en-US')} test images ` +
      `(${(bytes / 1e6).toFixed(1)} MB from ${source}; SHA-256 ${verified ? 'checked again in the browser' : 'checked by the server'}) ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  });
  return data;
}

const getData = () => (dataPromise ??= loadData().catch((err) => {
  dataPromise = undefined;
  throw err;
}));

// ---- Training --------------------------------------------------------------------------------------------------

let model: Model | undefined;
/** The same parameters (shared arrays) on the JS backend: predictions for the drawing canvas. */
let twin: Model | undefined;
let running = false;
let stopRequested = false;
let globalStep = 0;
let weightsStep = 0;
let runs = 0;
let lastSettings: TrainSettings | undefined;
/** Adam's step count and moments, carried from run to run so that Resume continues the optimizer too. */
let adamState = new AdamState();

function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof ExprError) {
    return { message: err.message, reason: err.reason, code: err.code, line: err.location?.line, column: err.location?.column, offset: err.location?.offset, excerpt: err.excerpt };
  }
  const e = err as Error;
  return { message: e?.message ?? String(err) };
}

function describeLayers(m: Model): string {
  const shapes = m.spec.params.map((p) => `${p} [${m.spec.shapes[p].join('×')}]`);
  return shapes.join(', ');
}

async function run(settings: TrainSettings): Promise<void> {
  const data = await getData();
  const m = model!;
  running = true;
  stopRequested = false;
  lastSettings = settings;
  const thisRun = ++runs;
  const times: number[] = [];
  let runSteps = 0;
  let last: Extract<TrainEvent, { type: 'step' }> | undefined;
  let limitReached = false;
  let result;
  try {
    result = await train(
      m,
      data.train,
      data.test,
      { epochs: settings.epochs, batchSize: settings.batchSize, lr: settings.lr, limit: settings.limit, seed: settings.seed + thisRun - 1, adamState },
      {
        onEvent(event: TrainEvent) {
          if (event.type === 'step') {
            trainKernels.add(event.kernels);
            globalStep++;
            runSteps++;
            last = event;
            if (settings.backend === 'js') weightsStep = globalStep;
            const now = performance.now();
            times.push(now);
            if (times.length > 20) times.shift();
          }
          if (event.type === 'epoch' || event.type === 'stopped') weightsStep = globalStep;
          const rate = times.length > 1 ? ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]) : 0;
          post({ type: 'event', event, run: thisRun, globalStep, stepsPerSecond: rate, kernels: kernelReport() });
        },
        shouldStop: () => {
          if (stopRequested) return true;
          // The steps-per-run limit; at the very last step of the run, let the run finish normally instead.
          const end = last !== undefined && last.step === last.stepsPerEpoch && last.epoch === settings.epochs;
          limitReached = settings.maxSteps > 0 && runSteps >= settings.maxSteps && !end;
          return limitReached;
        },
      },
    );
  } finally {
    running = false;
  }
  weightsStep = globalStep;
  const stopped = limitReached ? `stopped after ${runSteps} steps (the steps-per-run limit)` : result.stopped;
  post({ type: 'done', run: thisRun, globalStep, stopped, test: result.test && { loss: result.test.loss, accuracy: result.test.accuracy }, kernels: kernelReport(), weightsStep });
}

async function start(program: string, settings: TrainSettings): Promise<void> {
  let m: Model;
  try {
    m = Model.create(program, settings.seed);
  } catch (err) {
    post({ type: 'error', error: errorInfo(err), where: 'program' });
    return;
  }
  model?.dispose();
  twin?.dispose();
  model = m;
  model.execution = settings.backend === 'gpujs' ? { backend: 'gpujs', mode: settings.mode } : { backend: settings.backend === 'wasm' ? 'wasm' : 'js' };
  twin = new Model(m.spec, m.params);
  trainKernels.clear();
  globalStep = 0;
  weightsStep = 0;
  runs = 0;
  adamState = new AdamState();
  const parameters = Object.values(m.params).reduce((a, p) => a + p.length, 0);
  post({ type: 'model', parameters, layers: describeLayers(m), features: m.spec.features, classes: m.spec.classes });
  await run(settings);
}

async function guarded(where: 'data' | 'training', f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (err) {
    running = false;
    post({ type: 'error', error: errorInfo(err), where: err instanceof ExprError && err.code === 'data' ? 'data' : where });
  }
}

function predict(id: number, pixels: Float32Array): void {
  if (!twin || !model) {
    post({ type: 'error', error: { message: 'no model yet: train one first (Train tab)' }, where: 'predict' });
    return;
  }
  if (pixels.length !== twin.spec.features) {
    post({ type: 'error', error: { message: `the model expects ${twin.spec.features} features, the drawing has ${pixels.length}` }, where: 'predict' });
    return;
  }
  const { probabilities, digit } = twin.predict(pixels);
  post({ type: 'prediction', id, probabilities, digit, weightsStep, trained: globalStep > 0, backend: twin.description });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'probe':
      post({ type: 'env', env: probe() });
      break;
    case 'start':
      if (running) return;
      void guarded('training', () => start(msg.program, msg.settings));
      break;
    case 'resume':
      if (running || !model) return;
      void guarded('training', () => run({ ...(lastSettings ?? msg.settings), ...msg.settings }));
      break;
    case 'stop':
      stopRequested = true;
      break;
    case 'predict':
      try {
        predict(msg.id, msg.pixels);
      } catch (err) {
        post({ type: 'error', error: errorInfo(err), where: 'predict' });
      }
      break;
    case 'sample':
      void guarded('data', async () => {
        const data = await getData();
        const index = Math.floor(Math.random() * data.test.count);
        const pixels = data.test.images.slice(index * 784, (index + 1) * 784);
        post({ type: 'sample', id: msg.id, pixels, label: data.test.labels[index], index }, [pixels.buffer]);
      });
      break;
  }
};

post({ type: 'env', env: probe() });
