// Plots as standalone SVG text: training curves and a confusion matrix.
//
// In:  the per-epoch history, or a confusion matrix (rows: true class, columns: predicted).
// Out: an SVG document (a string). No dependencies; every number is formatted by us, every label escaped.

import type { EpochRecord } from './train.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f = (v: number) => (Math.round(v * 100) / 100).toString();

interface Series {
  label: string;
  color: string;
  values: number[];
  dashed?: boolean;
}

function panel(x0: number, y0: number, w: number, h: number, title: string, series: Series[], epochs: number, yFmt: (v: number) => string, clamp: [number, number] = [-Infinity, Infinity]): string {
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  let lo = all.length ? Math.min(...all) : 0; // no finite value (accuracy of a regression): an empty 0..1 panel
  let hi = all.length ? Math.max(...all) : 1;
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.08;
  // Pad the range, but not past what the quantity can be (a loss below 0, an accuracy above 100%).
  lo = Math.max(clamp[0], lo - pad);
  hi = Math.min(clamp[1], hi + pad);
  const X = (e: number) => x0 + (epochs <= 1 ? w / 2 : ((e - 1) / (epochs - 1)) * w);
  const Y = (v: number) => y0 + h - ((v - lo) / (hi - lo)) * h;
  const out: string[] = [];
  out.push(`<text x="${f(x0 + w / 2)}" y="${f(y0 - 12)}" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  out.push(`<rect x="${f(x0)}" y="${f(y0)}" width="${f(w)}" height="${f(h)}" fill="none" stroke="#999"/>`);
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    out.push(`<line x1="${f(x0)}" x2="${f(x0 + w)}" y1="${f(Y(v))}" y2="${f(Y(v))}" stroke="#eee"/>`);
    out.push(`<text x="${f(x0 - 6)}" y="${f(Y(v) + 4)}" text-anchor="end" font-size="11">${esc(yFmt(v))}</text>`);
  }
  for (let e = 1; e <= epochs; e++) out.push(`<text x="${f(X(e))}" y="${f(y0 + h + 16)}" text-anchor="middle" font-size="11">${e}</text>`);
  out.push(`<text x="${f(x0 + w / 2)}" y="${f(y0 + h + 32)}" text-anchor="middle" font-size="12">epoch</text>`);
  series.forEach((s, i) => {
    const pts = s.values.map((v, e) => (Number.isFinite(v) ? `${f(X(e + 1))},${f(Y(v))}` : '')).filter(Boolean);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
    out.push(`<line x1="${f(x0 + 10)}" x2="${f(x0 + 34)}" y1="${f(y0 + 16 + i * 16)}" y2="${f(y0 + 16 + i * 16)}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${f(x0 + 40)}" y="${f(y0 + 20 + i * 16)}" font-size="11">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

/** Loss and accuracy per epoch, training and validation, side by side. */
export function curvesSvg(history: readonly EpochRecord[], title = 'exprgrad training'): string {
  const n = history.length;
  const W = 900;
  const H = 380;
  const body = [
    panel(70, 60, 330, 250, 'loss', [
      { label: 'training', color: '#1f77b4', values: history.map((r) => r.loss) },
      { label: 'validation', color: '#ff7f0e', values: history.map((r) => r.val_loss ?? NaN), dashed: true },
    ], n, (v) => v.toFixed(3), [0, Infinity]),
    panel(530, 60, 330, 250, 'accuracy', [
      { label: 'training', color: '#1f77b4', values: history.map((r) => r.accuracy) },
      { label: 'validation', color: '#ff7f0e', values: history.map((r) => r.val_accuracy ?? NaN), dashed: true },
    ], n, (v) => `${(v * 100).toFixed(1)}%`, [0, 1]),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${esc(title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** Confusion matrix as a heat map with counts (rows: true class, columns: predicted). */
export function confusionSvg(matrix: readonly (readonly number[])[], title = 'confusion matrix (test set)'): string {
  const n = matrix.length;
  const cell = 40;
  const x0 = 80;
  const y0 = 70;
  const W = x0 + n * cell + 40;
  const H = y0 + n * cell + 60;
  const rowMax = matrix.map((r) => Math.max(1, r.reduce((a, b) => a + b, 0)));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${esc(title)}</text>`,
    `<text x="${x0 + (n * cell) / 2}" y="${y0 - 28}" text-anchor="middle" font-size="12">predicted</text>`,
    `<text x="24" y="${y0 + (n * cell) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 24 ${y0 + (n * cell) / 2})">true class</text>`,
  ];
  for (let i = 0; i < n; i++) {
    out.push(`<text x="${x0 + i * cell + cell / 2}" y="${y0 - 8}" text-anchor="middle" font-size="12">${i}</text>`);
    out.push(`<text x="${x0 - 8}" y="${y0 + i * cell + cell / 2 + 4}" text-anchor="end" font-size="12">${i}</text>`);
    for (let j = 0; j < n; j++) {
      const v = matrix[i][j];
      const share = v / rowMax[i];
      const shade = Math.round(255 - share * 200);
      const fill = i === j ? `rgb(${shade},${Math.min(255, shade + 40)},${shade})` : `rgb(255,${shade},${shade})`;
      out.push(`<rect x="${x0 + j * cell}" y="${y0 + i * cell}" width="${cell}" height="${cell}" fill="${v ? fill : '#fafafa'}" stroke="#ddd"/>`);
      if (v) out.push(`<text x="${x0 + j * cell + cell / 2}" y="${y0 + i * cell + cell / 2 + 4}" text-anchor="middle" font-size="10" fill="${share > 0.6 ? 'white' : 'black'}">${v}</text>`);
    }
  }
  out.push('</svg>');
  return out.join('\n');
}
