import { parse, derivative, simplify, format } from '../dist/index.js';
const lisp = (n) => n.kind === 'num' ? String(n.value) : n.kind === 'sym' ? n.name : `(${n.op} ${n.args.map(lisp).join(' ')})`;
function diff(a, b) {
  if (a === b) return false;
  if (a.kind !== b.kind || a.op !== b.op || a.args.length !== b.args.length) { console.log('A:', lisp(a)); console.log('B:', lisp(b)); return true; }
  for (let i = 0; i < a.args.length; i++) if (diff(a.args[i], b.args[i])) return true;
  return true;
}
for (const src of ['log2(sqrt(min(x, cbrt(x))*cbrt(abs(hypot(x, 0)))))', 'cbrt(abs(hypot(x, 0)))', 'cbrt(abs(x))', 'sqrt(cbrt(abs(x)))']) {
  const d = derivative(parse(src), 'x');
  console.log(src, '->', format(d, 'plain'));
  diff(d, simplify(d));
}
