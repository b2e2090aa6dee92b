// The Train panel: the model program as editable text, settings, start/stop/resume, and what the worker reports:
// the kernel classes that actually ran, live loss and accuracy curves, steps per second, validation and test.

import { drawChart, robustRange } from './plot.js';
import type { FromWorker, KernelReport, TrainSettings, WorkerEnvironment } from './protocol.js';
import type { TrainEvent } from '../src/nn/train.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const program = $<HTMLTextAreaElement>('program');
const programError = $<HTMLDivElement>('program-error');
const startButton = $<HTMLButtonElement>('train-start');
const stopButton = $<HTMLButtonElement>('train-stop');
const resumeButton = $<HTMLButtonElement>('train-resume');
const status = $<HTMLParagraphElement>('train-status');
const lossCanvas = $<HTMLCanvasElement>('chart-loss');
const accCanvas = $<HTMLCanvasElement>('chart-acc');
const settingsInputs = ['set-backend', 'set-epochs', 'set-batch', 'set-lr', 'set-limit', 'set-max-steps'].map((id) => $<HTMLInputElement | HTMLSelectElement>(id));

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Curves over global steps. */
const curves = {
  step: [] as number[],
  loss: [] as number[],
  acc: [] as number[],
  lossSmooth: [] as number[],
  accSmooth: [] as number[],
  valStep: [] as number[],
  valLoss: [] as number[],
  valAcc: [] as number[],
};
let epochs = 0;
let trainCount = 0;
let prev = { loss: 0, acc: 0, seen: 0 };
let batchSize = 128;
let state: 'idle' | 'loading' | 'training' | 'stopping' | 'stopped' | 'done' | 'error' = 'idle';
let hasModel = false;

function settings(): TrainSettings {
  const num = (id: string, fallback: number) => {
    const v = Number(($(id) as HTMLInputElement).value);
    return Number.isFinite(v) ? v : fallback;
  };
  const [backend, mode] = ($('set-backend') as HTMLSelectElement).value.split(':');
  return {
    backend,
    mode: mode ?? 'gpu',
    epochs: Math.max(1, Math.round(num('set-epochs', 3))),
    batchSize: Math.max(1, Math.round(num('set-batch', 128))),
    lr: num('set-lr', 1e-3),
    limit: Math.max(2, Math.min(60000, Math.round(num('set-limit', 60000)))),
    maxSteps: Math.max(0, Math.round(num('set-max-steps', 0))),
    seed: 1,
  };
}

function setState(s: typeof state, text?: string): void {
  state = s;
  status.dataset.state = s;
  if (text !== undefined) status.textContent = text;
  const busy = s === 'loading' || s === 'training' || s === 'stopping';
  startButton.disabled = busy;
  stopButton.disabled = !(s === 'training' || s === 'loading');
  resumeButton.disabled = busy || !hasModel || s === 'idle';
  program.readOnly = busy;
  $<HTMLSelectElement>('set-program').disabled = busy;
  for (const el of settingsInputs) el.disabled = busy;
}

function showKernels(k: KernelReport): void {
  $('stat-kernels').textContent = k.train.length ? k.train.join('; ') : 'not run yet';
  $('stat-eval-kernels').textContent = k.evaluate.length ? k.evaluate.join('; ') : '—';
  status.dataset.kernels = k.train.join('; ');
  status.dataset.modelKernels = k.model;
}

function showEnv(env: WorkerEnvironment): void {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const text =
    `OffscreenCanvas ${yes(env.offscreenCanvas)}, WebGL2 ${yes(env.webgl2)}, WebGL ${yes(env.webgl)}, ` +
    `WebGPU API ${yes(env.webgpu)}, WebAssembly ${yes(env.webAssembly)} (SIMD ${yes(env.wasm.simd)}, threads ` +
    `${env.wasm.threads ? `yes, ${env.wasm.cores} cores` : `no: ${env.wasm.noThreadsReason ?? '?'}`}); renderer: ${env.renderer}` +
    // WebGL drawn by the CPU: gpu.js then runs its shaders in software, far slower than the wasm kernels.
    (/SwiftShader|llvmpipe|softpipe|Software/i.test(env.renderer) && env.wasm.simd ? ' (software rendering: the WebAssembly SIMD backend is much faster here)' : '');
  $('stat-env').textContent = text;
  status.dataset.renderer = env.renderer;
}

