// Parse speed: µs per character of parse(text) on 2,000 distinct formulas of about 30 characters.
// Usage: npm run build && node bench/parse.mjs [dist-dir] [rounds]
//   dist-dir  the built library to time (default ../dist/); point it at another checkout's dist/ to compare commits
//   rounds    timed passes over the whole corpus (default 7; the median pass is reported)
//
// The corpus is bench/parse-corpus.mjs: fixed seed and function list, so the text is the same whichever commit is timed.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { formulas } from './parse-corpus.mjs';

const distArg = process.argv[2] && !/^\d+$/.test(process.argv[2]) ? process.argv[2] : undefined;
const rounds = Number(process.argv.find((a, i) => i >= 2 && /^\d+$/.test(a)) ?? 7);
const dist = distArg ? pathToFileURL(resolve(distArg) + '/').href : new URL('../dist/', import.meta.url).href;
const { parse } = await import(dist + 'index.js');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

{
  const corpus = formulas();
  const chars = corpus.reduce((n, f) => n + f.length, 0);
  for (const f of corpus) parse(f); // every formula must parse (and this warms up)
  for (let w = 0; w < 2; w++) for (const f of corpus) parse(f);
  const passes = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    for (const f of corpus) parse(f);
    const used = process.cpuUsage(t0);
    passes.push((used.user + used.system) / 1000);
  }
  const ms = median(passes);
  console.log(`${corpus.length} formulas, ${(chars / corpus.length).toFixed(1)} characters on average (e.g. ${corpus[0]}  |  ${corpus[1]})`);
  console.log(`parse: ${((ms * 1000) / chars).toFixed(3)} µs per character, ${((ms * 1000) / corpus.length).toFixed(1)} µs per formula (CPU time, median of ${rounds} passes)`);
  console.log(`library: ${dist}  node ${process.version}`);
}
