// Large and deep derivatives: a 10,000-node expression differentiated and printed with shared subexpressions
// named (--cse), and 100,000 nested calls (no stack overflow). Prints times and sizes.
// Usage: npm run build && node bench/diff-large.mjs
import { parse, call, sym, derivative, formatCse, dagSize } from '../dist/index.js';

const terms = [];
for (let k = 1; terms.length < 1000; k++) terms.push(`${k}*sin(${k}*x + y/${k})*exp(-x/${k + 1})`);
const big = parse(terms.join(' + '));
let t0 = performance.now();
const d = derivative(big, 'x');
const t1 = performance.now();
const text = formatCse(d);
const t2 = performance.now();
console.log(`10k-node expression: ${dagSize(big)} distinct nodes (tree ${big.treeSize}); derivative ${(t1 - t0).toFixed(1)} ms (${dagSize(d)} nodes); printed with --cse ${(t2 - t1).toFixed(1)} ms (${text.length} chars); total ${(t2 - t0).toFixed(1)} ms`);

let deep = sym('x');
for (let i = 0; i < 100_000; i++) deep = call('sin', [deep]);
t0 = performance.now();
const dd = derivative(deep, 'x');
const t3 = performance.now();
const deepText = formatCse(dd);
console.log(`100,000 nested sin: derivative ${(t3 - t0).toFixed(0)} ms (${dagSize(dd)} nodes); printed with --cse ${(performance.now() - t3).toFixed(0)} ms (${(deepText.length / 1e6).toFixed(1)} MB); no stack overflow`);
