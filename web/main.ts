// The page: three panels (Formula, Train, Draw) and the training worker they share.
import 'katex/dist/katex.min.css';
import { initFormula } from './formula.js';
import { initTrain } from './train.js';
import { initDraw } from './draw.js';
import type { FromWorker } from './protocol.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'exprgrad-train' });
const formula = initFormula();
const trainPanel = initTrain(worker);
const drawPanel = initDraw(worker);

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  trainPanel.handle(e.data);
  drawPanel.handle(e.data);
};
worker.onerror = (e) => {
  trainPanel.handle({ type: 'error', error: { message: `the training worker failed to start: ${e.message || 'unknown error'}` }, where: 'training' });
};

const tabs = ['formula', 'train', 'draw'] as const;
function show(name: (typeof tabs)[number]): void {
  for (const t of tabs) {
    document.getElementById(`tab-${t}`)!.setAttribute('aria-selected', String(t === name));
    document.getElementById(`panel-${t}`)!.hidden = t !== name;
  }
  if (name === 'formula') formula.redraw();
  if (name === 'train') trainPanel.redraw();
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
}
for (const t of tabs) document.getElementById(`tab-${t}`)!.addEventListener('click', () => show(t));
const initial = location.hash.slice(1);
show((tabs as readonly string[]).includes(initial) ? (initial as (typeof tabs)[number]) : 'formula');
addEventListener('resize', () => {
  formula.redraw();
  trainPanel.redraw();
});
document.body.dataset.ready = 'true';
