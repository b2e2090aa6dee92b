// The Draw panel: a canvas to draw a digit on (pointer events: mouse, pen or touch), turned into what the MNIST
// model saw in training by mnistFromGray (src/data/digit.ts: the ink's box scaled to 20×20, centered by mass in
// 28×28), and the trained model's prediction with every class's probability (computed in the worker, on the
// trained weights).

import { mnistFromGray } from '../src/data/digit.js';
import type { FromWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const canvas = $<HTMLCanvasElement>('draw-canvas');
const preview = $<HTMLCanvasElement>('draw-preview');
const digitBox = $<HTMLDivElement>('draw-digit');
const bars = $<HTMLDivElement>('draw-bars');
const status = $<HTMLParagraphElement>('draw-status');
const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
const SIZE = canvas.width; // 280: the backing store is fixed; CSS may scale it
const INK = 20;

let requestId = 0;
let strokes = 0;

function clear(): void {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, SIZE, SIZE);
  strokes = 0;
  canvas.dataset.strokes = '0';
  digitBox.textContent = '?';
  digitBox.dataset.digit = '';
  bars.innerHTML = barsHtml(new Array(10).fill(0));
  status.textContent = 'Draw a digit.';
  drawPreview(new Float32Array(784));
}

function barsHtml(p: number[], best = -1): string {
  return p
    .map(
      (v, k) =>
        `<div class="bar${k === best ? ' best' : ''}" data-class="${k}" data-p="${v.toFixed(6)}"><span class="k">${k}</span>` +
        `<span class="track"><span class="fill" style="width:${(v * 100).toFixed(1)}%"></span></span><span class="v">${(v * 100).toFixed(1)}%</span></div>`,
    )
    .join('');
}

function drawPreview(pixels: Float32Array): void {
  const p = preview.getContext('2d')!;
  const img = p.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * pixels[i]); // as MNIST stores it: light ink on black
    img.data.set([v, v, v, 255], i * 4);
  }
  const tmp = new OffscreenCanvas(28, 28);
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  p.imageSmoothingEnabled = false;
  p.drawImage(tmp, 0, 0, preview.width, preview.height);
}

/** The canvas as MNIST pixels (0..1, 784). */
function pixels(): Float32Array {
  const { data } = ctx.getImageData(0, 0, SIZE, SIZE);
  const gray = new Float32Array(SIZE * SIZE);
  for (let i = 0; i < gray.length; i++) gray[i] = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
  return mnistFromGray(gray, SIZE, SIZE);
}

export function initDraw(worker: Worker): { handle(m: FromWorker): void } {
  let drawing = false;
  let last: [number, number] | undefined;
  let pending: ReturnType<typeof setTimeout> | undefined;

  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE];
  };
  const predict = () => {
    clearTimeout(pending);
    pending = undefined;
    const px = pixels();
    drawPreview(px);
    if (!px.some((v) => v > 0)) return;
    worker.postMessage({ type: 'predict', id: ++requestId, pixels: px });
  };
  const predictSoon = () => {
    pending ??= setTimeout(predict, 150);
  };
  const line = (a: [number, number], b: [number, number]) => {
    ctx.strokeStyle = '#000';
    ctx.lineWidth = INK;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...a);
    ctx.lineTo(...b);
    ctx.stroke();
  };

  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true;
    last = at(e);
    line(last, last);
    strokes++;
    canvas.dataset.strokes = String(strokes);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing || !last) return;
    const p = at(e);
    line(last, p);
    last = p;
    predictSoon();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    last = undefined;
    predict();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  $('draw-clear').addEventListener('click', clear);
  $('draw-sample').addEventListener('click', () => worker.postMessage({ type: 'sample', id: ++requestId }));
  clear();

  return {
    handle(m: FromWorker) {
      if (m.type === 'prediction') {
        if (m.id !== requestId) return; // a newer drawing is on its way
        digitBox.textContent = String(m.digit);
        digitBox.dataset.digit = String(m.digit);
        bars.innerHTML = barsHtml(m.probabilities, m.digit);
        status.textContent = m.trained
          ? `the trained model (weights after step ${m.weightsStep}) says ${m.digit} with ${(m.probabilities[m.digit] * 100).toFixed(1)}% (computed in the worker by exprgrad's ${m.backend.replace(/ \(.*\)$/, '')} kernels)`
          : 'the model is not trained yet (Train panel): this is what random weights say';
        status.dataset.trained = String(m.trained);
      } else if (m.type === 'sample') {
        // Paint the test image onto the canvas (dark ink on white, as a drawing), then predict from the canvas.
        const img = ctx.createImageData(28, 28);
        for (let i = 0; i < 784; i++) {
          const v = 255 - m.pixels[i];
          img.data.set([v, v, v, 255], i * 4);
        }
        const tmp = new OffscreenCanvas(28, 28);
        tmp.getContext('2d')!.putImageData(img, 0, 0);
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, SIZE, SIZE);
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(tmp, 0, 0, SIZE, SIZE);
        status.textContent = `test image ${m.index} (label ${m.label})`;
        canvas.dataset.label = String(m.label);
        predict();
      } else if (m.type === 'error' && m.where === 'predict') {
        status.textContent = m.error.message;
        digitBox.textContent = '?';
        digitBox.dataset.digit = '';
      }
    },
  };
}
