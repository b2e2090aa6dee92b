// The Formula panel: an expression as typed, its first and second derivatives (exprgrad's symbolic derivative,
// simplified, printed as LaTeX and rendered with KaTeX), and a plot of f, f′ and f″ over a range. The sweep runs
// the compiled programs (compile(…).evaluateMany): f and its reverse-mode tape gradient in one generated loop, f″
// from the symbolic second derivative; the tape's f′ is checked against the symbolic f′ on every point.
// Errors are shown where they are: the excerpt with a caret, and the character marked in the input itself.

import katex from 'katex';
import { parseProgram } from '../src/parse/parse.js';
import { format } from '../src/print/print.js';
import { derivative } from '../src/diff/diff.js';
import { compile, CompiledScalar } from '../src/compile/compile.js';
import { freeVars } from '../src/ir/walk.js';
import { ExprError } from '../src/errors.js';
import type { Expr } from '../src/ir/expr.js';
import { drawChart, robustRange } from './plot.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const COLORS = { f: '#1f6fd1', d1: '#e0731a', d2: '#2e9b4f' };
const POINTS = 600;

const input = $<HTMLInputElement>('formula');
const mark = $<HTMLDivElement>('formula-mark');
const varSelect = $<HTMLSelectElement>('formula-var');
const from = $<HTMLInputElement>('range-from');
const to = $<HTMLInputElement>('range-to');
const others = $<HTMLSpanElement>('other-vars');
const errorBox = $<HTMLDivElement>('formula-error');
const canvas = $<HTMLCanvasElement>('formula-plot');
const caption = $<HTMLElement>('formula-caption');
const otherValues = new Map<string, number>();

interface Current {
  e: Expr;
  v: string;
  d1: Expr;
  d2: Expr;
}
let current: Current | undefined;

