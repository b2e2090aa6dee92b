// Line charts on a canvas: axes with tick labels, series that break at non-finite values and are clipped to the
// plot area, optional points, a legend. Sharp on high-density screens (the backing store follows devicePixelRatio).

export interface Series {
  readonly label?: string;
  readonly color: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly width?: number;
  readonly dash?: number[];
  readonly alpha?: number;
  /** Draw dots instead of a line. */
  readonly points?: boolean;
}

export interface ChartOptions {
  readonly xRange?: [number, number];
  readonly yRange?: [number, number];
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Draw the x = 0 and y = 0 axes when inside. */
  readonly zeroAxes?: boolean;
  readonly empty?: string;
}

/** Make the canvas's backing store match its CSS size × devicePixelRatio; returns the CSS size. */
function fit(canvas: HTMLCanvasElement): { w: number; h: number; ctx: CanvasRenderingContext2D } {
  const ratio = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const rect = canvas.getBoundingClientRect();
  const w = Math.max(50, Math.round(rect.width || canvas.width));
  const h = Math.max(50, Math.round(rect.height || canvas.height));
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { w, h, ctx };
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function label(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** A y-range that shows the bulk of the values (2nd to 98th percentile, padded) so spikes do not flatten the rest. */
export function robustRange(values: ArrayLike<number>[], pad = 0.08): [number, number] {
  const all: number[] = [];
  for (const v of values) for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) all.push(v[i]);
  if (all.length === 0) return [-1, 1];
  all.sort((a, b) => a - b);
  const lo = all[Math.floor(0.02 * (all.length - 1))];
  const hi = all[Math.ceil(0.98 * (all.length - 1))];
  const fullLo = all[0];
  const fullHi = all[all.length - 1];
  // Use the full range unless the tails are far outside the bulk.
  const span = hi - lo || Math.abs(hi) || 1;
  const a = fullLo >= lo - 2 * span ? fullLo : lo;
  const b = fullHi <= hi + 2 * span ? fullHi : hi;
  const s = b - a || Math.abs(b) || 1;
  return [a - pad * s, b + pad * s];
}

export function drawChart(canvas: HTMLCanvasElement, series: readonly Series[], opts: ChartOptions = {}): void {
  const { w, h, ctx } = fit(canvas);
  const css = getComputedStyle(canvas);
  const fg = css.getPropertyValue('--chart-fg').trim() || '#333';
  const grid = css.getPropertyValue('--chart-grid').trim() || '#e5e5e5';
  const bg = css.getPropertyValue('--chart-bg').trim() || '#fff';
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, w, h);
  const left = 58;
  const right = 14;
  const top = series.some((s) => s.label) ? 28 : 12;
  const bottom = 34;
  const pw = w - left - right;
  const ph = h - top - bottom;
  const xs = series.flatMap((s) => Array.from(s.x).filter(Number.isFinite));
  if (xs.length === 0 && !opts.xRange) {
    ctx.fillStyle = fg;
    ctx.font = '13px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(opts.empty ?? 'no data yet', w / 2, h / 2);
    return;
  }
  let [x0, x1] = opts.xRange ?? [Math.min(...xs), Math.max(...xs)];
  if (x1 === x0) x1 = x0 + 1;
  let [y0, y1] = opts.yRange ?? robustRange(series.map((s) => s.y));
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const X = (v: number) => left + ((v - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => top + (1 - (v - y0) / (y1 - y0)) * ph;

  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  ctx.strokeStyle = grid;
  ctx.fillStyle = fg;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of ticks(x0, x1, Math.max(2, Math.round(pw / 90)))) {
    ctx.beginPath();
    ctx.moveTo(X(t), top);
    ctx.lineTo(X(t), top + ph);
    ctx.stroke();
    ctx.fillText(label(t), X(t), top + ph + 5);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of ticks(y0, y1, Math.max(2, Math.round(ph / 50)))) {
    ctx.beginPath();
    ctx.moveTo(left, Y(t));
    ctx.lineTo(left + pw, Y(t));
    ctx.stroke();
    ctx.fillText(label(t), left - 6, Y(t));
  }
  ctx.strokeStyle = fg;
  ctx.strokeRect(left, top, pw, ph);
  if (opts.zeroAxes) {
    ctx.strokeStyle = fg;
    ctx.globalAlpha = 0.5;
    if (x0 < 0 && x1 > 0) {
      ctx.beginPath();
      ctx.moveTo(X(0), top);
      ctx.lineTo(X(0), top + ph);
      ctx.stroke();
    }
    if (y0 < 0 && y1 > 0) {
      ctx.beginPath();
      ctx.moveTo(left, Y(0));
      ctx.lineTo(left + pw, Y(0));
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }
  if (opts.xLabel) {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(opts.xLabel, left + pw, h - 2);
  }
  if (opts.yLabel) {
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(opts.yLabel, 4, 4);
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, pw, ph);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = s.width ?? 2;
    ctx.globalAlpha = s.alpha ?? 1;
    ctx.setLineDash(s.dash ?? []);
    ctx.lineJoin = 'round';
    if (s.points) {
      for (let i = 0; i < s.x.length; i++) {
        if (!Number.isFinite(s.y[i])) continue;
        ctx.beginPath();
        ctx.arc(X(s.x[i]), Y(s.y[i]), 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
      continue;
    }
    ctx.beginPath();
    let pen = false;
    const limit = 1e6; // keep huge values finite in canvas coordinates
    for (let i = 0; i < s.x.length; i++) {
      const v = s.y[i];
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const py = Math.max(-limit, Math.min(limit, Y(v)));
      if (pen) ctx.lineTo(X(s.x[i]), py);
      else ctx.moveTo(X(s.x[i]), py);
      pen = true;
    }
    ctx.stroke();
  }
  ctx.restore();
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;

  // Legend.
  let lx = left;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const s of series) {
    if (!s.label) continue;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(s.dash ?? []);
    if (s.points) {
      ctx.beginPath();
      ctx.arc(lx + 9, 13, 3.5, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.beginPath();
      ctx.moveTo(lx, 13);
      ctx.lineTo(lx + 18, 13);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.fillStyle = fg;
    ctx.fillText(s.label, lx + 24, 13);
    lx += 34 + ctx.measureText(s.label).width;
  }
}