function redraw(): void {
  if (lossCanvas.getBoundingClientRect().width === 0) return; // hidden: drawn when its tab is shown
  const last = curves.step.length ? curves.step[curves.step.length - 1] : 0;
  const xRange: [number, number] | undefined = last ? [0, Math.max(10, last) * 1.03] : undefined;
  drawChart(
    lossCanvas,
    [
      { color: '#1f6fd1', x: curves.step, y: curves.loss, width: 1, alpha: 0.25 },
      { label: 'training loss', color: '#1f6fd1', x: curves.step, y: curves.lossSmooth, width: 2.2 },
      { label: 'validation', color: '#c2410c', x: curves.valStep, y: curves.valLoss, points: true },
    ],
    { xRange, yRange: [0, robustRange([curves.loss, curves.valLoss])[1]], xLabel: 'step', empty: 'the loss curve appears here while training' },
  );
  drawChart(
    accCanvas,
    [
      { color: '#2e9b4f', x: curves.step, y: curves.acc, width: 1, alpha: 0.25 },
      { label: 'training accuracy', color: '#2e9b4f', x: curves.step, y: curves.accSmooth, width: 2.2 },
      { label: 'validation', color: '#c2410c', x: curves.valStep, y: curves.valAcc, points: true },
    ],
    { xRange, xLabel: 'step', yRange: [0, 1], empty: 'the accuracy curve appears here while training' },
  );
}

let frame = 0;
function scheduleRedraw(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    redraw();
  });
}

function resetCurves(): void {
  for (const k of Object.keys(curves) as (keyof typeof curves)[]) curves[k].length = 0;
  for (const id of ['stat-model', 'stat-eval-kernels', 'stat-progress', 'stat-loss', 'stat-rate', 'stat-val', 'stat-test']) $(id).textContent = '—';
  $('stat-kernels').textContent = 'not run yet';
  delete status.dataset.kernels;
  delete status.dataset.modelKernels;
  delete status.dataset.valAccuracy;
  status.dataset.steps = '0';
  delete status.dataset.firstLoss;
  delete status.dataset.lastLoss;
  delete status.dataset.testAccuracy;
  scheduleRedraw();
}

function onEvent(e: TrainEvent, globalStep: number, rate: number, run: number): void {
  switch (e.type) {
    case 'start':
      epochs = e.epochs;
      trainCount = e.train;
      setState('training', `training on ${e.train.toLocaleString('en-US')} examples (validating on ${e.validation.toLocaleString('en-US')}), ${e.stepsPerEpoch} steps per epoch`);
      break;
    case 'step': {
      // The event carries the running mean over the epoch; recover this batch's own loss and accuracy.
      const seen = Math.min(e.step * batchSize, trainCount);
      const before = e.step === 1 ? { loss: 0, acc: 0, seen: 0 } : prev;
      const n = seen - before.seen;
      const loss = n > 0 ? (e.loss * seen - before.loss * before.seen) / n : e.loss;
      const acc = n > 0 ? (e.accuracy * seen - before.acc * before.seen) / n : e.accuracy;
      prev = { loss: e.loss, acc: e.accuracy, seen };
      const k = curves.step.length;
      const smooth = (arr: number[], v: number) => (k === 0 ? v : 0.9 * arr[k - 1] + 0.1 * v);
      curves.step.push(globalStep);
      curves.loss.push(loss);
      curves.acc.push(acc);
      curves.lossSmooth.push(smooth(curves.lossSmooth, loss));
      curves.accSmooth.push(smooth(curves.accSmooth, acc));
      $('stat-progress').textContent = `${run > 1 ? `run ${run} (resumed): ` : ''}epoch ${e.epoch}/${epochs}, step ${e.step}/${e.stepsPerEpoch} (${globalStep} steps in all)`;
      $('stat-loss').textContent = `${e.loss.toFixed(4)} · ${pct(e.accuracy)} (this epoch so far)`;
      $('stat-rate').textContent = rate > 0 ? rate.toFixed(1) : '—';
      status.dataset.steps = String(globalStep);
      // For a quick check of progress (and the tests): mean batch loss of the first and of the latest ten steps.
      const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
      status.dataset.firstLoss = String(mean(curves.loss.slice(0, 10)));
      status.dataset.lastLoss = String(mean(curves.loss.slice(-10)));
      status.dataset.stepsPerSecond = rate.toFixed(2);
      scheduleRedraw();
      break;
    }
    case 'epoch':
      if (e.val_loss !== undefined) {
        curves.valStep.push(globalStep);
        curves.valLoss.push(e.val_loss);
        curves.valAcc.push(e.val_accuracy!);
        $('stat-val').textContent = `loss ${e.val_loss.toFixed(4)}, accuracy ${pct(e.val_accuracy!)} (epoch ${e.epoch}, ${e.seconds.toFixed(1)} s)`;
        status.dataset.valAccuracy = String(e.val_accuracy);
      }
      scheduleRedraw();
      break;
    case 'stopped':
      setState('stopping', `${e.reason}; scoring the test set…`);
      break;
    case 'test':
      $('stat-test').textContent = `loss ${e.loss.toFixed(4)}, accuracy ${pct(e.accuracy)} on 10,000 images`;
      status.dataset.testAccuracy = String(e.accuracy);
      break;
  }
}

