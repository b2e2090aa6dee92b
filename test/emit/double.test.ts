// The float64 targets, compiled and run: C (the system compiler), Python with math and with numpy (/usr/bin/python3,
// numpy called once per formula with arrays of all points), JavaScript (imported). Every op of the table, the
// derivative golden corpus and hostile variable names, value + gradient + Hessian, against exprgrad's own float64
// evaluation of the same outputs at random points: 1e-12 relative, widened only by the conditioning noise of the
// output at that point (test/util/gen.ts agree(): what a 1e-13 relative nudge of one input moves it by).

import { describe, expect, it } from 'vitest';
import type { Expr } from '../../src/ir/expr.js';
import { emit, type EmitLang } from '../../src/emit/emit.js';
import { format } from '../../src/print/print.js';
import { agree } from '../util/gen.js';
import { type Case, opCases, goldenCases, HOSTILE, planOf, casePoints, expected, outputs } from './cases.js';
import { hostileCase } from './hostile.js';
import { type Mode, type Unit, type Call, runC, runPython, importJs, flattenJs } from './runners.js';

interface Job {
  readonly units: Unit[];
  readonly calls: Call[];
  /** For each call: the expected outputs and the expressions behind them (for the conditioning noise). */
  readonly want: { label: string; point: Record<string, number>; values: number[]; roots: Expr[] }[];
}

function job(lang: EmitLang, cases: readonly (Case & { mode: Mode })[], pointsPer = 3): Job {
  const units: Unit[] = [];
  const calls: Call[] = [];
  const want: Job['want'] = [];
  cases.forEach((c, k) => {
    const name = `emitted${k}`;
    const plan = planOf(c, c.mode);
    const code = emit(c.expr, { lang, name, vars: c.vars, grad: c.mode !== 'value', hessian: c.mode === 'hessian' });
    units.push({ code, name, nparams: c.vars.length, mode: c.mode });
    for (const p of casePoints(plan, 1000 + k, pointsPer)) {
      calls.push({ unit: k, args: c.vars.map((v) => p[v]) });
      want.push({ label: c.label, point: p, values: expected(plan, p), roots: outputs(plan) });
    }
  });
  return { units, calls, want };
}

function check(j: Job, got: number[][]): { compared: number; failures: string[] } {
  expect(got.length).toBe(j.want.length);
  const failures: string[] = [];
  let compared = 0;
  j.want.forEach((w, i) => {
    expect(got[i].length, w.label).toBe(w.values.length);
    w.values.forEach((v, o) => {
      compared++;
      if (!agree(got[i][o], v, 1e-12, 0, [w.roots[o]], w.point)) {
        failures.push(`${w.label} output ${o} (${format(w.roots[o], 'plain').slice(0, 80)}) at ${JSON.stringify(w.point)}: expected ${v}, got ${got[i][o]}`);
      }
    });
  });
  return { compared, failures };
}

const everything = (): (Case & { mode: Mode })[] => [
  ...opCases().flatMap((c) => (['value', 'grad', 'hessian'] as const).map((mode) => ({ ...c, label: `${c.label} ${mode}`, mode }))),
  ...goldenCases().map((c) => ({ ...c, mode: 'hessian' as const })),
  { ...hostileCase(HOSTILE), mode: 'grad' },
  { ...hostileCase(HOSTILE.slice(0, 6)), mode: 'hessian' },
  { ...hostileCase(HOSTILE.slice(-8)), mode: 'hessian' },
];

describe('emitted float64 code runs and matches exprgrad', () => {
  it('covers every op, the golden corpus and the hostile names', () => {
    const ops = new Set(opCases().map((c) => c.label.split('/')[0]));
    expect(ops.size).toBeGreaterThan(30);
    // every op's formula has points inside its domain, so each op is actually run
    for (const c of opCases()) expect(casePoints(planOf(c, 'hessian'), 1, 1).length, c.label).toBe(1);
    expect(goldenCases().length).toBeGreaterThan(60);
  });

  for (const lang of ['c', 'python', 'numpy', 'js'] as const) {
    it(`${lang}: every op, the golden corpus, hostile names`, async () => {
      const cases = everything();
      const j = job(lang, cases);
      let got: number[][];
      if (lang === 'c') got = runC(j.units, j.calls);
      else if (lang === 'python') got = runPython(j.units, j.calls);
      else if (lang === 'numpy') got = runPython(j.units, j.calls, true);
      else {
        got = [];
        const mods = await Promise.all(j.units.map((u) => importJs(u.code)));
        for (const c of j.calls) got.push(flattenJs(mods[c.unit][j.units[c.unit].name](...c.args), j.units[c.unit].mode));
      }
      const { compared, failures } = check(j, got);
      console.log(`${lang}: ${j.units.length} functions, ${j.calls.length} calls, ${compared} outputs compared`);
      expect(failures.slice(0, 10)).toEqual([]);
      expect(compared).toBeGreaterThan(2000);
    }, 120_000);
  }
});
