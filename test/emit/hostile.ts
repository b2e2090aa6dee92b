// A formula over a list of variable names (the hostile ones): every name is read, in sums, products and calls.
import { call, sym, type Expr } from '../../src/ir/expr.js';
import type { Case } from './cases.js';

/** A formula over the hostile names: every one of them is read, in sums, products and function calls. */
export function hostileCase(names: readonly string[]): Case {
  let e: Expr = call('sin', [sym(names[0])]);
  names.slice(1).forEach((n, i) => {
    const term = i % 3 === 0 ? call('mul', [sym(n), sym(names[i])]) : i % 3 === 1 ? call('exp', [call('div', [sym(n), call('add', [sym(names[i]), sym(names[i])])])]) : call('sigmoid', [sym(n)]);
    e = call('add', [e, term]);
  });
  return { label: `hostile ${names.length}`, expr: e, vars: names };
}

