// The size measure of the SymPy corpus, shared by bench/sympy-size.mjs (dist/) and
// test/simplify/sympy-corpus.test.ts (src/): plain JavaScript over a library object, like bench/gen.mjs.
//
// In:  the library ({ parse, derivative, simplify, format }) and the corpus JSON (scripts/sympy-corpus.py).
// Out: per comparable entry: our derivative, its size and SymPy's, their ratio; and the skipped entries with why.
// Size: tree nodes of a plain text parsed back by exprgrad's parser, which builds exactly what is written (no
// folding), so our derivative and SymPy's answer printed in exprgrad's syntax are counted the same way.

/** Tree nodes of a plain-syntax text as written. */
export function sizeOf(lib, text) {
  return lib.parse(text).treeSize;
}

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return lo === s.length - 1 ? s[lo] : s[lo] + (s[lo + 1] - s[lo]) * (i - lo);
}

/** Entries usable here: SymPy answered, and exprgrad parses the expression and the answer (it knows every function). */
export function usable(lib, entry) {
  if (entry.error) return { why: `SymPy: ${entry.error.split(':')[0]}` };
  try {
    return { e: lib.parse(entry.expr), theirs: sizeOf(lib, entry.sympy), theirsSimp: sizeOf(lib, entry.sympySimplify) };
  } catch (err) {
    const m = /unknown function '?([A-Za-z0-9_]+)/i.exec(String(err.message)) ?? /([A-Za-z0-9_]+\(\)) takes/.exec(String(err.message));
    return { why: m ? `not in the registry yet: ${m[1]}${/takes/.test(err.message) ? ' with these arguments' : ''}` : `exprgrad cannot read it: ${String(err.message).split('\n')[0]}` };
  }
}

export function measureCorpus(lib, corpus) {
  const rows = [];
  const skipped = [];
  for (const entry of corpus.entries) {
    const u = usable(lib, entry);
    if (!u.e) {
      skipped.push({ expr: entry.expr, why: u.why });
      continue;
    }
    const d = lib.derivative(u.e, 'x');
    const ourText = lib.format(d, 'plain');
    const ours = sizeOf(lib, ourText);
    const simp = sizeOf(lib, lib.format(lib.simplify(u.e), 'plain'));
    rows.push({
      expr: entry.expr, fns: entry.fns, entry, d, ourText, sympy: entry.sympy,
      ours, theirs: u.theirs, ratio: ours / u.theirs, simpRatio: simp / u.theirsSimp,
    });
  }
  return { rows, skipped };
}
