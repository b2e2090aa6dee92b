// Embeds grammar/expr.ohm into src/parse/grammar-source.ts, so the parser needs no file system at run time
// (Node, bundlers and browsers alike). `npm run build` runs it first, so the embedded copy follows the grammar.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const text = readFileSync(new URL('grammar/expr.ohm', root), 'utf8');
const out =
  '// GENERATED from grammar/expr.ohm by scripts/gen-grammar.mjs (npm run build). Do not edit.\n' +
  `export const grammarSource = ${JSON.stringify(text)};\n`;
writeFileSync(new URL('src/parse/grammar-source.ts', root), out);
