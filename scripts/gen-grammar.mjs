// Embeds grammar/expr.ohm into src/parse/grammar-source.ts, so the parser needs no file system at run time
// (Node, bundlers and browsers alike). `npm run build` runs it first, so the embedded copy follows the grammar.
//
// What it embeds is the grammar's recipe (Ohm's `grammar.toRecipe()`: the parsed rules as JSON), which
// `ohm.makeRecipe` turns back into the same grammar in about 10 ms, where `ohm.grammar(text)` parses the text with
// Ohm's own grammar first (0.2–0.4 s of CPU at a cold start: most of what a one-formula `exprgrad diff` costs).
//
// On the way it inlines the blank rule `sp` wherever it is applied (Ohm 17 has no inlining, and each rule
// application costs a memo entry and a node; a parse applies `sp` after almost every token). The result matches
// exactly what grammar/expr.ohm matches, with the same syntax errors (`sp` has no description), and the same tree
// shape: `sp`'s body is one iteration, so it takes the place of one node.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ohm from 'ohm-js';

const root = new URL('../', import.meta.url);
const text = readFileSync(new URL('grammar/expr.ohm', root), 'utf8');
const recipe = ohm.grammar(inlineBlanks(text)).toRecipe();
JSON.parse(recipe); // a recipe is JSON
const out =
  '// GENERATED from grammar/expr.ohm by scripts/gen-grammar.mjs (npm run build). Do not edit.\n' +
  '// The recipe of the grammar (with `sp` inlined), for ohm.makeRecipe.\n' +
  `export const grammarRecipe = ${JSON.stringify(recipe)};\n`;
writeFileSync(new URL('src/parse/grammar-source.ts', root), out);

/** The grammar with every application of `sp` replaced by its body (comments dropped; `sp` itself kept). */
function inlineBlanks(source) {
  const lines = source.split('\n').filter((line) => !/^\s*\/\//.test(line));
  const def = lines.find((line) => /^\s*sp\s*=/.test(line));
  const body = def?.replace(/^\s*sp\s*=\s*/, '').trim();
  if (!body || !/^\(.*\)\*$/.test(body) || /\bsp\b/.test(body)) throw new Error('gen-grammar: expected one line `sp = (…)*` that does not apply itself');
  return lines.map((line) => (line === def ? line : line.replace(/\bsp\b(?!\s*=)/g, body))).join('\n');
}
