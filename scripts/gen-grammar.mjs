// Embeds grammar/expr.ohm into src/parse/grammar-source.ts, so the parser needs no file system at run time
// (Node, bundlers and browsers alike). `npm run build` runs it first, so the embedded copy follows the grammar.
//
// On the way it inlines the blank rule `sp` wherever it is applied (Ohm 17 has no inlining, and each rule
// application costs a memo entry and a node; a parse applies `sp` after almost every token). The result matches
// exactly what grammar/expr.ohm matches, with the same syntax errors (`sp` has no description), and the same tree
// shape: `sp`'s body is one iteration, so it takes the place of one node.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const text = readFileSync(new URL('grammar/expr.ohm', root), 'utf8');
const out =
  '// GENERATED from grammar/expr.ohm by scripts/gen-grammar.mjs (npm run build). Do not edit.\n' +
  `export const grammarSource = ${JSON.stringify(inlineBlanks(text))};\n`;
writeFileSync(new URL('src/parse/grammar-source.ts', root), out);

/** The grammar with every application of `sp` replaced by its body (comments dropped; `sp` itself kept). */
function inlineBlanks(source) {
  const lines = source.split('\n').filter((line) => !/^\s*\/\//.test(line));
  const def = lines.find((line) => /^\s*sp\s*=/.test(line));
  const body = def?.replace(/^\s*sp\s*=\s*/, '').trim();
  if (!body || !/^\(.*\)\*$/.test(body) || /\bsp\b/.test(body)) throw new Error('gen-grammar: expected one line `sp = (…)*` that does not apply itself');
  return lines.map((line) => (line === def ? line : line.replace(/\bsp\b(?!\s*=)/g, body))).join('\n');
}
