// The reverse-mode tape and the symbolic derivative are one differentiation pass seen two ways: on the seeded
// random corpus (2,000 expressions built from the op table), every partial the compiled tape returns equals the
// simplified symbolic derivative evaluated at the same in-domain point.
import { describe, expect, it } from 'vitest';
import { compile, CompiledScalar } from '../../src/compile/compile.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { format } from '../../src/print/print.js';
import { freeVars } from '../../src/ir/walk.js';
import { TEST_COUNT, agree, corpus, findPoints, mulberry32 } from '../util/gen.js';

describe('tape gradients equal symbolic derivatives', () => {
  it(`on ${TEST_COUNT} random expressions`, () => {
    const exprs = corpus();
    const rng = mulberry32(20261130);
    let checked = 0;
    const failures: string[] = [];
    for (const e of exprs) {
      const vars = freeVars(e);
      if (vars.length === 0) continue;
      const points = findPoints(e, rng, { want: 2 });
      if (points.length === 0) continue;
      const f = compile(e) as CompiledScalar;
      const symbolic = vars.map((v) => derivative(e, v));
      let any = false;
      for (const p of points) {
        const { value, gradient } = f.gradient(p);
        const direct = evaluate(e, p);
        if (!agree(value, direct, 1e-12, 1e-12, [e], p)) failures.push(`${format(e, 'plain')} value at ${JSON.stringify(p)}: ${value} vs ${direct}`);
        vars.forEach((v, i) => {
          const want = evaluate(symbolic[i], p);
          if (!Number.isFinite(want)) return;
          any = true;
          if (!agree(gradient[v], want, 1e-9, 1e-12, [e, symbolic[i]], p)) {
            failures.push(`${format(e, 'plain')} ∂/∂${v} at ${JSON.stringify(p)}: tape ${gradient[v]}, symbolic ${want}`);
          }
        });
      }
      if (any) checked++;
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(Math.floor(exprs.length * 0.75));
  });
});