export function initTrain(worker: Worker): { handle(m: FromWorker): void; redraw(): void } {
  // The program text: the chosen example (the MLP first); choosing another replaces the text.
  const load = (path: string, replace: boolean) =>
    fetch(path)
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((text) => {
        if (replace || !program.value) program.value = text;
      })
      .catch((err) => {
        programError.hidden = false;
        programError.textContent = `could not load the model program ${path} from the server: ${(err as Error).message}`;
      });
  const choice = $<HTMLSelectElement>('set-program');
  void load(choice.value, false);
  choice.addEventListener('change', () => void load(choice.value, true));

  startButton.addEventListener('click', () => {
    programError.hidden = true;
    programError.textContent = '';
    hasModel = false;
    resetCurves();
    const s = settings();
    batchSize = s.batchSize;
    setState('loading', 'compiling the program and loading MNIST…');
    worker.postMessage({ type: 'start', program: program.value, settings: s });
  });
  stopButton.addEventListener('click', () => {
    worker.postMessage({ type: 'stop' });
    setState('stopping', 'stopping after this step…');
  });
  resumeButton.addEventListener('click', () => {
    const s = settings();
    batchSize = s.batchSize;
    setState('training', 'resuming: the same weights and Adam state, a new shuffle…');
    worker.postMessage({ type: 'resume', settings: s });
  });
  setState('idle', 'Press “Train from scratch”. Data and kernels load on the first run.');
  scheduleRedraw();

  return {
    redraw,
    handle(m: FromWorker) {
      switch (m.type) {
        case 'env':
          showEnv(m.env);
          break;
        case 'data':
          $('stat-data').textContent = m.message;
          if (m.status === 'loading') setState('loading', m.message);
          break;
        case 'model':
          hasModel = true;
          $('stat-model').textContent = `${m.parameters.toLocaleString('en-US')} parameters: ${m.layers}`;
          break;
        case 'event':
          showKernels(m.kernels);
          onEvent(m.event, m.globalStep, m.stepsPerSecond, m.run);
          break;
        case 'done': {
          showKernels(m.kernels);
          const test = m.test ? `; test accuracy ${pct(m.test.accuracy)}` : '';
          setState(m.stopped ? 'stopped' : 'done', `${m.stopped ?? 'finished'} — ${m.globalStep} steps in all${test}. Resume continues from these weights and Adam's state.`);
          status.dataset.done = String(m.run);
          scheduleRedraw();
          break;
        }
        case 'error':
          if (m.where === 'predict') break;
          if (m.where === 'program') {
            programError.hidden = false;
            // The message's first line says what and where ("Syntax error at line 5, column 14: …").
            const title = m.error.message.split('\n')[0];
            programError.innerHTML = `<div class="error-title">${escapeHtml(title)}</div>` + (m.error.excerpt ? `<pre class="excerpt">${escapeHtml(m.error.excerpt)}</pre>` : '');
            programError.dataset.line = String(m.error.line ?? '');
            programError.dataset.column = String(m.error.column ?? '');
            if (m.error.offset !== undefined) {
              program.focus();
              program.setSelectionRange(m.error.offset, m.error.offset + 1);
            }
            setState('error', 'the program has an error (see above)');
          } else {
            setState('error', `${m.where === 'data' ? 'data' : 'training'} failed: ${m.error.message}`);
          }
          break;
      }
    },
  };
}