function renderMath(id: string, label: string, e: Expr): void {
  const el = $(id);
  el.dataset.plain = format(e, 'plain');
  el.dataset.unicode = format(e, 'unicode');
  katex.render(`${label} = ${format(e, 'latex')}`, el, { throwOnError: false, displayMode: true, output: 'htmlAndMathml' });
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function showError(err: ExprError, text: string): void {
  const loc = err.location;
  errorBox.hidden = false;
  errorBox.dataset.code = err.code;
  errorBox.dataset.line = loc ? String(loc.line) : '';
  errorBox.dataset.column = loc ? String(loc.column) : '';
  const where = loc ? `column ${loc.column}` : '';
  errorBox.innerHTML =
    `<div class="error-title">${err.code === 'syntax' ? 'Syntax error' : 'Error'}${where ? ' at ' + where : ''}: ${escapeHtml(err.reason)}</div>` +
    (err.excerpt ? `<pre class="excerpt">${escapeHtml(err.excerpt)}</pre>` : '');
  input.setAttribute('aria-invalid', 'true');
  if (loc && !text.includes('\n')) {
    const at = loc.offset;
    const ch = text.slice(at, at + (text.codePointAt(at)! > 0xffff ? 2 : 1));
    mark.innerHTML = `${escapeHtml(text.slice(0, at))}<mark>${ch && ch !== ' ' ? escapeHtml(ch) : '&nbsp;'}</mark>`;
    mark.scrollLeft = input.scrollLeft;
  } else mark.textContent = '';
  for (const id of ['math-f', 'math-d1', 'math-d2']) $(id).classList.add('stale');
  canvas.parentElement!.classList.add('stale');
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = '';
  input.removeAttribute('aria-invalid');
  mark.textContent = '';
  for (const id of ['math-f', 'math-d1', 'math-d2']) $(id).classList.remove('stale');
  canvas.parentElement!.classList.remove('stale');
}

function syncVariables(vars: string[]): string {
  const names = vars.length ? vars : ['x'];
  const chosen = names.includes(varSelect.value) ? varSelect.value : names[0];
  if ([...varSelect.options].map((o) => o.value).join() !== names.join()) {
    varSelect.innerHTML = names.map((n) => `<option>${escapeHtml(n)}</option>`).join('');
  }
  varSelect.value = chosen;
  const rest = names.filter((n) => n !== chosen && vars.includes(n));
  others.innerHTML = rest
    .map((n) => `<label>${escapeHtml(n)} = <input type="number" step="any" data-var="${escapeHtml(n)}" value="${otherValues.get(n) ?? 1}"></label>`)
    .join('');
  return chosen;
}

/** Values of one compiled expression over the sweep (its inputs only; other variables held at their values). */
function sweep(e: Expr, v: string, xs: Float64Array): { values: Float64Array; tape?: Float64Array } {
  const c = compile(e) as CompiledScalar;
  const values: Record<string, number | Float64Array> = {};
  for (const name of c.inputs) values[name] = name === v ? xs : (otherValues.get(name) ?? 1);
  if (!c.inputs.includes(v)) {
    const constant = c.evaluateMany(values);
    return { values: new Float64Array(xs.length).fill(constant[0]) };
  }
  const r = c.evaluateMany(values, { grad: true });
  return { values: r.value, tape: r.gradient[v] };
}

function plot(): void {
  if (!current || canvas.getBoundingClientRect().width === 0) return;
  const { e, v, d1, d2 } = current;
  let a = Number(from.value);
  let b = Number(to.value);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) [a, b] = [-3, 3];
  if (a > b) [a, b] = [b, a];
  const xs = Float64Array.from({ length: POINTS }, (_, i) => a + ((b - a) * i) / (POINTS - 1));
  const f = sweep(e, v, xs);
  const s1 = sweep(d1, v, xs).values;
  const s2 = sweep(d2, v, xs).values;
  const tape = f.tape ?? new Float64Array(POINTS);
  let worst = 0;
  for (let i = 0; i < POINTS; i++) {
    if (Number.isFinite(tape[i]) && Number.isFinite(s1[i])) worst = Math.max(worst, Math.abs(tape[i] - s1[i]) / Math.max(1, Math.abs(s1[i])));
  }
  const multi = freeVars(e).length > 1;
  const p = multi ? `∂f/∂${v}` : `f′`;
  const p2 = multi ? `∂²f/∂${v}²` : `f″`;
  // Scale to f and f′; f″ is drawn in the same frame (it may leave it).
  const yRange = robustRange([f.values, tape]);
  drawChart(
    canvas,
    [
      { label: 'f', color: COLORS.f, x: xs, y: f.values, width: 2.5 },
      { label: `${p} (reverse-mode tape)`, color: COLORS.d1, x: xs, y: tape, width: 2.5 },
      { label: `${p2} (symbolic)`, color: COLORS.d2, x: xs, y: s2, width: 1.8, dash: [6, 4] },
    ],
    { xRange: [a, b], yRange, xLabel: v, zeroAxes: true },
  );
  caption.textContent =
    `${POINTS} points from ${a} to ${b}, each curve one compiled sweep (evaluateMany). ` +
    `The tape's ${p} and the symbolic ${p} agree to ${worst === 0 ? 'the last bit' : `a relative ${worst.toExponential(1)}`}.`;
  canvas.dataset.tapeVsSymbolic = String(worst);
}

function update(): void {
  const text = input.value;
  try {
    const program = parseProgram(text);
    if (Object.keys(program.shapes).length) {
      throw new ExprError('usage', 'this panel takes scalar formulas; tensor programs are trained in the Train panel');
    }
    const e = program.result;
    const v = syncVariables(freeVars(e));
    const d1 = derivative(e, v);
    const d2 = derivative(e, v, 2);
    const multi = freeVars(e).length > 1;
    const args = freeVars(e).join(', ') || v;
    clearError();
    renderMath('math-f', `f(${args})`, e);
    renderMath('math-d1', multi ? `\\frac{\\partial f}{\\partial ${v}}` : `f'(${v})`, d1);
    renderMath('math-d2', multi ? `\\frac{\\partial^2 f}{\\partial ${v}^2}` : `f''(${v})`, d2);
    current = { e, v, d1, d2 };
    plot();
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    showError(err, text);
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
function later(): void {
  clearTimeout(timer);
  timer = setTimeout(update, 80);
}

export function initFormula(): { redraw(): void } {
  input.addEventListener('input', later);
  input.addEventListener('scroll', () => (mark.scrollLeft = input.scrollLeft));
  varSelect.addEventListener('change', update);
  from.addEventListener('input', later);
  to.addEventListener('input', later);
  others.addEventListener('input', (ev) => {
    const t = ev.target as HTMLInputElement;
    if (t.dataset.var && Number.isFinite(Number(t.value))) otherValues.set(t.dataset.var, Number(t.value));
    clearTimeout(timer);
    timer = setTimeout(plot, 80);
  });
  update();
  return { redraw: plot };
}
