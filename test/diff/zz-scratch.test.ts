import { it } from 'vitest';
import { parse } from '../../src/parse/parse.js';
import { simplify } from '../../src/simplify/simplify.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { format } from '../../src/print/print.js';
it('scratch', () => {
  for (const s of ['sign(sign(x))', 'sign(sign(-x))', 'log2(sign(sign(x)))', 'sign(-sign(x))', 'abs(abs(x))', 'relu(relu(x))','step(step(x))', 'sign(step(x))']) {
    const e = parse(s);
    console.log(s, '->', format(simplify(e), 'plain'), 'd:', format(derivative(e, 'x'), 'plain'), evaluate(e, { x: 2 }), evaluate(simplify(e), { x: 2 }));
  }
});
