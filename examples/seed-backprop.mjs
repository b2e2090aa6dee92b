// The seed notebook's backpropagation example, in exprgrad: y = sin(exp(x³)) at x = 2.
// The notebook built Variable/Cube/Exp/Sin classes by hand and printed 0.40176297151886475 and
// -32757.521776103014. Here one formula gives the value, the reverse-mode gradient, the printed derivative and
// the tape. Run: npm install && node examples/seed-backprop.mjs
import { compile, parse, derivative, format } from 'exprgrad';

const f = compile('sin(exp(x^3))');
const { value, gradient } = f.gradient({ x: 2 });
console.log('y      =', value); // 0.40176297151886475
console.log('dy/dx  =', gradient.x); // -32757.521776103014

const d = derivative(parse('sin(exp(x^3))'), 'x');
console.log('\ndy/dx  =', format(d)); // cos(exp(x³))·exp(x³)·3x²
console.log('LaTeX:   ', format(d, 'latex'));

console.log('\nThe tape (forward, then backward):');
console.log(f.tapeText());
