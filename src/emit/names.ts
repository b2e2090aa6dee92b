// Safe names for generated code: user variable names → identifiers of a target language.
//
// In:  the user's variable names (any strings: the grammar allows Unicode letters, the API any text), the target's
//      reserved words (keywords, builtins, names the generated code itself uses) and its reserved patterns.
// Out: one ASCII identifier per name ([A-Za-z_][A-Za-z0-9_]*, at most 48 characters), distinct, never reserved,
//      and the list of names that changed (for the comment at the top of the output).
// Accents are dropped (ü → u), Greek letters become their names (θ → theta); any other character outside [A-Za-z0-9_] becomes u<hex> (so no user
// text reaches the output except as letters, digits and underscores).

const GREEK = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma sigma tau upsilon phi chi psi omega'.split(' ');

function asciiChar(c: string): string {
  if (/^[A-Za-z0-9_]$/.test(c)) return c;
  const cp = c.codePointAt(0)!;
  if (cp >= 0x3b1 && cp <= 0x3c9) return GREEK[cp - 0x3b1]; // α..ω (ς is the second sigma)
  if (cp >= 0x391 && cp <= 0x3a9 && cp !== 0x3a2) {
    const g = GREEK[cp - 0x391];
    return g[0].toUpperCase() + g.slice(1);
  }
  return `u${cp.toString(16)}`;
}

/** The ASCII form of a name: letters, digits and underscores only, never starting with a digit, never empty. */
export function asciiName(name: string): string {
  let out = '';
  // Letters with accents lose them (ü → u); Greek letters keep their names; anything else becomes u<hex>.
  for (const c of name.normalize('NFKD').replace(/\p{M}/gu, '')) out += asciiChar(c);
  if (out === '' || /^[0-9]/.test(out)) out = 'v' + out;
  return out.length > 48 ? out.slice(0, 48) : out;
}

export interface NameRules {
  /** Keywords, builtins and the generated code's own names. */
  readonly reserved: ReadonlySet<string>;
  /** Names the language (or the generated code) reserves by shape: gl_…, __…, eg_…. */
  readonly pattern: RegExp;
}

export function isReserved(name: string, rules: NameRules): boolean {
  return rules.reserved.has(name) || rules.pattern.test(name);
}

/**
 * Distinct safe identifiers for the names, in order. `taken` holds identifiers already in use (the function's
 * name); it gains the chosen ones.
 */
export function safeNames(names: readonly string[], rules: NameRules, taken: Set<string>): { ids: string[]; renamed: [string, string][] } {
  const ids: string[] = [];
  const renamed: [string, string][] = [];
  for (const name of names) {
    let base = asciiName(name);
    if (rules.pattern.test(base)) base = 'v_' + base.replace(/^_+/, '').replace(/_{2,}/g, '_');
    if (rules.pattern.test(base)) base = `v${ids.length}`;
    // int → int_, then int_2, int_3, … (the stem has no trailing underscore, so no `__` appears)
    const stem = base.replace(/_+$/, '') || 'v';
    let id = base;
    for (let k = 1; isReserved(id, rules) || taken.has(id); k++) {
      if (k > 100_000) throw new Error('internal: no free name');
      id = k === 1 ? stem + '_' : `${stem}_${k}`;
    }
    taken.add(id);
    ids.push(id);
    if (id !== name) renamed.push([name, id]);
  }
  return { ids, renamed };
}

/** Fresh temporaries t1, t2, … that avoid the taken names. */
export function tempNamer(rules: NameRules, taken: ReadonlySet<string>): () => string {
  let k = 1;
  return () => {
    while (taken.has(`t${k}`) || isReserved(`t${k}`, rules)) k++;
    return `t${k++}`;
  };
}

/** Text safe inside a line comment of any target: printable ASCII only (others as \uXXXX), no line breaks. */
export function commentText(text: string, max = 160): string {
  let out = '';
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    out += cp >= 0x20 && cp < 0x7f ? c : cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u{${cp.toString(16)}}`;
  }
  return out.length > max ? out.slice(0, max - 3) + '...' : out;
}
