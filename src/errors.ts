// The one error class the API throws for bad user input, carrying where it happened.
//
// In:  a code, a short message and (optionally) the source text and a UTF-16 offset into it.
// Out: an Error whose `message` reads, for located errors:
//
//   Syntax error at line 1, column 5: expected an expression
//     2 + * 3
//         ^
//
// Lines longer than the display window are cut around the column ("…"), so a 1 MB line prints a short excerpt.

export type ErrorCode =
  | 'syntax' // the text does not match the grammar
  | 'unknown-function' // f(x) where f is not in the op table
  | 'arity' // wrong number of arguments
  | 'name' // misuse of a name (a function used as a variable, a constant assigned, …)
  | 'too-deep' // nesting beyond what the parser supports
  | 'too-large' // input longer than the parser accepts
  | 'empty' // no expression at all
  | 'value' // bad numeric input (missing or non-numeric variable values, …)
  | 'shape' // tensor shapes that do not fit together
  | 'data' // missing, corrupt or unverifiable data files
  | 'io' // files that cannot be read or written
  | 'usage'; // API/CLI misuse (unknown option, several free variables and no --wrt, …)

export interface Location {
  readonly line: number; // 1-based
  readonly column: number; // 1-based, in code points
  readonly offset: number; // 0-based UTF-16 offset
}

const WINDOW = 72;

export class ExprError extends Error {
  override readonly name = 'ExprError';
  readonly code: ErrorCode;
  /** The short message, without location or excerpt. */
  readonly reason: string;
  readonly location?: Location;
  /** The source line with a caret under the error column (empty when not located). */
  readonly excerpt: string;

  constructor(code: ErrorCode, reason: string, source?: string, offset?: number) {
    let location: Location | undefined;
    let excerpt = '';
    if (source !== undefined && offset !== undefined) {
      location = locate(source, offset);
      excerpt = caretExcerpt(source, offset);
    }
    // Text quoted from files and arguments must never reach a terminal as control sequences.
    reason = safeText(reason);
    const title = code === 'syntax' ? 'Syntax error' : 'Error';
    const where = location ? ` at line ${location.line}, column ${location.column}` : '';
    super(`${title}${where}: ${reason}${excerpt ? '\n' + excerpt : ''}`);
    this.code = code;
    this.reason = reason;
    this.location = location;
    this.excerpt = excerpt;
  }

  toJSON(): object {
    return { error: this.code, message: this.reason, ...(this.location ?? {}) };
  }
}

export function locate(source: string, offset: number): Location {
  offset = Math.max(0, Math.min(offset, source.length));
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  let line = 1;
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) line++;
  const column = [...source.slice(lineStart, offset)].length + 1;
  return { line, column, offset };
}

/** The offending line (cut to a window around the column) and a caret line beneath it. */
export function caretExcerpt(source: string, offset: number): string {
  offset = Math.max(0, Math.min(offset, source.length));
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = source.indexOf('\n', offset);
  if (lineEnd === -1) lineEnd = source.length;
  const before = [...source.slice(lineStart, offset)];
  const after = [...source.slice(offset, lineEnd).replace(/\r$/, '')];
  let head = before;
  let prefix = '';
  if (head.length > WINDOW / 2) {
    head = head.slice(head.length - WINDOW / 2);
    prefix = '…';
  }
  let tail = after;
  let suffix = '';
  if (tail.length > WINDOW / 2) {
    tail = tail.slice(0, WINDOW / 2);
    suffix = '…';
  }
  // Controls and invisible format characters (zero-width, bidi overrides that would reorder the line) show as '?'.
  const visible = (s: string[]) => s.map((c) => (c === '\t' ? ' ' : /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(c) ? '?' : c)).join('');
  const text = prefix + visible(head) + visible(tail) + suffix;
  const caret = ' '.repeat(prefix.length + head.length) + '^';
  return `  ${text}\n  ${caret}`;
}

/**
 * `s` with every control and invisible format character (ESC, BEL, CR, DEL, C1 controls, bidi overrides, line
 * separators; not newline or tab) shown as a visible \u{…} escape, so a message can never move the cursor, set
 * the window title, clear the screen or reorder a line on a terminal.
 */
export function safeText(s: string): string {
  return s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => (c === '\n' || c === '\t' ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`));
}

/**
 * A value read from a file, quoted for a message: JSON notation (strings in quotes, newlines as \n), cut to `max`
 * characters, every control character escaped (safeText).
 */
export function quoteValue(v: unknown, max = 60): string {
  let text: string;
  try {
    text =
      typeof v === 'string'
        ? JSON.stringify(v.length > max ? v.slice(0, max) + '…' : v)
        : typeof v === 'number' || typeof v === 'bigint'
          ? String(v)
          : (JSON.stringify(v) ?? String(v));
  } catch {
    text = Object.prototype.toString.call(v);
  }
  if (text.length > max + 2) text = text.slice(0, max) + '…';
  return safeText(text).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t'));
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n];
}

/** Up to three known names nearest to `name` (distance ≤ 2, or sharing a prefix of 3). */
export function suggest(name: string, known: readonly string[]): string[] {
  if (name.length > 64) return [];
  const lower = name.toLowerCase();
  return known
    .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.min(2, name.length - 1)) || (lower.length >= 3 && k.startsWith(lower.slice(0, 3))))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 3)
    .map(({ k }) => k);
}
